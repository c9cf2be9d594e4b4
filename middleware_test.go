package simplejwt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

const (
	realm        = `Bearer realm="api"`
	bodyNoCreds  = `{"detail":"Authentication credentials were not provided."}`
	bodyBadHdr   = `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`
	bodyDupHdr   = `{"detail":"Request must not contain more than one Authorization header","code":"bad_authorization_header"}`
	bodyNoUser   = `{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}`
	body503      = `{"detail":"Token revocation state is unavailable","code":"revocation_unavailable"}`
	msgInvalid   = "Token is invalid or expired"
	msgWrongType = "Token has wrong type"
	msgRevoked   = "Token is blacklisted"
)

func invalidChallenge(msg string) string {
	return realm + `, error="invalid_token", error_description="` + msg + `"`
}

// tokenBody is SimpleJWT's body for a token refused by every accepted class;
// each pair is a token type and its message.
func tokenBody(pairs ...string) string {
	class := map[string]string{"access": "AccessToken", "sliding": "SlidingToken"}
	var msgs []string
	for i := 0; i < len(pairs); i += 2 {
		msgs = append(msgs, fmt.Sprintf(`{"token_class":%q,"token_type":%q,"message":%q}`, class[pairs[i]], pairs[i], pairs[i+1]))
	}
	return `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[` + strings.Join(msgs, ",") + `]}`
}

// mwFixture is an Auth, its clock and one handler per route kind.
type mwFixture struct {
	a      *simplejwt.Auth
	clock  *fakeClock
	routes map[string]http.Handler
	// reached counts requests that got through to the inner handler.
	reached map[string]int
	claims  *simplejwt.Claims
}

func newMWFixture(t *testing.T, opts ...simplejwt.Option) *mwFixture {
	t.Helper()
	f := &mwFixture{clock: newFakeClock(t0), reached: map[string]int{}, routes: map[string]http.Handler{}}
	f.a = newTestAuth(t, f.clock, opts...)
	guards := map[string]*simplejwt.Guard{
		"access":   f.a.MustGuard(simplejwt.Accept(simplejwt.Access)),
		"sliding":  f.a.MustGuard(simplejwt.Accept(simplejwt.Sliding)),
		"any":      f.a.MustGuard(simplejwt.Accept(simplejwt.Access, simplejwt.Sliding)),
		"optional": f.a.MustGuard(simplejwt.Accept(simplejwt.Access), simplejwt.Optional()),
	}
	for name, g := range guards {
		f.routes[name] = g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.reached[name]++
			c, ok := simplejwt.ClaimsFrom(r.Context())
			f.claims = c
			if ok {
				fmt.Fprintf(w, "user=%s type=%s", c.UserID, c.Type)
			} else {
				fmt.Fprint(w, "anonymous")
			}
		}))
	}
	return f
}

func (f *mwFixture) pair(t *testing.T) simplejwt.Pair {
	t.Helper()
	p, err := f.a.ObtainPair(context.Background(), simplejwt.User{ID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *mwFixture) sliding(t *testing.T) string {
	t.Helper()
	tok, err := f.a.ObtainSliding(context.Background(), simplejwt.User{ID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func TestMiddleware(t *testing.T) {
	type want struct {
		status    int
		body      string
		challenge string
		reached   bool
		renewed   bool
		err       error // what Check's error matches
	}
	okAccess := want{status: 200, body: "user=42 type=access", reached: true}
	okSliding := want{status: 200, body: "user=42 type=sliding", reached: true}
	refused := func(body, msg string, err error) want {
		return want{status: 401, body: body, challenge: invalidChallenge(msg), err: err}
	}
	cases := []struct {
		name  string
		opts  []simplejwt.Option
		route string
		// req builds the request headers, moving the clock as needed.
		req  func(t *testing.T, f *mwFixture) http.Header
		want want
	}{
		{"no token", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header { return nil },
			want{status: 401, body: bodyNoCreds, challenge: realm, err: simplejwt.ErrNoToken}},
		{"other scheme is no token", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return http.Header{"Authorization": {"Token " + f.pair(t).Access}}
			},
			want{status: 401, body: bodyNoCreds, challenge: realm, err: simplejwt.ErrNoToken}},
		{"empty Authorization is no token", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header { return http.Header{"Authorization": {""}} },
			want{status: 401, body: bodyNoCreds, challenge: realm, err: simplejwt.ErrNoToken}},
		{"scheme alone", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header { return http.Header{"Authorization": {"Bearer"}} },
			want{status: 401, body: bodyBadHdr, challenge: realm + `, error="invalid_request"`, err: simplejwt.ErrBadAuthorizationHeader}},
		{"three values", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header { return http.Header{"Authorization": {"Bearer a b"}} },
			want{status: 401, body: bodyBadHdr, challenge: realm + `, error="invalid_request"`, err: simplejwt.ErrBadAuthorizationHeader}},
		{"two Authorization headers", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.pair(t).Access
				return http.Header{"Authorization": {"Bearer " + tok, "Bearer " + tok}}
			},
			want{status: 400, body: bodyDupHdr, challenge: realm + `, error="invalid_request"`, err: simplejwt.ErrDuplicateAuthorization}},
		{"lower-case scheme", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return http.Header{"Authorization": {"bearer " + f.pair(t).Access}}
			}, okAccess},
		{"extra spaces and tabs", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return http.Header{"Authorization": {" Bearer \t  " + f.pair(t).Access + "  "}}
			}, okAccess},
		{"configured scheme JWT", []simplejwt.Option{simplejwt.WithAuthHeaderTypes("Bearer", "JWT")}, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return http.Header{"Authorization": {"JWT " + f.pair(t).Access}}
			}, okAccess},
		{"access token on access route", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Access) }, okAccess},
		{"refresh token on access route", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Refresh) },
			refused(tokenBody("access", msgWrongType), msgWrongType, simplejwt.ErrTokenWrongType)},
		{"sliding token on access route", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.sliding(t)) },
			refused(tokenBody("access", msgWrongType), msgWrongType, simplejwt.ErrTokenWrongType)},
		{"access token on sliding route", nil, "sliding",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Access) },
			refused(tokenBody("sliding", msgWrongType), msgWrongType, simplejwt.ErrTokenWrongType)},
		{"sliding token on sliding route", nil, "sliding",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.sliding(t)) }, okSliding},
		{"access token on either route", nil, "any",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Access) }, okAccess},
		{"sliding token on either route", nil, "any",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.sliding(t)) }, okSliding},
		{"refresh token on either route", nil, "any",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Refresh) },
			refused(tokenBody("access", msgWrongType, "sliding", msgWrongType), msgWrongType, simplejwt.ErrTokenWrongType)},
		{"garbage on either route", nil, "any",
			func(t *testing.T, f *mwFixture) http.Header { return bearer("garbage") },
			refused(tokenBody("access", msgInvalid, "sliding", msgInvalid), msgInvalid, simplejwt.ErrTokenMalformed)},
		{"expired access token", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.pair(t).Access
				f.clock.Advance(5 * time.Minute)
				return bearer(tok)
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenExpired)},
		{"access token one second before exp", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.pair(t).Access
				f.clock.Advance(5*time.Minute - time.Second)
				return bearer(tok)
			}, okAccess},
		{"expired within leeway", []simplejwt.Option{simplejwt.WithLeeway(30 * time.Second)}, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.pair(t).Access
				f.clock.Advance(5*time.Minute + 29*time.Second)
				return bearer(tok)
			}, okAccess},
		{"issued in the future", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				f.clock.Advance(time.Hour)
				tok := f.pair(t).Access
				f.clock.Advance(-time.Hour)
				return bearer(tok)
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenNotYetValid)},
		{"nbf in the future", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return bearer(signHS256(testSecret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(
					`{"token_type":"access","exp":%d,"iat":%d,"jti":"x1","user_id":"42","nbf":%d}`,
					t0.Unix()+300, t0.Unix(), t0.Unix()+60)))
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenNotYetValid)},
		{"signed with another key", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				other := newTestAuth(t, f.clock, simplejwt.WithHMACSecret([]byte(strings.Repeat("x", 32))))
				p, _ := other.ObtainPair(context.Background(), simplejwt.User{ID: "42"})
				return bearer(p.Access)
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenSignature)},
		{"HS512 under a pinned HS256 key", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				k, _ := simplejwt.NewHMACKey(simplejwt.HS512, append(testSecret, testSecret...))
				other := newTestAuth(t, f.clock, simplejwt.WithSigningKey(k))
				p, _ := other.ObtainPair(context.Background(), simplejwt.User{ID: "42"})
				return bearer(p.Access)
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenUnverifiable)},
		{"alg none", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.pair(t).Access
				parts := strings.Split(tok, ".")
				return bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".")
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenMalformed)},
		{"no user id", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return bearer(signHS256(testSecret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(
					`{"token_type":"access","exp":%d,"iat":%d,"jti":"x2"}`, t0.Unix()+300, t0.Unix())))
			},
			want{status: 401, body: bodyNoUser, challenge: invalidChallenge("Token contained no recognizable user identification"), err: simplejwt.ErrTokenNoUser}},
		{"numeric user id", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return bearer(signHS256(testSecret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(
					`{"token_type":"access","exp":%d,"iat":%d,"jti":"x3","user_id":42}`, t0.Unix()+300, t0.Unix())))
			}, okAccess},
		{"revoked sliding token", nil, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				if err := f.a.Blacklist(context.Background(), tok); err != nil {
					t.Fatal(err)
				}
				return bearer(tok)
			},
			refused(tokenBody("sliding", msgRevoked), msgRevoked, simplejwt.ErrTokenRevoked)},
		{"revoked sliding token on either route", nil, "any",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				if err := f.a.Blacklist(context.Background(), tok); err != nil {
					t.Fatal(err)
				}
				return bearer(tok)
			},
			refused(tokenBody("access", msgWrongType, "sliding", msgRevoked), msgRevoked, simplejwt.ErrTokenRevoked)},
		{"access token of a blacklisted login", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				p := f.pair(t)
				if err := f.a.Blacklist(context.Background(), p.Refresh); err != nil {
					t.Fatal(err)
				}
				return bearer(p.Access)
			},
			refused(tokenBody("access", msgRevoked), msgRevoked, simplejwt.ErrTokenRevoked)},
		{"access token after log out everywhere", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				p := f.pair(t)
				f.clock.Advance(time.Second)
				if err := f.a.LogoutAll(context.Background(), "42"); err != nil {
					t.Fatal(err)
				}
				return bearer(p.Access)
			},
			refused(tokenBody("access", msgRevoked), msgRevoked, simplejwt.ErrTokenRevoked)},
		{"new login after log out everywhere", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				if err := f.a.LogoutAll(context.Background(), "42"); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(time.Second)
				return bearer(f.pair(t).Access)
			}, okAccess},
		{"optional route without token", nil, "optional",
			func(t *testing.T, f *mwFixture) http.Header { return nil },
			want{status: 200, body: "anonymous", reached: true}},
		{"optional route with token", nil, "optional",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Access) }, okAccess},
		{"optional route with a bad token", nil, "optional",
			func(t *testing.T, f *mwFixture) http.Header { return bearer("a.b.c") },
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenMalformed)},
		{"sliding token renewed below half its life", nil, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				f.clock.Advance(3 * time.Minute) // 2 minutes left of 5
				return bearer(tok)
			},
			want{status: 200, body: "user=42 type=sliding", reached: true, renewed: true}},
		{"sliding token not renewed above half its life", nil, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				f.clock.Advance(2 * time.Minute)
				return bearer(tok)
			}, okSliding},
		{"renewal threshold configured", []simplejwt.Option{simplejwt.WithRenewThreshold(4 * time.Minute)}, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				f.clock.Advance(90 * time.Second)
				return bearer(tok)
			},
			want{status: 200, body: "user=42 type=sliding", reached: true, renewed: true}},
		{"no renewal that refresh_exp would cap at the current exp",
			[]simplejwt.Option{simplejwt.WithSlidingTokenRefreshLifetime(5 * time.Minute)}, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				f.clock.Advance(4 * time.Minute)
				return bearer(tok)
			}, okSliding},
		{"no renewal once refresh_exp has passed", nil, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				return bearer(signHS256(testSecret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(
					`{"token_type":"sliding","exp":%d,"iat":%d,"jti":"x4","refresh_exp":%d,"user_id":"42"}`,
					t0.Unix()+60, t0.Unix()-240, t0.Unix()-1)))
			}, okSliding},
		{"expired sliding token refused by default", nil, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				f.clock.Advance(6 * time.Minute)
				return bearer(tok)
			},
			refused(tokenBody("sliding", msgInvalid), msgInvalid, simplejwt.ErrTokenExpired)},
		{"expired sliding token renewed when enabled", []simplejwt.Option{simplejwt.WithRenewExpiredSliding(true)}, "sliding",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.sliding(t)
				f.clock.Advance(6 * time.Minute)
				return bearer(tok)
			},
			want{status: 200, body: "user=42 type=sliding", reached: true, renewed: true}},
		{"expired access token not renewed when enabled", []simplejwt.Option{simplejwt.WithRenewExpiredSliding(true)}, "any",
			func(t *testing.T, f *mwFixture) http.Header {
				tok := f.pair(t).Access
				f.clock.Advance(6 * time.Minute)
				return bearer(tok)
			},
			refused(tokenBody("access", msgInvalid, "sliding", msgInvalid), msgInvalid, simplejwt.ErrTokenExpired)},
		{"token from cookie when enabled", []simplejwt.Option{simplejwt.WithCookie("jwt")}, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return http.Header{"Cookie": {"jwt=" + f.pair(t).Access}}
			}, okAccess},
		{"cookie ignored by default", nil, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return http.Header{"Cookie": {"jwt=" + f.pair(t).Access}}
			},
			want{status: 401, body: bodyNoCreds, challenge: realm, err: simplejwt.ErrNoToken}},
		{"wrong audience", []simplejwt.Option{simplejwt.WithAudience("api")}, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return bearer(signHS256(testSecret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(
					`{"token_type":"access","exp":%d,"iat":%d,"jti":"x5","user_id":"42","aud":"other"}`, t0.Unix()+300, t0.Unix())))
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenAudience)},
		{"wrong issuer", []simplejwt.Option{simplejwt.WithIssuer("https://a.example")}, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return bearer(signHS256(testSecret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(
					`{"token_type":"access","exp":%d,"iat":%d,"jti":"x6","user_id":"42","iss":"https://b.example"}`, t0.Unix()+300, t0.Unix())))
			},
			refused(tokenBody("access", msgInvalid), msgInvalid, simplejwt.ErrTokenIssuer)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newMWFixture(t, tc.opts...)
			h := tc.req(t, f)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range h {
				req.Header[k] = v
			}
			// Check, the function behind the middleware, decides the same.
			g := f.a.MustGuard(map[string]simplejwt.GuardOption{
				"access":   simplejwt.Accept(simplejwt.Access),
				"sliding":  simplejwt.Accept(simplejwt.Sliding),
				"any":      simplejwt.Accept(simplejwt.Access, simplejwt.Sliding),
				"optional": simplejwt.Optional(),
			}[tc.route])
			_, err := g.Check(req)
			if tc.want.err == nil && err != nil || tc.want.err != nil && !errors.Is(err, tc.want.err) {
				t.Errorf("Check error %v, want %v", err, tc.want.err)
			}

			rec := httptest.NewRecorder()
			f.routes[tc.route].ServeHTTP(rec, req)
			if rec.Code != tc.want.status {
				t.Errorf("status %d, want %d", rec.Code, tc.want.status)
			}
			if got := rec.Body.String(); got != tc.want.body {
				t.Errorf("body\n got %s\nwant %s", got, tc.want.body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.want.challenge {
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, tc.want.challenge)
			}
			if got := f.reached[tc.route] == 1; got != tc.want.reached {
				t.Errorf("handler reached %v, want %v", got, tc.want.reached)
			}
			if !tc.want.reached && rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("error Content-Type %q", rec.Header().Get("Content-Type"))
			}
			renewed := rec.Header().Get("Refreshed-Token")
			if (renewed != "") != tc.want.renewed {
				t.Fatalf("Refreshed-Token %q, want renewed=%v", renewed, tc.want.renewed)
			}
			if renewed != "" {
				checkRenewal(t, f, req.Header.Get("Authorization"), renewed, rec.Header())
			}
		})
	}
}

// checkRenewal verifies a renewed sliding token: same jti, refresh_exp and
// session, iat now, exp a full lifetime from now, exposed to CORS clients.
func checkRenewal(t *testing.T, f *mwFixture, authz, renewed string, h http.Header) {
	t.Helper()
	if got := h.Get("Access-Control-Expose-Headers"); got != "Refreshed-Token" {
		t.Errorf("Access-Control-Expose-Headers %q, want Refreshed-Token", got)
	}
	old, err := f.a.Verify(context.Background(), strings.TrimPrefix(authz, "Bearer "))
	if err != nil && !errors.Is(err, simplejwt.ErrTokenExpired) {
		t.Fatal(err)
	}
	nc, err := f.a.Verify(context.Background(), renewed)
	if err != nil {
		t.Fatalf("renewed token does not verify: %v", err)
	}
	now := f.clock.Now()
	if nc.Type != simplejwt.Sliding || nc.UserID != "42" {
		t.Errorf("renewed claims %+v", nc)
	}
	if !nc.IssuedAt.Equal(now) || !nc.ExpiresAt.Equal(now.Add(5*time.Minute)) {
		t.Errorf("renewed iat %v exp %v, want %v and +5m", nc.IssuedAt, nc.ExpiresAt, now)
	}
	if old != nil && (nc.ID != old.ID || !nc.RefreshExpiresAt.Equal(old.RefreshExpiresAt) || nc.SessionID != old.SessionID) {
		t.Errorf("renewal changed jti/refresh_exp/sid: %+v -> %+v", old, nc)
	}
}

func TestMiddlewareExposeHeadersKept(t *testing.T) {
	f := newMWFixture(t)
	tok := f.sliding(t)
	f.clock.Advance(4 * time.Minute)
	cors := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Expose-Headers", "X-Request-Id")
			next.ServeHTTP(w, r)
		})
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	cors(f.routes["sliding"]).ServeHTTP(rec, req)
	if got := rec.Header().Values("Access-Control-Expose-Headers"); strings.Join(got, "|") != "X-Request-Id|Refreshed-Token" {
		t.Errorf("Access-Control-Expose-Headers %q", got)
	}
}

func TestMiddlewareCookieRenewal(t *testing.T) {
	f := newMWFixture(t, simplejwt.WithCookie("jwt"))
	tok := f.sliding(t)
	f.clock.Advance(4 * time.Minute)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: "jwt", Value: tok})
	f.routes["sliding"].ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "jwt" || cookies[0].Value != rec.Header().Get("Refreshed-Token") ||
		!cookies[0].HttpOnly || !cookies[0].Secure || cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].Path != "/" {
		t.Fatalf("Set-Cookie %q", rec.Header().Values("Set-Cookie"))
	}
}

func TestMiddlewareQueryParameter(t *testing.T) {
	f := newMWFixture(t, simplejwt.WithQueryParameter("access_token"))
	rec := httptest.NewRecorder()
	f.routes["access"].ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?access_token="+f.pair(t).Access, nil))
	if rec.Code != 200 || rec.Body.String() != "user=42 type=access" {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
}

// failingStore is a Store whose backend is down.
type failingStore struct{ simplejwt.Store }

func (failingStore) Lookup(context.Context, simplejwt.TokenRef) (simplejwt.Status, error) {
	return simplejwt.Status{}, errors.New("connection refused")
}

func TestMiddlewareStoreDown(t *testing.T) {
	t.Run("fail closed", func(t *testing.T) {
		f := newMWFixture(t, simplejwt.WithStore(failingStore{}))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer "+f.pair(t).Access)
		f.routes["access"].ServeHTTP(rec, req)
		if rec.Code != 503 || rec.Body.String() != body503 || rec.Header().Get("Retry-After") != "1" ||
			rec.Header().Get("WWW-Authenticate") != "" || f.reached["access"] != 0 {
			t.Fatalf("status %d body %s headers %v", rec.Code, rec.Body, rec.Header())
		}
		_, err := f.a.Check(req)
		var se *simplejwt.StoreError
		if !errors.Is(err, simplejwt.ErrRevocationUnavailable) || !errors.As(err, &se) {
			t.Fatalf("Check error %v", err)
		}
	})
	t.Run("fail open reports each decision", func(t *testing.T) {
		var reports int
		f := newMWFixture(t, simplejwt.WithStore(failingStore{}),
			simplejwt.WithFailOpen(func(r *http.Request, err error) { reports++ }))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer "+f.pair(t).Access)
		f.routes["access"].ServeHTTP(rec, req)
		if rec.Code != 200 || reports != 1 {
			t.Fatalf("status %d, reports %d", rec.Code, reports)
		}
	})
}

func TestMiddlewareErrorWriter(t *testing.T) {
	var got error
	f := newMWFixture(t, simplejwt.WithErrorWriter(simplejwt.ErrorWriterFunc(func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	})))
	rec := httptest.NewRecorder()
	f.routes["access"].ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusTeapot || !errors.Is(got, simplejwt.ErrNoToken) {
		t.Fatalf("status %d, error %v", rec.Code, got)
	}
}

func TestGuardOptions(t *testing.T) {
	a := newTestAuth(t, newFakeClock(t0))
	if _, err := a.Guard(simplejwt.Accept(simplejwt.Refresh)); err == nil {
		t.Error("a guard accepting refresh tokens was built")
	}
	if _, err := a.Guard(simplejwt.Accept()); err == nil {
		t.Error("a guard accepting nothing was built")
	}
}

func TestClaimsFromEmptyContext(t *testing.T) {
	if c, ok := simplejwt.ClaimsFrom(context.Background()); ok || c != nil {
		t.Fatalf("ClaimsFrom = %v, %v", c, ok)
	}
}

// TestFailOpenNeverMints checks that fail-open covers authentication only:
// with the store down, the refresh endpoint still refuses.
func TestFailOpenNeverMints(t *testing.T) {
	var reports int
	f := newMWFixture(t, simplejwt.WithStore(failingStore{}),
		simplejwt.WithFailOpen(func(r *http.Request, err error) { reports++ }))
	p := f.pair(t)
	if _, err := f.a.Refresh(context.Background(), p.Refresh); !errors.Is(err, simplejwt.ErrRevocationUnavailable) {
		t.Fatalf("Refresh with the store down: %v", err)
	}
	if reports != 0 {
		t.Fatalf("fail-open hook called %d times by the issuer", reports)
	}
}
