package simplejwt_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// testSecret is the HS256 secret of the tests' Auths.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// t0 is the tests' starting instant, a whole second.
var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.Set(t)
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// newTestAuth returns an Auth with the test secret and clock, and opts.
func newTestAuth(t testing.TB, clock *fakeClock, opts ...simplejwt.Option) *simplejwt.Auth {
	t.Helper()
	base := []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithClock(clock.Now)}
	a, err := simplejwt.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// signHS256 signs header and payload JSON exactly as given, so that tests
// control every byte of a token.
func signHS256(secret []byte, header, payload string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
