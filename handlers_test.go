package simplejwt_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gosimplejwt/simplejwt"
)

func endpointServer(t *testing.T, opts ...simplejwt.Option) (*simplejwt.Auth, http.Handler) {
	t.Helper()
	a := newTestAuth(t, newFakeClock(t0), append([]simplejwt.Option{simplejwt.WithAuthenticator(wireUsers)}, opts...)...)
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	return a, mux
}

func post(h http.Handler, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestEndpoints(t *testing.T) {
	a, h := endpointServer(t)
	sliding, err := a.ObtainSliding(context.Background(), simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, ct, body string
		status               int
		want                 string // exact body; "" to check only the status
	}{
		{"blacklist a sliding token", "/api/token/blacklist/", "application/json", `{"token":"` + sliding + `"}`, 200, `{}`},
		{"blacklist it again", "/api/token/blacklist/", "application/json", `{"token":"` + sliding + `"}`, 401,
			`{"detail":"Token is blacklisted","code":"token_not_valid"}`},
		{"renew a blacklisted sliding token", "/api/token/sliding/refresh/", "application/json", `{"token":"` + sliding + `"}`, 401,
			`{"detail":"Token is blacklisted","code":"token_not_valid"}`},
		{"blacklist without a field", "/api/token/blacklist/", "application/json", `{}`, 400, `{"refresh":["This field is required."]}`},
		{"blank token", "/api/token/verify/", "application/json", `{"token":""}`, 400, `{"token":["This field may not be blank."]}`},
		{"null token", "/api/token/verify/", "application/json", `{"token":null}`, 400, `{"token":["This field may not be null."]}`},
		{"token not a string", "/api/token/verify/", "application/json", `{"token":["a"]}`, 400, `{"token":["Not a valid string."]}`},
		{"both fields missing", "/api/token/", "application/json", `{}`, 400,
			`{"username":["This field is required."],"password":["This field is required."]}`},
		{"no content type is no data", "/api/token/", "", `{"username":"alice","password":"wonderland"}`, 400,
			`{"username":["This field is required."],"password":["This field is required."]}`},
		{"form body with extra fields", "/api/token/", "application/x-www-form-urlencoded", "username=alice&password=wonderland&x=1", 200, ""},
		{"JSON with extra fields", "/api/token/", "application/json; charset=utf-8", `{"username":"alice","password":"wonderland","x":[1]}`, 200, ""},
		{"JSON array", "/api/token/", "application/json", `[1,2]`, 400,
			`{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{"duplicate field", "/api/token/", "application/json", `{"username":"alice","username":"bob","password":"builder"}`, 400, ""},
		{"text/plain", "/api/token/", "text/plain", `username=alice`, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{"multipart", "/api/token/", "multipart/form-data; boundary=x", "--x--", 415, ""},
		{"body over 64 KiB", "/api/token/", "application/json", `{"username":"` + strings.Repeat("a", 70<<10) + `"}`, 413,
			`{"detail":"Request body is too large."}`},
		{"inactive user", "/api/token/sliding/", "application/json", `{"username":"bob","password":"builder"}`, 401,
			`{"detail":"No active account found with the given credentials"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(h, tc.path, tc.ct, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if tc.want != "" && rec.Body.String() != tc.want {
				t.Errorf("body\n got %s\nwant %s", rec.Body, tc.want)
			}
			if rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", rec.Header())
			}
		})
	}
}

func TestEndpointMethods(t *testing.T) {
	_, h := endpointServer(t)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, "/api/token/verify/", nil))
		if want := `{"detail":"Method \"` + m + `\" not allowed."}`; rec.Code != 405 || rec.Body.String() != want ||
			rec.Header().Get("Allow") != "POST, OPTIONS" {
			t.Errorf("%s: %d %s %v", m, rec.Code, rec.Body, rec.Header())
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodOptions, "/api/token/", nil))
	if rec.Code != 204 || rec.Header().Get("Allow") != "POST, OPTIONS" {
		t.Errorf("OPTIONS: %d %v", rec.Code, rec.Header())
	}
}

func TestObtainWithoutAuthenticator(t *testing.T) {
	a := newTestAuth(t, newFakeClock(t0))
	rec := post(a.ObtainPairHandler(), "/", "application/json", `{"username":"alice","password":"x"}`)
	if rec.Code != 501 || rec.Body.String() != `{"detail":"No authenticator is configured for this endpoint."}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// TestRotationConcurrent refreshes one refresh token from many goroutines
// with rotation and blacklist-after-rotation: exactly one gets a new pair,
// and the others, presenting a rotated token, revoke the session.
func TestRotationConcurrent(t *testing.T) {
	a, h := endpointServer(t, simplejwt.WithRotateRefreshTokens(true), simplejwt.WithBlacklistAfterRotation(true))
	p, err := a.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		winner   string
	)
	for range n {
		wg.Go(func() {
			rec := post(h, "/api/token/refresh/", "application/json", `{"refresh":"`+p.Refresh+`"}`)
			mu.Lock()
			defer mu.Unlock()
			statuses[rec.Code]++
			if rec.Code == 200 {
				winner = rec.Body.String()
			} else if rec.Body.String() != `{"detail":"Token is blacklisted","code":"token_not_valid"}` {
				t.Errorf("loser body %s", rec.Body)
			}
		})
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[401] != n-1 {
		t.Fatalf("statuses %v, want one 200 and %d 401", statuses, n-1)
	}
	var pair struct{ Access, Refresh string }
	if err := json.Unmarshal([]byte(winner), &pair); err != nil || pair.Access == "" || pair.Refresh == "" {
		t.Fatalf("winner body %s", winner)
	}
	// The losers presented a rotated token: reuse detection revoked the
	// session, the winner's new tokens included.
	if _, err := a.Refresh(context.Background(), pair.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Fatalf("the rotated refresh token after reuse: %v, want ErrTokenRevoked", err)
	}
	if _, err := a.Verify(context.Background(), pair.Access); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Fatalf("the new access token after reuse: %v, want ErrTokenRevoked", err)
	}
}

// TestLoginNoEnumeration: an unknown user, a wrong password and an
// inactive user get byte-identical answers, and each costs exactly one
// Authenticate call: the endpoint adds no branch an attacker could time.
func TestLoginNoEnumeration(t *testing.T) {
	var calls int
	users := simplejwt.AuthenticatorFunc(func(ctx context.Context, u, p string) (simplejwt.User, error) {
		calls++
		return wireUsers.Authenticate(ctx, u, p)
	})
	a := newTestAuth(t, newFakeClock(t0), simplejwt.WithAuthenticator(users))
	h := a.ObtainPairHandler()
	var first *httptest.ResponseRecorder
	for _, body := range []string{
		`{"username":"nobody","password":"wonderland"}`,
		`{"username":"alice","password":"wrong"}`,
		`{"username":"bob","password":"builder"}`,
	} {
		calls = 0
		rec := post(h, "/", "application/json", body)
		if calls != 1 {
			t.Errorf("%s: %d Authenticate calls, want 1", body, calls)
		}
		if first == nil {
			first = rec
			if rec.Code != 401 || rec.Body.String() != `{"detail":"No active account found with the given credentials"}` {
				t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
			}
			continue
		}
		if rec.Code != first.Code || rec.Body.String() != first.Body.String() ||
			fmt.Sprint(rec.Header()) != fmt.Sprint(first.Header()) {
			t.Errorf("%s: %d %v %s differs from %d %v %s", body, rec.Code, rec.Header(), rec.Body,
				first.Code, first.Header(), first.Body)
		}
	}
}
