package simplejwt_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// cookieApp is an Auth in cookie mode with its endpoints, a protected
// route for every method, and a sliding-only route.
func cookieApp(t *testing.T) (*fakeClock, http.Handler) {
	t.Helper()
	clock := newFakeClock(t0)
	a := newTestAuth(t, clock, simplejwt.WithAuthenticator(wireUsers), simplejwt.WithCookies(simplejwt.CookieOptions{}),
		simplejwt.WithTokenTypes(simplejwt.Access, simplejwt.Sliding))
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	mux.Handle("/api/items/", a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := simplejwt.ClaimsFrom(r.Context())
		w.Write([]byte(r.Method + " by " + c.UserID))
	})))
	return clock, mux
}

// jar keeps the cookies a browser would.
type jar map[string]*http.Cookie

func (j jar) take(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(j, c.Name)
		} else {
			j[c.Name] = c
		}
	}
}

func (j jar) send(req *http.Request) {
	for _, c := range j {
		if strings.HasPrefix(req.URL.Path, c.Path) {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
}

func cookieDo(t *testing.T, h http.Handler, j jar, method, path, body string, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	j.send(req)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	j.take(t, rec)
	return rec
}

func TestCookieMode(t *testing.T) {
	clock, h := cookieApp(t)
	j := jar{}
	rec := cookieDo(t, h, j, "POST", "/api/token/", `{"username":"alice","password":"wonderland"}`, nil)
	if rec.Code != 200 || rec.Body.String() != `{}` {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	want := map[string]struct {
		path     string
		httpOnly bool
		maxAge   int
	}{
		"access_token":  {"/", true, 300},
		"refresh_token": {"/api/token/", true, 86400},
		"csrf_token":    {"/", false, 86400},
	}
	if len(j) != 3 {
		t.Fatalf("cookies %v", rec.Header().Values("Set-Cookie"))
	}
	for name, w := range want {
		c := j[name]
		if c == nil || c.Path != w.path || c.HttpOnly != w.httpOnly || c.MaxAge != w.maxAge || !c.Secure ||
			c.SameSite != http.SameSiteLaxMode || c.Value == "" {
			t.Errorf("cookie %s = %+v, want path %s httpOnly %v max-age %d, Secure, Lax", name, c, w.path, w.httpOnly, w.maxAge)
		}
	}
	csrf := http.Header{"X-Csrf-Token": {j["csrf_token"].Value}}

	if rec := cookieDo(t, h, j, "GET", "/api/items/", "", nil); rec.Code != 200 || rec.Body.String() != "GET by 1" {
		t.Fatalf("GET with the cookie: %d %s", rec.Code, rec.Body)
	}
	rec = cookieDo(t, h, j, "POST", "/api/items/", "", nil)
	if rec.Code != 403 || rec.Body.String() != `{"detail":"CSRF Failed: CSRF token missing or incorrect.","code":"csrf_failed"}` {
		t.Fatalf("POST without the CSRF header: %d %s", rec.Code, rec.Body)
	}
	if rec := cookieDo(t, h, j, "POST", "/api/items/", "", http.Header{"X-Csrf-Token": {"wrong"}}); rec.Code != 403 {
		t.Fatalf("POST with a wrong CSRF header: %d", rec.Code)
	}
	if rec := cookieDo(t, h, j, "DELETE", "/api/items/", "", csrf); rec.Code != 200 || rec.Body.String() != "DELETE by 1" {
		t.Fatalf("DELETE with the CSRF header: %d %s", rec.Code, rec.Body)
	}
	cross := http.Header{"X-Csrf-Token": csrf["X-Csrf-Token"], "Sec-Fetch-Site": {"cross-site"}}
	rec = cookieDo(t, h, j, "POST", "/api/items/", "", cross)
	if rec.Code != 403 || rec.Body.String() != `{"detail":"CSRF Failed: cross-origin request refused.","code":"csrf_failed"}` {
		t.Fatalf("cross-site POST: %d %s", rec.Code, rec.Body)
	}

	// Refresh from the cookie: needs the CSRF header, rewrites the access cookie.
	clock.Advance(time.Minute)
	oldAccess := j["access_token"].Value
	if rec := cookieDo(t, h, j, "POST", "/api/token/refresh/", "", nil); rec.Code != 403 {
		t.Fatalf("refresh from the cookie without CSRF: %d %s", rec.Code, rec.Body)
	}
	if rec := cookieDo(t, h, j, "POST", "/api/token/refresh/", "", csrf); rec.Code != 200 || rec.Body.String() != `{}` {
		t.Fatalf("refresh from the cookie: %d %s", rec.Code, rec.Body)
	}
	if j["access_token"].Value == oldAccess {
		t.Fatal("refresh did not rewrite the access cookie")
	}

	// Logout clears every cookie; the refresh token is dead.
	refresh := j["refresh_token"].Value
	rec = cookieDo(t, h, j, "POST", "/api/token/blacklist/", "", csrf)
	if rec.Code != 200 || len(j) != 0 {
		t.Fatalf("logout: %d %s, cookies left %v", rec.Code, rec.Body, j)
	}
	if rec := post(h, "/api/token/refresh/", "application/json", `{"refresh":"`+refresh+`"}`); rec.Code != 401 {
		t.Fatalf("refresh after logout: %d", rec.Code)
	}
}

func TestCookieModeSlidingRenewal(t *testing.T) {
	clock, h := cookieApp(t)
	j := jar{}
	if rec := cookieDo(t, h, j, "POST", "/api/token/sliding/", `{"username":"alice","password":"wonderland"}`, nil); rec.Code != 200 {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	if c := j["access_token"]; c == nil || c.MaxAge != 86400 {
		t.Fatalf("sliding cookie %+v, want max-age of the refresh lifetime", c)
	}
	old := j["access_token"].Value
	clock.Advance(4 * time.Minute)
	rec := cookieDo(t, h, j, "GET", "/api/items/", "", nil)
	if rec.Code != 200 || rec.Header().Get("Refreshed-Token") == "" {
		t.Fatalf("GET near expiry: %d, Refreshed-Token %q", rec.Code, rec.Header().Get("Refreshed-Token"))
	}
	if c := j["access_token"]; c.Value == old || c.Value != rec.Header().Get("Refreshed-Token") || !c.HttpOnly ||
		!c.Secure || c.MaxAge != 86400-240 {
		t.Fatalf("renewed cookie %+v", c)
	}
}

func TestCookieModeHeaderAuthUnaffected(t *testing.T) {
	_, h := cookieApp(t)
	rec := post(h, "/api/token/", "application/json", `{"username":"alice","password":"wonderland"}`)
	var access string
	for _, c := range rec.Result().Cookies() {
		if c.Name == "access_token" {
			access = c.Value
		}
	}
	req := httptest.NewRequest("POST", "/api/items/", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("header-authenticated cross-site POST: %d %s", rec.Code, rec.Body)
	}
}

func TestCookieModeRefusesBadOptions(t *testing.T) {
	for _, o := range []simplejwt.CookieOptions{
		{AccessName: "a", RefreshName: "a"},
		{AccessName: "bad name"},
		{Insecure: true, SameSite: http.SameSiteNoneMode},
		{TrustedOrigins: []string{"not an origin"}},
	} {
		if _, err := simplejwt.New(simplejwt.WithHMACSecret(testSecret), simplejwt.WithCookies(o)); err == nil ||
			!strings.Contains(err.Error(), "WithCookies") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
