package simplejwt_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// benchHandler reads the user id, as a real handler would.
var benchHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, _ := simplejwt.ClaimsFrom(r.Context())
	if c.UserID == "" {
		panic("no user")
	}
})

// nopWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the middleware and not the recorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchRequest(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func benchServe(b *testing.B, h http.Handler, r *http.Request, renewHeader bool) {
	b.Helper()
	b.ReportAllocs()
	w := &nopWriter{h: http.Header{}}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
		if renewHeader && w.h.Get("Refreshed-Token") == "" {
			b.Fatal("no renewal")
		}
	}
}

// BenchmarkMiddlewareAccess measures an access token through the middleware
// with the in-memory store: cold (the verified-token cache off, so every
// request decodes and verifies) and warm (the token is cached).
func BenchmarkMiddlewareAccess(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache int
	}{{"cold", 0}, {"warm", 10000}} {
		b.Run(bc.name, func(b *testing.B) {
			a := newTestAuth(b, newFakeClock(t0), simplejwt.WithVerifiedTokenCache(bc.cache))
			p, err := a.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
			if err != nil {
				b.Fatal(err)
			}
			benchServe(b, a.Middleware(benchHandler), benchRequest(p.Access), false)
		})
	}
}

// BenchmarkMiddlewareAccessParallel is the warm path from every core.
func BenchmarkMiddlewareAccessParallel(b *testing.B) {
	a := newTestAuth(b, newFakeClock(t0))
	p, err := a.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
	if err != nil {
		b.Fatal(err)
	}
	h := a.Middleware(benchHandler)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := benchRequest(p.Access)
		w := &nopWriter{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}

// BenchmarkNoAuth is the ceiling: the same request and handler without
// authentication.
func BenchmarkNoAuth(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			panic("no header")
		}
	})
	benchServe(b, h, benchRequest("x"), false)
}

func BenchmarkMiddlewareSliding(b *testing.B) {
	clock := newFakeClock(t0)
	a := newTestAuth(b, clock)
	tok, err := a.ObtainSliding(context.Background(), simplejwt.User{ID: "1"})
	if err != nil {
		b.Fatal(err)
	}
	g := a.MustGuard(simplejwt.Accept(simplejwt.Sliding))
	b.Run("valid", func(b *testing.B) {
		benchServe(b, g.Middleware(benchHandler), benchRequest(tok), false)
	})
	b.Run("renewed", func(b *testing.B) {
		clock.Set(t0.Add(4 * time.Minute))
		defer clock.Set(t0)
		benchServe(b, g.Middleware(benchHandler), benchRequest(tok), true)
	})
}

func BenchmarkIssuePair(b *testing.B) {
	a := newTestAuth(b, newFakeClock(t0))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.ObtainPair(ctx, simplejwt.User{ID: "1"}); err != nil {
			b.Fatal(err)
		}
	}
}
