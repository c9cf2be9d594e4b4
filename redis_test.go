package simplejwt_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
	"github.com/gosimplejwt/simplejwt/internal/storetest"
)

// RedisStore keeps session lists.
var _ simplejwt.SessionStore = (*simplejwt.RedisStore)(nil)

// rdsClientFor returns a client for the Redis at url with context timeouts
// enabled, as NewRedisStore requires; it is closed when t finishes.
func rdsClientFor(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL %q: %v", url, err)
	}
	opts.ContextTimeoutEnabled = true
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("ping %s: %v", url, err)
	}
	return c
}

// rdsPrivate starts a private redis-server for t (never REDIS_URL) and
// returns it with a client.
func rdsPrivate(t testing.TB, args ...string) (*redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.New(t, args...)
	return srv, rdsClientFor(t, srv.URL())
}

// rdsShared returns a client for REDIS_URL when it is set, and otherwise for
// a private server started for t. Tests on it use their own prefix.
func rdsShared(t testing.TB) *redis.Client {
	t.Helper()
	return rdsClientFor(t, redistest.URLOrNew(t))
}

// rdsTimeout is the store timeout of the tests that check what the store
// does rather than how long it may take: generous, so that a loaded machine
// running the race detector does not fail them. The fault tests keep the
// default.
const rdsTimeout = 2 * time.Second

// rdsNewStore returns a RedisStore on client under a fresh random prefix,
// and the prefix. With REDIS_URL set, the store's keys are deleted when t
// finishes, so the shared Redis keeps nothing of the test; private servers
// go away with their data.
func rdsNewStore(t testing.TB, client redis.UniversalClient, opts ...simplejwt.RedisOption) (*simplejwt.RedisStore, string) {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	prefix := "simplejwt-test:" + hex.EncodeToString(b[:]) + ":"
	s, err := simplejwt.NewRedisStore(client, append([]simplejwt.RedisOption{simplejwt.WithRedisPrefix(prefix)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if os.Getenv("REDIS_URL") != "" {
			rdsDeletePrefix(t, client, prefix)
		}
	})
	return s, prefix
}

// rdsDeletePrefix deletes every key that starts with prefix, on every
// master of a cluster.
func rdsDeletePrefix(t testing.TB, client redis.UniversalClient, prefix string) {
	ctx := context.Background()
	del := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	var err error
	if cc, ok := client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return del(ctx, c) })
	} else {
		err = del(ctx, client)
	}
	if err != nil {
		t.Logf("deleting keys %s*: %v", prefix, err)
	}
}

// rdsKey is the key of an entry as RedisStore documents its layout, for
// user ids without '%' or '}'.
func rdsKey(prefix string, kind simplejwt.RevocationKind, user, id string) string {
	switch kind {
	case simplejwt.RevokeToken:
		return prefix + "{" + user + "}:jti:" + id
	case simplejwt.RevokeSession:
		return prefix + "{" + user + "}:sid:" + id
	default:
		return prefix + "{" + user + "}:cutoff"
	}
}

// rdsSessionKeys are the keys of user's session list as RedisStore
// documents them, for user ids without '%' or '}': the sorted set, then the
// hash.
func rdsSessionKeys(prefix, user string) [2]string {
	return [2]string{prefix + "{" + user + "}:sessions", prefix + "{" + user + "}:sessinfo"}
}

// rdsPTTL returns PTTL of key: its remaining life, and whether it exists; a
// key without expiry reads as -1ms.
func rdsPTTL(t testing.TB, client redis.UniversalClient, key string) (time.Duration, bool) {
	t.Helper()
	n, err := client.Do(context.Background(), "pttl", key).Int64()
	if err != nil {
		t.Fatalf("PTTL %s: %v", key, err)
	}
	if n == -2 {
		return 0, false
	}
	return time.Duration(n) * time.Millisecond, true
}

// rdsHarness is a conformance harness for a RedisStore. Redis keeps real
// time, so expiries are checked with PTTL. The store reads a fake clock
// (WithRedisClock) that starts at the real now and stands still unless a
// case moves it, so that the Sessions cases can step to the exact instant
// a session ends.
func rdsHarness(t *testing.T, client redis.UniversalClient, opts ...simplejwt.RedisOption) *storetest.Harness {
	clock := newFakeClock(time.Now())
	s, prefix := rdsNewStore(t, client, append([]simplejwt.RedisOption{simplejwt.WithRedisClock(clock.Now)}, opts...)...)
	ctx := context.Background()
	return &storetest.Harness{
		Store:        s,
		Now:          clock.Now,
		AdvanceStore: clock.Advance,
		BackendNow:   time.Now,
		TTL: func(kind simplejwt.RevocationKind, user, id string) (time.Duration, bool) {
			return rdsPTTL(t, client, rdsKey(prefix, kind, user, id))
		},
		SessionTTLs: func(user string) []storetest.KeyTTL {
			var keys []storetest.KeyTTL
			for _, key := range rdsSessionKeys(prefix, user) {
				ttl, ok := rdsPTTL(t, client, key)
				keys = append(keys, storetest.KeyTTL{Key: key, Exists: ok, TTL: ttl})
			}
			return keys
		},
		SessionsHeld: func(user string) int {
			keys := rdsSessionKeys(prefix, user)
			zcard, err := client.ZCard(ctx, keys[0]).Result()
			if err != nil {
				t.Fatalf("ZCARD %s: %v", keys[0], err)
			}
			hlen, err := client.HLen(ctx, keys[1]).Result()
			if err != nil {
				t.Fatalf("HLEN %s: %v", keys[1], err)
			}
			if zcard != hlen {
				t.Errorf("user %s: ZCARD %d but HLEN %d", user, zcard, hlen)
			}
			return int(zcard)
		},
	}
}

// rdsAuth returns an Auth with the suite's secret on store.
func rdsAuth(t testing.TB, store simplejwt.Store, opts ...simplejwt.Option) *simplejwt.Auth {
	t.Helper()
	a, err := simplejwt.New(append([]simplejwt.Option{
		simplejwt.WithHMACSecret(storetest.Secret),
		simplejwt.WithStore(store),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// rdsHandler is the middleware of a in front of a handler that answers
// "user=<id>".
func rdsHandler(a *simplejwt.Auth) http.Handler {
	return a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := simplejwt.ClaimsFrom(r.Context())
		if !ok {
			http.Error(w, "no claims", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("user=" + c.UserID))
	}))
}

// rdsGet sends GET / with the bearer token through h.
func rdsGet(h http.Handler, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// rdsExpect checks the status and exact body of an answer.
func rdsExpect(t testing.TB, rec *httptest.ResponseRecorder, code int, body string) {
	t.Helper()
	if rec.Code != code || rec.Body.String() != body {
		t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body.String(), code, body)
	}
}

// rdsClaims returns the verified claims of token.
func rdsClaims(t testing.TB, a *simplejwt.Auth, token string) *simplejwt.Claims {
	t.Helper()
	c, err := a.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return c
}

// rdsExpectTTL checks that key expires at until: its PTTL, measured
// between two readings of the clock, fits the window they give.
func rdsExpectTTL(t testing.TB, client redis.UniversalClient, key string, until time.Time) {
	t.Helper()
	before := time.Now()
	ttl, ok := rdsPTTL(t, client, key)
	after := time.Now()
	if !ok {
		t.Fatalf("%s: no such key", key)
	}
	least, most := until.Sub(after)-storetest.TTLSlack, until.Sub(before)+storetest.TTLSlack
	if ttl < least || ttl > most {
		t.Errorf("%s: PTTL %v, want within [%v, %v] (expiry %v)", key, ttl, least, most, until)
	}
}

func TestRedisStoreConformance(t *testing.T) {
	client := rdsShared(t)
	storetest.Run(t, func(t *testing.T) *storetest.Harness {
		return rdsHarness(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	})
}

func TestRedisStorePrefixIsolation(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	a, prefixA := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	b, prefixB := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	now := time.Now()
	until := now.Add(time.Hour)
	ref := simplejwt.TokenRef{UserID: "u1", TokenID: "j1", SessionID: "s1"}
	err := a.Revoke(ctx,
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: "u1", ID: "s1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u1", Cutoff: now, Until: until},
	)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := a.Lookup(ctx, ref); err != nil || !st.TokenRevoked || !st.SessionRevoked || st.Cutoff.IsZero() {
		t.Errorf("store A: Lookup = %+v, %v; want everything revoked", st, err)
	}
	if st, err := b.Lookup(ctx, ref); err != nil || st != (simplejwt.Status{}) {
		t.Errorf("store B: Lookup = %+v, %v; want nothing revoked", st, err)
	}
	if first, _, err := b.Consume(ctx, simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}, now, until); err != nil || !first {
		t.Errorf("store B: Consume of a token revoked in A = %v, %v; want first", first, err)
	}
	for _, kind := range []simplejwt.RevocationKind{simplejwt.RevokeToken, simplejwt.RevokeSession, simplejwt.RevokeUser} {
		id := map[simplejwt.RevocationKind]string{simplejwt.RevokeToken: "j1", simplejwt.RevokeSession: "s1"}[kind]
		if _, ok := rdsPTTL(t, client, rdsKey(prefixA, kind, "u1", id)); !ok {
			t.Errorf("kind %d: no key under prefix A", kind)
		}
	}
	if _, ok := rdsPTTL(t, client, rdsKey(prefixB, simplejwt.RevokeSession, "u1", "s1")); ok {
		t.Errorf("store B holds a session key it never wrote")
	}
}

func TestRedisStoreOptions(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	noCtxTimeout := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer noCtxTimeout.Close()
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cluster.Close()

	bad := []struct {
		name   string
		client redis.UniversalClient
		opts   []simplejwt.RedisOption
		want   string // the option the error must name
	}{
		{"nil client", nil, nil, "nil client"},
		{"typed nil client", (*redis.Client)(nil), nil, "nil client"},
		{"typed nil cluster client", (*redis.ClusterClient)(nil), nil, "nil client"},
		{"client without context timeouts", noCtxTimeout, nil, "ContextTimeoutEnabled"},
		{"cluster client without context timeouts", cluster, nil, "ContextTimeoutEnabled"},
		{"empty prefix", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("")}, "WithRedisPrefix"},
		{"prefix with space", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("my app:")}, "WithRedisPrefix"},
		{"prefix with tab", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app\t:")}, "WithRedisPrefix"},
		{"prefix with newline", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app\n")}, "WithRedisPrefix"},
		{"prefix with NUL", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app\x00")}, "WithRedisPrefix"},
		{"prefix with DEL", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app\x7f")}, "WithRedisPrefix"},
		{"prefix with no-break space", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app\u00a0:")}, "WithRedisPrefix"},
		{"prefix with open brace", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app{")}, "WithRedisPrefix"},
		{"prefix with hash tag", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("{app}:")}, "WithRedisPrefix"},
		{"prefix with close brace", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app}")}, "WithRedisPrefix"},
		{"prefix with star", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app*")}, "WithRedisPrefix"},
		{"prefix with question mark", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app?")}, "WithRedisPrefix"},
		{"prefix with bracket", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app[1]")}, "WithRedisPrefix"},
		{"prefix with backslash", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix(`app\`)}, "WithRedisPrefix"},
		{"prefix not UTF-8", client, []simplejwt.RedisOption{simplejwt.WithRedisPrefix("app\xff")}, "WithRedisPrefix"},
		{"zero timeout", client, []simplejwt.RedisOption{simplejwt.WithRedisTimeout(0)}, "WithRedisTimeout"},
		{"negative timeout", client, []simplejwt.RedisOption{simplejwt.WithRedisTimeout(-time.Second)}, "WithRedisTimeout"},
		{"negative leeway", client, []simplejwt.RedisOption{simplejwt.WithRedisLeeway(-time.Second)}, "WithRedisLeeway"},
		{"leeway over an hour", client, []simplejwt.RedisOption{simplejwt.WithRedisLeeway(61 * time.Minute)}, "WithRedisLeeway"},
		{"nil clock", client, []simplejwt.RedisOption{simplejwt.WithRedisClock(nil)}, "WithRedisClock"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			s, err := simplejwt.NewRedisStore(tc.client, tc.opts...)
			if err == nil {
				t.Fatalf("NewRedisStore accepted it: %+v", s)
			}
			if s != nil {
				t.Errorf("NewRedisStore returned a store with the error %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "simplejwt.NewRedisStore: ") {
				t.Errorf("error %q does not name %s", err, tc.want)
			}
		})
	}

	t.Run("every bad option reported", func(t *testing.T) {
		_, err := simplejwt.NewRedisStore(client, simplejwt.WithRedisPrefix("a b"), simplejwt.WithRedisTimeout(0), simplejwt.WithRedisLeeway(-1))
		for _, name := range []string{"WithRedisPrefix", "WithRedisTimeout", "WithRedisLeeway"} {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("error %v does not name %s", err, name)
			}
		}
	})

	good := []struct {
		name string
		opts []simplejwt.RedisOption
	}{
		{"defaults", nil},
		{"nil option", []simplejwt.RedisOption{nil}},
		{"plain prefix", []simplejwt.RedisOption{simplejwt.WithRedisPrefix("myapp:revoked:")}},
		{"punctuated prefix", []simplejwt.RedisOption{simplejwt.WithRedisPrefix("my-app/v2.jwt_")}},
		{"non-ASCII prefix", []simplejwt.RedisOption{simplejwt.WithRedisPrefix("appé:")}},
		{"timeout and leeway", []simplejwt.RedisOption{simplejwt.WithRedisTimeout(time.Millisecond), simplejwt.WithRedisLeeway(time.Hour)}},
		{"clock", []simplejwt.RedisOption{simplejwt.WithRedisClock(time.Now)}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			s, err := simplejwt.NewRedisStore(client, tc.opts...)
			if err != nil || s == nil {
				t.Fatalf("NewRedisStore = %v, %v", s, err)
			}
		})
	}
}

// TestRedisStoreKeyLayout checks the keys and values against the layout
// documented on RedisStore, including the encoding of awkward user ids.
func TestRedisStoreKeyLayout(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	now := time.Now()
	until := now.Add(time.Hour)
	cutoff := time.UnixMilli(now.UnixMilli()) // whole milliseconds
	at := time.UnixMilli(now.Add(-time.Second).UnixMilli())
	err := s.Revoke(ctx,
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "42", ID: "j1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: "42", ID: "s1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "42", Cutoff: cutoff, Until: until},
	)
	if err != nil {
		t.Fatal(err)
	}
	if first, _, err := s.Consume(ctx, simplejwt.TokenRef{UserID: "42", TokenID: "j2"}, at, until); err != nil || !first {
		t.Fatalf("Consume = %v, %v", first, err)
	}
	want := map[string]string{
		prefix + "{42}:jti:j1": "r",
		prefix + "{42}:sid:s1": "r",
		prefix + "{42}:cutoff": strconv.FormatInt(cutoff.UnixMilli(), 10),
		prefix + "{42}:jti:j2": "c:" + strconv.FormatInt(at.UnixMilli(), 10),
	}
	for key, value := range want {
		got, err := client.Get(ctx, key).Result()
		if err != nil || got != value {
			t.Errorf("GET %s = %q, %v; want %q", key, got, err, value)
		}
		rdsExpectTTL(t, client, key, until)
	}
	var keys []string
	iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(want) {
		t.Errorf("keys under the prefix: %q, want the %d above", keys, len(want))
	}

	// '%' and '}' in a user id are percent-encoded, so the hash tag ends
	// where the user id does; an empty user id is a lone '%'.
	for user, tag := range map[string]string{"a}b%": "{a%7Db%25}", "": "{%}", "{x": "{{x}"} {
		if err := s.Revoke(ctx, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: user, ID: "j", Until: until}); err != nil {
			t.Fatal(err)
		}
		if got, err := client.Get(ctx, prefix+tag+":jti:j").Result(); err != nil || got != "r" {
			t.Errorf("user %q: GET %s = %q, %v; want \"r\"", user, prefix+tag+":jti:j", got, err)
		}
		st, err := s.Lookup(ctx, simplejwt.TokenRef{UserID: user, TokenID: "j"})
		if err != nil || !st.TokenRevoked {
			t.Errorf("user %q: Lookup = %+v, %v; want revoked", user, st, err)
		}
	}
	// Users whose encoded ids could collide stay apart.
	for _, user := range []string{"a%7Db%25", "a}b", "%"} {
		if st, err := s.Lookup(ctx, simplejwt.TokenRef{UserID: user, TokenID: "j"}); err != nil || st.TokenRevoked {
			t.Errorf("user %q: Lookup = %+v, %v; want nothing revoked", user, st, err)
		}
	}
}

// TestRedisStoreLeeway checks that the store's leeway extends every
// entry's expiry, Consume's included.
func TestRedisStoreLeeway(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	const leeway = 30 * time.Second
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout), simplejwt.WithRedisLeeway(leeway))
	until := time.Now().Add(time.Minute)
	err := s.Revoke(ctx,
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: "u1", ID: "s1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u1", Cutoff: time.Now(), Until: until},
		// Past its Until, but not past Until plus the leeway: recorded.
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j3", Until: until.Add(-70 * time.Second)},
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Consume(ctx, simplejwt.TokenRef{UserID: "u1", TokenID: "j2"}, time.Now(), until); err != nil {
		t.Fatal(err)
	}
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, "u1", "j1"), until.Add(leeway))
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeSession, "u1", "s1"), until.Add(leeway))
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeUser, "u1", ""), until.Add(leeway))
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, "u1", "j2"), until.Add(leeway))
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, "u1", "j3"), until.Add(leeway-70*time.Second))

	// The session keys outlive the session by the leeway; the session
	// itself ends at its Expires.
	now := time.UnixMilli(time.Now().UnixMilli())
	end := now.Add(time.Minute)
	if err := s.TouchSession(ctx, simplejwt.Session{ID: "s9", UserID: "u1", Created: now, LastRefreshed: now, Expires: end}); err != nil {
		t.Fatal(err)
	}
	for _, key := range rdsSessionKeys(prefix, "u1") {
		rdsExpectTTL(t, client, key, end.Add(leeway))
	}
	list, err := s.Sessions(ctx, "u1")
	if err != nil || len(list) != 1 || !list[0].Expires.Equal(end) {
		t.Errorf("Sessions = %+v, %v; want s9 expiring at %v", list, err, end)
	}
}

// TestRedisStoreMiddleware logs in, blacklists the refresh token and checks
// that the access token of that login is refused from then on, while
// another login's is not, and that the revocation lives exactly as long as
// the token could.
func TestRedisStoreMiddleware(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	a := rdsAuth(t, s)
	h := rdsHandler(a)

	login, err := a.ObtainPair(ctx, simplejwt.User{ID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.ObtainPair(ctx, simplejwt.User{ID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	rdsExpect(t, rdsGet(h, login.Access), http.StatusOK, "user=42")

	rc := rdsClaims(t, a, login.Refresh)
	if err := a.Blacklist(ctx, login.Refresh); err != nil {
		t.Fatalf("Blacklist: %v", err)
	}
	rec := rdsGet(h, login.Access)
	rdsExpect(t, rec, http.StatusUnauthorized, storetest.RevokedAccessBody)
	if got := rec.Header().Get("WWW-Authenticate"); got != storetest.RevokedAccessChallenge {
		t.Errorf("WWW-Authenticate = %q, want %q", got, storetest.RevokedAccessChallenge)
	}
	rdsExpect(t, rdsGet(h, other.Access), http.StatusOK, "user=42")
	if err := a.Blacklist(ctx, login.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Errorf("second Blacklist: %v, want ErrTokenRevoked", err)
	}
	if _, err := a.Refresh(ctx, login.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Errorf("Refresh with the blacklisted token: %v, want ErrTokenRevoked", err)
	}

	// The jti key lives as long as the refresh token: exp - now. The
	// session key lives until the last access token minted from it could
	// expire: exp plus one access lifetime (5 minutes by default).
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, "42", rc.ID), rc.ExpiresAt)
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeSession, "42", rc.SessionID), rc.ExpiresAt.Add(5*time.Minute))
}

// TestRedisStoreRoundTrips checks that each authenticated request costs
// exactly one Redis command, an MGET, whether its token is revoked or not.
func TestRedisStoreRoundTrips(t *testing.T) {
	ctx := context.Background()
	_, client := rdsPrivate(t) // private: nobody else's commands in the stats
	s, _ := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	a := rdsAuth(t, s)
	h := rdsHandler(a)

	type token struct {
		access  string
		user    string
		revoked bool
	}
	var tokens []token
	for i := range 6 {
		user := strconv.Itoa(i)
		p, err := a.ObtainPair(ctx, simplejwt.User{ID: user})
		if err != nil {
			t.Fatal(err)
		}
		revoked := false
		switch i {
		case 1: // session revoked
			err = a.Blacklist(ctx, p.Refresh)
			revoked = true
		case 2: // jti revoked
			err = a.Revoke(ctx, rdsClaims(t, a, p.Access))
			revoked = true
		case 3: // logged out everywhere
			err = a.LogoutAll(ctx, user)
			revoked = true
		}
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, token{p.Access, user, revoked})
	}
	// Warm the connection, so no handshake lands in the counts.
	rdsGet(h, tokens[0].access)

	if err := redistest.ResetStats(ctx, client); err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wantRevoked int
	for i := range n {
		tok := tokens[i%len(tokens)]
		rec := rdsGet(h, tok.access)
		if tok.revoked {
			wantRevoked++
			rdsExpect(t, rec, http.StatusUnauthorized, storetest.RevokedAccessBody)
		} else {
			rdsExpect(t, rec, http.StatusOK, "user="+tok.user)
		}
	}
	stats, err := redistest.CommandStats(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if stats["mget"] != n {
		t.Errorf("%d requests made %d MGETs, want %d", n, stats["mget"], n)
	}
	for cmd, calls := range stats {
		switch cmd {
		case "mget", "info", "config|resetstat":
		default:
			t.Errorf("%d requests also made %d %q commands, want none", n, calls, cmd)
		}
	}
	t.Logf("%d requests (%d refused as revoked): %d MGET, commands %v", n, wantRevoked, stats["mget"], stats)
}

// TestRedisStoreScriptFlush revokes after SCRIPT FLUSH, as after a restart
// or a failover: each entry is still written by one EVAL, with no NOSCRIPT
// round trip first.
func TestRedisStoreScriptFlush(t *testing.T) {
	ctx := context.Background()
	_, client := rdsPrivate(t)
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	until := time.Now().Add(time.Hour)
	if err := redistest.ResetStats(ctx, client); err != nil {
		t.Fatal(err)
	}
	for i, user := range []string{"u1", "u2"} {
		if err := client.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		err := s.Revoke(ctx,
			simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: user, ID: "j1", Until: until},
			simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: user, ID: "s1", Until: until},
		)
		if err != nil {
			t.Fatalf("Revoke %d after SCRIPT FLUSH: %v", i, err)
		}
		rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, user, "j1"), until)
		rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeSession, user, "s1"), until)
	}
	stats, err := redistest.CommandStats(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if stats["eval"] != 4 || stats["evalsha"] != 0 {
		t.Errorf("commands %v, want 4 eval (two entries, twice) and no evalsha", stats)
	}
}

// TestRedisStoreCorruptCutoff refuses a request whose user's cutoff key
// holds something the store never writes: the state is unknown, so the
// answer is 503, not a guess.
func TestRedisStoreCorruptCutoff(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	a := rdsAuth(t, s)
	p, err := a.ObtainPair(ctx, simplejwt.User{ID: "7"})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, rdsKey(prefix, simplejwt.RevokeUser, "7", ""), "yesterday", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(ctx, simplejwt.TokenRef{UserID: "7", TokenID: "j"}); err == nil {
		t.Error("Lookup accepted a cutoff that is not a number")
	}
	rec := rdsGet(rdsHandler(a), p.Access)
	rdsExpect(t, rec, http.StatusServiceUnavailable, storetest.UnavailableBody)
}

// TestRedisStoreClose checks that a closed store refuses calls and leaves
// the caller's client open.
func TestRedisStoreClose(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	s, _ := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ref := simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}
	if _, err := s.Lookup(ctx, ref); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Lookup after Close: %v, want redis.ErrClosed", err)
	}
	if err := s.Revoke(ctx, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: time.Now().Add(time.Hour)}); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Revoke after Close: %v, want redis.ErrClosed", err)
	}
	if _, _, err := s.Consume(ctx, ref, time.Now(), time.Now().Add(time.Hour)); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Consume after Close: %v, want redis.ErrClosed", err)
	}
	if err := s.TouchSession(ctx, simplejwt.Session{ID: "s1", UserID: "u1", Expires: time.Now().Add(time.Hour)}); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("TouchSession after Close: %v, want redis.ErrClosed", err)
	}
	if _, err := s.Sessions(ctx, "u1"); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Sessions after Close: %v, want redis.ErrClosed", err)
	}
	if err := s.ForgetSession(ctx, "u1", "s1"); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("ForgetSession after Close: %v, want redis.ErrClosed", err)
	}
	if err := client.Ping(ctx).Err(); err != nil {
		t.Errorf("the client was closed with the store: %v", err)
	}
}

// TestRedisStoreUnknownKind refuses a Revocation of no known kind and
// writes nothing.
func TestRedisStoreUnknownKind(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	err := s.Revoke(ctx,
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: time.Now().Add(time.Hour)},
		simplejwt.Revocation{Kind: 99, UserID: "u1", ID: "j1", Until: time.Now().Add(time.Hour)},
	)
	if err == nil {
		t.Fatal("Revoke accepted kind 99")
	}
	if _, ok := rdsPTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, "u1", "j1")); ok {
		t.Error("Revoke wrote part of a refused call")
	}
}

// TestRedisStoreSessionKeyLayout checks the two keys of a user's session
// list against the layout documented on RedisStore: their types, members,
// scores, values and expiry, the rounding of times, and the encoding of
// awkward user ids.
func TestRedisStoreSessionKeyLayout(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	now := time.Now()
	created := time.UnixMilli(now.Add(-time.Hour).UnixMilli())
	last := now.Truncate(time.Millisecond).Add(time.Millisecond / 2) // truncated
	exp1 := time.UnixMilli(now.Add(time.Hour).UnixMilli())
	exp2 := exp1.Add(time.Hour + time.Millisecond/2) // rounded up
	exp2ms := exp1.Add(time.Hour + time.Millisecond).UnixMilli()
	for _, sess := range []simplejwt.Session{
		{ID: "s1", UserID: "42", Created: created, LastRefreshed: created, Expires: exp1},
		{ID: "s2", UserID: "42", LastRefreshed: last, Expires: exp2}, // no Created: taken as LastRefreshed
	} {
		if err := s.TouchSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	keys := rdsSessionKeys(prefix, "42")
	if got := client.Type(ctx, keys[0]).Val(); got != "zset" {
		t.Errorf("TYPE %s = %q, want zset", keys[0], got)
	}
	if got := client.Type(ctx, keys[1]).Val(); got != "hash" {
		t.Errorf("TYPE %s = %q, want hash", keys[1], got)
	}
	members, err := client.ZRangeWithScores(ctx, keys[0], 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	wantMembers := []redis.Z{{Member: "s1", Score: float64(exp1.UnixMilli())}, {Member: "s2", Score: float64(exp2ms)}}
	if len(members) != 2 || members[0] != wantMembers[0] || members[1] != wantMembers[1] {
		t.Errorf("ZRANGE %s WITHSCORES = %v, want %v", keys[0], members, wantMembers)
	}
	info, err := client.HGetAll(ctx, keys[1]).Result()
	if err != nil {
		t.Fatal(err)
	}
	wantInfo := map[string]string{
		"s1": ms(created) + ":" + ms(created) + ":" + ms(exp1),
		"s2": ms(last) + ":" + ms(last) + ":" + strconv.FormatInt(exp2ms, 10),
	}
	if len(info) != len(wantInfo) || info["s1"] != wantInfo["s1"] || info["s2"] != wantInfo["s2"] {
		t.Errorf("HGETALL %s = %q, want %q", keys[1], info, wantInfo)
	}
	for _, key := range keys {
		at, err := client.Do(ctx, "pexpiretime", key).Int64()
		if err != nil || at != exp2ms {
			t.Errorf("PEXPIRETIME %s = %d, %v; want %d, the highest score", key, at, err, exp2ms)
		}
	}
	var all []string
	iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		all = append(all, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("keys under the prefix: %q, want the two above", all)
	}
	list, err := s.Sessions(ctx, "42")
	if err != nil {
		t.Fatal(err)
	}
	lastMS := time.UnixMilli(last.UnixMilli())
	want := []simplejwt.Session{
		{ID: "s1", UserID: "42", Created: created, LastRefreshed: created, Expires: exp1},
		{ID: "s2", UserID: "42", Created: lastMS, LastRefreshed: lastMS, Expires: time.UnixMilli(exp2ms)},
	}
	if len(list) != len(want) {
		t.Fatalf("Sessions = %+v, want %+v", list, want)
	}
	for i, got := range list {
		w := want[i]
		if got.ID != w.ID || got.UserID != w.UserID || !got.Created.Equal(w.Created) ||
			!got.LastRefreshed.Equal(w.LastRefreshed) || !got.Expires.Equal(w.Expires) {
			t.Errorf("Sessions[%d] = %+v, want %+v", i, got, w)
		}
	}

	// The same encoding of user ids as the revocation keys.
	for user, tag := range map[string]string{"a}b%": "{a%7Db%25}", "": "{%}", "{x": "{{x}"} {
		if err := s.TouchSession(ctx, simplejwt.Session{ID: "s", UserID: user, Created: created, LastRefreshed: created, Expires: exp1}); err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{":sessions", ":sessinfo"} {
			if n, err := client.Exists(ctx, prefix+tag+part).Result(); err != nil || n != 1 {
				t.Errorf("user %q: EXISTS %s = %d, %v; want 1", user, prefix+tag+part, n, err)
			}
		}
		if list, err := s.Sessions(ctx, user); err != nil || len(list) != 1 || list[0].UserID != user {
			t.Errorf("user %q: Sessions = %+v, %v; want its one session", user, list, err)
		}
	}
}

// rdsSent is a go-redis hook that records what its client sends: the name
// of each command sent alone, and "pipeline" for each pipeline. Each is one
// round trip.
type rdsSent struct {
	mu   sync.Mutex
	sent []string
}

func (h *rdsSent) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *rdsSent) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.record(cmd.Name())
		return next(ctx, cmd)
	}
}

func (h *rdsSent) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.record("pipeline")
		return next(ctx, cmds)
	}
}

func (h *rdsSent) record(name string) {
	h.mu.Lock()
	h.sent = append(h.sent, name)
	h.mu.Unlock()
}

// take returns what was sent since the last call.
func (h *rdsSent) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	sent := h.sent
	h.sent = nil
	return sent
}

// rdsScriptCommands are the commands the session scripts run. INFO
// commandstats counts them with the EVAL that ran them.
var rdsScriptCommands = map[string]bool{
	"zrange": true, "zremrangebyscore": true, "zrem": true, "zadd": true,
	"hget": true, "hdel": true, "hset": true, "pexpireat": true, "del": true,
}

// TestRedisStoreSessionRoundTrips checks that TouchSession, Sessions and
// ForgetSession each cost exactly one Redis command, an EVAL, also right
// after SCRIPT FLUSH, when an EVALSHA would need a second round trip. The
// client sends one command (a hook on it counts them), and the server runs
// one EVAL, no EVALSHA, and no command but those the scripts run.
func TestRedisStoreSessionRoundTrips(t *testing.T) {
	ctx := context.Background()
	_, client := rdsPrivate(t) // private: nobody else's commands in the stats
	sent := &rdsSent{}
	client.AddHook(sent)
	s, _ := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	now := time.Now()
	touch := func(user, id string, d time.Duration) func() error {
		return func() error {
			return s.TouchSession(ctx, simplejwt.Session{ID: id, UserID: user, Created: now, LastRefreshed: time.Now(), Expires: now.Add(d)})
		}
	}
	list := func(user string, n int) func() error {
		return func() error {
			got, err := s.Sessions(ctx, user)
			if err == nil && len(got) != n {
				err = errors.New("Sessions(" + user + ") listed " + strconv.Itoa(len(got)) + ", want " + strconv.Itoa(n))
			}
			return err
		}
	}
	calls := []struct {
		name string
		do   func() error
	}{
		{"TouchSession new", touch("u1", "s1", time.Hour)},
		{"TouchSession new, second", touch("u1", "s2", 2*time.Hour)},
		{"TouchSession again", touch("u1", "s1", 3*time.Hour)},
		{"TouchSession other user", touch("u2", "s1", time.Hour)},
		{"TouchSession over already", touch("u3", "s1", -time.Hour)},
		{"Sessions", list("u1", 2)},
		{"Sessions of nobody", list("u9", 0)},
		{"ForgetSession", func() error { return s.ForgetSession(ctx, "u2", "s1") }},
		{"ForgetSession unknown", func() error { return s.ForgetSession(ctx, "u9", "s9") }},
	}
	// Warm the connection, so no handshake lands in the counts.
	if _, err := s.Sessions(ctx, "warm"); err != nil {
		t.Fatal(err)
	}
	for _, flush := range []bool{false, true} {
		for _, c := range calls {
			name := c.name
			if flush {
				name += " after SCRIPT FLUSH"
				if err := client.ScriptFlush(ctx).Err(); err != nil {
					t.Fatal(err)
				}
			}
			if err := redistest.ResetStats(ctx, client); err != nil {
				t.Fatal(err)
			}
			sent.take()
			if err := c.do(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := sent.take(); len(got) != 1 || got[0] != "eval" {
				t.Errorf("%s: the client sent %q, want one eval", name, got)
			}
			stats, err := redistest.CommandStats(ctx, client)
			if err != nil {
				t.Fatal(err)
			}
			if stats["eval"] != 1 || stats["evalsha"] != 0 {
				t.Errorf("%s: the server ran %d EVAL and %d EVALSHA, want 1 and 0; commands %v", name, stats["eval"], stats["evalsha"], stats)
			}
			for cmd, calls := range stats {
				switch {
				case cmd == "eval", cmd == "info", cmd == "config|resetstat", rdsScriptCommands[cmd]:
				default:
					t.Errorf("%s: the server also ran %d %q commands, want none", name, calls, cmd)
				}
			}
		}
	}
}

// TestRedisStoreSessionsCorrupt refuses to list sessions when a live
// member's info is missing or is not what the store writes, and heals the
// session at its next touch.
func TestRedisStoreSessionsCorrupt(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
	now := time.UnixMilli(time.Now().UnixMilli())
	sess := simplejwt.Session{ID: "s1", UserID: "7", Created: now, LastRefreshed: now, Expires: now.Add(time.Hour)}
	if err := s.TouchSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	info := rdsSessionKeys(prefix, "7")[1]
	for _, bad := range []string{"", "1:2", "1:2:3:4", "a:2:3", "1:2:", "1:2:3 "} {
		if err := client.HSet(ctx, info, "s1", bad).Err(); err != nil {
			t.Fatal(err)
		}
		if list, err := s.Sessions(ctx, "7"); err == nil {
			t.Errorf("info %q: Sessions = %+v, want an error", bad, list)
		}
	}
	if err := client.HDel(ctx, info, "s1").Err(); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Sessions(ctx, "7"); err == nil {
		t.Errorf("missing info: Sessions = %+v, want an error", list)
	}
	if err := s.TouchSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Sessions(ctx, "7"); err != nil || len(list) != 1 || !list[0].Created.Equal(now) || !list[0].Expires.Equal(sess.Expires) {
		t.Errorf("touched again: Sessions = %+v, %v; want %+v", list, err, sess)
	}
}

// TestRedisStoreClock checks that the store reads the current time from
// WithRedisClock wherever it needs it, while Redis expires keys by its own
// clock.
func TestRedisStoreClock(t *testing.T) {
	ctx := context.Background()
	client := rdsShared(t)
	clock := newFakeClock(time.Now().Add(time.Hour))
	s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout), simplejwt.WithRedisClock(clock.Now))
	wall := time.Now()
	sessionKeys := rdsSessionKeys(prefix, "u1")

	// Over by the store's clock, though not by Redis's: nothing written.
	if err := s.Revoke(ctx, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: wall.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := rdsPTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, "u1", "j1")); ok {
		t.Error("Revoke wrote an entry whose Until is past by the store's clock")
	}
	if err := s.TouchSession(ctx, simplejwt.Session{ID: "s1", UserID: "u1", Created: wall, LastRefreshed: wall, Expires: wall.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for _, key := range sessionKeys {
		if _, ok := rdsPTTL(t, client, key); ok {
			t.Errorf("TouchSession of a session over by the store's clock wrote %s", key)
		}
	}

	// Consume with an until past by the store's clock: the entry lives one
	// second past the store's now.
	if first, _, err := s.Consume(ctx, simplejwt.TokenRef{UserID: "u1", TokenID: "j2"}, wall, wall.Add(30*time.Minute)); err != nil || !first {
		t.Fatalf("Consume = %v, %v", first, err)
	}
	rdsExpectTTL(t, client, rdsKey(prefix, simplejwt.RevokeToken, "u1", "j2"), clock.Now().Add(time.Second))

	// A session live by the store's clock; its keys expire at its Expires
	// as Redis's clock reads it.
	end := time.UnixMilli(wall.Add(2 * time.Hour).UnixMilli())
	if err := s.TouchSession(ctx, simplejwt.Session{ID: "s2", UserID: "u1", Created: wall, LastRefreshed: wall, Expires: end}); err != nil {
		t.Fatal(err)
	}
	for _, key := range sessionKeys {
		rdsExpectTTL(t, client, key, end)
	}
	if list, err := s.Sessions(ctx, "u1"); err != nil || len(list) != 1 || list[0].ID != "s2" {
		t.Errorf("Sessions = %+v, %v; want s2", list, err)
	}
	// At its Expires by the store's clock it is over, and the next write
	// deletes the keys, whatever Redis's clock reads.
	clock.Set(end)
	if list, err := s.Sessions(ctx, "u1"); err != nil || len(list) != 0 {
		t.Errorf("Sessions at the end = %+v, %v; want none", list, err)
	}
	if err := s.ForgetSession(ctx, "u1", "none"); err != nil {
		t.Fatal(err)
	}
	for _, key := range sessionKeys {
		if ttl, ok := rdsPTTL(t, client, key); ok {
			t.Errorf("%s still exists (PTTL %v) after a write with every session over", key, ttl)
		}
	}
}
