package adaptertest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gosimplejwt/simplejwt/internal/demo"
)

// RunMount checks the token endpoints an adapter mounted on adapter under
// "/api/token/" for f.Auth: each request of its table must be answered as
// by the endpoints of simplejwt.Auth.Mount on a net/http ServeMux, in
// status, Content-Type, Allow, Cache-Control, WWW-Authenticate and body
// (tokens and jti normalized with demo.Normalize, as they are random).
func RunMount(t *testing.T, f *Fixture, adapter http.Handler) {
	mux := http.NewServeMux()
	f.Auth.Mount(mux, "/api/token/")
	refresh := f.Tokens.Refresh
	const login = `{"username":"alice","password":"wonderland"}`
	for _, tc := range []struct {
		name, method, path, ctype, body string
		status                          int
	}{
		{"obtain pair", "POST", "/api/token/", "application/json", login, 200},
		{"obtain pair, form", "POST", "/api/token/", "application/x-www-form-urlencoded", "username=alice&password=wonderland", 200},
		{"obtain pair, inactive user", "POST", "/api/token/", "application/json", `{"username":"bob","password":"builder"}`, 401},
		{"obtain pair, missing fields", "POST", "/api/token/", "application/json", `{}`, 400},
		{"obtain pair, bad JSON", "POST", "/api/token/", "application/json", `{"username":`, 400},
		{"obtain pair, unsupported media type", "POST", "/api/token/", "text/plain", "x", 415},
		{"obtain pair, GET", "GET", "/api/token/", "", "", 405},
		{"obtain pair, OPTIONS", "OPTIONS", "/api/token/", "", "", 204},
		{"refresh", "POST", "/api/token/refresh/", "application/json", `{"refresh":"` + refresh + `"}`, 200},
		{"refresh, bad token", "POST", "/api/token/refresh/", "application/json", `{"refresh":"x"}`, 401},
		{"obtain sliding", "POST", "/api/token/sliding/", "application/json", login, 200},
		{"refresh sliding", "POST", "/api/token/sliding/refresh/", "application/json", `{"token":"` + f.Tokens.SlidingFresh + `"}`, 200},
		{"refresh sliding, bad token", "POST", "/api/token/sliding/refresh/", "application/json", `{"token":"x"}`, 401},
		{"verify", "POST", "/api/token/verify/", "application/json", `{"token":"` + refresh + `"}`, 200},
		{"verify, revoked token", "POST", "/api/token/verify/", "application/json", `{"token":"` + f.Tokens.AccessRevoked + `"}`, 400},
		{"blacklist, missing field", "POST", "/api/token/blacklist/", "application/json", `{}`, 400},
		{"blacklist, access token", "POST", "/api/token/blacklist/", "application/json", `{"refresh":"` + f.Tokens.Access + `"}`, 401},
		{"blacklist, PUT", "PUT", "/api/token/blacklist/", "", "", 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := func() *http.Request {
				r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
				if tc.ctype != "" {
					r.Header.Set("Content-Type", tc.ctype)
				}
				return r
			}
			want, _ := Serve(mux, req())
			got, _ := Serve(adapter, req())
			if want.Status != tc.status {
				t.Errorf("net/http status %d, want %d (%s)", want.Status, tc.status, want.Body)
			}
			if got.Status != want.Status || demo.Normalize(got.Body) != demo.Normalize(want.Body) {
				t.Errorf("answer %d %s\nnet/http %d %s", got.Status, got.Body, want.Status, want.Body)
			}
			for _, h := range []string{"Content-Type", "Allow", "Cache-Control", "Www-Authenticate"} {
				if !slices.Equal(got.Header[h], want.Header[h]) {
					t.Errorf("%s: %q, net/http %q", h, got.Header[h], want.Header[h])
				}
			}
		})
	}
}
