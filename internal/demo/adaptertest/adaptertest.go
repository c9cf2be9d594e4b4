// Package adaptertest holds the behaviour table every framework adapter
// must pass. Each case is one request, served once by the net/http
// middleware (Guard.Middleware) and once by the adapter under test; the two
// answers must be equal in status, headers and body, byte for byte, and the
// net/http answer must be the one the table expects.
//
// An adapter test builds its router from Fixture.Routes, with Handler as
// the final handler of every route, and calls Run; it mounts the token
// endpoints under /api/token/ and calls RunMount; its example app's test
// calls RunWalkthrough.
package adaptertest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/demo"
)

// Route paths of the fixture.
const (
	PathAccess      = "/access"       // accepts access tokens
	PathSliding     = "/sliding"      // accepts sliding tokens, renewing them
	PathOptional    = "/optional"     // accepts access tokens, or none
	PathDefault     = "/default"      // the Auth's default guard (Auth.Middleware)
	PathUnavailable = "/unavailable"  // an Auth whose revocation store is down
	PathCustomError = "/custom-error" // an Auth with its own ErrorWriter
)

// SeenHeader is set by Handler to "yes" when the renewed sliding token was
// already in the response headers as the handler started, "no" otherwise.
const SeenHeader = "Renewal-Seen-By-Handler"

// Handler is the final handler of every route. It answers 200 with
// demo.WhoamiJSON of the request's claims (simplejwt.ClaimsFrom), or
// {"anonymous":true} without claims, and sets SeenHeader.
var Handler http.Handler = http.HandlerFunc(serve)

func serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	seen := "no"
	if h.Get("Refreshed-Token") != "" {
		seen = "yes"
	}
	h.Set(SeenHeader, seen)
	h.Set("Content-Type", "application/json")
	c, ok := simplejwt.ClaimsFrom(r.Context())
	if !ok {
		w.Write([]byte(`{"anonymous":true}`))
		return
	}
	w.Write(demo.WhoamiJSON(c))
}

// Route is one guarded route of the fixture.
type Route struct {
	Path string
	Auth *simplejwt.Auth
	// Guard guards the route; nil means the Auth's default guard
	// (Auth.Middleware, Auth.Check).
	Guard *simplejwt.Guard
}

// Fixture is the Auth of the table, its routes, and the tokens the cases
// send. Its clock is fixed, so its answers are the same on every run.
type Fixture struct {
	Auth   *simplejwt.Auth
	Routes []Route

	// Tokens are the tokens the cases send, all of user "1".
	Tokens Tokens

	claims map[string]*simplejwt.Claims // by token
}

// Tokens are the fixture's tokens.
type Tokens struct {
	Access         string // valid
	Refresh        string // valid, of the same login as Access
	AccessExpired  string
	AccessRevoked  string
	Foreign        string // an access token signed with another key
	SlidingFresh   string // five minutes left: not renewed
	SlidingDue     string // two minutes left: renewed
	SlidingRevoked string
}

// clock is a clock moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// downStore is a revocation store that always fails.
type downStore struct{}

var errDown = errors.New("store down")

func (downStore) Lookup(context.Context, simplejwt.TokenRef) (simplejwt.Status, error) {
	return simplejwt.Status{}, errDown
}
func (downStore) Revoke(context.Context, ...simplejwt.Revocation) error { return errDown }
func (downStore) Consume(context.Context, simplejwt.TokenRef, time.Time, time.Time) (bool, time.Time, error) {
	return false, time.Time{}, errDown
}

// writeTeapot is the ErrorWriter of the PathCustomError route.
func writeTeapot(w http.ResponseWriter, _ *http.Request, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusTeapot)
	w.Write([]byte("custom: " + err.Error()))
}

// start is the fixed time of the fixture's clock.
var start = time.Unix(1_900_000_000, 0)

// NewFixture builds the fixture. Its tokens are minted at fixed times: a
// sliding token three minutes before the clock (two of its five minutes
// left, so due for renewal), an access token ten minutes before (expired),
// the others at the clock's time.
func NewFixture(t testing.TB) *Fixture {
	t.Helper()
	clk := &clock{}
	secret := []byte("adaptertest-secret-0123456789abcdef")
	newAuth := func(opts ...simplejwt.Option) *simplejwt.Auth {
		a, err := simplejwt.New(append([]simplejwt.Option{
			simplejwt.WithHMACSecret(secret),
			simplejwt.WithClock(clk.Now),
			simplejwt.WithAuthenticator(demo.Users()),
		}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := newAuth()
	down := newAuth(simplejwt.WithStore(downStore{}))
	custom := newAuth(simplejwt.WithErrorWriter(simplejwt.ErrorWriterFunc(writeTeapot)))
	other, err := simplejwt.New(simplejwt.WithHMACSecret([]byte("another-secret-0123456789abcdefgh")), simplejwt.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	alice := simplejwt.User{ID: "1"}
	must := func(s string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pair := func(a *simplejwt.Auth) simplejwt.Pair {
		t.Helper()
		p, err := a.ObtainPair(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	f := &Fixture{Auth: a, claims: map[string]*simplejwt.Claims{}}
	clk.Set(start.Add(-10 * time.Minute))
	f.Tokens.AccessExpired = pair(a).Access
	clk.Set(start.Add(-3 * time.Minute))
	f.Tokens.SlidingDue = must(a.ObtainSliding(ctx, alice))
	clk.Set(start)
	p := pair(a)
	f.Tokens.Access, f.Tokens.Refresh = p.Access, p.Refresh
	f.Tokens.SlidingFresh = must(a.ObtainSliding(ctx, alice))
	f.Tokens.Foreign = pair(other).Access

	f.Tokens.AccessRevoked = pair(a).Access
	c, err := a.Verify(ctx, f.Tokens.AccessRevoked)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, c); err != nil {
		t.Fatal(err)
	}
	f.Tokens.SlidingRevoked = must(a.ObtainSliding(ctx, alice))
	if err := a.Blacklist(ctx, f.Tokens.SlidingRevoked); err != nil {
		t.Fatal(err)
	}

	for _, tok := range []string{f.Tokens.Access, f.Tokens.SlidingFresh, f.Tokens.SlidingDue} {
		c, err := a.Verify(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		f.claims[tok] = c
	}

	f.Routes = []Route{
		{Path: PathAccess, Auth: a, Guard: a.MustGuard(simplejwt.Accept(simplejwt.Access))},
		{Path: PathSliding, Auth: a, Guard: a.MustGuard(simplejwt.Accept(simplejwt.Sliding))},
		{Path: PathOptional, Auth: a, Guard: a.MustGuard(simplejwt.Accept(simplejwt.Access), simplejwt.Optional())},
		{Path: PathDefault, Auth: a},
		{Path: PathUnavailable, Auth: down, Guard: down.MustGuard()},
		{Path: PathCustomError, Auth: custom, Guard: custom.MustGuard(simplejwt.Accept(simplejwt.Access))},
	}
	return f
}

// NetHTTP returns the reference: every route of f guarded by the net/http
// middleware in front of Handler.
func (f *Fixture) NetHTTP() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range f.Routes {
		mw := rt.Auth.Middleware
		if rt.Guard != nil {
			mw = rt.Guard.Middleware
		}
		mux.Handle("GET "+rt.Path, mw(Handler))
	}
	return mux
}

// Case is one request of the table and what the net/http middleware
// answers to it.
type Case struct {
	Name   string
	Path   string
	Header http.Header // request headers
	Status int
	// Body is the exact expected body.
	Body string
	// Want lists response headers and their exact values; a nil value
	// means the header must be absent.
	Want http.Header
	// Check makes further assertions on the reference response.
	Check func(t *testing.T, resp *http.Response)
}

// Bodies and challenges of the middleware's answers.
const (
	realm           = `Bearer realm="api"`
	bodyNoToken     = `{"detail":"Authentication credentials were not provided."}`
	bodyBadHeader   = `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`
	bodyDuplicate   = `{"detail":"Request must not contain more than one Authorization header","code":"bad_authorization_header"}`
	bodyUnavailable = `{"detail":"Token revocation state is unavailable","code":"revocation_unavailable"}`
	bodyAnonymous   = `{"anonymous":true}`
)

func invalid(typ simplejwt.TokenType, class, msg string) string {
	return `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"` +
		class + `","token_type":"` + string(typ) + `","message":"` + msg + `"}]}`
}

func challenge(desc string) string {
	return realm + `, error="invalid_token", error_description="` + desc + `"`
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// Cases returns the table.
func (f *Fixture) Cases() []Case {
	tk := f.Tokens
	ok := func(tok string) string { return string(demo.WhoamiJSON(f.claims[tok])) }
	jsonType := []string{"application/json"}
	noRenewal := http.Header{"Refreshed-Token": nil, "Access-Control-Expose-Headers": nil, SeenHeader: {"no"}, "Content-Type": jsonType}
	badHeader := http.Header{"Www-Authenticate": {realm + `, error="invalid_request"`}, "Content-Type": jsonType}
	noToken := http.Header{"Www-Authenticate": {realm}, "Content-Type": jsonType, SeenHeader: nil}
	invalidToken := http.Header{"Www-Authenticate": {challenge("Token is invalid or expired")}, "Content-Type": jsonType, SeenHeader: nil}
	wrongType := http.Header{"Www-Authenticate": {challenge("Token has wrong type")}, "Content-Type": jsonType, SeenHeader: nil}
	revoked := http.Header{"Www-Authenticate": {challenge("Token is blacklisted")}, "Content-Type": jsonType, SeenHeader: nil}
	tampered := tk.Access[:len(tk.Access)-10] + flip(tk.Access[len(tk.Access)-10]) + tk.Access[len(tk.Access)-9:]

	return []Case{
		{Name: "no token", Path: PathAccess, Status: 401, Body: bodyNoToken, Want: noToken},
		{Name: "another scheme is no token", Path: PathAccess, Header: http.Header{"Authorization": {"Basic YWxpY2U6d29uZGVybGFuZA=="}},
			Status: 401, Body: bodyNoToken, Want: noToken},
		{Name: "scheme without token", Path: PathAccess, Header: http.Header{"Authorization": {"Bearer"}},
			Status: 401, Body: bodyBadHeader, Want: badHeader},
		{Name: "scheme with two tokens", Path: PathAccess, Header: http.Header{"Authorization": {"Bearer " + tk.Access + " " + tk.Access}},
			Status: 401, Body: bodyBadHeader, Want: badHeader},
		{Name: "lower-case scheme", Path: PathAccess, Header: http.Header{"Authorization": {"bearer " + tk.Access}},
			Status: 200, Body: ok(tk.Access), Want: noRenewal},
		{Name: "tab after scheme", Path: PathAccess, Header: http.Header{"Authorization": {"Bearer\t" + tk.Access}},
			Status: 200, Body: ok(tk.Access), Want: noRenewal},
		{Name: "duplicate Authorization header", Path: PathAccess, Header: http.Header{"Authorization": {"Bearer " + tk.Access, "Bearer " + tk.Access}},
			Status: 400, Body: bodyDuplicate, Want: http.Header{"Www-Authenticate": {realm + `, error="invalid_request"`}}},
		{Name: "not a JWT", Path: PathAccess, Header: bearer("not-a-jwt"),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token is invalid or expired"), Want: invalidToken},
		{Name: "tampered signature", Path: PathAccess, Header: bearer(tampered),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token is invalid or expired"), Want: invalidToken},
		{Name: "signed with another key", Path: PathAccess, Header: bearer(tk.Foreign),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token is invalid or expired"), Want: invalidToken},
		{Name: "access token on access route", Path: PathAccess, Header: bearer(tk.Access),
			Status: 200, Body: ok(tk.Access), Want: noRenewal},
		{Name: "access token on default guard", Path: PathDefault, Header: bearer(tk.Access),
			Status: 200, Body: ok(tk.Access), Want: noRenewal},
		{Name: "no token on default guard", Path: PathDefault, Status: 401, Body: bodyNoToken, Want: noToken},
		{Name: "refresh token as credential", Path: PathAccess, Header: bearer(tk.Refresh),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token has wrong type"), Want: wrongType},
		{Name: "refresh token on default guard", Path: PathDefault, Header: bearer(tk.Refresh),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token has wrong type"), Want: wrongType},
		{Name: "sliding token on access route", Path: PathAccess, Header: bearer(tk.SlidingFresh),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token has wrong type"), Want: wrongType},
		{Name: "access token on sliding route", Path: PathSliding, Header: bearer(tk.Access),
			Status: 401, Body: invalid(simplejwt.Sliding, "SlidingToken", "Token has wrong type"), Want: wrongType},
		{Name: "expired access token", Path: PathAccess, Header: bearer(tk.AccessExpired),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token is invalid or expired"), Want: invalidToken},
		{Name: "revoked access token", Path: PathAccess, Header: bearer(tk.AccessRevoked),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token is blacklisted"), Want: revoked},
		{Name: "revoked sliding token", Path: PathSliding, Header: bearer(tk.SlidingRevoked),
			Status: 401, Body: invalid(simplejwt.Sliding, "SlidingToken", "Token is blacklisted"), Want: revoked},
		{Name: "fresh sliding token is not renewed", Path: PathSliding, Header: bearer(tk.SlidingFresh),
			Status: 200, Body: ok(tk.SlidingFresh), Want: noRenewal},
		{Name: "sliding token due for renewal", Path: PathSliding, Header: bearer(tk.SlidingDue),
			Status: 200, Body: ok(tk.SlidingDue),
			Want:  http.Header{"Access-Control-Expose-Headers": {"Refreshed-Token"}, SeenHeader: {"yes"}, "Content-Type": jsonType},
			Check: f.checkRenewal(tk.SlidingDue)},
		{Name: "optional without token", Path: PathOptional,
			Status: 200, Body: bodyAnonymous, Want: noRenewal},
		{Name: "optional with another scheme", Path: PathOptional, Header: http.Header{"Authorization": {"Token abc"}},
			Status: 200, Body: bodyAnonymous, Want: noRenewal},
		{Name: "optional with token", Path: PathOptional, Header: bearer(tk.Access),
			Status: 200, Body: ok(tk.Access), Want: noRenewal},
		{Name: "optional with expired token", Path: PathOptional, Header: bearer(tk.AccessExpired),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token is invalid or expired"), Want: invalidToken},
		{Name: "optional with wrong type", Path: PathOptional, Header: bearer(tk.SlidingFresh),
			Status: 401, Body: invalid(simplejwt.Access, "AccessToken", "Token has wrong type"), Want: wrongType},
		{Name: "optional with bad header", Path: PathOptional, Header: http.Header{"Authorization": {"Bearer"}},
			Status: 401, Body: bodyBadHeader, Want: badHeader},
		{Name: "optional with duplicate header", Path: PathOptional, Header: http.Header{"Authorization": {"Bearer x", "Bearer y"}},
			Status: 400, Body: bodyDuplicate},
		{Name: "revocation store down", Path: PathUnavailable, Header: bearer(tk.Access),
			Status: 503, Body: bodyUnavailable,
			Want: http.Header{"Retry-After": {"1"}, "Www-Authenticate": nil, "Content-Type": jsonType}},
		{Name: "custom error writer", Path: PathCustomError, Header: bearer(tk.Refresh),
			Status: 418, Body: "custom: simplejwt: token has wrong type",
			Want: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Www-Authenticate": nil}},
		{Name: "custom error writer, accepted", Path: PathCustomError, Header: bearer(tk.Access),
			Status: 200, Body: ok(tk.Access), Want: noRenewal},
	}
}

// flip returns another base64url character than c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// checkRenewal checks the renewed token: a sliding token with the same jti
// and refresh_exp, exp five minutes from the clock.
func (f *Fixture) checkRenewal(old string) func(*testing.T, *http.Response) {
	return func(t *testing.T, resp *http.Response) {
		t.Helper()
		renewed := resp.Header.Get("Refreshed-Token")
		if renewed == "" || renewed == old {
			t.Fatalf("Refreshed-Token = %q, want a renewed token", renewed)
		}
		c, err := f.Auth.Verify(context.Background(), renewed)
		if err != nil {
			t.Fatalf("renewed token: %v", err)
		}
		oc := f.claims[old]
		if c.Type != simplejwt.Sliding || c.ID != oc.ID || !c.RefreshExpiresAt.Equal(oc.RefreshExpiresAt) ||
			!c.ExpiresAt.Equal(start.Add(5*time.Minute)) {
			t.Errorf("renewed claims %+v, old %+v", c, oc)
		}
	}
}

// Request returns a new request for c.
func (c *Case) Request() *http.Request {
	r := httptest.NewRequest(http.MethodGet, c.Path, nil)
	for k, vs := range c.Header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

// Answer is a response reduced to what the table compares.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// Serve serves r through h and returns the answer and the response.
func Serve(h http.Handler, r *http.Request) (Answer, *http.Response) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	resp := rec.Result()
	body, _ := io.ReadAll(resp.Body)
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}, resp
}

// Run serves every case of f through the net/http middleware and through
// adapter, a router built from f.Routes, and fails t where the answers
// differ or the net/http one is not the expected one.
func Run(t *testing.T, f *Fixture, adapter http.Handler) {
	ref := f.NetHTTP()
	for _, c := range f.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			want, resp := Serve(ref, c.Request())
			if want.Status != c.Status || want.Body != c.Body {
				t.Errorf("net/http answered %d %s\nwant %d %s", want.Status, want.Body, c.Status, c.Body)
			}
			for k, vs := range c.Want {
				if got := want.Header.Values(k); !slices.Equal(got, vs) {
					t.Errorf("net/http header %s = %q, want %q", k, got, vs)
				}
			}
			if c.Check != nil {
				c.Check(t, resp)
			}

			got, _ := Serve(adapter, c.Request())
			if got.Status != want.Status {
				t.Errorf("status %d, net/http %d", got.Status, want.Status)
			}
			if d := diffHeaders(got.Header, want.Header); d != "" {
				t.Errorf("headers differ from net/http:\n%s", d)
			}
			if got.Body != want.Body {
				t.Errorf("body\n%s\nnet/http\n%s", got.Body, want.Body)
			}
		})
	}
}

// diffHeaders describes how got differs from want, or returns "".
func diffHeaders(got, want http.Header) string {
	var b strings.Builder
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		if !slices.Equal(got[k], want[k]) {
			b.WriteString("  " + k + ": " + strings.Join(got[k], ", ") + " (net/http: " + strings.Join(want[k], ", ") + ")\n")
		}
	}
	return b.String()
}
