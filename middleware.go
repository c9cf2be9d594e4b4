package simplejwt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Source says where a request's token was found.
type Source uint8

// Token sources.
const (
	SourceNone Source = iota
	SourceHeader
	SourceCookie
	SourceQuery
)

// Result is the outcome of a successful Check.
type Result struct {
	// Claims are the verified claims; nil when an optional guard let a
	// request without a token through.
	Claims *Claims
	// Token is the token as the request carried it.
	Token  string
	Source Source
	// Renewed, when not empty, is a renewed sliding token for the client to
	// use from now on; WriteRenewal puts it in the response.
	Renewed string
	// RenewedClaims are the claims of Renewed.
	RenewedClaims *Claims
}

// Guard authenticates requests for a route or a group of routes: which token
// types it accepts, and whether a token is required. It is safe for
// concurrent use.
type Guard struct {
	a        *Auth
	accept   []TokenType
	optional bool
}

// GuardOption configures a Guard.
type GuardOption func(*Guard) error

// Accept sets the token types a Guard accepts: Access, Sliding or both.
// Refresh tokens are never accepted as credentials.
func Accept(types ...TokenType) GuardOption {
	return func(g *Guard) error {
		if err := checkTypes(types); err != nil {
			return fmt.Errorf("Accept: %w", err)
		}
		g.accept = slices.Clone(types)
		return nil
	}
}

// Optional lets requests without any token through, without claims. A
// request with a bad token is still refused.
func Optional() GuardOption {
	return func(g *Guard) error { g.optional = true; return nil }
}

// Guard returns a Guard that starts from the Auth's defaults (WithTokenTypes,
// token required) and applies opts.
func (a *Auth) Guard(opts ...GuardOption) (*Guard, error) {
	g := &Guard{a: a, accept: a.cfg.tokenTypes}
	for _, opt := range opts {
		if err := opt(g); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// MustGuard is like Guard but panics on a bad option. It is meant for
// setting up routes at start-up.
func (a *Auth) MustGuard(opts ...GuardOption) *Guard {
	g, err := a.Guard(opts...)
	if err != nil {
		panic(err)
	}
	return g
}

// DefaultGuard returns the guard of Middleware and Check: the token types of
// WithTokenTypes, a token required.
func (a *Auth) DefaultGuard() *Guard { return a.guard }

// Middleware authenticates requests with the Auth's default guard. See
// Guard.Middleware.
func (a *Auth) Middleware(next http.Handler) http.Handler { return a.guard.Middleware(next) }

// Check authenticates r with the Auth's default guard. See Guard.Check.
func (a *Auth) Check(r *http.Request) (Result, error) { return a.guard.Check(r) }

// WriteRenewal writes res's renewed sliding token, if any, into h. See
// Guard.WriteRenewal.
func (a *Auth) WriteRenewal(h http.Header, res Result) { a.guard.WriteRenewal(h, res) }

// WriteError writes the HTTP answer for an error returned by Check, with the
// configured ErrorWriter.
func (a *Auth) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if a.cfg.errorWriter != nil {
		a.cfg.errorWriter.WriteError(w, r, err)
		return
	}
	writeProblem(w, a.middlewareProblem(err))
}

// WriteError writes the HTTP answer for an error returned by g.Check, with
// the Auth's ErrorWriter.
func (g *Guard) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	g.a.WriteError(w, r, err)
}

// ProblemFor returns the status, challenge and JSON body the default error
// writer sends for err.
func (a *Auth) ProblemFor(err error) Problem { return a.middlewareProblem(err) }

// Middleware returns a handler that authenticates each request before
// calling next: refused requests get the error answer and never reach next;
// accepted ones reach next with their claims in the context (ClaimsFrom).
// A renewed sliding token is written to the response headers before next
// runs.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r, _, ok := g.Authenticate(w, r); ok {
			next.ServeHTTP(w, r)
		}
	})
}

// Authenticate runs Check and acts on its outcome, as the middleware does:
// a refused request gets the error answer and ok is false; an accepted one
// gets its renewal header, if any, and comes back with its claims in the
// context. A request an optional guard lets through without a token comes
// back unchanged with nil claims. Framework adapters call it and keep only
// their own bookkeeping.
func (g *Guard) Authenticate(w http.ResponseWriter, r *http.Request) (_ *http.Request, _ *Claims, ok bool) {
	res, err := g.Check(r)
	if err != nil {
		g.a.WriteError(w, r, err)
		return r, nil, false
	}
	if res.Claims == nil {
		return r, nil, true
	}
	g.WriteRenewal(w.Header(), res)
	return r.WithContext(NewContext(r.Context(), res.Claims)), res.Claims, true
}

// Check authenticates r: it extracts the token, verifies it (signature, alg
// pinned by key, times with leeway, audience, issuer, token type), asks the
// revocation store in one round trip, and decides whether a sliding token is
// due for renewal. It writes nothing; errors match the package's sentinels
// and map to HTTP answers through Auth.WriteError.
func (g *Guard) Check(r *http.Request) (Result, error) {
	res, err := g.check(r)
	if h := g.a.cfg.hooks; h.Authenticated != nil {
		outcome := OutcomeOf(err)
		if err == nil && res.Claims == nil {
			outcome = OutcomeMissing
		}
		h.Authenticated(r, outcome, err)
	}
	if h := g.a.cfg.hooks.Renewed; h != nil && res.Renewed != "" {
		h(r, res.RenewedClaims)
	}
	return res, err
}

func (g *Guard) check(r *http.Request) (Result, error) {
	a := g.a
	tok, src, err := a.extract(r)
	if err != nil {
		if g.optional && errors.Is(err, ErrNoToken) {
			return Result{}, nil
		}
		return Result{}, err
	}
	if src == SourceCookie {
		if err := a.checkCSRF(r); err != nil {
			return Result{}, err
		}
	}
	now := a.cfg.now()
	var (
		c      *Claims
		cached bool
	)
	if a.cache != nil {
		c, cached = a.cache.get(tok, now)
	}
	if !cached {
		if c, err = a.parse(r.Context(), tok); err != nil {
			return Result{}, g.annotate(err, nil)
		}
	}
	renewExpired := a.cfg.renewExpired && c.Type == Sliding && slices.Contains(g.accept, Sliding) &&
		!c.RefreshExpiresAt.IsZero() && c.RefreshExpiresAt.After(now)
	if err := a.validate(c, now, g.accept, renewExpired); err != nil {
		return Result{}, g.annotate(err, c)
	}
	if c.UserID == "" {
		return Result{}, g.annotate(tokenErr(ErrTokenNoUser, nil), c)
	}
	if !cached && a.cache != nil {
		keep := *c
		a.cache.put(tok, &keep, now)
	}
	if err := a.checkRevoked(r.Context(), c, r); err != nil {
		return Result{}, g.annotate(err, c)
	}
	res := Result{Claims: c, Token: tok, Source: src}
	if c.Type == Sliding && a.dueForRenewal(c, now) {
		res.Renewed, res.RenewedClaims, err = a.renew(c, now)
		if err != nil {
			// The token itself is valid; failing to renew it costs the
			// client nothing but a later renewal.
			a.cfg.logger.Error("simplejwt: sliding renewal failed", "jti", c.ID, "err", err)
			res.Renewed, res.RenewedClaims = "", nil
		} else {
			a.touchSession(r.Context(), c, now, false)
		}
	}
	return res, nil
}

// annotate records the accepted types (and the token's type) on a token
// error, for the "messages" of the error body.
func (g *Guard) annotate(err error, c *Claims) error {
	var te *TokenError
	if errors.As(err, &te) {
		te.Accepted = g.accept
		if c != nil {
			te.Type = c.Type
		}
	}
	return err
}

// WriteRenewal writes res's renewed sliding token, if any: into the renew
// header (listed in Access-Control-Expose-Headers), and into the cookie when
// the token came from one.
func (g *Guard) WriteRenewal(h http.Header, res Result) {
	if res.Renewed == "" {
		return
	}
	cfg := &g.a.cfg
	h.Set(cfg.renewHeader, res.Renewed)
	if !exposes(h, cfg.renewHeader) {
		h.Add("Access-Control-Expose-Headers", cfg.renewHeader)
	}
	if res.Source == SourceCookie {
		o := cfg.cookies
		if o == nil {
			o = &CookieOptions{AccessName: cfg.cookieName, Path: "/", SameSite: http.SameSiteLaxMode}
		}
		// The cookie lives as long as the token can be renewed.
		ck := o.cookie(cfg.cookieName, res.Renewed, o.Path, true, res.RenewedClaims.RefreshExpiresAt, cfg.now())
		h.Add("Set-Cookie", ck.String())
	}
}

func exposes(h http.Header, name string) bool {
	for _, v := range h.Values("Access-Control-Expose-Headers") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// dueForRenewal reports whether a sliding token should be renewed now: less
// than the threshold of its life is left and its refresh_exp has not passed.
func (a *Auth) dueForRenewal(c *Claims, now time.Time) bool {
	if c.RefreshExpiresAt.IsZero() || !now.Before(c.RefreshExpiresAt) {
		return false
	}
	if c.ExpiresAt.Sub(now) >= a.cfg.renewThreshold {
		return false
	}
	// A renewal capped at refresh_exp that would not outlive the token is
	// pointless.
	return a.renewedExp(c, now).After(c.ExpiresAt)
}

// renewedExp is the exp of a renewal made now: a full sliding lifetime,
// never past refresh_exp.
func (a *Auth) renewedExp(c *Claims, now time.Time) time.Time {
	exp := now.Add(a.cfg.slidingLifetime)
	if exp.After(c.RefreshExpiresAt) {
		exp = c.RefreshExpiresAt
	}
	return exp
}

// renew re-issues a sliding token: same jti, refresh_exp and custom claims,
// new iat and exp, the exp never past refresh_exp.
func (a *Auth) renew(c *Claims, now time.Time) (string, *Claims, error) {
	return a.sign(&mint{
		typ:        Sliding,
		iat:        now,
		exp:        a.renewedExp(c, now),
		refreshExp: c.RefreshExpiresAt,
		jti:        c.ID,
		from:       c,
	})
}

// checkRevoked asks the store about c. When the store fails it refuses the
// token, unless fail-open was configured and r, the request being
// authenticated, is not nil: the token endpoints always fail closed, so an
// outage never mints tokens from revoked credentials.
func (a *Auth) checkRevoked(ctx context.Context, c *Claims, r *http.Request) error {
	var start time.Time
	hook := a.cfg.hooks.StoreLookup
	if hook != nil && r != nil {
		start = time.Now()
	}
	st, err := a.store.Lookup(ctx, c.ref())
	if !start.IsZero() {
		hook(time.Since(start), err)
	}
	if err != nil {
		if a.cfg.failOpen != nil && r != nil {
			a.cfg.logger.Warn("simplejwt: revocation store failed; accepting token (fail-open)",
				"jti", c.ID, "user", c.UserID, "err", err)
			a.cfg.failOpen(r, err)
			if h := a.cfg.hooks.FailedOpen; h != nil {
				h(r, err)
			}
			return nil
		}
		return &StoreError{Err: err}
	}
	// The jti comes last: a refresh token revoked by rotation alone is told
	// apart from one whose login was revoked too.
	switch {
	case st.SessionRevoked:
		return tokenErr(ErrTokenRevoked, errSessionRevoked)
	case !st.Cutoff.IsZero() && (c.IssuedAt.IsZero() || c.IssuedAt.Before(st.Cutoff)):
		return tokenErr(ErrTokenRevoked, errCutoff)
	case st.TokenRevoked:
		return tokenErr(ErrTokenRevoked, errJTIRevoked)
	}
	return nil
}

// Details of ErrTokenRevoked.
var (
	errJTIRevoked     = errors.New("jti revoked")
	errSessionRevoked = errors.New("session revoked")
	errCutoff         = errors.New("issued before the user's cutoff")
	errReused         = errors.New("rotated refresh token presented again: session revoked")
)

// extract finds the token: the Authorization header first, then the cookie
// and the query parameter when configured. It never reads the body.
func (a *Auth) extract(r *http.Request) (string, Source, error) {
	cfg := &a.cfg
	if vals := r.Header[cfg.headerName]; len(vals) > 0 {
		if len(vals) > 1 {
			return "", SourceNone, ErrDuplicateAuthorization
		}
		tok, ok, err := a.fromHeader(vals[0])
		if err != nil {
			return "", SourceNone, err
		}
		if ok {
			return tok, SourceHeader, nil
		}
	}
	if cfg.cookieName != "" {
		if ck, err := r.Cookie(cfg.cookieName); err == nil && ck.Value != "" {
			return ck.Value, SourceCookie, nil
		}
	}
	if cfg.queryParam != "" {
		if tok := r.URL.Query().Get(cfg.queryParam); tok != "" {
			return tok, SourceQuery, nil
		}
	}
	return "", SourceNone, ErrNoToken
}

// fromHeader splits an Authorization value on spaces and tabs, as
// SimpleJWT's header.split() does. A value whose scheme is not configured is
// no token (ok false); a configured scheme must be followed by exactly one
// token.
func (a *Auth) fromHeader(v string) (tok string, ok bool, err error) {
	v = strings.TrimLeft(v, " \t")
	i := strings.IndexAny(v, " \t")
	scheme, rest := v, ""
	if i >= 0 {
		scheme, rest = v[:i], v[i:]
	}
	if scheme == "" || !a.isHeaderType(scheme) {
		return "", false, nil
	}
	tok = strings.Trim(rest, " \t")
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false, ErrBadAuthorizationHeader
	}
	return tok, true, nil
}

func (a *Auth) isHeaderType(s string) bool {
	for _, t := range a.cfg.headerTypes {
		if strings.EqualFold(s, t) {
			return true
		}
	}
	return false
}

type claimsKey struct{}

// NewContext returns a copy of ctx carrying c.
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// ClaimsFrom returns the claims the middleware put in ctx.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}
