// Package simplejwt is JWT authentication for net/http in the model of Django
// REST Framework SimpleJWT: access/refresh pairs and sliding tokens, the same
// token endpoints, and tokens that are wire-compatible with a SimpleJWT
// server sharing the signing key.
//
// An Auth, built once by New, mints and verifies tokens, serves the token
// endpoints as http.Handlers and authenticates requests through its
// middleware. Every request's token is checked against a revocation Store
// (in memory by default, Redis for several processes) in one round trip.
package simplejwt

import (
	"errors"
	"fmt"
	"log/slog"
)

// Auth mints, verifies and revokes tokens. It is configured once by New and
// immutable afterwards; it is safe for concurrent use.
type Auth struct {
	cfg           config
	keys          *keyRing
	signingHeader []byte
	store         Store
	guard         *Guard      // the default guard of Middleware and Check
	cache         *tokenCache // verified tokens; nil when turned off
}

// New returns an Auth configured by opts. It checks the whole configuration
// and refuses a bad one with an error naming each offending option. At least
// one key is required (WithHMACSecret, WithSigningKey or
// WithVerificationKeys).
func New(opts ...Option) (*Auth, error) {
	cfg := defaultConfig()
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := cfg.validate(); err != nil {
		errs = append(errs, err)
	}
	keys, err := newKeyRing(cfg.signingKey, cfg.verifyKeys, cfg.keySources)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		for _, src := range cfg.keySources {
			src.Close()
		}
		return nil, fmt.Errorf("simplejwt.New: %w", err)
	}
	for _, src := range cfg.keySources {
		if l, ok := src.(interface{ setLogger(*slog.Logger) }); ok {
			l.setLogger(cfg.logger)
		}
	}
	a := &Auth{cfg: cfg, keys: keys, store: cfg.store, cache: newTokenCache(cfg.cacheEntries)}
	if keys.signing != nil {
		a.signingHeader = encodeHeader(keys.signing)
	}
	if a.store == nil {
		a.store = NewMemoryStore(cfg.now)
	}
	a.guard = &Guard{a: a, accept: cfg.tokenTypes}
	return a, nil
}

// Store returns the revocation store in use.
func (a *Auth) Store() Store { return a.store }

// Close stops the background work of the Auth's key sources (remote JWKS
// refreshes). It does not close the Store, which the caller owns.
func (a *Auth) Close() error { return a.keys.Close() }
