// Package loadtest holds a load and fault test of the token endpoints and
// the middleware on a RedisStore: see load_test.go. It is its own module so
// that its test-only dependencies (goleak) stay out of the library's go.mod.
package loadtest
