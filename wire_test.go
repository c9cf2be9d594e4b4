package simplejwt_test

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// The exchanges in testdata/simplejwt-wire.json were captured from a real
// SimpleJWT 5.2 server (see its "source" field). These tests replay every
// request against this package, configured as that server was, with the
// clock set to each response's Date, and compare the answers.

const wireKey = "interop-shared-test-signing-key"

type wireCase struct {
	ID              string `json:"id"`
	Config          string `json:"config"`
	Title           string `json:"title"`
	Method          string `json:"method"`
	Path            string `json:"path"`
	Date            string `json:"date"`
	Status          int    `json:"status"`
	Body            string `json:"body"`
	Authorization   string `json:"request_authorization"`
	ContentType     string `json:"request_content_type"`
	RequestBody     string `json:"request_body"`
	WWWAuthenticate string `json:"www_authenticate"`
	Allow           string `json:"allow"`
}

// wireDeviation is where this package answers differently from SimpleJWT on
// purpose; the README lists each one.
type wireDeviation struct {
	status int
	body   string // exact body; "" to skip the body check
	why    string
}

var wireDeviations = map[string]wireDeviation{
	"A9":  {http.StatusTemporaryRedirect, "", "ServeMux redirects with 307, which keeps the method and body"},
	"A20": {http.StatusBadRequest, `{"non_field_errors":["Token is blacklisted"]}`, "verify always honours the blacklist"},
	"A42": {http.StatusOK, "", "the Authorization scheme is case-insensitive (RFC 9110)"},
	"A53": {http.StatusOK, "", "the middleware is stateless: no user lookup"},
	"A54": {http.StatusOK, "", "the middleware is stateless: no user lookup"},
}

func wireLoad(t *testing.T) []wireCase {
	t.Helper()
	data, err := os.ReadFile("testdata/simplejwt-wire.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Source string     `json:"source"`
		Cases  []wireCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 80 || doc.Source == "" {
		t.Fatalf("testdata/simplejwt-wire.json: %d cases, source %q", len(doc.Cases), doc.Source)
	}
	return doc.Cases
}

// wireUsers is the user table of the reference server.
var wireUsers = simplejwt.AuthenticatorFunc(func(_ context.Context, username, password string) (simplejwt.User, error) {
	users := map[string]struct{ id, password string }{
		"alice": {"1", "wonderland"},
		"bob":   {"2", "builder"},
	}
	u, ok := users[username]
	if !ok || subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) != 1 {
		return simplejwt.User{}, simplejwt.ErrInvalidCredentials
	}
	if username == "bob" {
		return simplejwt.User{}, simplejwt.ErrUserInactive
	}
	return simplejwt.User{ID: u.id}, nil
})

// wireServer builds the reference server's routes for one config.
func wireServer(t *testing.T, config string, now *atomic.Int64) http.Handler {
	t.Helper()
	key, err := simplejwt.NewWeakHMACKey(simplejwt.HS256, []byte(wireKey))
	if err != nil {
		t.Fatal(err)
	}
	opts := []simplejwt.Option{
		simplejwt.WithSigningKey(key),
		simplejwt.WithSessionClaim(""), // SimpleJWT mints no session id
		simplejwt.WithClock(func() time.Time { return time.Unix(now.Load(), 0) }),
		simplejwt.WithAuthenticator(wireUsers),
	}
	switch config {
	case "B":
		opts = append(opts, simplejwt.WithRotateRefreshTokens(true), simplejwt.WithBlacklistAfterRotation(true))
	case "C":
		opts = append(opts, simplejwt.WithAudience("interop-aud"), simplejwt.WithIssuer("https://issuer.example"),
			simplejwt.WithLeeway(30*time.Second))
	}
	a, err := simplejwt.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := simplejwt.ClaimsFrom(r.Context())
		if !ok {
			t.Errorf("%s: no claims in context", r.URL.Path)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(wireView(c))
	})
	mux.Handle("/api/whoami/", a.MustGuard(simplejwt.Accept(simplejwt.Access)).Middleware(whoami))
	mux.Handle("/api/whoami-stateless/", a.MustGuard(simplejwt.Accept(simplejwt.Access)).Middleware(whoami))
	mux.Handle("/api/whoami-sliding/", a.MustGuard(simplejwt.Accept(simplejwt.Sliding)).Middleware(whoami))
	mux.Handle("/api/whoami-any/", a.MustGuard(simplejwt.Accept(simplejwt.Access, simplejwt.Sliding)).Middleware(whoami))
	return mux
}

// wireView is the typed claims, in the shape of the reference's "claims".
func wireView(c *simplejwt.Claims) map[string]any {
	m := map[string]any{
		"token_type": string(c.Type),
		"jti":        c.ID,
		"user_id":    c.UserID,
		"exp":        float64(c.ExpiresAt.Unix()),
	}
	if !c.IssuedAt.IsZero() {
		m["iat"] = float64(c.IssuedAt.Unix())
	}
	if !c.RefreshExpiresAt.IsZero() {
		m["refresh_exp"] = float64(c.RefreshExpiresAt.Unix())
	}
	if len(c.Audience) == 1 {
		m["aud"] = c.Audience[0]
	}
	if c.Issuer != "" {
		m["iss"] = c.Issuer
	}
	return m
}

// wireNormalize turns a reference claim set into wireView's form: user ids
// as strings.
func wireNormalize(claims map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range claims {
		if k == "user_id" {
			if f, ok := v.(float64); ok {
				v = strings.TrimSuffix(strings.TrimSuffix(json.Number(jsonNum(f)).String(), ".0"), ".")
			}
		}
		out[k] = v
	}
	return out
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func wirePayload(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wireHeader(t *testing.T, tok string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestWireSimpleJWT(t *testing.T) {
	cases := wireLoad(t)
	var now atomic.Int64
	servers := map[string]http.Handler{}
	for _, config := range []string{"A", "B", "C"} {
		servers[config] = wireServer(t, config, &now)
	}
	for _, tc := range cases {
		t.Run(tc.ID, func(t *testing.T) {
			date, err := http.ParseTime(tc.Date)
			if err != nil {
				t.Fatalf("Date %q: %v", tc.Date, err)
			}
			now.Store(date.Unix())
			req := httptest.NewRequest(tc.Method, tc.Path, strings.NewReader(tc.RequestBody))
			if tc.Authorization != "" {
				req.Header.Set("Authorization", tc.Authorization)
			}
			if tc.ContentType != "" {
				req.Header.Set("Content-Type", tc.ContentType)
			}
			rec := httptest.NewRecorder()
			servers[tc.Config].ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)

			if dev, ok := wireDeviations[tc.ID]; ok {
				if rec.Code != dev.status {
					t.Fatalf("%s (%s): status %d, want %d; body %s", tc.Title, dev.why, rec.Code, dev.status, body)
				}
				if dev.body != "" && string(body) != dev.body {
					t.Fatalf("%s (%s): body %s, want %s", tc.Title, dev.why, body, dev.body)
				}
				return
			}
			if rec.Code != tc.Status {
				t.Fatalf("%s: status %d, want %d; body %s", tc.Title, rec.Code, tc.Status, body)
			}
			wireCompareHeaders(t, tc, rec.Header())
			switch {
			case strings.HasPrefix(tc.Body, `{"detail":"JSON parse error - `):
				if !strings.HasPrefix(string(body), `{"detail":"JSON parse error - `) {
					t.Errorf("body %s, want a JSON parse error", body)
				}
			case strings.Contains(tc.Body, `"claims":`):
				wireCompareWhoami(t, tc, body)
			case strings.Contains(tc.Body, `eyJ`):
				wireCompareTokens(t, tc, body, date)
			default:
				if string(body) != tc.Body {
					t.Errorf("body\n got %s\nwant %s", body, tc.Body)
				}
			}
		})
	}
}

func wireCompareHeaders(t *testing.T, tc wireCase, h http.Header) {
	t.Helper()
	got := h.Get("WWW-Authenticate")
	isMiddleware := strings.HasPrefix(tc.Path, "/api/whoami")
	switch {
	case tc.WWWAuthenticate == "" && got != "":
		t.Errorf("WWW-Authenticate %q, want none", got)
	case isMiddleware && !strings.HasPrefix(got, tc.WWWAuthenticate):
		// The middleware adds RFC 6750 error parameters after the realm.
		t.Errorf("WWW-Authenticate %q, want it to start with %q", got, tc.WWWAuthenticate)
	case !isMiddleware && got != tc.WWWAuthenticate:
		t.Errorf("WWW-Authenticate %q, want %q", got, tc.WWWAuthenticate)
	}
	if tc.Status == http.StatusMethodNotAllowed && h.Get("Allow") != tc.Allow {
		t.Errorf("Allow %q, want %q", h.Get("Allow"), tc.Allow)
	}
	if ct := h.Get("Content-Type"); tc.Body != "" && ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

func wireCompareWhoami(t *testing.T, tc wireCase, body []byte) {
	t.Helper()
	var want struct {
		Claims map[string]any `json:"claims"`
	}
	if err := json.Unmarshal([]byte(tc.Body), &want); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if w := wireNormalize(want.Claims); !reflect.DeepEqual(got, w) {
		t.Errorf("claims\n got %v\nwant %v", got, w)
	}
}

// wireCompareTokens checks that the tokens minted here have the same fields
// as the reference response and the same claim set, with values that follow
// from the clock and the configuration.
func wireCompareTokens(t *testing.T, tc wireCase, body []byte, now time.Time) {
	t.Helper()
	var want, got map[string]string
	if err := json.Unmarshal([]byte(tc.Body), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if len(got) != len(want) {
		t.Fatalf("body fields %v, want those of %v", got, want)
	}
	// Same member order as SimpleJWT's body.
	if wantOrder, gotOrder := wireKeyOrder(tc.Body), wireKeyOrder(string(body)); wantOrder != gotOrder {
		t.Errorf("body member order %s, want %s", gotOrder, wantOrder)
	}
	for field, wantTok := range want {
		gotTok, ok := got[field]
		if !ok {
			t.Fatalf("body has no %q: %s", field, body)
		}
		if h, wh := wireHeader(t, gotTok), wireHeader(t, wantTok); h != wh {
			t.Errorf("%s header %s, want %s", field, h, wh)
		}
		wc, gc := wirePayload(t, wantTok), wirePayload(t, gotTok)
		if wk, gk := wireKeyOrder(wirePayloadJSON(t, wantTok)), wireKeyOrder(wirePayloadJSON(t, gotTok)); wk != gk {
			t.Errorf("%s claim order %s, want %s", field, gk, wk)
		}
		for k, wv := range wc {
			gv := gc[k]
			switch k {
			case "jti":
				if s, _ := gv.(string); len(s) != 32 || strings.Trim(s, "0123456789abcdef") != "" {
					t.Errorf("%s jti %v, want 32 lowercase hex digits", field, gv)
				}
			case "user_id":
				// Minted here: a string. Derived from a SimpleJWT token: copied
				// as it was, like every other claim.
				login := tc.Path == "/api/token/" || tc.Path == "/api/token/sliding/"
				if login && gv != "1" || !login && !reflect.DeepEqual(gv, wv) {
					t.Errorf("%s user_id %#v (login %v), reference %#v", field, gv, login, wv)
				}
			case "iat":
				// SimpleJWT copies iat into access tokens minted from a
				// refresh token; this package mints a fresh one.
				if gv != float64(now.Unix()) {
					t.Errorf("%s iat %v, want %d", field, gv, now.Unix())
				}
			case "exp", "refresh_exp":
				// Reference values are relative to its own iat.
				if wv.(float64)-wc["iat"].(float64) != gv.(float64)-gc["iat"].(float64) &&
					wv.(float64)-float64(now.Unix()) != gv.(float64)-float64(now.Unix()) {
					t.Errorf("%s %s %v, want %v relative to iat", field, k, gv, wv)
				}
			default:
				if !reflect.DeepEqual(gv, wv) {
					t.Errorf("%s %s %v, want %v", field, k, gv, wv)
				}
			}
		}
		if len(gc) != len(wc) {
			t.Errorf("%s claims %v, want the set of %v", field, gc, wc)
		}
	}
}

func wirePayloadJSON(t *testing.T, tok string) string {
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// wireKeyOrder lists the top-level member names of a JSON object in order.
func wireKeyOrder(doc string) string {
	dec := json.NewDecoder(strings.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		return err.Error()
	}
	var names []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err.Error()
		}
		names = append(names, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err.Error()
		}
	}
	return strings.Join(names, ",")
}
