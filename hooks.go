package simplejwt

import (
	"errors"
	"net/http"
	"time"
)

// Outcome is how the authentication of one request ended, for metrics.
type Outcome string

// Outcomes, one per reason a request is accepted or refused.
const (
	OutcomeOK               Outcome = "ok"
	OutcomeMissing          Outcome = "missing"           // no token
	OutcomeMalformed        Outcome = "malformed"         // bad header, or not a well-formed token
	OutcomeBadSignature     Outcome = "bad_signature"     // no key for it, or a signature that does not verify
	OutcomeExpired          Outcome = "expired"           // exp passed
	OutcomeInvalid          Outcome = "invalid"           // other claims: nbf, iat, aud, iss, jti, user id
	OutcomeWrongType        Outcome = "wrong_type"        // token_type missing or not accepted
	OutcomeRevoked          Outcome = "revoked"           // jti, session or user cutoff revoked
	OutcomeStoreUnavailable Outcome = "store_unavailable" // the revocation store did not answer
	OutcomeCSRF             Outcome = "csrf"              // a cookie-authenticated request failed the CSRF checks
)

// OutcomeOf classifies an error returned by Check; nil is OutcomeOK.
func OutcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, ErrNoToken):
		return OutcomeMissing
	case errors.Is(err, ErrBadAuthorizationHeader), errors.Is(err, ErrDuplicateAuthorization),
		errors.Is(err, ErrTokenMalformed):
		return OutcomeMalformed
	case errors.Is(err, ErrTokenSignature), errors.Is(err, ErrTokenUnverifiable):
		return OutcomeBadSignature
	case errors.Is(err, ErrTokenExpired):
		return OutcomeExpired
	case errors.Is(err, ErrTokenWrongType), errors.Is(err, ErrTokenNoType):
		return OutcomeWrongType
	case errors.Is(err, ErrTokenRevoked):
		return OutcomeRevoked
	case errors.Is(err, ErrRevocationUnavailable):
		return OutcomeStoreUnavailable
	case errors.Is(err, ErrCSRF), errors.Is(err, ErrCrossOrigin):
		return OutcomeCSRF
	default:
		return OutcomeInvalid
	}
}

// Hooks are called as the middleware works, for logs and metrics. Any of
// them may be nil. They run on the request's goroutine and must be safe for
// concurrent use and quick.
type Hooks struct {
	// Authenticated is called once per request a Guard checks, with the
	// outcome and Check's error (nil for OutcomeOK). A request an optional
	// guard lets through without a token reports OutcomeMissing and a nil
	// error.
	Authenticated func(r *http.Request, outcome Outcome, err error)
	// Renewed is called when a sliding token is re-issued, with the claims
	// of the new token.
	Renewed func(r *http.Request, c *Claims)
	// StoreLookup is called after each revocation lookup of the middleware
	// with its duration (wall clock) and error.
	StoreLookup func(d time.Duration, err error)
	// FailedOpen is called for each request accepted although the store
	// failed (WithFailOpen).
	FailedOpen func(r *http.Request, err error)
}

// WithHooks sets the hooks called as the middleware works. Default none.
func WithHooks(h Hooks) Option {
	return func(c *config) error {
		c.hooks = h
		return nil
	}
}
