package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gosimplejwt/simplejwt/internal/demo"
)

// serve serves the app built from vars on a test server closed when t
// ends, and returns its URL.
func serve(t *testing.T, vars map[string]string) string {
	t.Helper()
	getenv := func(k string) string { return vars[k] }
	app, err := newApp(getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := demo.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	h, closeApp, err := app.Handler(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		closeApp()
	})
	return srv.URL
}

// do sends req and returns the status and body.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

// login obtains a pair for alice and returns the access token.
func login(t *testing.T, base string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/token/",
		strings.NewReader(`{"username":"alice","password":"wonderland"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	status, body := do(t, req)
	var pair struct{ Access string }
	if err := json.Unmarshal([]byte(body), &pair); status != 200 || err != nil || pair.Access == "" {
		t.Fatalf("login: %d %s (%v)", status, body, err)
	}
	return pair.Access
}

// TestMetrics logs in, calls whoami with the token and without one, and
// scrapes /metrics: the authentications counter shows one ok and one
// missing, every other outcome at 0.
func TestMetrics(t *testing.T) {
	base := serve(t, map[string]string{"METRICS": "1"})
	access := login(t, base)
	if status, body := get(t, base+"/api/whoami/", access); status != 200 || !strings.Contains(body, `"user_id":"1"`) {
		t.Fatalf("whoami: %d %s", status, body)
	}
	if status, _ := get(t, base+"/api/whoami/", ""); status != 401 {
		t.Fatalf("whoami without a token: %d", status)
	}

	status, body := get(t, base+"/metrics", "")
	if status != 200 {
		t.Fatalf("/metrics: %d %s", status, body)
	}
	var got []string
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "simplejwt_authentications_total{") ||
			strings.HasPrefix(line, "simplejwt_renewals_total ") ||
			strings.HasPrefix(line, "simplejwt_store_lookup_duration_seconds_count ") {
			got = append(got, strings.TrimSuffix(line, "\n"))
		}
	}
	want := []string{
		`simplejwt_authentications_total{outcome="bad_signature"} 0`,
		`simplejwt_authentications_total{outcome="csrf"} 0`,
		`simplejwt_authentications_total{outcome="expired"} 0`,
		`simplejwt_authentications_total{outcome="invalid"} 0`,
		`simplejwt_authentications_total{outcome="malformed"} 0`,
		`simplejwt_authentications_total{outcome="missing"} 1`,
		`simplejwt_authentications_total{outcome="ok"} 1`,
		`simplejwt_authentications_total{outcome="revoked"} 0`,
		`simplejwt_authentications_total{outcome="store_unavailable"} 0`,
		`simplejwt_authentications_total{outcome="wrong_type"} 0`,
		`simplejwt_renewals_total 0`,
		`simplejwt_store_lookup_duration_seconds_count 1`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("/metrics lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(body, "\ngo_goroutines ") {
		t.Errorf("/metrics has no go_goroutines:\n%s", body)
	}
}

// TestNoMetrics checks that without METRICS=1 there is no /metrics route,
// and that the app's other routes are unchanged.
func TestNoMetrics(t *testing.T) {
	for _, v := range []string{"", "0"} {
		base := serve(t, map[string]string{"METRICS": v})
		if status, body := get(t, base+"/metrics", ""); status != 404 {
			t.Errorf("METRICS=%q: /metrics %d %s, want 404", v, status, body)
		}
		if status, body := get(t, base+"/healthz", ""); status != 200 || body != `{"status":"ok"}` {
			t.Errorf("METRICS=%q: /healthz %d %s", v, status, body)
		}
	}
}

func TestMetricsBadValue(t *testing.T) {
	_, err := newApp(func(k string) string { return map[string]string{"METRICS": "yes please"}[k] })
	var ve *demo.VarError
	if !errors.As(err, &ve) || ve.Name != "METRICS" {
		t.Fatalf("err %v, want a *demo.VarError for METRICS", err)
	}
}
