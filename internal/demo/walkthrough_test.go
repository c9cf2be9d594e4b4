package demo

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// wantWalkthrough is the walk-through against an app with the default
// configuration.
var wantWalkthrough = []string{
	`health: GET /healthz -> 200 {"status":"ok"}`,
	`whoami without a token: GET /api/whoami/ -> 401 {"detail":"Authentication credentials were not provided."}`,
	`login bob (inactive): POST /api/token/ -> 401 {"detail":"No active account found with the given credentials"}`,
	`login alice: POST /api/token/ -> 200 {"refresh":"<token>","access":"<token>"}`,
	`whoami: GET /api/whoami/ -> 200 {"user_id":"1","token_type":"access","jti":"<jti>"}`,
	`verify the access token: POST /api/token/verify/ -> 200 {}`,
	`refresh: POST /api/token/refresh/ -> 200 {"access":"<token>"}`,
	`blacklist the refresh token: POST /api/token/blacklist/ -> 200 {}`,
	`refresh again: POST /api/token/refresh/ -> 401 {"detail":"Token is blacklisted","code":"token_not_valid"}`,
	`whoami after logout: GET /api/whoami/ -> 401 {"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is blacklisted"}]}`,
	`login alice (sliding): POST /api/token/sliding/ -> 200 {"token":"<token>"}`,
	`whoami-sliding: GET /api/whoami-sliding/ -> 200 {"user_id":"1","token_type":"sliding","jti":"<jti>"}`,
	`sliding token on whoami: GET /api/whoami/ -> 401 {"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}`,
}

// newApp serves the net/http example app with the configuration env.
func newApp(t *testing.T, vars map[string]string) *httptest.Server {
	t.Helper()
	cfg, err := Load(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	a, closeAuth, err := NewAuth(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewMux(a))
	t.Cleanup(func() {
		srv.Close()
		closeAuth()
	})
	return srv
}

func TestWalkthrough(t *testing.T) {
	srv := newApp(t, nil)
	got := Walkthrough(t, srv.URL)
	if !slices.Equal(got, wantWalkthrough) {
		t.Errorf("walkthrough:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantWalkthrough, "\n"))
	}
}

func TestWalkthroughRotation(t *testing.T) {
	srv := newApp(t, map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "1", "JWT_BLACKLIST_AFTER_ROTATION": "1"})
	got := Walkthrough(t, srv.URL)
	want := slices.Clone(wantWalkthrough)
	// The refresh rotates, and consumes the refresh token; blacklisting it
	// afterwards finds it already revoked, and refreshing with it again is
	// reuse of a rotated token, which revokes the whole session: the
	// login's access token stops working.
	want[6] = `refresh: POST /api/token/refresh/ -> 200 {"access":"<token>","refresh":"<token>"}`
	want[7] = `blacklist the refresh token: POST /api/token/blacklist/ -> 401 {"detail":"Token is blacklisted","code":"token_not_valid"}`
	if !slices.Equal(got, want) {
		t.Errorf("walkthrough:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWalkthroughScript checks that scripts/walkthrough.sh prints the same
// lines as Walkthrough.
func TestWalkthroughScript(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found: the walk-through script cannot be checked", tool)
			}
			t.Skipf("%s not found", tool)
		}
	}
	srv := newApp(t, nil)
	out, err := exec.Command("bash", "../../scripts/walkthrough.sh", srv.URL).Output()
	if err != nil {
		t.Fatalf("walkthrough.sh: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if !slices.Equal(got, wantWalkthrough) {
		t.Errorf("walkthrough.sh:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantWalkthrough, "\n"))
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"access":"eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln"}` + "\n", `{"access":"<token>"}`},
		{`{"jti":"0123456789abcdef0123456789abcdef"}`, `{"jti":"<jti>"}`},
		{`{"jti":"short"}`, `{"jti":"short"}`},
		{`{"detail":"e.g. not.a.token"}`, `{"detail":"e.g. not.a.token"}`},
		{"a\n\n", "a"},
	}
	for _, tc := range tests {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
