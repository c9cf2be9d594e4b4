package adaptertest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/demo"
)

// serveApp serves app, built with demo.Load and demo.NewAuth from the
// configuration vars, on a test server closed when t ends, and returns its
// URL.
func serveApp(t *testing.T, vars map[string]string, app func(*simplejwt.Auth) http.Handler) string {
	t.Helper()
	cfg, err := demo.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, closeAuth, err := demo.NewAuth(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app(a))
	t.Cleanup(func() {
		srv.Close()
		closeAuth()
	})
	return srv.URL
}

// RunWalkthrough runs the README walk-through (demo.Walkthrough) against
// an example app and against the net/http one (demo.NewMux), each built
// from the same environment, with the default configuration and with
// refresh-token rotation: the lines must be equal.
func RunWalkthrough(t *testing.T, app func(*simplejwt.Auth) http.Handler) {
	for _, tc := range []struct {
		name string
		vars map[string]string
	}{
		{"defaults", nil},
		{"rotation", map[string]string{"JWT_ROTATE_REFRESH_TOKENS": "1", "JWT_BLACKLIST_AFTER_ROTATION": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := demo.Walkthrough(t, serveApp(t, tc.vars, demo.NewMux))
			got := demo.Walkthrough(t, serveApp(t, tc.vars, app))
			if len(want) != len(demo.WalkthroughSteps()) {
				t.Fatalf("net/http walk-through has %d lines, want one per step", len(want))
			}
			if !slices.Equal(got, want) {
				t.Errorf("app:\n%s\nnet/http:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
