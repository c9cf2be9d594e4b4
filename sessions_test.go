package simplejwt_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// sessStore builds a fresh store of one kind for a test, judged by clock.
type sessStore struct {
	name string
	make func(t *testing.T, clock *fakeClock) simplejwt.Store
}

// sessStores are the stores the session tests run against: memory and a
// private redis-server. Redis keeps real time, so those tests run the Auth
// on a fake clock that starts at the real now.
var sessStores = []sessStore{
	{"memory", func(t *testing.T, clock *fakeClock) simplejwt.Store { return simplejwt.NewMemoryStore(clock.Now) }},
	{"redis", func(t *testing.T, clock *fakeClock) simplejwt.Store {
		srv := sessRedis(t)
		client := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { client.Close() })
		prefix := "sess" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + ":"
		s, err := simplejwt.NewRedisStore(client, simplejwt.WithRedisPrefix(prefix), simplejwt.WithRedisTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
}

var (
	sessRedisOnce sync.Once
	sessRedisSrv  *redistest.Server
	sessRedisErr  error
)

// sessRedis is one private redis-server for this file's tests; it dies
// with the test binary.
func sessRedis(t *testing.T) *redistest.Server {
	t.Helper()
	sessRedisOnce.Do(func() { sessRedisSrv, sessRedisErr = redistest.Start() })
	if sessRedisErr != nil {
		redistest.New(t) // skips, or fails under CI=true, with the reason
		t.Fatal(sessRedisErr)
	}
	return sessRedisSrv
}

// sessAuth returns an Auth with rotation, blacklist after rotation and the
// given options, on store, with its token endpoints mounted.
func sessAuth(t *testing.T, st sessStore, opts ...simplejwt.Option) (*simplejwt.Auth, *fakeClock, http.Handler) {
	t.Helper()
	clock := newFakeClock(time.Now().Truncate(time.Second))
	base := []simplejwt.Option{
		simplejwt.WithStore(st.make(t, clock)),
		simplejwt.WithRotateRefreshTokens(true),
		simplejwt.WithBlacklistAfterRotation(true),
		simplejwt.WithAuthenticator(wireUsers),
	}
	a := newTestAuth(t, clock, append(base, opts...)...)
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	mux.Handle("/api/whoami/", a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})))
	return a, clock, mux
}

func sessLogin(t *testing.T, h http.Handler) (access, refresh string) {
	t.Helper()
	rec := post(h, "/api/token/", "application/json", `{"username":"alice","password":"wonderland"}`)
	if rec.Code != 200 {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	var p struct{ Access, Refresh string }
	json.Unmarshal(rec.Body.Bytes(), &p)
	return p.Access, p.Refresh
}

func sessRefresh(h http.Handler, refresh string) (*httptest.ResponseRecorder, string, string) {
	rec := post(h, "/api/token/refresh/", "application/json", `{"refresh":"`+refresh+`"}`)
	var p struct{ Access, Refresh string }
	json.Unmarshal(rec.Body.Bytes(), &p)
	return rec, p.Access, p.Refresh
}

func sessWhoami(h http.Handler, access string) int {
	req := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

const bodyBlacklisted = `{"detail":"Token is blacklisted","code":"token_not_valid"}`

// TestSessionReuseDetection: login, rotate, present the old refresh token:
// 401, and the new refresh token and every access token of the login fail.
func TestSessionReuseDetection(t *testing.T) {
	for _, st := range sessStores {
		t.Run(st.name, func(t *testing.T) {
			_, clock, h := sessAuth(t, st)
			access1, refresh1 := sessLogin(t, h)
			clock.Advance(time.Second)
			rec, access2, refresh2 := sessRefresh(h, refresh1)
			if rec.Code != 200 || access2 == "" || refresh2 == "" {
				t.Fatalf("rotation: %d %s", rec.Code, rec.Body)
			}
			if sessWhoami(h, access2) != 200 || sessWhoami(h, access1) != 200 {
				t.Fatal("tokens of the live session refused")
			}
			clock.Advance(time.Second)
			if rec, _, _ := sessRefresh(h, refresh1); rec.Code != 401 || rec.Body.String() != bodyBlacklisted {
				t.Fatalf("reuse of the rotated token: %d %s", rec.Code, rec.Body)
			}
			if rec, _, _ := sessRefresh(h, refresh2); rec.Code != 401 || rec.Body.String() != bodyBlacklisted {
				t.Fatalf("the new refresh token after reuse: %d %s", rec.Code, rec.Body)
			}
			for i, tok := range []string{access1, access2} {
				if code := sessWhoami(h, tok); code != 401 {
					t.Fatalf("access token %d after reuse: %d", i+1, code)
				}
			}
			// Another login of the same user is untouched.
			access3, _ := sessLogin(t, h)
			if sessWhoami(h, access3) != 200 {
				t.Fatal("a new login refused")
			}
		})
	}
}

func TestSessionRotationGracePeriod(t *testing.T) {
	for _, st := range sessStores {
		t.Run(st.name, func(t *testing.T) {
			_, clock, h := sessAuth(t, st, simplejwt.WithRotationGracePeriod(10*time.Second))
			_, refresh1 := sessLogin(t, h)
			if rec, _, _ := sessRefresh(h, refresh1); rec.Code != 200 {
				t.Fatalf("rotation: %d %s", rec.Code, rec.Body)
			}
			clock.Advance(5 * time.Second)
			rec, access, refresh := sessRefresh(h, refresh1)
			if rec.Code != 200 || refresh == "" {
				t.Fatalf("retry within the grace period: %d %s", rec.Code, rec.Body)
			}
			if sessWhoami(h, access) != 200 {
				t.Fatal("the retry's access token refused")
			}
			// A second retry is reuse.
			if rec, _, _ := sessRefresh(h, refresh1); rec.Code != 401 || rec.Body.String() != bodyBlacklisted {
				t.Fatalf("second retry: %d %s", rec.Code, rec.Body)
			}
			if sessWhoami(h, access) != 401 {
				t.Fatal("the session survived reuse")
			}
		})
		t.Run(st.name+"/after the grace period", func(t *testing.T) {
			_, clock, h := sessAuth(t, st, simplejwt.WithRotationGracePeriod(10*time.Second))
			_, refresh1 := sessLogin(t, h)
			rec, access2, _ := sessRefresh(h, refresh1)
			if rec.Code != 200 {
				t.Fatalf("rotation: %d", rec.Code)
			}
			clock.Advance(11 * time.Second)
			if rec, _, _ := sessRefresh(h, refresh1); rec.Code != 401 {
				t.Fatalf("late retry: %d %s", rec.Code, rec.Body)
			}
			if sessWhoami(h, access2) != 401 {
				t.Fatal("the session survived a late retry")
			}
		})
	}
}

// TestSessionConcurrentRotation: 50 goroutines refresh with one token under
// rotation; exactly one gets a new pair, every other call gets 401.
func TestSessionConcurrentRotation(t *testing.T) {
	for _, st := range sessStores {
		t.Run(st.name, func(t *testing.T) {
			_, _, h := sessAuth(t, st)
			_, refresh := sessLogin(t, h)
			const n = 50
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				statuses = map[int]int{}
			)
			for range n {
				wg.Go(func() {
					rec, _, _ := sessRefresh(h, refresh)
					mu.Lock()
					statuses[rec.Code]++
					mu.Unlock()
				})
			}
			wg.Wait()
			t.Logf("%d concurrent refreshes: %d won, %d refused", n, statuses[200], statuses[401])
			if statuses[200] != 1 || statuses[401] != n-1 {
				t.Fatalf("statuses %v, want one 200 and %d 401", statuses, n-1)
			}
		})
	}
}

// TestSessionBlacklistRevokesLogin: blacklisting a refresh token revokes the
// access tokens of its login at once, not after their lifetime.
func TestSessionBlacklistRevokesLogin(t *testing.T) {
	for _, st := range sessStores {
		t.Run(st.name, func(t *testing.T) {
			_, _, h := sessAuth(t, st)
			access, refresh := sessLogin(t, h)
			other, _ := sessLogin(t, h)
			if rec := post(h, "/api/token/blacklist/", "application/json", `{"refresh":"`+refresh+`"}`); rec.Code != 200 {
				t.Fatalf("blacklist: %d %s", rec.Code, rec.Body)
			}
			if sessWhoami(h, access) != 401 || sessWhoami(h, other) != 200 {
				t.Fatal("blacklisting did not revoke exactly its own login")
			}
		})
	}
}

// TestSessionLogoutAll: the endpoint takes any token of the user, in the
// body or the Authorization header, and revokes every token issued before.
func TestSessionLogoutAll(t *testing.T) {
	for _, st := range sessStores {
		for _, via := range []string{"body", "header"} {
			t.Run(st.name+"/"+via, func(t *testing.T) {
				a, clock, h := sessAuth(t, st)
				access1, refresh1 := sessLogin(t, h)
				sliding, err := a.ObtainSliding(context.Background(), simplejwt.User{ID: "1"})
				if err != nil {
					t.Fatal(err)
				}
				bob, err := a.ObtainPair(context.Background(), simplejwt.User{ID: "2"})
				if err != nil {
					t.Fatal(err)
				}
				clock.Advance(time.Second)
				var rec *httptest.ResponseRecorder
				if via == "body" {
					rec = post(h, "/api/token/logout-all/", "application/json", `{"token":"`+access1+`"}`)
				} else {
					req := httptest.NewRequest(http.MethodPost, "/api/token/logout-all/", nil)
					req.Header.Set("Authorization", "Bearer "+access1)
					rec = httptest.NewRecorder()
					h.ServeHTTP(rec, req)
				}
				if rec.Code != 200 || rec.Body.String() != `{}` {
					t.Fatalf("logout-all: %d %s", rec.Code, rec.Body)
				}
				if sessWhoami(h, access1) != 401 {
					t.Error("access token survived")
				}
				if rec, _, _ := sessRefresh(h, refresh1); rec.Code != 401 {
					t.Error("refresh token survived")
				}
				if _, err := a.Verify(context.Background(), sliding); !errors.Is(err, simplejwt.ErrTokenRevoked) {
					t.Errorf("sliding token survived: %v", err)
				}
				if sessWhoami(h, bob.Access) != 200 {
					t.Error("another user's token refused")
				}
				clock.Advance(time.Second)
				access2, _ := sessLogin(t, h)
				if sessWhoami(h, access2) != 200 {
					t.Error("a login after the logout refused")
				}
				if rec := post(h, "/api/token/logout-all/", "application/json", `{"token":"`+access1+`"}`); rec.Code != 401 {
					t.Errorf("logout-all with a revoked token: %d", rec.Code)
				}
			})
		}
	}
	_, h := endpointServer(t)
	if rec := post(h, "/api/token/logout-all/", "application/json", `{}`); rec.Code != 400 ||
		rec.Body.String() != `{"token":["This field is required."]}` {
		t.Fatalf("logout-all without a token: %d %s", rec.Code, rec.Body)
	}
}

// TestSessionSimpleJWTTokens: a pair minted by SimpleJWT (no session id)
// still refreshes, verifies and blacklists with sessions on.
func TestSessionSimpleJWTTokens(t *testing.T) {
	var login wireCase
	for _, c := range wireLoad(t) {
		if c.ID == "A1" {
			login = c
		}
	}
	date, _ := http.ParseTime(login.Date)
	var p struct{ Access, Refresh string }
	if err := json.Unmarshal([]byte(login.Body), &p); err != nil {
		t.Fatal(err)
	}
	key, _ := simplejwt.NewWeakHMACKey(simplejwt.HS256, []byte(wireKey))
	a, err := simplejwt.New(simplejwt.WithSigningKey(key), simplejwt.WithClock(func() time.Time { return date }),
		simplejwt.WithRotateRefreshTokens(true), simplejwt.WithBlacklistAfterRotation(true))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := a.Verify(ctx, p.Access); err != nil {
		t.Fatalf("verify: %v", err)
	}
	np, err := a.Refresh(ctx, p.Refresh)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	nc, err := a.Verify(ctx, np.Refresh)
	if err != nil || nc.SessionID != "" || nc.UserID != "1" {
		t.Fatalf("rotated SimpleJWT token: %+v, %v", nc, err)
	}
	if _, err := a.Refresh(ctx, p.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Fatalf("reuse: %v", err)
	}
	if err := a.Blacklist(ctx, np.Refresh); err != nil {
		t.Fatalf("blacklist: %v", err)
	}
	if _, err := a.Refresh(ctx, np.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Fatalf("refresh after blacklist: %v", err)
	}
}
