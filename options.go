package simplejwt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Option configures an Auth. Options are checked together by New, which
// refuses a bad value or a bad combination with an error naming the option.
type Option func(*config) error

type config struct {
	signingKey *Key
	verifyKeys []*Key
	keySources []keySource

	accessLifetime         time.Duration
	refreshLifetime        time.Duration
	slidingLifetime        time.Duration
	slidingRefreshLifetime time.Duration
	leeway                 time.Duration
	audience               []string
	issuer                 string

	userIDClaim     string
	refreshExpClaim string
	sessionClaim    string

	tokenTypes    []TokenType
	headerName    string
	headerTypes   []string
	cookieName    string
	cookies       *CookieOptions              // cookie mode; nil when off
	crossOrigin   *http.CrossOriginProtection // for cookie-authenticated requests
	queryParam    string
	maxTokenBytes int
	cacheEntries  int

	renewHeader    string
	renewThreshold time.Duration
	renewExpired   bool

	rotateRefresh          bool
	blacklistAfterRotation bool
	rotationGrace          time.Duration

	store    Store
	failOpen func(*http.Request, error)
	hooks    Hooks

	now           func() time.Time
	errorWriter   ErrorWriter
	realm         string
	challenge     string // `Bearer realm="api"`
	authenticator Authenticator
	usernameField string
	maxBodyBytes  int64
	logger        *slog.Logger
}

func defaultConfig() config {
	return config{
		accessLifetime:         5 * time.Minute,
		refreshLifetime:        24 * time.Hour,
		slidingLifetime:        5 * time.Minute,
		slidingRefreshLifetime: 24 * time.Hour,
		userIDClaim:            "user_id",
		refreshExpClaim:        "refresh_exp",
		sessionClaim:           "sid",
		tokenTypes:             []TokenType{Access},
		headerName:             "Authorization",
		headerTypes:            []string{"Bearer"},
		maxTokenBytes:          4096,
		cacheEntries:           10000,
		renewHeader:            "Refreshed-Token",
		now:                    time.Now,
		realm:                  "api",
		usernameField:          "username",
		maxBodyBytes:           64 << 10,
	}
}

// WithSigningKey sets the key that signs every token this Auth mints. It also
// verifies tokens. (SimpleJWT: SIGNING_KEY and ALGORITHM.)
func WithSigningKey(k *Key) Option {
	return func(c *config) error {
		if k == nil {
			return errors.New("WithSigningKey: nil key")
		}
		c.signingKey = k
		return nil
	}
}

// WithHMACSecret signs and verifies with an HS256 key made from secret, which
// must be at least 32 bytes. It is the usual setting for a single service and
// the one that interoperates with a SimpleJWT server sharing SIGNING_KEY.
func WithHMACSecret(secret []byte) Option {
	return func(c *config) error {
		k, err := NewHMACKey(HS256, secret)
		if err != nil {
			return fmt.Errorf("WithHMACSecret: %w", err)
		}
		c.signingKey = k
		return nil
	}
}

// WithVerificationKeys adds keys that verify tokens but never sign:
// a previous signing key during rotation, or another issuer's public key.
// (SimpleJWT: VERIFYING_KEY.)
func WithVerificationKeys(keys ...*Key) Option {
	return func(c *config) error {
		for _, k := range keys {
			if k == nil {
				return errors.New("WithVerificationKeys: nil key")
			}
		}
		c.verifyKeys = append(c.verifyKeys, keys...)
		return nil
	}
}

// lifetime sets the duration field picks out, refusing a non-positive one.
func lifetime(name string, d time.Duration, field func(*config) *time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%s: lifetime must be positive, got %v", name, d)
		}
		*field(c) = d
		return nil
	}
}

// WithAccessTokenLifetime sets how long access tokens live. Default 5
// minutes (SimpleJWT: ACCESS_TOKEN_LIFETIME).
func WithAccessTokenLifetime(d time.Duration) Option {
	return lifetime("WithAccessTokenLifetime", d, func(c *config) *time.Duration { return &c.accessLifetime })
}

// WithRefreshTokenLifetime sets how long refresh tokens live. Default 1 day
// (SimpleJWT: REFRESH_TOKEN_LIFETIME).
func WithRefreshTokenLifetime(d time.Duration) Option {
	return lifetime("WithRefreshTokenLifetime", d, func(c *config) *time.Duration { return &c.refreshLifetime })
}

// WithSlidingTokenLifetime sets the exp of each sliding token and of each
// renewal. Default 5 minutes (SimpleJWT: SLIDING_TOKEN_LIFETIME).
func WithSlidingTokenLifetime(d time.Duration) Option {
	return lifetime("WithSlidingTokenLifetime", d, func(c *config) *time.Duration { return &c.slidingLifetime })
}

// WithSlidingTokenRefreshLifetime sets how long after login a sliding token
// can still be renewed (its refresh_exp). Default 1 day (SimpleJWT:
// SLIDING_TOKEN_REFRESH_LIFETIME). It may not be shorter than the sliding
// lifetime.
func WithSlidingTokenRefreshLifetime(d time.Duration) Option {
	return lifetime("WithSlidingTokenRefreshLifetime", d, func(c *config) *time.Duration { return &c.slidingRefreshLifetime })
}

// WithLeeway allows for clock skew when checking exp, nbf and iat, and is
// added to the expiry of revocation entries. Default 0 (SimpleJWT: LEEWAY).
func WithLeeway(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > time.Hour {
			return fmt.Errorf("WithLeeway: must be between 0 and 1h, got %v", d)
		}
		c.leeway = d
		return nil
	}
}

// WithAudience sets the aud claim of minted tokens and requires verified
// tokens to name one of these audiences. Default none: aud is neither set
// nor checked (SimpleJWT: AUDIENCE).
func WithAudience(aud ...string) Option {
	return func(c *config) error {
		if len(aud) == 0 || slices.Contains(aud, "") {
			return errors.New("WithAudience: audiences must be non-empty strings")
		}
		c.audience = slices.Clone(aud)
		return nil
	}
}

// WithIssuer sets the iss claim of minted tokens and requires it of verified
// tokens. Default none (SimpleJWT: ISSUER).
func WithIssuer(iss string) Option {
	return func(c *config) error {
		if iss == "" {
			return errors.New("WithIssuer: empty issuer")
		}
		c.issuer = iss
		return nil
	}
}

// WithUserIDClaim names the claim holding the user id. Default "user_id"
// (SimpleJWT: USER_ID_CLAIM); "sub" for an identity provider's tokens.
func WithUserIDClaim(name string) Option {
	return func(c *config) error { c.userIDClaim = name; return nil }
}

// WithRefreshExpClaim names the claim holding a sliding token's renewal
// deadline. Default "refresh_exp" (SimpleJWT:
// SLIDING_TOKEN_REFRESH_EXP_CLAIM).
func WithRefreshExpClaim(name string) Option {
	return func(c *config) error { c.refreshExpClaim = name; return nil }
}

// WithSessionClaim names the claim holding the session id that ties together
// every token of one login. Default "sid"; "" mints no session id (SimpleJWT
// has no equivalent and ignores the claim).
func WithSessionClaim(name string) Option {
	return func(c *config) error { c.sessionClaim = name; return nil }
}

// WithTokenTypes sets the token types the default middleware (Auth.Middleware
// and Auth.Check) accepts. Default Access only (SimpleJWT:
// AUTH_TOKEN_CLASSES). Refresh is never accepted as a credential.
func WithTokenTypes(types ...TokenType) Option {
	return func(c *config) error {
		if err := checkTypes(types); err != nil {
			return fmt.Errorf("WithTokenTypes: %w", err)
		}
		c.tokenTypes = slices.Clone(types)
		return nil
	}
}

func checkTypes(types []TokenType) error {
	if len(types) == 0 {
		return errors.New("no token type")
	}
	for _, t := range types {
		if t != Access && t != Sliding {
			return fmt.Errorf("%q cannot authenticate a request (use Access or Sliding)", t)
		}
	}
	return nil
}

// WithAuthHeaderTypes sets the schemes accepted in the Authorization header,
// matched case-insensitively as RFC 9110 says. A header with another scheme
// counts as no token. Default "Bearer" (SimpleJWT: AUTH_HEADER_TYPES).
func WithAuthHeaderTypes(types ...string) Option {
	return func(c *config) error {
		if len(types) == 0 {
			return errors.New("WithAuthHeaderTypes: no type")
		}
		for _, t := range types {
			if t == "" || strings.ContainsAny(t, " \t\r\n,\"") {
				return fmt.Errorf("WithAuthHeaderTypes: invalid scheme %q", t)
			}
		}
		c.headerTypes = slices.Clone(types)
		return nil
	}
}

// WithAuthHeaderName sets the request header holding the token. Default
// "Authorization" (SimpleJWT: AUTH_HEADER_NAME).
func WithAuthHeaderName(name string) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, " \t\r\n:") {
			return fmt.Errorf("WithAuthHeaderName: invalid header name %q", name)
		}
		c.headerName = http.CanonicalHeaderKey(name)
		return nil
	}
}

// WithCookie also reads the token from the named cookie when the request has
// no Authorization header of a configured type. A sliding token read from a
// cookie is renewed into the same cookie. State-changing requests
// authenticated by the cookie must pass the CSRF checks of cookie mode
// (same origin, and the "csrf_token" cookie echoed in "X-CSRF-Token"). For
// the full cookie mode, where the endpoints set the cookies, see
// WithCookies. Default off.
func WithCookie(name string) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, " \t\r\n;,=") {
			return fmt.Errorf("WithCookie: invalid cookie name %q", name)
		}
		c.cookieName = name
		return nil
	}
}

// WithQueryParameter also reads the token from the named URL query parameter.
// Default off. Tokens in URLs end up in logs, proxies and browser history:
// use it only where a header cannot be sent (WebSocket upgrades, say).
func WithQueryParameter(name string) Option {
	return func(c *config) error {
		if name == "" {
			return errors.New("WithQueryParameter: empty name")
		}
		c.queryParam = name
		return nil
	}
}

// WithMaxTokenBytes sets the longest token accepted; longer ones are refused
// before any decoding. Default 4096.
func WithMaxTokenBytes(n int) Option {
	return func(c *config) error {
		if n < 64 || n > 1<<20 {
			return fmt.Errorf("WithMaxTokenBytes: must be between 64 and 1 MiB, got %d", n)
		}
		c.maxTokenBytes = n
		return nil
	}
}

// WithVerifiedTokenCache sets how many verified tokens the middleware
// remembers, so that a token seen before skips decoding and signature
// checking until its exp; time, type and revocation checks still run on
// every request. The cache is keyed on the whole token, signature included,
// and its memory is bounded by n entries. Default 10,000; 0 turns it off.
func WithVerifiedTokenCache(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 10_000_000 {
			return fmt.Errorf("WithVerifiedTokenCache: must be between 0 and 10,000,000, got %d", n)
		}
		c.cacheEntries = n
		return nil
	}
}

// WithRenewHeader names the response header that carries a renewed sliding
// token. It is also listed in Access-Control-Expose-Headers. Default
// "Refreshed-Token".
func WithRenewHeader(name string) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, " \t\r\n:") {
			return fmt.Errorf("WithRenewHeader: invalid header name %q", name)
		}
		c.renewHeader = http.CanonicalHeaderKey(name)
		return nil
	}
}

// WithRenewThreshold renews a sliding token when less than d of its lifetime
// remains. Default half the sliding lifetime. It must lie in (0, sliding
// lifetime].
func WithRenewThreshold(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithRenewThreshold: must be positive, got %v", d)
		}
		c.renewThreshold = d
		return nil
	}
}

// WithRenewExpiredSliding makes the middleware accept, and renew, a sliding
// token whose exp has passed while its refresh_exp has not. Default off, as
// in SimpleJWT, which refuses such a token.
func WithRenewExpiredSliding(on bool) Option {
	return func(c *config) error { c.renewExpired = on; return nil }
}

// WithRotateRefreshTokens makes the refresh endpoint return a new refresh
// token with each access token. Default off (SimpleJWT:
// ROTATE_REFRESH_TOKENS).
func WithRotateRefreshTokens(on bool) Option {
	return func(c *config) error { c.rotateRefresh = on; return nil }
}

// WithBlacklistAfterRotation revokes a refresh token once it has been
// rotated, atomically, so that of concurrent refreshes with one token exactly
// one succeeds. Default off (SimpleJWT: BLACKLIST_AFTER_ROTATION).
func WithBlacklistAfterRotation(on bool) Option {
	return func(c *config) error { c.blacklistAfterRotation = on; return nil }
}

// WithRotationGracePeriod lets a refresh token that was just rotated be
// presented once more within d, so that a client that lost the response can
// retry: the retry gets a new pair. Any other use of a rotated refresh token
// is taken as theft (OAuth 2.0 Security BCP, reuse detection) and revokes
// the token's whole session. It applies with WithRotateRefreshTokens and
// WithBlacklistAfterRotation. Default 0: no retry.
func WithRotationGracePeriod(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > time.Minute {
			return fmt.Errorf("WithRotationGracePeriod: must be between 0 and 1m, got %v", d)
		}
		c.rotationGrace = d
		return nil
	}
}

// WithStore sets the revocation store consulted on every request. Default: a
// MemoryStore, which only works within one process; use a RedisStore when
// more than one process serves the API.
func WithStore(s Store) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("WithStore: nil store")
		}
		c.store = s
		return nil
	}
}

// WithFailOpen accepts tokens whose revocation state is unknown because the
// store failed, calling report for each such request (and logging a
// warning). It applies to the middleware only: the token endpoints always
// answer 503 when the store fails. Default off: such requests get 503.
func WithFailOpen(report func(r *http.Request, err error)) Option {
	return func(c *config) error {
		if report == nil {
			return errors.New("WithFailOpen: nil report function")
		}
		c.failOpen = report
		return nil
	}
}

// WithClock sets the clock used for every time decision. Default time.Now.
// Tests use it instead of sleeping.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithErrorWriter replaces the writer of the middleware's error responses.
func WithErrorWriter(w ErrorWriter) Option {
	return func(c *config) error {
		if w == nil {
			return errors.New("WithErrorWriter: nil writer")
		}
		c.errorWriter = w
		return nil
	}
}

// WithRealm sets the realm of WWW-Authenticate challenges. Default "api".
func WithRealm(realm string) Option {
	return func(c *config) error {
		if strings.ContainsAny(realm, "\"\\\r\n") {
			return fmt.Errorf("WithRealm: invalid realm %q", realm)
		}
		c.realm = realm
		return nil
	}
}

// Authenticator checks a username and password for the obtain endpoints.
// It returns ErrInvalidCredentials for an unknown user or a wrong password
// and ErrUserInactive for a user who may not log in; any other error is a
// server failure. An implementation should do the same work whether or not
// the user exists, so that timing does not reveal which usernames exist.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (User, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(ctx context.Context, username, password string) (User, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(ctx context.Context, username, password string) (User, error) {
	return f(ctx, username, password)
}

// WithAuthenticator sets how the obtain endpoints check credentials. Without
// one they answer 501.
func WithAuthenticator(a Authenticator) Option {
	return func(c *config) error {
		if a == nil {
			return errors.New("WithAuthenticator: nil authenticator")
		}
		c.authenticator = a
		return nil
	}
}

// WithUsernameField names the request field holding the username on the
// obtain endpoints. Default "username" (SimpleJWT: the user model's
// USERNAME_FIELD).
func WithUsernameField(name string) Option {
	return func(c *config) error {
		if name == "" || name == "password" {
			return fmt.Errorf("WithUsernameField: invalid field name %q", name)
		}
		c.usernameField = name
		return nil
	}
}

// WithMaxBodyBytes limits request bodies of the token endpoints; larger ones
// get 413. Default 64 KiB.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n < 256 {
			return fmt.Errorf("WithMaxBodyBytes: must be at least 256, got %d", n)
		}
		c.maxBodyBytes = n
		return nil
	}
}

// WithLogger sets the logger for warnings (fail-open decisions, failed
// renewals). Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// validate checks the combination of settings.
func (c *config) validate() error {
	var errs []error
	if c.slidingRefreshLifetime < c.slidingLifetime {
		errs = append(errs, fmt.Errorf("WithSlidingTokenRefreshLifetime: %v is shorter than the sliding lifetime %v",
			c.slidingRefreshLifetime, c.slidingLifetime))
	}
	if c.renewThreshold == 0 {
		c.renewThreshold = c.slidingLifetime / 2
	}
	if c.renewThreshold > c.slidingLifetime {
		errs = append(errs, fmt.Errorf("WithRenewThreshold: %v is longer than the sliding lifetime %v",
			c.renewThreshold, c.slidingLifetime))
	}
	standard := []string{"token_type", "exp", "iat", "jti", "nbf", "aud", "iss"}
	names := map[string]string{}
	for _, n := range []struct{ opt, name string }{
		{"WithUserIDClaim", c.userIDClaim},
		{"WithRefreshExpClaim", c.refreshExpClaim},
		{"WithSessionClaim", c.sessionClaim},
	} {
		if n.name == "" {
			if n.opt != "WithSessionClaim" {
				errs = append(errs, fmt.Errorf("%s: empty claim name", n.opt))
			}
			continue
		}
		if slices.Contains(standard, n.name) {
			errs = append(errs, fmt.Errorf("%s: %q is a registered claim this package sets itself", n.opt, n.name))
		}
		if prev, dup := names[n.name]; dup {
			errs = append(errs, fmt.Errorf("%s: claim %q is already used by %s", n.opt, n.name, prev))
		}
		names[n.name] = n.opt
	}
	if c.cookieName == "" && c.queryParam == "" && c.headerName == "" {
		errs = append(errs, errors.New("no token source configured"))
	}
	if c.cookieName != "" && c.crossOrigin == nil {
		c.crossOrigin = http.NewCrossOriginProtection()
	}
	c.challenge = `Bearer realm="` + c.realm + `"`
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return errors.Join(errs...)
}
