package bench

import (
	"context"
	"net/http"
	"slices"
	"testing"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"

	"github.com/gosimplejwt/simplejwt"
)

// subject is one stack of the middleware benchmarks.
type subject struct {
	name string
	// algs are the algorithms it runs with; nil means every one of algs.
	algs []simplejwt.Algorithm
	// parallel adds it to BenchmarkWhoAmIParallel.
	parallel bool
	// ceiling marks a stack without authentication, which accepts any
	// token and so is not checked for refusing the refresh token.
	ceiling bool
	build   func(tb testing.TB, f *fixture, p *probe) stack
}

var hs256Only = []simplejwt.Algorithm{simplejwt.HS256}

// verifiedCacheSize is the capacity of the verified-token cache of the warm
// path, the core's default.
const verifiedCacheSize = 10000

// subjects returns the stacks in the order they are reported.
//
// The verified-token cache is on by default in simplejwt, so the cold path
// (every request decoded and its signature checked, as every peer does)
// turns it off with WithVerifiedTokenCache(0); the warm path sets it
// explicitly. The Redis stack runs without the cache, so that it differs
// from the cold in-memory stack by its store alone.
func subjects() []subject {
	return []subject{
		{
			name:     "simplejwt-memory",
			parallel: true,
			build: func(tb testing.TB, f *fixture, p *probe) stack {
				a := newAuth(tb, f.keyPair, simplejwt.WithVerifiedTokenCache(0))
				return stack{h: a.Middleware(whoami(p, simplejwtUser))}
			},
		},
		{
			// The warm path: one token served over and over, so every
			// timed request is a cache hit.
			name:     "simplejwt-cached",
			algs:     hs256Only,
			parallel: true,
			build: func(tb testing.TB, f *fixture, p *probe) stack {
				a := newAuth(tb, f.keyPair, simplejwt.WithVerifiedTokenCache(verifiedCacheSize))
				return stack{h: a.Middleware(whoami(p, simplejwtUser))}
			},
		},
		{
			name:     "simplejwt-redis",
			algs:     hs256Only,
			parallel: true,
			build:    redisStack,
		},
		{
			name:  "jwtauth",
			build: func(_ testing.TB, f *fixture, p *probe) stack { return jwtauthStack(f, p) },
		},
		{
			name:  "auth0",
			build: func(_ testing.TB, f *fixture, p *probe) stack { return auth0Stack(f, p) },
		},
		{
			// auth0's stock validator, on a token that has the iss and
			// aud it insists on: shows that what auth0Validate leaves out
			// costs next to nothing.
			name:  "auth0-stock-issaud",
			algs:  hs256Only,
			build: auth0StockStack,
		},
		{
			name:  "echo-jwt",
			build: func(_ testing.TB, f *fixture, p *probe) stack { return echoJWTStack(f, p) },
		},
		{
			name:  "golang-jwt",
			build: func(_ testing.TB, f *fixture, p *probe) stack { return golangJWTStack(f, p) },
		},
		{
			name:    "echo-none",
			algs:    hs256Only,
			ceiling: true,
			build:   func(_ testing.TB, f *fixture, p *probe) stack { return echoNoneStack(f, p) },
		},
		{
			name:     "none",
			algs:     hs256Only,
			parallel: true,
			ceiling:  true,
			build: func(_ testing.TB, _ *fixture, p *probe) stack {
				return stack{h: whoami(p, func(*http.Request) string { return wantUser })}
			},
		},
	}
}

func (s subject) runsWith(alg simplejwt.Algorithm) bool {
	return s.algs == nil || slices.Contains(s.algs, alg)
}

// auth0StockStack is auth0's middleware with its stock validator. Its
// tokens come from an Auth configured with the issuer and audience the
// validator requires; its fixture replaces the shared one.
func auth0StockStack(tb testing.TB, f *fixture, p *probe) stack {
	a := newAuth(tb, f.keyPair, simplejwt.WithIssuer(stockIssuer), simplejwt.WithAudience(stockAudience))
	pair, err := a.ObtainPair(context.Background(), simplejwt.User{ID: wantUser})
	if err != nil {
		tb.Fatal(err)
	}
	v, err := auth0StockValidator(f)
	if err != nil {
		tb.Fatal(err)
	}
	m := jwtmiddleware.New(v.ValidateToken)
	return stack{
		h:      m.CheckJWT(whoami(p, auth0User)),
		tokens: &fixture{keyPair: f.keyPair, access: pair.Access, refresh: pair.Refresh},
	}
}

// prepare builds s's stack for f and checks it outside any timing.
func prepare(tb testing.TB, s subject, f *fixture) (stack, *fixture) {
	tb.Helper()
	p := new(probe)
	st := s.build(tb, f, p)
	if st.tokens != nil {
		f = st.tokens
	}
	check(tb, st, p, f, !s.ceiling)
	return st, f
}

// TestStacks checks that every stack of every algorithm accepts the access
// token and refuses the refresh token, which is what each benchmark asserts
// before it is timed.
func TestStacks(t *testing.T) {
	for _, alg := range algs {
		f := newFixture(t, alg)
		for _, s := range subjects() {
			if !s.runsWith(alg) {
				continue
			}
			t.Run(string(alg)+"/"+s.name, func(t *testing.T) { prepare(t, s, f) })
		}
	}
}

// BenchmarkWhoAmI serves the request through each stack, one at a time.
func BenchmarkWhoAmI(b *testing.B) {
	for _, alg := range algs {
		f := newFixture(b, alg)
		for _, s := range subjects() {
			if !s.runsWith(alg) {
				continue
			}
			b.Run(string(alg)+"/"+s.name, func(b *testing.B) {
				st, f := prepare(b, s, f)
				r := whoamiRequest(f.access)
				w := &nopWriter{h: http.Header{}}
				var cmds int64
				if st.redisCmds != nil {
					cmds = st.redisCmds()
				}
				b.ReportAllocs()
				for b.Loop() {
					if !w.serve(st.h, r) {
						b.Fatalf("status %d", w.code)
					}
				}
				if st.redisCmds != nil {
					b.ReportMetric(float64(st.redisCmds()-cmds)/float64(b.N), "redis-cmds/op")
				}
			})
		}
	}
}

// BenchmarkWhoAmIParallel serves the request through the simplejwt stacks
// and the ceiling from GOMAXPROCS goroutines at once (see -cpu).
func BenchmarkWhoAmIParallel(b *testing.B) {
	f := newFixture(b, simplejwt.HS256)
	for _, s := range subjects() {
		if !s.parallel {
			continue
		}
		b.Run("HS256/"+s.name, func(b *testing.B) {
			st, f := prepare(b, s, f)
			var cmds int64
			if st.redisCmds != nil {
				cmds = st.redisCmds()
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := whoamiRequest(f.access)
				w := &nopWriter{h: http.Header{}}
				for pb.Next() {
					if !w.serve(st.h, r) {
						b.Errorf("status %d", w.code)
						return
					}
				}
			})
			b.StopTimer()
			if st.redisCmds != nil {
				b.ReportMetric(float64(st.redisCmds()-cmds)/float64(b.N), "redis-cmds/op")
			}
		})
	}
}

// issuer mints a pair and refreshes a refresh token into an access token.
type issuer struct {
	name    string
	pair    func(user string) (access, refresh string, err error)
	refresh func(tok string) (access string, err error)
}

func issuers(tb testing.TB, f *fixture) []issuer {
	ctx := context.Background()
	a := newAuth(tb, f.keyPair)
	g := newGolangJWTIssuer(f)
	j := newJWTAuthIssuer(f)
	return []issuer{
		{
			name: "simplejwt",
			pair: func(user string) (string, string, error) {
				p, err := a.ObtainPair(ctx, simplejwt.User{ID: user})
				return p.Access, p.Refresh, err
			},
			refresh: func(tok string) (string, error) {
				p, err := a.Refresh(ctx, tok)
				return p.Access, err
			},
		},
		{name: "golang-jwt", pair: g.pair, refresh: g.refresh},
		{name: "jwtauth", pair: j.pair, refresh: j.refresh},
	}
}

// checkIssuer checks that what is minted is right: a pair whose access
// token the simplejwt middleware accepts and whose refresh token it
// refuses; a refresh that refuses an access token and turns the refresh
// token into an accepted access token.
func checkIssuer(tb testing.TB, is issuer, f *fixture) {
	tb.Helper()
	p := new(probe)
	st := stack{h: newAuth(tb, f.keyPair).Middleware(whoami(p, simplejwtUser))}

	access, refresh, err := is.pair(wantUser)
	if err != nil {
		tb.Fatalf("pair: %v", err)
	}
	check(tb, st, p, &fixture{keyPair: f.keyPair, access: access, refresh: refresh}, true)

	if _, err := is.refresh(f.access); err == nil {
		tb.Fatal("refresh accepted an access token")
	}
	access, err = is.refresh(f.refresh)
	if err != nil {
		tb.Fatalf("refresh: %v", err)
	}
	check(tb, st, p, &fixture{keyPair: f.keyPair, access: access, refresh: f.refresh}, true)
}

func TestIssuers(t *testing.T) {
	for _, alg := range algs {
		f := newFixture(t, alg)
		for _, is := range issuers(t, f) {
			t.Run(string(alg)+"/"+is.name, func(t *testing.T) { checkIssuer(t, is, f) })
		}
	}
}

// BenchmarkIssuer mints a pair (simplejwt: Auth.ObtainPair) and refreshes
// (Auth.Refresh: verify the refresh token, check the store, mint an
// access token), against the same work done with golang-jwt and jwtauth.
func BenchmarkIssuer(b *testing.B) {
	for _, alg := range algs {
		f := newFixture(b, alg)
		iss := issuers(b, f)
		for _, is := range iss {
			b.Run(string(alg)+"/pair/"+is.name, func(b *testing.B) {
				checkIssuer(b, is, f)
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := is.pair(wantUser); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		for _, is := range iss {
			b.Run(string(alg)+"/refresh/"+is.name, func(b *testing.B) {
				checkIssuer(b, is, f)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := is.refresh(f.refresh); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
