package simplejwt_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/storetest"
)

// These tests break a private Redis (never REDIS_URL, never a server
// another test uses) under the middleware.

const (
	// rdsFaultTimeout is the store's per-call timeout in these tests,
	// the default.
	rdsFaultTimeout = 100 * time.Millisecond
	// rdsFaultMargin is how much longer than the timeout a request may
	// take end to end. It separates a hang (go-redis alone would wait out
	// its 5 s dial timeout and retries) from scheduling delay on a loaded
	// 2-core machine running the race detector.
	rdsFaultMargin = 1500 * time.Millisecond
)

// rdsFaultFixture is an Auth on a RedisStore on a private server, with one
// valid access token and one whose session was blacklisted.
type rdsFaultFixture struct {
	a       *simplejwt.Auth
	h       http.Handler
	valid   string
	revoked string
}

func newRdsFaultFixture(t *testing.T, s simplejwt.Store, opts ...simplejwt.Option) *rdsFaultFixture {
	t.Helper()
	ctx := context.Background()
	a := rdsAuth(t, s, opts...)
	valid, err := a.ObtainPair(ctx, simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := a.ObtainPair(ctx, simplejwt.User{ID: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Blacklist(ctx, revoked.Refresh); err != nil {
		t.Fatal(err)
	}
	f := &rdsFaultFixture{a: a, h: rdsHandler(a), valid: valid.Access, revoked: revoked.Access}
	rdsExpect(t, rdsGet(f.h, f.valid), http.StatusOK, "user=1")
	rdsExpect(t, rdsGet(f.h, f.revoked), http.StatusUnauthorized, storetest.RevokedAccessBody)
	return f
}

// rdsOutcome is one request of a load test.
type rdsOutcome struct {
	start, end time.Time
	revoked    bool // sent with the revoked token
	code       int
	body       string
	retryAfter string
}

// do sends one request with the valid or the revoked token and times it.
func (f *rdsFaultFixture) do(revoked bool) rdsOutcome {
	tok := f.valid
	if revoked {
		tok = f.revoked
	}
	o := rdsOutcome{revoked: revoked, start: time.Now()}
	rec := rdsGet(f.h, tok)
	o.end = time.Now()
	o.code, o.body, o.retryAfter = rec.Code, rec.Body.String(), rec.Header().Get("Retry-After")
	return o
}

// check checks the status and exact body of o.
func (o rdsOutcome) check(t *testing.T, code int, body string) {
	t.Helper()
	if o.code != code || o.body != body {
		t.Errorf("request at %v: got %d %s, want %d %s", o.start.Format(time.StampMicro), o.code, o.body, code, body)
	}
}

// checkUnavailable checks that o is the fail-closed answer.
func (o rdsOutcome) checkUnavailable(t *testing.T) {
	t.Helper()
	if o.code != http.StatusServiceUnavailable || o.body != storetest.UnavailableBody || o.retryAfter == "" {
		t.Errorf("request at %v: got %d %s Retry-After %q, want 503 %s with Retry-After",
			o.start.Format(time.StampMicro), o.code, o.body, o.retryAfter, storetest.UnavailableBody)
	}
}

// checkDuration checks that o took no longer than the store's timeout
// plus the margin.
func (o rdsOutcome) checkDuration(t *testing.T) {
	t.Helper()
	if d := o.end.Sub(o.start); d > rdsFaultTimeout+rdsFaultMargin {
		t.Errorf("request at %v took %v, more than %v + %v", o.start.Format(time.StampMicro), d, rdsFaultTimeout, rdsFaultMargin)
	}
}

// pollUntilOK sends requests with the valid token until one is answered
// 200, for at most ten seconds.
func (f *rdsFaultFixture) pollUntilOK(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		o := f.do(false)
		if o.code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 200 within 10s, last answer %d %s", o.code, o.body)
		}
		<-tick.C
	}
}

// TestRedisFaultKill kills Redis under concurrent load: requests that
// start after the kill get 503 (fail closed) within the timeout, none is
// a 500, a revoked token is never let through, and once Redis is back the
// same Auth and client serve requests again. The server writes an
// append-only file, so the revocation survives the restart.
func TestRedisFaultKill(t *testing.T) {
	srv, client := rdsPrivate(t, "--appendonly", "yes")
	s, _ := rdsNewStore(t, client) // default timeout: 100ms
	f := newRdsFaultFixture(t, s)

	const (
		workers   = 8
		warmup    = 20  // requests per worker before the kill
		afterKill = 15  // requests per worker started after the kill
		most      = 1e5 // requests per worker, in all, at most
	)
	var (
		killedAt atomic.Int64 // UnixNano when Kill returned; 0 before
		warm     sync.WaitGroup
		done     sync.WaitGroup
		mu       sync.Mutex
		all      []rdsOutcome
	)
	warm.Add(workers)
	done.Add(workers)
	stopAt := time.Now().Add(20 * time.Second)
	for w := range workers {
		go func() {
			defer done.Done()
			var mine []rdsOutcome
			post := 0
			for i := 0; i < most && post < afterKill && time.Now().Before(stopAt); i++ {
				o := f.do((w+i)%2 == 1)
				mine = append(mine, o)
				if k := killedAt.Load(); k != 0 && o.start.UnixNano() > k {
					post++
				}
				if i == warmup-1 {
					warm.Done()
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	warm.Wait()
	killStart := time.Now()
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	killedAt.Store(killed.UnixNano())
	done.Wait()

	var (
		before, after int
		slowest       time.Duration
	)
	for _, o := range all {
		slowest = max(slowest, o.end.Sub(o.start))
		if o.code == http.StatusInternalServerError {
			t.Errorf("500: %s", o.body)
		}
		if o.revoked && o.code == http.StatusOK {
			t.Errorf("a revoked token was let through at %v", o.start.Format(time.StampMicro))
		}
		o.checkDuration(t)
		switch {
		case o.end.Before(killStart):
			before++
			if o.revoked {
				o.check(t, http.StatusUnauthorized, storetest.RevokedAccessBody)
			} else {
				o.check(t, http.StatusOK, "user=1")
			}
		case o.start.After(killed):
			after++
			o.checkUnavailable(t)
		}
	}
	if before < workers*warmup/2 || after < workers*afterKill {
		t.Fatalf("%d requests before the kill and %d after, want at least %d and %d", before, after, workers*warmup/2, workers*afterKill)
	}
	t.Logf("%d requests: %d answered before the kill, %d started after it; slowest %v", len(all), before, after, slowest)

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	f.pollUntilOK(t)
	rdsExpect(t, rdsGet(f.h, f.valid), http.StatusOK, "user=1")
	rdsExpect(t, rdsGet(f.h, f.revoked), http.StatusUnauthorized, storetest.RevokedAccessBody)
}

// TestRedisFaultPause makes Redis stop answering (CLIENT PAUSE, from a
// second client) and checks that requests are refused with 503 within the
// timeout instead of hanging, then served again when the pause ends.
func TestRedisFaultPause(t *testing.T) {
	srv, client := rdsPrivate(t)
	s, _ := rdsNewStore(t, client)
	f := newRdsFaultFixture(t, s)

	pauser := srv.Client()
	paused := time.Now()
	if err := pauser.Do(context.Background(), "client", "pause", 1000, "all").Err(); err != nil {
		t.Fatal(err)
	}
	// Four sequential requests end well inside the one-second pause.
	for i := range 4 {
		o := f.do(i%2 == 1)
		if o.end.Sub(paused) > 900*time.Millisecond {
			t.Fatalf("request %d ended %v after the pause began: too late to test it", i, o.end.Sub(paused))
		}
		o.checkUnavailable(t)
		o.checkDuration(t)
	}
	f.pollUntilOK(t)
	rdsExpect(t, rdsGet(f.h, f.revoked), http.StatusUnauthorized, storetest.RevokedAccessBody)
}

// TestRedisFaultFailOpen kills Redis under an Auth built with WithFailOpen:
// valid tokens keep working and the hook hears of every such request.
// That is the trade-off the option opts into: while the store is down a
// revoked token is accepted too, as nothing can tell it apart.
func TestRedisFaultFailOpen(t *testing.T) {
	srv, client := rdsPrivate(t)
	s, _ := rdsNewStore(t, client)
	var (
		calls   atomic.Int32
		badCall atomic.Bool
	)
	hook := func(r *http.Request, err error) {
		calls.Add(1)
		if r == nil || err == nil {
			badCall.Store(true)
		}
	}
	f := newRdsFaultFixture(t, s,
		simplejwt.WithFailOpen(hook),
		simplejwt.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if n := calls.Load(); n != 0 {
		t.Fatalf("hook called %d times while Redis was up", n)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}

	const n = 5
	for i := range n {
		o := f.do(false)
		o.check(t, http.StatusOK, "user=1")
		o.checkDuration(t)
		if got := calls.Load(); got != int32(i+1) {
			t.Fatalf("after %d requests the hook was called %d times", i+1, got)
		}
	}
	// The opt-in trade-off: the revoked token cannot be told apart now.
	o := f.do(true)
	if o.code != http.StatusOK {
		t.Errorf("revoked token with Redis down and fail-open: %d %s; fail-open accepts every valid signature", o.code, o.body)
	}
	if got := calls.Load(); got != n+1 {
		t.Errorf("hook called %d times for %d requests", got, n+1)
	}
	if badCall.Load() {
		t.Error("hook called without the request or the error")
	}
}
