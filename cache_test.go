package simplejwt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests look inside the verified-token cache, so they live in the
// package itself.

func cacheAuth(t testing.TB, now *time.Time, opts ...Option) *Auth {
	t.Helper()
	base := []Option{WithHMACSecret([]byte("0123456789abcdef0123456789abcdef")), WithClock(func() time.Time { return *now })}
	a, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func cacheCheck(a *Auth, tok string) (*Claims, error) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	res, err := a.Check(r)
	return res.Claims, err
}

func TestCacheHitAndForgery(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	a := cacheAuth(t, &now)
	p, err := a.ObtainPair(context.Background(), User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cacheCheck(a, p.Access); err != nil {
		t.Fatal(err)
	}
	if a.cache.len() != 1 {
		t.Fatalf("cache holds %d tokens, want 1", a.cache.len())
	}
	// Same header and payload, another signature: never a hit.
	dot := strings.LastIndexByte(p.Access, '.')
	forged := p.Access[:dot+1] + strings.Repeat("A", len(p.Access)-dot-1)
	if _, err := cacheCheck(a, forged); err == nil {
		t.Fatal("forged signature accepted after the genuine token was cached")
	}
	if a.cache.len() != 1 {
		t.Fatalf("a refused token was cached: %d entries", a.cache.len())
	}
	// A handler that modifies its claims does not change the cached ones.
	c, _ := cacheCheck(a, p.Access)
	c.UserID = "2"
	c2, err := cacheCheck(a, p.Access)
	if err != nil || c2.UserID != "1" || c2 == c {
		t.Fatalf("second hit: %+v, %v", c2, err)
	}
}

func TestCacheEntriesNeverOutliveExp(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	a := cacheAuth(t, &now)
	p, _ := a.ObtainPair(context.Background(), User{ID: "1"})
	if _, err := cacheCheck(a, p.Access); err != nil {
		t.Fatal(err)
	}
	now = now.Add(5*time.Minute - time.Second)
	if _, err := cacheCheck(a, p.Access); err != nil {
		t.Fatalf("a second before exp: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := cacheCheck(a, p.Access); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("at exp: %v, want ErrTokenExpired", err)
	}
}

func TestCacheStillChecksRevocationAndType(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	a := cacheAuth(t, &now)
	ctx := context.Background()
	p, _ := a.ObtainPair(ctx, User{ID: "1"})
	if _, err := cacheCheck(a, p.Access); err != nil {
		t.Fatal(err)
	}
	sliding := a.MustGuard(Accept(Sliding))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+p.Access)
	if _, err := sliding.Check(r); !errors.Is(err, ErrTokenWrongType) {
		t.Fatalf("cached access token on a sliding route: %v", err)
	}
	if err := a.Blacklist(ctx, p.Refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := cacheCheck(a, p.Access); !errors.Is(err, ErrTokenRevoked) {
		t.Fatalf("cached token of a blacklisted login: %v", err)
	}
}

// TestCacheBounded floods the cache with distinct valid tokens: it never
// holds more than its size, and the latest tokens are served from it.
func TestCacheBounded(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	a := cacheAuth(t, &now, WithVerifiedTokenCache(160))
	ctx := context.Background()
	for i := range 5000 {
		p, err := a.ObtainPair(ctx, User{ID: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cacheCheck(a, p.Access); err != nil {
			t.Fatal(err)
		}
		if n := a.cache.len(); n > 160 {
			t.Fatalf("after %d tokens the cache holds %d, more than 160", i+1, n)
		}
	}
	if n := a.cache.len(); n < 100 {
		t.Fatalf("cache holds %d tokens after the flood, want it near 160", n)
	}
}

func TestCacheOff(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	a := cacheAuth(t, &now, WithVerifiedTokenCache(0))
	p, _ := a.ObtainPair(context.Background(), User{ID: "1"})
	if _, err := cacheCheck(a, p.Access); err != nil || a.cache != nil {
		t.Fatalf("cache off: %v, %v", err, a.cache)
	}
}

func TestCacheConcurrent(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	a := cacheAuth(t, &now, WithVerifiedTokenCache(64))
	var toks []string
	for i := range 200 {
		p, _ := a.ObtainPair(context.Background(), User{ID: fmt.Sprint(i)})
		toks = append(toks, p.Access)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				tok := toks[(i*7+g)%len(toks)]
				c, err := cacheCheck(a, tok)
				if err != nil {
					t.Error(err)
					return
				}
				if want := fmt.Sprint((i*7 + g) % len(toks)); c.UserID != want {
					t.Errorf("user %s, want %s", c.UserID, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := a.cache.len(); n > 64 {
		t.Fatalf("cache holds %d, more than 64", n)
	}
}
