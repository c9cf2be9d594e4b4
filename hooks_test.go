package simplejwt_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// hookCounts records what the hooks saw.
type hookCounts struct {
	mu       sync.Mutex
	outcomes map[simplejwt.Outcome]int
	renewed  int
	lookups  int
	failOpen int
}

func (h *hookCounts) hooks() simplejwt.Hooks {
	return simplejwt.Hooks{
		Authenticated: func(r *http.Request, o simplejwt.Outcome, err error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.outcomes[o]++
		},
		Renewed:     func(r *http.Request, c *simplejwt.Claims) { h.mu.Lock(); h.renewed++; h.mu.Unlock() },
		StoreLookup: func(d time.Duration, err error) { h.mu.Lock(); h.lookups++; h.mu.Unlock() },
		FailedOpen:  func(r *http.Request, err error) { h.mu.Lock(); h.failOpen++; h.mu.Unlock() },
	}
}

// TestHooksOutcomes sends one request per outcome and checks that exactly
// that outcome's count moved.
func TestHooksOutcomes(t *testing.T) {
	cases := []struct {
		name    string
		opts    []simplejwt.Option
		route   string
		req     func(t *testing.T, f *mwFixture) http.Header
		outcome simplejwt.Outcome
		lookups int
		renewed int
	}{
		{"ok", nil, "access", func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Access) },
			simplejwt.OutcomeOK, 1, 0},
		{"missing", nil, "access", func(t *testing.T, f *mwFixture) http.Header { return nil },
			simplejwt.OutcomeMissing, 0, 0},
		{"optional without token", nil, "optional", func(t *testing.T, f *mwFixture) http.Header { return nil },
			simplejwt.OutcomeMissing, 0, 0},
		{"malformed header", nil, "access", func(t *testing.T, f *mwFixture) http.Header {
			return http.Header{"Authorization": {"Bearer a b"}}
		}, simplejwt.OutcomeMalformed, 0, 0},
		{"malformed token", nil, "access", func(t *testing.T, f *mwFixture) http.Header { return bearer("x.y") },
			simplejwt.OutcomeMalformed, 0, 0},
		{"bad signature", nil, "access", func(t *testing.T, f *mwFixture) http.Header {
			tok := f.pair(t).Access
			return bearer(tok[:len(tok)-2] + "AA")
		}, simplejwt.OutcomeBadSignature, 0, 0},
		{"expired", nil, "access", func(t *testing.T, f *mwFixture) http.Header {
			tok := f.pair(t).Access
			f.clock.Advance(time.Hour)
			return bearer(tok)
		}, simplejwt.OutcomeExpired, 0, 0},
		{"wrong type", nil, "access", func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Refresh) },
			simplejwt.OutcomeWrongType, 0, 0},
		{"invalid claims", []simplejwt.Option{simplejwt.WithIssuer("https://a.example")}, "access",
			func(t *testing.T, f *mwFixture) http.Header {
				return bearer(signHS256(testSecret, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(
					`{"token_type":"access","exp":%d,"iat":%d,"jti":"h1","user_id":"42"}`, t0.Unix()+300, t0.Unix())))
			}, simplejwt.OutcomeInvalid, 0, 0},
		{"revoked", nil, "access", func(t *testing.T, f *mwFixture) http.Header {
			p := f.pair(t)
			f.a.Blacklist(context.Background(), p.Refresh)
			return bearer(p.Access)
		}, simplejwt.OutcomeRevoked, 1, 0},
		{"store unavailable", []simplejwt.Option{simplejwt.WithStore(failingStore{})}, "access",
			func(t *testing.T, f *mwFixture) http.Header { return bearer(f.pair(t).Access) },
			simplejwt.OutcomeStoreUnavailable, 1, 0},
		{"renewed", nil, "sliding", func(t *testing.T, f *mwFixture) http.Header {
			tok := f.sliding(t)
			f.clock.Advance(4 * time.Minute)
			return bearer(tok)
		}, simplejwt.OutcomeOK, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &hookCounts{outcomes: map[simplejwt.Outcome]int{}}
			f := newMWFixture(t, append(tc.opts, simplejwt.WithHooks(h.hooks()))...)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tc.req(t, f) {
				req.Header[k] = v
			}
			f.routes[tc.route].ServeHTTP(httptest.NewRecorder(), req)
			want := map[simplejwt.Outcome]int{tc.outcome: 1}
			if fmt.Sprint(h.outcomes) != fmt.Sprint(want) {
				t.Errorf("outcomes %v, want %v", h.outcomes, want)
			}
			if h.lookups != tc.lookups || h.renewed != tc.renewed || h.failOpen != 0 {
				t.Errorf("lookups %d renewed %d failOpen %d, want %d %d 0", h.lookups, h.renewed, h.failOpen, tc.lookups, tc.renewed)
			}
		})
	}
}

func TestHooksFailOpen(t *testing.T) {
	h := &hookCounts{outcomes: map[simplejwt.Outcome]int{}}
	f := newMWFixture(t, simplejwt.WithStore(failingStore{}), simplejwt.WithHooks(h.hooks()),
		simplejwt.WithFailOpen(func(*http.Request, error) {}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+f.pair(t).Access)
	rec := httptest.NewRecorder()
	f.routes["access"].ServeHTTP(rec, req)
	if rec.Code != 200 || h.failOpen != 1 || h.outcomes[simplejwt.OutcomeOK] != 1 || h.lookups != 1 {
		t.Fatalf("status %d, failOpen %d, outcomes %v, lookups %d", rec.Code, h.failOpen, h.outcomes, h.lookups)
	}
}
