// Package bench measures the simplejwt middleware and issuer side by side
// with the Go JWT middlewares people would otherwise use: go-chi/jwtauth,
// auth0/go-jwt-middleware, labstack/echo-jwt and a hand-written
// golang-jwt/jwt middleware, with no authentication at all as the ceiling.
//
// It is a module of its own, so that the core module never depends on the
// peers. Besides its tests and benchmarks it holds httpserver/jwtauth, a
// go-chi/jwtauth server doing the work of examples/basic's whoami route,
// for the HTTP comparison of http.sh:
//
//	go test ./...                      # every stack accepts and refuses the same tokens
//	go test -run '^$' -bench . ./...   # the benchmarks
//	./run.sh                           # benchmarks, benchstat table and ratios
//	./http.sh                          # wrk against examples/basic and the jwtauth server
//
// Every stack serves the same request: GET /api/whoami/ with
// "Authorization: Bearer <token>", where the token is one SimpleJWT-shaped
// access token minted by simplejwt with the same key, and a handler that
// reads the user id from the verified claims. Every stack checks
// token_type == "access", requires exp, jti and the user id, and pins the
// algorithm; before it is timed, each one is shown to accept the access
// token (200, the handler sees user "1") and to refuse the refresh token of
// the same pair (401).
//
// simplejwt's verified-token cache is on by default. The cold path
// ("simplejwt-memory", and "simplejwt-redis") turns it off with
// WithVerifiedTokenCache(0), so that every request is decoded and its
// signature checked as the peers do; the warm path ("simplejwt-cached")
// sets WithVerifiedTokenCache(10000).
package bench
