package simplejwt_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// ksGet serves one request of method to h and returns the recorder.
func ksGet(h http.Handler, method string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, "/.well-known/jwks.json", nil))
	return rec
}

// ksPrivateMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 section 6).
var ksPrivateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// TestKsJWKSHandler serves the ring of an Auth with keys of every family,
// some made from private keys, and checks the answer byte by byte where it
// is fixed: the order, the members of each key, the headers.
func TestKsJWKSHandler(t *testing.T) {
	clock := newFakeClock(t0)
	key := func(alg simplejwt.Algorithm, kid string) *simplejwt.Key {
		return ksMust(simplejwt.NewKey(alg, privateFor(t, alg))).WithID(kid)
	}
	signing := key(simplejwt.ES256, "es")
	verify := []*simplejwt.Key{
		key(simplejwt.RS256, "rs"),
		key(simplejwt.HS256, "hs"), // no public part: absent
		key(simplejwt.EdDSA, ""),   // no kid: published without one
		key(simplejwt.PS384, "ps"),
		signing, // listed twice: published once
	}
	a := ksMust(simplejwt.New(simplejwt.WithSigningKey(signing), simplejwt.WithVerificationKeys(verify...), simplejwt.WithClock(clock.Now)))

	rec := ksGet(a.JWKSHandler(simplejwt.DefaultJWKSMaxAge), http.MethodGet)
	body := rec.Body.Bytes()
	if rec.Code != 200 {
		t.Fatalf("status %d %s", rec.Code, body)
	}
	for name, want := range map[string]string{
		"Content-Type":   "application/json",
		"Cache-Control":  "public, max-age=300",
		"Content-Length": strconv.Itoa(len(body)),
	} {
		if got := rec.Header().Values(name); !slices.Equal(got, []string{want}) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	want := []struct{ kid, alg, kty string }{
		{"es", "ES256", "EC"}, {"rs", "RS256", "RSA"}, {"", "EdDSA", "OKP"}, {"ps", "PS384", "RSA"},
	}
	if len(set.Keys) != len(want) {
		t.Fatalf("%d keys, want %d: %s", len(set.Keys), len(want), body)
	}
	for i, w := range want {
		k := set.Keys[i]
		kid, hasKID := k["kid"]
		if k["alg"] != w.alg || k["kty"] != w.kty || k["use"] != "sig" || (w.kid == "") == hasKID || (hasKID && kid != w.kid) {
			t.Errorf("key %d = %v, want kid %q alg %s kty %s use sig", i, k, w.kid, w.alg, w.kty)
		}
		for _, m := range ksPrivateMembers {
			if _, ok := k[m]; ok {
				t.Errorf("key %d publishes private member %q", i, m)
			}
		}
	}

	// The answer does not change from one request or handler to the next.
	if again := ksGet(a.JWKSHandler(simplejwt.DefaultJWKSMaxAge), http.MethodGet).Body.Bytes(); string(again) != string(body) {
		t.Errorf("second answer differs:\n%s\n%s", again, body)
	}
	pub := a.PublicKeys()
	if len(pub) != 4 || pub[0] != signing || pub[1] != verify[0] || pub[2] != verify[2] || pub[3] != verify[3] {
		t.Errorf("PublicKeys = %v", pub)
	}
}

// TestKsJWKSHandlerRoundTrip builds, for every asymmetric algorithm, a ring
// whose verification keys are those of another ring's JWKS, parsed with
// ParseJWKSet: tokens of the first ring, with and without kid, verify on
// the second, and a token of a key the JWKS does not hold does not.
func TestKsJWKSHandlerRoundTrip(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	for _, alg := range allAlgorithms {
		if alg[:2] == "HS" {
			continue
		}
		t.Run(string(alg), func(t *testing.T) {
			priv := privateFor(t, alg)
			withKID := ksMust(simplejwt.NewKey(alg, priv)).WithID("kid-" + string(alg))
			noKID := ksMust(simplejwt.NewKey(alg, priv))
			issuer := ksMust(simplejwt.New(simplejwt.WithSigningKey(withKID), simplejwt.WithVerificationKeys(noKID), simplejwt.WithClock(clock.Now)))
			keys, err := simplejwt.ParseJWKSet(ksGet(issuer.JWKSHandler(time.Minute), http.MethodGet).Body.Bytes(), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 2 || keys[0].ID() != withKID.ID() || keys[1].ID() != "" || keys[0].CanSign() || keys[0].Algorithm() != alg {
				t.Fatalf("parsed JWKS: %v", keys)
			}
			consumer := ksVerifier(t, clock, keys...)
			for name, tok := range map[string]string{
				"minted by the issuer": ksMust(issuer.ObtainPair(ctx, simplejwt.User{ID: "7"})).Access,
				"kid-less":             ksMint(t, clock, noKID),
			} {
				if c, err := consumer.Verify(ctx, tok); err != nil || c.UserID != "7" {
					t.Errorf("%s: %+v, %v", name, c, err)
				}
			}
			other := ksMust(simplejwt.NewKey(simplejwt.ES256, ksNewEC(t))).WithID("kid-" + string(alg))
			if alg == simplejwt.ES256 {
				if _, err := consumer.Verify(ctx, ksMint(t, clock, other)); !errors.Is(err, simplejwt.ErrTokenSignature) {
					t.Errorf("token of another key under the same kid: %v", err)
				}
			}
		})
	}
}

// TestKsJWKSHandlerHMACOnly checks that an Auth with only HMAC keys publishes
// an empty set.
func TestKsJWKSHandlerHMACOnly(t *testing.T) {
	a := newTestAuth(t, newFakeClock(t0))
	rec := ksGet(a.JWKSHandler(simplejwt.DefaultJWKSMaxAge), http.MethodGet)
	if rec.Code != 200 || rec.Body.String() != `{"keys":[]}` || len(a.PublicKeys()) != 0 {
		t.Fatalf("%d %s, PublicKeys %v", rec.Code, rec.Body, a.PublicKeys())
	}
}

// TestKsJWKSHandlerMethodsAndMaxAge checks HEAD, the methods refused and the
// Cache-Control values.
func TestKsJWKSHandlerMethodsAndMaxAge(t *testing.T) {
	a := ksMust(simplejwt.New(simplejwt.WithSigningKey(ksMust(simplejwt.NewKey(simplejwt.ES256, ksNewEC(t))))))
	h := a.JWKSHandler(simplejwt.DefaultJWKSMaxAge)
	get := ksGet(h, http.MethodGet)

	head := ksGet(h, http.MethodHead)
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != strconv.Itoa(get.Body.Len()) ||
		head.Header().Get("Cache-Control") != "public, max-age=300" || head.Header().Get("Content-Type") != "application/json" {
		t.Errorf("HEAD: %d %v %q", head.Code, head.Header(), head.Body)
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		rec := ksGet(h, m)
		want := `{"detail":"Method \"` + m + `\" not allowed."}`
		if rec.Code != 405 || rec.Body.String() != want || rec.Header().Get("Allow") != "GET, HEAD" ||
			rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "" {
			t.Errorf("%s: %d %v %s, want 405 %s", m, rec.Code, rec.Header(), rec.Body, want)
		}
	}

	for _, tc := range []struct {
		maxAge time.Duration
		want   string
	}{
		{simplejwt.DefaultJWKSMaxAge, "public, max-age=300"},
		{time.Hour, "public, max-age=3600"},
		{1500 * time.Millisecond, "public, max-age=1"},
		{time.Millisecond, "public, max-age=0"},
		{0, "public, max-age=0"},
		{-time.Minute, "public, max-age=0"},
	} {
		if got := ksGet(a.JWKSHandler(tc.maxAge), http.MethodGet).Header().Get("Cache-Control"); got != tc.want {
			t.Errorf("maxAge %v: Cache-Control %q, want %q", tc.maxAge, got, tc.want)
		}
	}
}
