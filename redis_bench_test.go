package simplejwt_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
)

// The Redis benchmarks send the request of BenchmarkMiddlewareAccess
// through an Auth whose store is a RedisStore on a private server, and
// report the Redis commands each request cost. BenchmarkMiddlewareAccessMemory
// is the same with the default MemoryStore, for comparison in one run.

// rdsBenchAuth returns an Auth on store (the MemoryStore when nil) and an
// access token of it.
func rdsBenchAuth(b *testing.B, store simplejwt.Store) (*simplejwt.Auth, string) {
	b.Helper()
	var opts []simplejwt.Option
	if store != nil {
		opts = append(opts, simplejwt.WithStore(store))
	}
	a := newTestAuth(b, newFakeClock(t0), opts...)
	p, err := a.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
	if err != nil {
		b.Fatal(err)
	}
	return a, p.Access
}

// rdsBenchStore starts a private server and returns a client and a store
// on it.
func rdsBenchStore(b *testing.B) (*redis.Client, *simplejwt.RedisStore) {
	b.Helper()
	_, client := rdsPrivate(b)
	s, _ := rdsNewStore(b, client)
	return client, s
}

// rdsCountCommands runs bench and reports the Redis commands it sent per
// iteration, as redis-cmds/op.
func rdsCountCommands(b *testing.B, client redis.UniversalClient, bench func()) {
	b.Helper()
	ctx := context.Background()
	count := func() int64 {
		stats, err := redistest.CommandStats(ctx, client)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for cmd, calls := range stats {
			if cmd != "info" && cmd != "config|resetstat" {
				n += calls
			}
		}
		return n
	}
	before := count()
	bench()
	b.ReportMetric(float64(count()-before)/float64(b.N), "redis-cmds/op")
}

func BenchmarkMiddlewareAccessMemory(b *testing.B) {
	a, tok := rdsBenchAuth(b, nil)
	benchServe(b, a.Middleware(benchHandler), benchRequest(tok), false)
}

func BenchmarkMiddlewareAccessRedis(b *testing.B) {
	client, s := rdsBenchStore(b)
	a, tok := rdsBenchAuth(b, s)
	h, r := a.Middleware(benchHandler), benchRequest(tok)
	h.ServeHTTP(&nopWriter{h: http.Header{}}, r) // connect before counting
	rdsCountCommands(b, client, func() { benchServe(b, h, r, false) })
}

func BenchmarkMiddlewareAccessRedisParallel(b *testing.B) {
	client, s := rdsBenchStore(b)
	a, tok := rdsBenchAuth(b, s)
	h, r := a.Middleware(benchHandler), benchRequest(tok)
	h.ServeHTTP(&nopWriter{h: http.Header{}}, r)
	rdsCountCommands(b, client, func() {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := &nopWriter{h: http.Header{}}
			for pb.Next() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	})
}
