package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
)

// wantUser is the user id every token carries and every handler must see.
const wantUser = "1"

// hmacSecret is the HS256 key shared by every stack: 40 bytes, above the
// 32 that simplejwt requires for HS256.
var hmacSecret = []byte("bench-hs256-secret-0123456789abcdefghijk")

// algs are the algorithms of the middleware benchmarks, in the order they
// run.
var algs = []simplejwt.Algorithm{simplejwt.HS256, simplejwt.RS256, simplejwt.ES256}

// keyPair is one algorithm's key in the forms each library takes.
type keyPair struct {
	alg    simplejwt.Algorithm
	sign   any            // []byte, *rsa.PrivateKey or *ecdsa.PrivateKey
	verify any            // []byte, *rsa.PublicKey or *ecdsa.PublicKey
	key    *simplejwt.Key // sign as a simplejwt key
}

var (
	keysOnce sync.Once
	keys     map[simplejwt.Algorithm]*keyPair
	keysErr  error
)

// keyFor returns the key of alg. The RSA and ECDSA keys are generated once
// per process.
func keyFor(tb testing.TB, alg simplejwt.Algorithm) *keyPair {
	tb.Helper()
	keysOnce.Do(func() {
		keys = map[simplejwt.Algorithm]*keyPair{}
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			keysErr = err
			return
		}
		ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			keysErr = err
			return
		}
		for _, kp := range []*keyPair{
			{alg: simplejwt.HS256, sign: hmacSecret, verify: hmacSecret},
			{alg: simplejwt.RS256, sign: rsaKey, verify: &rsaKey.PublicKey},
			{alg: simplejwt.ES256, sign: ecKey, verify: &ecKey.PublicKey},
		} {
			if kp.key, err = simplejwt.NewKey(kp.alg, kp.sign); err != nil {
				keysErr = fmt.Errorf("%s: %w", kp.alg, err)
				return
			}
			keys[kp.alg] = kp
		}
	})
	if keysErr != nil {
		tb.Fatal(keysErr)
	}
	kp, ok := keys[alg]
	if !ok {
		tb.Fatalf("no key for %s", alg)
	}
	return kp
}

// fixture is what every stack of one algorithm shares: the key, and one
// pair of tokens minted by simplejwt with it.
type fixture struct {
	*keyPair
	access  string // token_type "access": must be accepted
	refresh string // token_type "refresh", same key and session: must be refused
}

// newFixture mints a fresh pair. The access token lives an hour instead of
// SimpleJWT's default 5 minutes (its claims are the same), so that it stays
// valid through every benchmark of one algorithm even with a long
// -benchtime; a benchmark function mints its own fixtures.
func newFixture(tb testing.TB, alg simplejwt.Algorithm) *fixture {
	tb.Helper()
	kp := keyFor(tb, alg)
	a := newAuth(tb, kp, simplejwt.WithAccessTokenLifetime(time.Hour))
	p, err := a.ObtainPair(context.Background(), simplejwt.User{ID: wantUser})
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{keyPair: kp, access: p.Access, refresh: p.Refresh}
}

// newAuth returns an Auth signing with kp and opts.
func newAuth(tb testing.TB, kp *keyPair, opts ...simplejwt.Option) *simplejwt.Auth {
	tb.Helper()
	opt := simplejwt.WithSigningKey(kp.key)
	if kp.alg == simplejwt.HS256 {
		// The way the README configures HS256.
		opt = simplejwt.WithHMACSecret(hmacSecret)
	}
	a, err := simplejwt.New(append([]simplejwt.Option{opt}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}

// probe lets the handler report the user id it saw while a stack is being
// checked. It is off while the stack is timed.
type probe struct {
	on   bool
	seen string
}

func (p *probe) see(id string) {
	if p.on {
		p.seen = id
	}
}

// whoami is the handler of the net/http stacks: it reads the user id with
// uid and answers 500 when it is not the expected one, and otherwise
// nothing (200).
func whoami(p *probe, uid func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := uid(r)
		p.see(id)
		if id != wantUser {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
}

// stack is one middleware with its handler, ready to serve.
type stack struct {
	h http.Handler
	// tokens, when set, replace the shared fixture's tokens for this stack.
	tokens *fixture
	// redisCmds, when set, returns the number of commands the stack's Redis
	// has run so far.
	redisCmds func() int64
}

// check asserts that st accepts f.access (200, the handler saw wantUser)
// and, when refuses is set, answers 401 to f.refresh without reaching the
// handler.
func check(tb testing.TB, st stack, p *probe, f *fixture, refuses bool) {
	tb.Helper()
	p.on = true
	defer func() { p.on = false }()

	p.seen = ""
	rec := httptest.NewRecorder()
	st.h.ServeHTTP(rec, whoamiRequest(f.access))
	if rec.Code != http.StatusOK || p.seen != wantUser {
		tb.Fatalf("access token: status %d, user %q; want 200 and %q (body %s)", rec.Code, p.seen, wantUser, rec.Body)
	}
	if !refuses {
		return
	}
	p.seen = ""
	rec = httptest.NewRecorder()
	st.h.ServeHTTP(rec, whoamiRequest(f.refresh))
	if rec.Code != http.StatusUnauthorized || p.seen != "" {
		tb.Fatalf("refresh token: status %d, handler saw %q; want 401 and no call", rec.Code, p.seen)
	}
}

// whoamiRequest is the request every stack serves.
func whoamiRequest(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

// nopWriter is a ResponseWriter that keeps only the status, so that the
// benchmarks measure the stacks and not a recorder.
type nopWriter struct {
	h    http.Header
	code int
}

func (w *nopWriter) Header() http.Header               { return w.h }
func (w *nopWriter) Write(b []byte) (int, error)       { return len(b), nil }
func (w *nopWriter) WriteString(s string) (int, error) { return len(s), nil }
func (w *nopWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

// serve runs one request and reports whether it was answered 200.
func (w *nopWriter) serve(h http.Handler, r *http.Request) bool {
	clear(w.h)
	w.code = 0
	h.ServeHTTP(w, r)
	return w.code == 0 || w.code == http.StatusOK
}

// The private Redis server of the Redis benchmarks, started on first use
// and stopped by TestMain.
var (
	redisOnce sync.Once
	redisSrv  *redistest.Server
	redisErr  error
)

// redisStack returns a simplejwt stack whose revocation store is a
// RedisStore on the private server, through a client of its own.
func redisStack(tb testing.TB, f *fixture, p *probe) stack {
	tb.Helper()
	redisOnce.Do(func() {
		if _, err := exec.LookPath("redis-server"); err != nil {
			redisErr = err
			return
		}
		redisSrv, redisErr = redistest.Start()
	})
	if redisErr != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("redis: %v", redisErr)
		}
		tb.Skipf("redis: %v", redisErr)
	}
	client := redis.NewClient(&redis.Options{Addr: redisSrv.Addr, ContextTimeoutEnabled: true})
	tb.Cleanup(func() { client.Close() })
	store, err := simplejwt.NewRedisStore(client)
	if err != nil {
		tb.Fatal(err)
	}
	a := newAuth(tb, f.keyPair, simplejwt.WithStore(store), simplejwt.WithVerifiedTokenCache(0))
	return stack{
		h: a.Middleware(whoami(p, simplejwtUser)),
		redisCmds: func() int64 {
			n, err := commandCount(client)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		},
	}
}

// commandCount is the number of commands the server has run, less those
// of connection set-up and of counting itself.
func commandCount(client *redis.Client) (int64, error) {
	stats, err := redistest.CommandStats(context.Background(), client)
	if err != nil {
		return 0, err
	}
	var n int64
	for cmd, calls := range stats {
		switch cmd {
		case "info", "hello", "client|setinfo", "client|setname", "select", "ping", "config|resetstat":
		default:
			n += calls
		}
	}
	return n, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if redisSrv != nil {
		redisSrv.Close()
	}
	os.Exit(code)
}
