package demo

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gosimplejwt/simplejwt"
)

func TestAppHandler(t *testing.T) {
	cfg, err := Load(env(map[string]string{"JWT_SIGNING_KEY": secret32}))
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []simplejwt.Outcome
	app := App{
		Routes: NewMux,
		Hooks: simplejwt.Hooks{Authenticated: func(_ *http.Request, o simplejwt.Outcome, _ error) {
			outcomes = append(outcomes, o)
		}},
		Extra: map[string]http.Handler{"GET /extra": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte("extra"))
		})},
	}
	h, closeApp, err := app.Handler(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp()

	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/extra", 200, "extra"},
		{"GET", "/healthz", 200, `{"status":"ok"}`},
		{"GET", "/api/whoami/", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"POST", "/extra", 404, "404 page not found\n"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || string(body) != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, rec.Code, body, tc.status, tc.body)
		}
	}
	if len(outcomes) != 1 || outcomes[0] != simplejwt.OutcomeMissing {
		t.Errorf("hooks saw %v, want [missing]", outcomes)
	}
}

func TestAppHandlerWithoutExtra(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	h, closeApp, err := App{Routes: NewMux}.Handler(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp()
	if _, ok := h.(*http.ServeMux); !ok {
		t.Fatalf("handler %T, want NewMux's *http.ServeMux unwrapped", h)
	}
}

func TestFlag(t *testing.T) {
	for _, tc := range []struct {
		value string
		on    bool
		bad   bool
	}{
		{"", false, false},
		{"0", false, false},
		{"1", true, false},
		{"true", true, false},
		{"yes", false, true},
	} {
		on, err := Flag(env(map[string]string{"X": tc.value}), "X")
		var ve *VarError
		if on != tc.on || (err != nil) != tc.bad || (tc.bad && (!errors.As(err, &ve) || ve.Name != "X")) {
			t.Errorf("Flag(X=%q) = %v, %v; want %v, bad %v", tc.value, on, err, tc.on, tc.bad)
		}
	}
}
