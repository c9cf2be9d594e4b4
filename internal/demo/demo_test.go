package demo

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
)

const secret32 = "0123456789abcdef0123456789abcdef"

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// varNames returns the names of the *VarErrors joined in err, in order.
func varNames(err error) []string {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	var names []string
	for _, e := range errs {
		var ve *VarError
		if errors.As(e, &ve) {
			names = append(names, ve.Name)
		} else {
			names = append(names, "not a VarError: "+e.Error())
		}
	}
	return names
}

// writePEM writes der as a PEM block of type typ into a file of dir.
func writePEM(t *testing.T, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pkcs8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestLoad(t *testing.T) {
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec256File := writePEM(t, "PRIVATE KEY", pkcs8(t, ec256))
	ec384File := writePEM(t, "PRIVATE KEY", pkcs8(t, ec384))
	edFile := writePEM(t, "PRIVATE KEY", pkcs8(t, ed))
	rsaFile := writePEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))
	pubDER, _ := x509.MarshalPKIXPublicKey(&ec256.PublicKey)
	pubFile := writePEM(t, "PUBLIC KEY", pubDER)
	missing := filepath.Join(t.TempDir(), "missing.pem")

	defaults := Config{
		Addr:                   "127.0.0.1:8000",
		Algorithm:              simplejwt.HS256,
		AccessLifetime:         5 * time.Minute,
		RefreshLifetime:        24 * time.Hour,
		SlidingLifetime:        5 * time.Minute,
		SlidingRefreshLifetime: 24 * time.Hour,
	}
	tests := []struct {
		name string
		env  map[string]string
		// want changes the defaults into the expected Config; the key is
		// checked through wantAlg.
		want    func(*Config)
		wantAlg simplejwt.Algorithm // algorithm of cfg.Key; "" for no key
		errVars []string
	}{
		{name: "defaults", env: nil, want: func(*Config) {}},
		{name: "empty values are unset", env: map[string]string{
			"ADDR": "", "JWT_SIGNING_KEY": "", "JWT_ALGORITHM": "", "REDIS_URL": "",
			"JWT_ACCESS_TOKEN_LIFETIME": "", "JWT_ROTATE_REFRESH_TOKENS": "",
		}, want: func(*Config) {}},
		{name: "ADDR", env: map[string]string{"ADDR": ":9000"},
			want: func(c *Config) { c.Addr = ":9000" }},
		{name: "ADDR without port", env: map[string]string{"ADDR": "localhost"},
			errVars: []string{"ADDR"}},
		{name: "JWT_SIGNING_KEY", env: map[string]string{"JWT_SIGNING_KEY": secret32},
			want: func(*Config) {}, wantAlg: simplejwt.HS256},
		{name: "JWT_SIGNING_KEY too short", env: map[string]string{"JWT_SIGNING_KEY": "short"},
			errVars: []string{"JWT_SIGNING_KEY"}},
		{name: "JWT_ALGORITHM HS512 with a random key", env: map[string]string{"JWT_ALGORITHM": "HS512"},
			want: func(c *Config) { c.Algorithm = simplejwt.HS512 }},
		{name: "JWT_ALGORITHM HS512 with a 32-byte key", env: map[string]string{"JWT_ALGORITHM": "HS512", "JWT_SIGNING_KEY": secret32},
			errVars: []string{"JWT_SIGNING_KEY"}},
		{name: "JWT_ALGORITHM HS384", env: map[string]string{"JWT_ALGORITHM": "HS384", "JWT_SIGNING_KEY": secret32 + secret32[:16]},
			want: func(c *Config) { c.Algorithm = simplejwt.HS384 }, wantAlg: simplejwt.HS384},
		{name: "JWT_ALGORITHM unknown", env: map[string]string{"JWT_ALGORITHM": "HS999"},
			errVars: []string{"JWT_ALGORITHM"}},
		{name: "JWT_ALGORITHM none", env: map[string]string{"JWT_ALGORITHM": "none"},
			errVars: []string{"JWT_ALGORITHM"}},
		{name: "JWT_ALGORITHM lower case", env: map[string]string{"JWT_ALGORITHM": "hs256"},
			errVars: []string{"JWT_ALGORITHM"}},
		{name: "ES256 with JWT_PRIVATE_KEY_FILE", env: map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": ec256File},
			want: func(c *Config) { c.Algorithm = simplejwt.ES256 }, wantAlg: simplejwt.ES256},
		{name: "EdDSA with JWT_PRIVATE_KEY_FILE", env: map[string]string{"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": edFile},
			want: func(c *Config) { c.Algorithm = simplejwt.EdDSA }, wantAlg: simplejwt.EdDSA},
		{name: "RS256 with JWT_PRIVATE_KEY_FILE", env: map[string]string{"JWT_ALGORITHM": "RS256", "JWT_PRIVATE_KEY_FILE": rsaFile},
			want: func(c *Config) { c.Algorithm = simplejwt.RS256 }, wantAlg: simplejwt.RS256},
		{name: "PS384 with JWT_PRIVATE_KEY_FILE", env: map[string]string{"JWT_ALGORITHM": "PS384", "JWT_PRIVATE_KEY_FILE": rsaFile},
			want: func(c *Config) { c.Algorithm = simplejwt.PS384 }, wantAlg: simplejwt.PS384},
		{name: "ES256 without JWT_PRIVATE_KEY_FILE", env: map[string]string{"JWT_ALGORITHM": "ES256"},
			errVars: []string{"JWT_PRIVATE_KEY_FILE"}},
		{name: "ES256 with a missing file", env: map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": missing},
			errVars: []string{"JWT_PRIVATE_KEY_FILE"}},
		{name: "ES256 with a public key", env: map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": pubFile},
			errVars: []string{"JWT_PRIVATE_KEY_FILE"}},
		{name: "ES256 with a P-384 key", env: map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": ec384File},
			errVars: []string{"JWT_PRIVATE_KEY_FILE"}},
		{name: "ES256 with JWT_SIGNING_KEY", env: map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": ec256File, "JWT_SIGNING_KEY": secret32},
			errVars: []string{"JWT_SIGNING_KEY"}},
		{name: "HS256 with JWT_PRIVATE_KEY_FILE", env: map[string]string{"JWT_PRIVATE_KEY_FILE": ec256File},
			errVars: []string{"JWT_PRIVATE_KEY_FILE"}},
		{name: "REDIS_URL", env: map[string]string{"REDIS_URL": "redis://127.0.0.1:6390/2"},
			want: func(*Config) {}},
		{name: "REDIS_URL bad scheme", env: map[string]string{"REDIS_URL": "http://127.0.0.1:6390"},
			errVars: []string{"REDIS_URL"}},
		{name: "JWT_ACCESS_TOKEN_LIFETIME", env: map[string]string{"JWT_ACCESS_TOKEN_LIFETIME": "90s"},
			want: func(c *Config) { c.AccessLifetime = 90 * time.Second }},
		{name: "JWT_REFRESH_TOKEN_LIFETIME", env: map[string]string{"JWT_REFRESH_TOKEN_LIFETIME": "168h"},
			want: func(c *Config) { c.RefreshLifetime = 168 * time.Hour }},
		{name: "JWT_SLIDING_TOKEN_LIFETIME", env: map[string]string{"JWT_SLIDING_TOKEN_LIFETIME": "10m"},
			want: func(c *Config) { c.SlidingLifetime = 10 * time.Minute }},
		{name: "JWT_SLIDING_TOKEN_REFRESH_LIFETIME", env: map[string]string{"JWT_SLIDING_TOKEN_REFRESH_LIFETIME": "1h30m"},
			want: func(c *Config) { c.SlidingRefreshLifetime = 90 * time.Minute }},
		{name: "lifetime without unit", env: map[string]string{"JWT_ACCESS_TOKEN_LIFETIME": "300"},
			errVars: []string{"JWT_ACCESS_TOKEN_LIFETIME"}},
		{name: "zero lifetime", env: map[string]string{"JWT_REFRESH_TOKEN_LIFETIME": "0s"},
			errVars: []string{"JWT_REFRESH_TOKEN_LIFETIME"}},
		{name: "negative lifetime", env: map[string]string{"JWT_SLIDING_TOKEN_LIFETIME": "-5m"},
			errVars: []string{"JWT_SLIDING_TOKEN_LIFETIME"}},
		{name: "sliding refresh lifetime shorter than sliding lifetime",
			env:     map[string]string{"JWT_SLIDING_TOKEN_LIFETIME": "10m", "JWT_SLIDING_TOKEN_REFRESH_LIFETIME": "5m"},
			errVars: []string{"JWT_SLIDING_TOKEN_REFRESH_LIFETIME"}},
		{name: "rotation flags on", env: map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "1", "JWT_BLACKLIST_AFTER_ROTATION": "1"},
			want: func(c *Config) { c.RotateRefreshTokens, c.BlacklistAfterRotation = true, true }},
		{name: "rotation flags off", env: map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "0", "JWT_BLACKLIST_AFTER_ROTATION": "false"},
			want: func(*Config) {}},
		{name: "bad flags", env: map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "yes", "JWT_BLACKLIST_AFTER_ROTATION": "on"},
			errVars: []string{"JWT_ROTATE_REFRESH_TOKENS", "JWT_BLACKLIST_AFTER_ROTATION"}},
		{name: "every bad variable is reported", env: map[string]string{
			"ADDR": "nowhere", "JWT_ALGORITHM": "XX256", "REDIS_URL": "ftp://x",
			"JWT_ACCESS_TOKEN_LIFETIME": "soon", "JWT_REFRESH_TOKEN_LIFETIME": "later",
			"JWT_SLIDING_TOKEN_LIFETIME": "0", "JWT_SLIDING_TOKEN_REFRESH_LIFETIME": "-1h",
			"JWT_ROTATE_REFRESH_TOKENS": "2", "JWT_BLACKLIST_AFTER_ROTATION": "-",
		}, errVars: []string{
			"ADDR", "JWT_ALGORITHM", "REDIS_URL",
			"JWT_ACCESS_TOKEN_LIFETIME", "JWT_REFRESH_TOKEN_LIFETIME",
			"JWT_SLIDING_TOKEN_LIFETIME", "JWT_SLIDING_TOKEN_REFRESH_LIFETIME",
			"JWT_ROTATE_REFRESH_TOKENS", "JWT_BLACKLIST_AFTER_ROTATION",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(env(tc.env))
			if tc.errVars != nil {
				if got := varNames(err); !slices.Equal(got, tc.errVars) {
					t.Fatalf("Load: errors for %q, want %q (err: %v)", got, tc.errVars, err)
				}
				for _, name := range tc.errVars {
					if !strings.Contains(err.Error(), name+": ") {
						t.Errorf("message %q does not name %s", err, name)
					}
				}
				if cfg != (Config{}) {
					t.Errorf("Load returned %+v with an error", cfg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := defaults
			tc.want(&want)
			if tc.wantAlg == "" {
				if cfg.Key != nil {
					t.Errorf("Key = %v, want nil (random key at start-up)", cfg.Key.Algorithm())
				}
			} else if cfg.Key == nil || cfg.Key.Algorithm() != tc.wantAlg || !cfg.Key.CanSign() {
				t.Errorf("Key = %+v, want a signing key for %s", cfg.Key, tc.wantAlg)
			}
			if url := tc.env["REDIS_URL"]; url != "" {
				if cfg.Redis == nil || cfg.Redis.Addr != "127.0.0.1:6390" || cfg.Redis.DB != 2 {
					t.Errorf("Redis = %+v, want 127.0.0.1:6390 db 2", cfg.Redis)
				}
			} else if cfg.Redis != nil {
				t.Errorf("Redis = %+v, want nil (in memory)", cfg.Redis)
			}
			cfg.Key, want.Key, cfg.Redis = nil, nil, nil
			if cfg != want {
				t.Errorf("Load =\n%+v\nwant\n%+v", cfg, want)
			}
		})
	}
}

func TestUsers(t *testing.T) {
	users := Users()
	tests := []struct {
		name, username, password string
		want                     simplejwt.User
		err                      error
	}{
		{"alice", "alice", "wonderland", simplejwt.User{ID: "1"}, nil},
		{"bob is inactive", "bob", "builder", simplejwt.User{}, simplejwt.ErrUserInactive},
		{"alice with a wrong password", "alice", "builder", simplejwt.User{}, simplejwt.ErrInvalidCredentials},
		{"bob with a wrong password", "bob", "wonderland", simplejwt.User{}, simplejwt.ErrInvalidCredentials},
		{"unknown user", "carol", "wonderland", simplejwt.User{}, simplejwt.ErrInvalidCredentials},
		{"empty username and password", "", "", simplejwt.User{}, simplejwt.ErrInvalidCredentials},
		{"username differs in case", "Alice", "wonderland", simplejwt.User{}, simplejwt.ErrInvalidCredentials},
		{"password with a suffix", "alice", "wonderland ", simplejwt.User{}, simplejwt.ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := users.Authenticate(context.Background(), tc.username, tc.password)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if u.ID != tc.want.ID || u.Claims != nil {
				t.Errorf("user = %+v, want %+v", u, tc.want)
			}
		})
	}
}

func TestWhoamiJSON(t *testing.T) {
	tests := []struct {
		name   string
		claims *simplejwt.Claims
		want   string
	}{
		{"access", &simplejwt.Claims{UserID: "1", Type: simplejwt.Access, ID: "0123456789abcdef0123456789abcdef"},
			`{"user_id":"1","token_type":"access","jti":"0123456789abcdef0123456789abcdef"}`},
		{"sliding", &simplejwt.Claims{UserID: "42", Type: simplejwt.Sliding, ID: "x"},
			`{"user_id":"42","token_type":"sliding","jti":"x"}`},
		{"escaped", &simplejwt.Claims{UserID: `a"b`, Type: simplejwt.Access, ID: `<j>`},
			`{"user_id":"a\"b","token_type":"access","jti":"\u003cj\u003e"}`},
		{"nil", nil, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(WhoamiJSON(tc.claims)); got != tc.want {
				t.Errorf("WhoamiJSON = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNewServer(t *testing.T) {
	h := http.NotFoundHandler()
	s := NewServer("127.0.0.1:1234", h)
	if s.Addr != "127.0.0.1:1234" || s.ReadHeaderTimeout != 5*time.Second || s.ReadTimeout != 10*time.Second ||
		s.WriteTimeout != 10*time.Second || s.IdleTimeout != 60*time.Second || s.MaxHeaderBytes != 16<<10 {
		t.Errorf("NewServer = %+v", s)
	}
	if s.Handler == nil {
		t.Error("NewServer has no handler")
	}
}

// records is a slog.Handler that keeps its records.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
	// listening receives the address of a "listening" record.
	listening chan string
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	if r.Message == "listening" && h.listening != nil {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "addr" {
				h.listening <- a.Value.String()
			}
			return true
		})
	}
	return nil
}

// lines renders the records as "LEVEL msg k=v ...", without times.
func (h *records) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.recs {
		s := r.Level.String() + " " + r.Message
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "duration" {
				s += " duration=<d>"
			} else {
				s += " " + a.String()
			}
			return true
		})
		out = append(out, s)
	}
	return out
}

func TestLogRequests(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"implicit 200", func(w http.ResponseWriter, r *http.Request) {}, "INFO request method=GET path=/x status=200 duration=<d>"},
		{"write without header", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) }, "INFO request method=GET path=/x status=200 duration=<d>"},
		{"explicit status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }, "INFO request method=GET path=/x status=418 duration=<d>"},
		{"informational first", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusNotFound)
		}, "INFO request method=GET path=/x status=404 duration=<d>"},
		{"flush", func(w http.ResponseWriter, r *http.Request) {
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("Flush through the wrapper: %v", err)
			}
		}, "INFO request method=GET path=/x status=200 duration=<d>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &records{}
			h := LogRequests(slog.New(rec), tc.handler)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x?q=1", nil))
			if got := rec.lines(); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("log = %q, want %q", got, tc.want)
			}
		})
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// call sends a request to h and returns the response and its body.
func call(t *testing.T, h http.Handler, method, path, bearer, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), rec.Body.String()
}

// field returns the string field name of a JSON object body.
func field(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	v, ok := m[name]
	if !ok {
		t.Fatalf("body %s has no %q", body, name)
	}
	return v
}

func TestNewMux(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_900_000_000, 0)}
	a, err := simplejwt.New(
		simplejwt.WithHMACSecret([]byte(secret32)),
		simplejwt.WithAuthenticator(Users()),
		simplejwt.WithClock(clock.Now),
	)
	if err != nil {
		t.Fatal(err)
	}
	h := NewMux(a)
	ctx := context.Background()
	jsonType := []string{"application/json"}

	resp, body := call(t, h, "GET", "/healthz", "", "")
	if resp.StatusCode != 200 || body != `{"status":"ok"}` || !slices.Equal(resp.Header["Content-Type"], jsonType) {
		t.Fatalf("healthz: %d %v %s", resp.StatusCode, resp.Header, body)
	}

	resp, body = call(t, h, "POST", "/api/token/", "", `{"username":"alice","password":"wonderland"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	access, refresh := field(t, body, "access"), field(t, body, "refresh")
	if want := `{"refresh":"` + refresh + `","access":"` + access + `"}`; body != want {
		t.Fatalf("login body %s, want %s", body, want)
	}

	ac, err := a.Verify(ctx, access)
	if err != nil {
		t.Fatal(err)
	}
	resp, body = call(t, h, "GET", "/api/whoami/", access, "")
	if want := `{"user_id":"1","token_type":"access","jti":"` + ac.ID + `"}`; resp.StatusCode != 200 || body != want {
		t.Fatalf("whoami: %d %s, want 200 %s", resp.StatusCode, body, want)
	}
	if !slices.Equal(resp.Header["Content-Type"], jsonType) {
		t.Errorf("whoami Content-Type %q", resp.Header["Content-Type"])
	}

	resp, body = call(t, h, "POST", "/api/token/refresh/", "", `{"refresh":"`+refresh+`"}`)
	if resp.StatusCode != 200 || body != `{"access":"`+field(t, body, "access")+`"}` {
		t.Fatalf("refresh: %d %s", resp.StatusCode, body)
	}

	resp, body = call(t, h, "POST", "/api/token/blacklist/", "", `{"refresh":"`+refresh+`"}`)
	if resp.StatusCode != 200 || body != `{}` {
		t.Fatalf("blacklist: %d %s", resp.StatusCode, body)
	}

	resp, body = call(t, h, "POST", "/api/token/refresh/", "", `{"refresh":"`+refresh+`"}`)
	if want := `{"detail":"Token is blacklisted","code":"token_not_valid"}`; resp.StatusCode != 401 || body != want {
		t.Fatalf("refresh after blacklist: %d %s, want 401 %s", resp.StatusCode, body, want)
	}

	// whoami-sliding accepts only sliding tokens and renews one with less
	// than half its life left.
	resp, body = call(t, h, "POST", "/api/token/sliding/", "", `{"username":"alice","password":"wonderland"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("sliding login: %d %s", resp.StatusCode, body)
	}
	sliding := field(t, body, "token")
	sc, err := a.Verify(ctx, sliding)
	if err != nil {
		t.Fatal(err)
	}
	slidingBody := `{"user_id":"1","token_type":"sliding","jti":"` + sc.ID + `"}`
	resp, body = call(t, h, "GET", "/api/whoami-sliding/", sliding, "")
	if resp.StatusCode != 200 || body != slidingBody || resp.Header.Get("Refreshed-Token") != "" {
		t.Fatalf("whoami-sliding, fresh token: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	clock.Add(3 * time.Minute)
	resp, body = call(t, h, "GET", "/api/whoami-sliding/", sliding, "")
	renewed := resp.Header.Get("Refreshed-Token")
	if resp.StatusCode != 200 || body != slidingBody || renewed == "" ||
		!slices.Equal(resp.Header["Access-Control-Expose-Headers"], []string{"Refreshed-Token"}) {
		t.Fatalf("whoami-sliding, token due for renewal: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	rc, err := a.Verify(ctx, renewed)
	if err != nil || rc.ID != sc.ID || !rc.ExpiresAt.Equal(clock.Now().Add(5*time.Minute)) {
		t.Fatalf("renewed token: %+v, %v", rc, err)
	}

	for _, tc := range []struct {
		name, path, token string
		status            int
	}{
		{"sliding token on whoami", "/api/whoami/", sliding, 401},
		{"access token on whoami-sliding", "/api/whoami-sliding/", access, 401},
		{"no token on whoami-sliding", "/api/whoami-sliding/", "", 401},
	} {
		if resp, body := call(t, h, "GET", tc.path, tc.token, ""); resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.status)
		}
	}
}

func TestNewAuth(t *testing.T) {
	t.Run("random key", func(t *testing.T) {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		}))
		cfg, err := Load(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		a, closeAuth, err := NewAuth(cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		defer closeAuth()
		want := `level=WARN msg="JWT_SIGNING_KEY is not set: signing with a random key made at start-up; tokens will not survive a restart"` + "\n"
		if buf.String() != want {
			t.Errorf("log = %q, want %q", buf.String(), want)
		}
		if _, ok := a.Store().(*simplejwt.MemoryStore); !ok {
			t.Errorf("store is %T, want *simplejwt.MemoryStore", a.Store())
		}
		// Two starts sign with two keys.
		b, closeB, err := NewAuth(cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		defer closeB()
		p, err := a.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Verify(context.Background(), p.Access); !errors.Is(err, simplejwt.ErrTokenSignature) {
			t.Errorf("token of one start verified by another: %v", err)
		}
	})

	t.Run("configured key and lifetimes", func(t *testing.T) {
		var buf bytes.Buffer
		cfg, err := Load(env(map[string]string{
			"JWT_SIGNING_KEY":           secret32,
			"JWT_ACCESS_TOKEN_LIFETIME": "1m",
			"JWT_ROTATE_REFRESH_TOKENS": "1", "JWT_BLACKLIST_AFTER_ROTATION": "1",
		}))
		if err != nil {
			t.Fatal(err)
		}
		a, closeAuth, err := NewAuth(cfg, slog.New(slog.NewTextHandler(&buf, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer closeAuth()
		if buf.Len() != 0 {
			t.Errorf("log = %q, want nothing", buf.String())
		}
		ctx := context.Background()
		p, err := a.ObtainPair(ctx, simplejwt.User{ID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Verify(ctx, p.Access)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.ExpiresAt.Sub(c.IssuedAt); got != time.Minute {
			t.Errorf("access lifetime %v, want 1m", got)
		}
		// Rotation with blacklisting: the first refresh rotates, the second
		// finds the token consumed.
		r1, err := a.Refresh(ctx, p.Refresh)
		if err != nil || r1.Refresh == "" {
			t.Fatalf("first refresh: %+v, %v", r1, err)
		}
		if _, err := a.Refresh(ctx, p.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
			t.Errorf("second refresh: %v, want ErrTokenRevoked", err)
		}
	})

	t.Run("Redis unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		cfg, err := Load(env(map[string]string{"JWT_SIGNING_KEY": secret32, "REDIS_URL": "redis://" + addr + "/0?max_retries=-1"}))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = NewAuth(cfg, slog.New(slog.DiscardHandler))
		var ve *VarError
		if !errors.As(err, &ve) || ve.Name != "REDIS_URL" || !strings.HasPrefix(err.Error(), "REDIS_URL: no answer from Redis at "+addr+": ") {
			t.Fatalf("NewAuth = %v, want a REDIS_URL error", err)
		}
	})

	t.Run("Redis", func(t *testing.T) {
		srv := redistest.New(t)
		cfg, err := Load(env(map[string]string{"JWT_SIGNING_KEY": secret32, "REDIS_URL": srv.URL()}))
		if err != nil {
			t.Fatal(err)
		}
		// Two processes sharing the key and the Redis see each other's
		// revocations.
		a, closeA, err := NewAuth(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		b, closeB, err := NewAuth(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := a.Store().(*simplejwt.RedisStore); !ok {
			t.Fatalf("store is %T, want *simplejwt.RedisStore", a.Store())
		}
		ctx := context.Background()
		p, err := a.ObtainPair(ctx, simplejwt.User{ID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Blacklist(ctx, p.Refresh); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Refresh(ctx, p.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
			t.Errorf("refresh on the other process: %v, want ErrTokenRevoked", err)
		}
		if err := closeA(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := closeB(); err != nil {
			t.Errorf("close: %v", err)
		}
		if _, err := a.Verify(ctx, p.Access); !errors.Is(err, simplejwt.ErrRevocationUnavailable) {
			t.Errorf("Verify after close: %v, want ErrRevocationUnavailable", err)
		}
	})
}

func TestRun(t *testing.T) {
	t.Run("serves until the context ends", func(t *testing.T) {
		rec := &records{listening: make(chan string, 1)}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, slog.New(rec), env(map[string]string{"ADDR": "127.0.0.1:0", "JWT_SIGNING_KEY": secret32}), NewMux)
		}()
		var addr string
		select {
		case addr = <-rec.listening:
		case err := <-done:
			t.Fatalf("Run returned before listening: %v", err)
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != `{"status":"ok"}` {
			t.Errorf("healthz: %d %s", resp.StatusCode, body)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		want := []string{
			"INFO listening addr=" + addr,
			"INFO request method=GET path=/healthz status=200 duration=<d>",
			"INFO shutting down",
		}
		if got := rec.lines(); !slices.Equal(got, want) {
			t.Errorf("log =\n%q\nwant\n%q", got, want)
		}
		if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
			t.Error("server still answers after Run returned")
		}
	})

	t.Run("bad configuration", func(t *testing.T) {
		err := Run(context.Background(), slog.New(slog.DiscardHandler), env(map[string]string{"JWT_ALGORITHM": "nope"}), NewMux)
		if got := varNames(err); !slices.Equal(got, []string{"JWT_ALGORITHM"}) {
			t.Errorf("Run = %v, want a JWT_ALGORITHM error", err)
		}
	})

	t.Run("address in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		err = Run(context.Background(), slog.New(slog.DiscardHandler),
			env(map[string]string{"ADDR": ln.Addr().String(), "JWT_SIGNING_KEY": secret32}), NewMux)
		var opErr *net.OpError
		if !errors.As(err, &opErr) || opErr.Op != "listen" {
			t.Errorf("Run = %v, want a listen error", err)
		}
	})
}
