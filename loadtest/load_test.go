package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
)

// Shape of the run.
const (
	clients       = 32
	shortDuration = 10 * time.Second
	longDuration  = 60 * time.Second
	// storeTimeout bounds each Redis call of the store. It is generous
	// because the race detector on two cores slows everything down; an
	// outage is a refused connection, which fails at once.
	storeTimeout = 2 * time.Second
	// recovery is how long after Restart returns 503s are still counted
	// as part of the outage: the pool's connections to the killed server
	// fail once each before being replaced.
	recovery = 2 * time.Second
	// heapSlack is the absolute part of the heap bound: end <= 2*start +
	// heapSlack.
	heapSlack = 8 << 20
)

// duration is 10 s under -short, with CI=true and by default; 60 s only when
// LOADTEST_LONG=1.
func duration() time.Duration {
	if os.Getenv("LOADTEST_LONG") == "1" && !testing.Short() && os.Getenv("CI") != "true" {
		return longDuration
	}
	return shortDuration
}

// quietLogger counts go-redis's log lines (one per failed dial during the
// outage) instead of printing them.
type quietLogger struct{ lines atomic.Int64 }

func (l *quietLogger) Printf(context.Context, string, ...interface{}) { l.lines.Add(1) }

// outage records when the private Redis was down, as Unix nanoseconds.
type outage struct {
	start atomic.Int64 // set just before Kill
	end   atomic.Int64 // set when Restart returned, plus recovery
}

// covers reports whether a request that ran from t0 to t1 overlapped the
// outage.
func (o *outage) covers(t0, t1 time.Time) bool {
	s := o.start.Load()
	if s == 0 || t1.UnixNano() < s {
		return false
	}
	e := o.end.Load()
	return e == 0 || t0.UnixNano() <= e
}

// counters are the totals the test reports.
type counters struct {
	requests       atomic.Int64
	logins         atomic.Int64
	protectedOK    atomic.Int64
	refreshes      atomic.Int64
	blacklists     atomic.Int64
	revokedReuses  atomic.Int64 // requests sent with a token revoked earlier
	revokedAccept  atomic.Int64 // ... that were accepted: must stay 0
	outage503      atomic.Int64
	unexpected5xx  atomic.Int64 // 5xx other than 503 in the outage: must stay 0
	unexpectedCode atomic.Int64 // any other answer the flow does not allow
}

// revokedPool holds tokens whose revocation call returned, for later
// re-use by any client: revocations must survive the outage.
type revokedPool struct {
	mu     sync.Mutex
	tokens []revoked
}

type revoked struct {
	kind  string // "access" (protected route) or "refresh" (refresh endpoint)
	token string
}

func (p *revokedPool) add(r ...revoked) {
	p.mu.Lock()
	p.tokens = append(p.tokens, r...)
	p.mu.Unlock()
}

func (p *revokedPool) pick(rng *rand.Rand) (revoked, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tokens) == 0 {
		return revoked{}, false
	}
	return p.tokens[rng.IntN(len(p.tokens))], true
}

func TestLoadAndRedisOutage(t *testing.T) {
	if testing.Short() {
		t.Log("-short: running the 10 s variant")
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapStart := ms.HeapAlloc

	run(t, duration())

	// Every server, client and pool is closed by now.
	goleak.VerifyNone(t,
		// redistest starts children from one goroutine locked to its
		// OS thread for the life of the test binary (parent-death
		// signal); it is not a leak of the code under test.
		goleak.IgnoreTopFunction("github.com/gosimplejwt/simplejwt/internal/redistest.startCmd.func1.1"),
	)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if limit := 2*heapStart + heapSlack; ms.HeapAlloc > limit {
		t.Errorf("heap after the run %d B, want at most 2x%d+%d = %d B", ms.HeapAlloc, heapStart, heapSlack, limit)
	}
	t.Logf("heap: start %d B, end %d B", heapStart, ms.HeapAlloc)
}

// run does the load test for d and closes everything it started.
func run(t *testing.T, d time.Duration) {
	// AOF with fsync on every write: a revocation acknowledged before the
	// kill must still be there after the restart. Without persistence a
	// restarted Redis forgets every revocation (see SECURITY.md).
	rs := redistest.New(t, "--appendonly", "yes", "--appendfsync", "always")
	if rs == nil {
		return
	}
	defer rs.Close()
	var logs quietLogger
	redis.SetLogger(&logs)
	rc := redis.NewClient(&redis.Options{
		Addr:                  rs.Addr,
		ContextTimeoutEnabled: true,
		PoolSize:              2 * clients,
		DialTimeout:           time.Second,
		MaxRetries:            1,
	})
	defer rc.Close()
	store, err := simplejwt.NewRedisStore(rc, simplejwt.WithRedisTimeout(storeTimeout),
		simplejwt.WithRedisPrefix("loadtest:"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	users := simplejwt.AuthenticatorFunc(func(_ context.Context, username, password string) (simplejwt.User, error) {
		if strings.HasPrefix(username, "user") && password == "pw-"+username {
			return simplejwt.User{ID: "u" + strings.TrimPrefix(username, "user")}, nil
		}
		return simplejwt.User{}, simplejwt.ErrInvalidCredentials
	})
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i*7 + 1)
	}
	a, err := simplejwt.New(
		simplejwt.WithHMACSecret(secret),
		simplejwt.WithStore(store),
		simplejwt.WithAuthenticator(users),
		simplejwt.WithRotateRefreshTokens(true),
		simplejwt.WithBlacklistAfterRotation(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	mux.Handle("/api/whoami/", a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := simplejwt.ClaimsFrom(r.Context())
		io.WriteString(w, "user="+c.UserID)
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: 0}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var (
		out   outage
		cnt   counters
		pool  revokedPool
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		errMu sync.Mutex
		errs  []string
	)
	fail := func(format string, args ...any) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}

	// do sends one request and classifies 5xx answers.
	do := func(method, path, token string, body any) (int, []byte) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			fail("%s %s: %v", method, path, err)
			return 0, nil
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t1 := time.Now()
		cnt.requests.Add(1)
		switch {
		case resp.StatusCode == http.StatusServiceUnavailable && out.covers(t0, t1):
			cnt.outage503.Add(1)
		case resp.StatusCode >= 500:
			cnt.unexpected5xx.Add(1)
			fail("%s %s: %d %s outside the outage", method, path, resp.StatusCode, b)
		}
		return resp.StatusCode, b
	}
	// reuse sends a revoked token where it used to work; anything but a
	// refusal (401) or fail-closed (503) is an acceptance.
	reuse := func(r revoked) {
		cnt.revokedReuses.Add(1)
		var code int
		var body []byte
		if r.kind == "access" {
			code, body = do(http.MethodGet, "/api/whoami/", r.token, nil)
		} else {
			code, body = do(http.MethodPost, "/api/token/refresh/", "", map[string]string{"refresh": r.token})
		}
		switch code {
		case http.StatusUnauthorized, http.StatusServiceUnavailable, 0:
		default:
			cnt.revokedAccept.Add(1)
			fail("revoked %s token accepted: %d %s", r.kind, code, body)
		}
	}

	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			user := fmt.Sprintf("user%d", i)
			creds := map[string]string{"username": user, "password": "pw-" + user}
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Log in: needs no store.
				code, body := do(http.MethodPost, "/api/token/", "", creds)
				if code != http.StatusOK {
					if code != 0 {
						cnt.unexpectedCode.Add(1)
						fail("login: %d %s", code, body)
					}
					continue
				}
				cnt.logins.Add(1)
				var pair struct{ Access, Refresh string }
				if err := json.Unmarshal(body, &pair); err != nil || pair.Access == "" || pair.Refresh == "" {
					fail("login body %s: %v", body, err)
					continue
				}
				// Protected route.
				switch code, body := do(http.MethodGet, "/api/whoami/", pair.Access, nil); code {
				case http.StatusOK:
					cnt.protectedOK.Add(1)
					if want := "user=u" + strings.TrimPrefix(user, "user"); string(body) != want {
						fail("whoami: %q, want %q", body, want)
					}
				case http.StatusServiceUnavailable:
				default:
					cnt.unexpectedCode.Add(1)
					fail("whoami with a fresh token: %d %s", code, body)
				}
				// Refresh with rotation: the old refresh token is
				// consumed once the call returns.
				code, body = do(http.MethodPost, "/api/token/refresh/", "", map[string]string{"refresh": pair.Refresh})
				var rotated struct{ Access, Refresh string }
				switch code {
				case http.StatusOK:
					cnt.refreshes.Add(1)
					if err := json.Unmarshal(body, &rotated); err != nil || rotated.Access == "" || rotated.Refresh == "" {
						fail("refresh body %s: %v", body, err)
						continue
					}
				case http.StatusServiceUnavailable:
					continue
				default:
					cnt.unexpectedCode.Add(1)
					fail("refresh: %d %s", code, body)
					continue
				}
				// Blacklist the rotated refresh token: its session, and
				// so both access tokens of this login, are revoked. The
				// old refresh token is re-used only afterwards: re-using
				// a rotated token revokes the session by itself (reuse
				// detection), and the blacklist call would find it gone.
				code, body = do(http.MethodPost, "/api/token/blacklist/", "", map[string]string{"refresh": rotated.Refresh})
				switch code {
				case http.StatusOK:
					cnt.blacklists.Add(1)
					gone := []revoked{{"refresh", rotated.Refresh}, {"access", rotated.Access}, {"access", pair.Access},
						{"refresh", pair.Refresh}}
					pool.add(gone...)
					for _, r := range gone {
						reuse(r)
					}
				case http.StatusServiceUnavailable:
				default:
					cnt.unexpectedCode.Add(1)
					fail("blacklist: %d %s", code, body)
				}
				// One older revoked token, possibly from before the
				// outage.
				if r, ok := pool.pick(rng); ok {
					reuse(r)
				}
			}
		}()
	}

	// Outage: kill the private server by pid at 1/3, restart it at 2/3.
	faultDone := make(chan error, 1)
	go func() {
		time.Sleep(d / 3)
		out.start.Store(time.Now().UnixNano())
		if err := rs.Kill(); err != nil {
			faultDone <- err
			return
		}
		time.Sleep(d / 3)
		err := rs.Restart()
		out.end.Store(time.Now().Add(recovery).UnixNano())
		faultDone <- err
	}()
	time.Sleep(d)
	close(stop)
	wg.Wait()
	if err := <-faultDone; err != nil {
		t.Fatalf("outage injection: %v", err)
	}

	for _, e := range errs {
		t.Error(e)
	}
	if n := cnt.revokedAccept.Load(); n != 0 {
		t.Errorf("%d revoked tokens accepted after their revocation returned, want 0", n)
	}
	if n := cnt.unexpected5xx.Load(); n != 0 {
		t.Errorf("%d answers 5xx outside the outage (or not 503), want 0", n)
	}
	if cnt.outage503.Load() == 0 {
		t.Error("no 503 during the outage: the outage was not observed")
	}
	if cnt.revokedReuses.Load() == 0 || cnt.blacklists.Load() == 0 {
		t.Error("the run revoked nothing")
	}
	t.Logf("duration %v, %d clients: requests %d (logins %d, protected 200 %d, refreshes %d, blacklists %d)",
		d, clients, cnt.requests.Load(), cnt.logins.Load(), cnt.protectedOK.Load(), cnt.refreshes.Load(), cnt.blacklists.Load())
	t.Logf("revoked re-uses tried %d, accepted: %d; 503s during outage %d; other 5xx %d; unexpected answers %d; go-redis log lines %d",
		cnt.revokedReuses.Load(), cnt.revokedAccept.Load(), cnt.outage503.Load(), cnt.unexpected5xx.Load(), cnt.unexpectedCode.Load(), logs.lines.Load())
}
