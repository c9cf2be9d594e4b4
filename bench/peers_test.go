package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/go-chi/jwtauth/v5"
	gojwt "github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"
	josejwt "gopkg.in/go-jose/go-jose.v2/jwt"

	"github.com/gosimplejwt/simplejwt"
)

// This file builds each peer's stack the way its documentation shows, with
// the checks simplejwt makes by default added where the peer has a place
// for them: token_type == "access", exp, jti and the user id present, the
// algorithm pinned.

var (
	errWrongType = errors.New("token_type is not access")
	errNoExp     = errors.New("token has no exp")
	errNoID      = errors.New("token has no jti")
	errNoUser    = errors.New("token has no user id")
)

// checkClaims is the check every peer adds, on the claims it decoded.
func checkClaims(typ, want, jti, user string, hasExp bool) error {
	switch {
	case typ != want:
		return errWrongType
	case !hasExp:
		return errNoExp
	case jti == "":
		return errNoID
	case user == "":
		return errNoUser
	}
	return nil
}

// simplejwtUser reads the user id the simplejwt middleware put in the
// context.
func simplejwtUser(r *http.Request) string {
	c, ok := simplejwt.ClaimsFrom(r.Context())
	if !ok {
		return ""
	}
	return c.UserID
}

// --- golang-jwt/jwt/v5, by hand, and labstack/echo-jwt (built on it) ---

// tokenClaims are the claims of a SimpleJWT token for golang-jwt.
type tokenClaims struct {
	TokenType string `json:"token_type"`
	UserID    string `json:"user_id"`
	SessionID string `json:"sid,omitempty"`
	gojwt.RegisteredClaims
}

func (c *tokenClaims) check(want string) error {
	return checkClaims(c.TokenType, want, c.ID, c.UserID, c.ExpiresAt != nil)
}

// accessClaims accept access tokens only: golang-jwt calls Validate after
// its own checks of exp, nbf and iat.
type accessClaims struct{ tokenClaims }

func (c *accessClaims) Validate() error { return c.check("access") }

// refreshClaims accept refresh tokens only.
type refreshClaims struct{ tokenClaims }

func (c *refreshClaims) Validate() error { return c.check("refresh") }

type golangJWTKey struct{}

// golangJWTMiddleware is the middleware one writes with golang-jwt: the
// Bearer token, ParseWithClaims with the algorithm pinned and exp
// required, the claims into the context.
func golangJWTMiddleware(alg string, key any) func(http.Handler) http.Handler {
	parser := gojwt.NewParser(gojwt.WithValidMethods([]string{alg}), gojwt.WithExpirationRequired())
	keyFunc := func(*gojwt.Token) (any, error) { return key, nil }
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
				http.Error(w, "Authentication credentials were not provided.", http.StatusUnauthorized)
				return
			}
			claims := new(accessClaims)
			if _, err := parser.ParseWithClaims(tok, claims, keyFunc); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
				http.Error(w, "Token is invalid or expired", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), golangJWTKey{}, claims)))
		})
	}
}

func golangJWTUser(r *http.Request) string {
	c, ok := r.Context().Value(golangJWTKey{}).(*accessClaims)
	if !ok {
		return ""
	}
	return c.UserID
}

func golangJWTStack(f *fixture, p *probe) stack {
	return stack{h: golangJWTMiddleware(string(f.alg), f.verify)(whoami(p, golangJWTUser))}
}

// echoJWTStack is an Echo server with echo-jwt on the route. The claims
// type's Validate refuses anything but an access token; echo-jwt's default
// key function pins the algorithm.
func echoJWTStack(f *fixture, p *probe) stack {
	e := echo.New()
	mw := echojwt.WithConfig(echojwt.Config{
		SigningKey:    f.verify,
		SigningMethod: string(f.alg),
		NewClaimsFunc: func(echo.Context) gojwt.Claims { return new(accessClaims) },
	})
	e.GET("/api/whoami/", func(c echo.Context) error {
		var id string
		if tok, ok := c.Get("user").(*gojwt.Token); ok {
			if cl, ok := tok.Claims.(*accessClaims); ok {
				id = cl.UserID
			}
		}
		p.see(id)
		if id != wantUser {
			return c.NoContent(http.StatusInternalServerError)
		}
		return nil
	}, mw)
	return stack{h: e}
}

// echoNoneStack is the Echo ceiling: the same route without
// authentication.
func echoNoneStack(_ *fixture, p *probe) stack {
	e := echo.New()
	e.GET("/api/whoami/", func(c echo.Context) error {
		p.see(wantUser)
		return nil
	})
	return stack{h: e}
}

// --- go-chi/jwtauth/v5 (lestrrat-go/jwx/v2) ---

// jwtauthType returns the jwx validator that checks the token's private
// claims for a token of type want.
func jwtauthType(want string) jwxjwt.ValidateOption {
	return jwxjwt.WithValidator(jwxjwt.ValidatorFunc(func(_ context.Context, t jwxjwt.Token) jwxjwt.ValidationError {
		pc := t.PrivateClaims()
		typ, _ := pc["token_type"].(string)
		user, _ := pc["user_id"].(string)
		if err := checkClaims(typ, want, t.JwtID(), user, !t.Expiration().IsZero()); err != nil {
			return jwxjwt.NewValidationError(err)
		}
		return nil
	}))
}

// newJWTAuth returns a JWTAuth for f's key that accepts tokens of type want.
func newJWTAuth(f *fixture, want string) *jwtauth.JWTAuth {
	sign, verify := f.sign, f.verify
	if f.alg == simplejwt.HS256 {
		verify = nil
	}
	return jwtauth.New(string(f.alg), sign, verify, jwtauthType(want))
}

func jwtauthUser(r *http.Request) string {
	t, ok := r.Context().Value(jwtauth.TokenCtxKey).(jwxjwt.Token)
	if !ok || t == nil {
		return ""
	}
	id, _ := t.PrivateClaims()["user_id"].(string)
	return id
}

// jwtauthStack is jwtauth's Verifier and Authenticator, as its README
// chains them.
func jwtauthStack(f *fixture, p *probe) stack {
	ja := newJWTAuth(f, "access")
	return stack{h: jwtauth.Verifier(ja)(jwtauth.Authenticator(ja)(whoami(p, jwtauthUser)))}
}

// --- auth0/go-jwt-middleware/v2 (go-jose v2) ---

// auth0Claims are the custom claims of auth0's validator; their Validate
// is where auth0 lets an application check its own claims.
type auth0Claims struct {
	TokenType string `json:"token_type"`
	UserID    string `json:"user_id"`
	SessionID string `json:"sid,omitempty"`
}

func (c *auth0Claims) Validate(context.Context) error {
	if c.TokenType != "access" {
		return errWrongType
	}
	if c.UserID == "" {
		return errNoUser
	}
	return nil
}

// auth0Validate is validator.Validator.ValidateToken of go-jwt-middleware
// v2.3.1, step for step, less its issuer and audience checks: the stock
// validator requires both to be configured and present in the token, and a
// SimpleJWT access token has neither. It adds the exp and jti checks the
// other stacks make.
func auth0Validate(alg string, key any) jwtmiddleware.ValidateToken {
	return func(ctx context.Context, s string) (any, error) {
		if strings.Count(s, ".") != 2 { // the stock validator's format check
			return nil, errors.New("invalid token format")
		}
		tok, err := josejwt.ParseSigned(s)
		if err != nil {
			return nil, err
		}
		if tok.Headers[0].Algorithm != alg {
			return nil, errors.New("signing method is invalid")
		}
		reg, custom := new(josejwt.Claims), new(auth0Claims)
		if err := tok.Claims(key, reg, custom); err != nil {
			return nil, err
		}
		if err := reg.ValidateWithLeeway(josejwt.Expected{Time: time.Now()}, 0); err != nil {
			return nil, err
		}
		if reg.Expiry == nil {
			return nil, errNoExp
		}
		if reg.ID == "" {
			return nil, errNoID
		}
		if err := custom.Validate(ctx); err != nil {
			return nil, err
		}
		return &validator.ValidatedClaims{
			RegisteredClaims: validator.RegisteredClaims{
				Issuer:    reg.Issuer,
				Subject:   reg.Subject,
				Audience:  reg.Audience,
				ID:        reg.ID,
				Expiry:    unix(reg.Expiry),
				NotBefore: unix(reg.NotBefore),
				IssuedAt:  unix(reg.IssuedAt),
			},
			CustomClaims: custom,
		}, nil
	}
}

func unix(d *josejwt.NumericDate) int64 {
	if d == nil {
		return 0
	}
	return d.Time().Unix()
}

func auth0User(r *http.Request) string {
	vc, ok := r.Context().Value(jwtmiddleware.ContextKey{}).(*validator.ValidatedClaims)
	if !ok {
		return ""
	}
	c, ok := vc.CustomClaims.(*auth0Claims)
	if !ok {
		return ""
	}
	return c.UserID
}

func auth0Stack(f *fixture, p *probe) stack {
	m := jwtmiddleware.New(auth0Validate(string(f.alg), f.verify))
	return stack{h: m.CheckJWT(whoami(p, auth0User))}
}

// Audience and issuer of the stock auth0 validator's tokens.
const (
	stockIssuer   = "https://auth.example.com/"
	stockAudience = "api"
)

// auth0StockValidator is auth0's own validator, which needs the token to
// carry iss and aud.
func auth0StockValidator(f *fixture) (*validator.Validator, error) {
	return validator.New(
		func(context.Context) (any, error) { return f.verify, nil },
		validator.SignatureAlgorithm(f.alg),
		stockIssuer,
		[]string{stockAudience},
		validator.WithCustomClaims(func() validator.CustomClaims { return new(auth0Claims) }),
	)
}

// --- minting, for the issuer benchmarks ---

// newJTI is a uuid4 as 32 hex digits, as SimpleJWT writes jti.
func newJTI() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// Default SimpleJWT lifetimes.
const (
	accessLifetime  = 5 * time.Minute
	refreshLifetime = 24 * time.Hour
)

// golangJWTIssuer mints and refreshes SimpleJWT-shaped pairs with
// golang-jwt.
type golangJWTIssuer struct {
	method gojwt.SigningMethod
	sign   any
	verify any
	parser *gojwt.Parser
}

func newGolangJWTIssuer(f *fixture) *golangJWTIssuer {
	return &golangJWTIssuer{
		method: gojwt.GetSigningMethod(string(f.alg)),
		sign:   f.sign,
		verify: f.verify,
		parser: gojwt.NewParser(gojwt.WithValidMethods([]string{string(f.alg)}), gojwt.WithExpirationRequired()),
	}
}

func (g *golangJWTIssuer) mint(typ, user, sid string, now time.Time, life time.Duration) (string, error) {
	return gojwt.NewWithClaims(g.method, &tokenClaims{
		TokenType: typ,
		UserID:    user,
		SessionID: sid,
		RegisteredClaims: gojwt.RegisteredClaims{
			ExpiresAt: gojwt.NewNumericDate(now.Add(life)),
			IssuedAt:  gojwt.NewNumericDate(now),
			ID:        newJTI(),
		},
	}).SignedString(g.sign)
}

func (g *golangJWTIssuer) pair(user string) (access, refresh string, err error) {
	now, sid := time.Now(), newJTI()
	if refresh, err = g.mint("refresh", user, sid, now, refreshLifetime); err != nil {
		return "", "", err
	}
	access, err = g.mint("access", user, sid, now, accessLifetime)
	return access, refresh, err
}

func (g *golangJWTIssuer) refresh(tok string) (string, error) {
	c := new(refreshClaims)
	if _, err := g.parser.ParseWithClaims(tok, c, func(*gojwt.Token) (any, error) { return g.verify, nil }); err != nil {
		return "", err
	}
	return g.mint("access", c.UserID, c.SessionID, time.Now(), accessLifetime)
}

// jwtauthIssuer mints and refreshes SimpleJWT-shaped pairs with jwtauth.
type jwtauthIssuer struct {
	ja        *jwtauth.JWTAuth // signs
	jaRefresh *jwtauth.JWTAuth // verifies refresh tokens
}

func newJWTAuthIssuer(f *fixture) *jwtauthIssuer {
	return &jwtauthIssuer{ja: newJWTAuth(f, "access"), jaRefresh: newJWTAuth(f, "refresh")}
}

func (j *jwtauthIssuer) mint(typ, user, sid string, now time.Time, life time.Duration) (string, error) {
	_, s, err := j.ja.Encode(map[string]any{
		"token_type": typ,
		"exp":        now.Add(life),
		"iat":        now,
		"jti":        newJTI(),
		"user_id":    user,
		"sid":        sid,
	})
	return s, err
}

func (j *jwtauthIssuer) pair(user string) (access, refresh string, err error) {
	now, sid := time.Now(), newJTI()
	if refresh, err = j.mint("refresh", user, sid, now, refreshLifetime); err != nil {
		return "", "", err
	}
	access, err = j.mint("access", user, sid, now, accessLifetime)
	return access, refresh, err
}

func (j *jwtauthIssuer) refresh(tok string) (string, error) {
	t, err := jwtauth.VerifyToken(j.jaRefresh, tok)
	if err != nil {
		return "", err
	}
	pc := t.PrivateClaims()
	user, _ := pc["user_id"].(string)
	sid, _ := pc["sid"].(string)
	return j.mint("access", user, sid, time.Now(), accessLifetime)
}
