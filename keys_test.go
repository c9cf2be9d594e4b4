package simplejwt_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gosimplejwt/simplejwt"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

var (
	testKeysOnce sync.Once
	testRSA      *rsa.PrivateKey
	testEC       = map[simplejwt.Algorithm]*ecdsa.PrivateKey{}
	testEd       ed25519.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	testKeysOnce.Do(func() {
		var err error
		if testRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		for alg, c := range map[simplejwt.Algorithm]elliptic.Curve{
			simplejwt.ES256: elliptic.P256(), simplejwt.ES384: elliptic.P384(), simplejwt.ES512: elliptic.P521(),
		} {
			if testEC[alg], err = ecdsa.GenerateKey(c, rand.Reader); err != nil {
				panic(err)
			}
		}
		if _, testEd, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
}

// privateFor returns a private key fitting alg.
func privateFor(t testing.TB, alg simplejwt.Algorithm) any {
	testKeys(t)
	switch alg[:2] {
	case "HS":
		return []byte(strings.Repeat("k", 64))
	case "RS", "PS":
		return testRSA
	case "ES":
		return testEC[alg]
	}
	return testEd
}

func pemOf(t testing.TB, key any, public bool) []byte {
	t.Helper()
	var (
		der []byte
		err error
	)
	if public {
		der, err = x509.MarshalPKIXPublicKey(key.(crypto.Signer).Public())
	} else {
		der, err = x509.MarshalPKCS8PrivateKey(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	typ := "PRIVATE KEY"
	if public {
		typ = "PUBLIC KEY"
	}
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

var allAlgorithms = []simplejwt.Algorithm{
	simplejwt.HS256, simplejwt.HS384, simplejwt.HS512,
	simplejwt.RS256, simplejwt.RS384, simplejwt.RS512,
	simplejwt.PS256, simplejwt.PS384, simplejwt.PS512,
	simplejwt.ES256, simplejwt.ES384, simplejwt.ES512,
	simplejwt.EdDSA,
}

// TestKeyRoundTrip mints with a private key of every algorithm and verifies
// with the matching public key loaded from PEM and from JWK.
func TestKeyRoundTrip(t *testing.T) {
	clock := newFakeClock(t0)
	for _, alg := range allAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			priv := privateFor(t, alg)
			sk, err := simplejwt.NewKey(alg, priv)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := simplejwt.New(simplejwt.WithSigningKey(sk), simplejwt.WithClock(clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			p, err := signer.ObtainPair(context.Background(), simplejwt.User{ID: "7"})
			if err != nil {
				t.Fatal(err)
			}
			verifiers := map[string]*simplejwt.Key{"private": sk}
			if alg[:2] != "HS" {
				if verifiers["pem"], err = simplejwt.ParsePEMKey(alg, pemOf(t, priv, true)); err != nil {
					t.Fatal(err)
				}
				if verifiers["pem-private"], err = simplejwt.ParsePEMKey(alg, pemOf(t, priv, false)); err != nil {
					t.Fatal(err)
				}
				jk, err := jwk.FromRaw(priv.(crypto.Signer).Public())
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := json.Marshal(jk)
				ks, err := simplejwt.ParseJWKSet(raw, alg)
				if err != nil || len(ks) != 1 {
					t.Fatalf("ParseJWKSet: %v, %d keys", err, len(ks))
				}
				verifiers["jwk"] = ks[0]
			} else {
				jwkJSON := `{"kty":"oct","alg":"` + string(alg) + `","k":"` + b64url(priv.([]byte)) + `"}`
				ks, err := simplejwt.ParseJWKSet([]byte(jwkJSON), "")
				if err != nil || len(ks) != 1 {
					t.Fatalf("ParseJWKSet: %v", err)
				}
				verifiers["jwk"] = ks[0]
			}
			for name, vk := range verifiers {
				v, err := simplejwt.New(simplejwt.WithVerificationKeys(vk), simplejwt.WithClock(clock.Now))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				c, err := v.Verify(context.Background(), p.Access)
				if err != nil || c.UserID != "7" || c.Type != simplejwt.Access {
					t.Fatalf("%s: Verify = %+v, %v", name, c, err)
				}
			}
		})
	}
}

func TestKeyRefusals(t *testing.T) {
	testKeys(t)
	cases := []struct {
		name string
		make func() (*simplejwt.Key, error)
	}{
		{"HS256 secret of 31 bytes", func() (*simplejwt.Key, error) {
			return simplejwt.NewHMACKey(simplejwt.HS256, make([]byte, 31))
		}},
		{"HS512 secret of 63 bytes", func() (*simplejwt.Key, error) {
			return simplejwt.NewHMACKey(simplejwt.HS512, make([]byte, 63))
		}},
		{"RSA key for ES256", func() (*simplejwt.Key, error) { return simplejwt.NewKey(simplejwt.ES256, testRSA) }},
		{"HMAC secret for RS256", func() (*simplejwt.Key, error) {
			return simplejwt.NewKey(simplejwt.RS256, make([]byte, 64))
		}},
		{"P-256 key for ES384", func() (*simplejwt.Key, error) {
			return simplejwt.NewKey(simplejwt.ES384, testEC[simplejwt.ES256])
		}},
		{"Ed25519 key for ES256", func() (*simplejwt.Key, error) { return simplejwt.NewKey(simplejwt.ES256, testEd) }},
		{"alg none", func() (*simplejwt.Key, error) { return simplejwt.NewKey("none", make([]byte, 64)) }},
		{"PEM for HS256", func() (*simplejwt.Key, error) {
			return simplejwt.ParsePEMKey(simplejwt.HS256, pemOf(t, testRSA, true))
		}},
		{"garbage PEM", func() (*simplejwt.Key, error) {
			return simplejwt.ParsePEMKey(simplejwt.RS256, []byte("not pem"))
		}},
		{"RSA 1024", func() (*simplejwt.Key, error) {
			k, _ := rsa.GenerateKey(rand.Reader, 1024)
			return simplejwt.NewKey(simplejwt.RS256, k)
		}},
		{"JWK without alg and no default", func() (*simplejwt.Key, error) {
			ks, err := simplejwt.ParseJWKSet([]byte(`{"kty":"oct","k":"`+b64url(make([]byte, 32))+`"}`), "")
			if err != nil {
				return nil, err
			}
			return ks[0], nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := tc.make()
			if err == nil || !errors.Is(err, simplejwt.ErrKey) {
				t.Fatalf("got key %v, error %v; want an ErrKey", k, err)
			}
		})
	}
	if _, err := simplejwt.ParseAlgorithm("none"); err == nil {
		t.Error(`ParseAlgorithm("none") succeeded`)
	}
}

func TestKeyRingRefusesDuplicateKID(t *testing.T) {
	a, _ := simplejwt.NewHMACKey(simplejwt.HS256, testSecret)
	b, _ := simplejwt.NewHMACKey(simplejwt.HS256, []byte(strings.Repeat("b", 32)))
	_, err := simplejwt.New(simplejwt.WithSigningKey(a.WithID("k1")), simplejwt.WithVerificationKeys(b.WithID("k1")))
	if !errors.Is(err, simplejwt.ErrKey) || !strings.Contains(err.Error(), `"k1"`) {
		t.Fatalf("error %v", err)
	}
}

// TestKeyIDSelectsKey signs with a kid'd key and checks that a token naming
// another kid, or none, is refused.
func TestKeyIDSelectsKey(t *testing.T) {
	clock := newFakeClock(t0)
	k1, _ := simplejwt.NewHMACKey(simplejwt.HS256, testSecret)
	k2, _ := simplejwt.NewHMACKey(simplejwt.HS256, []byte(strings.Repeat("b", 32)))
	old := newTestAuth(t, clock, simplejwt.WithSigningKey(k1.WithID("2026-01")))
	cur := newTestAuth(t, clock, simplejwt.WithSigningKey(k2.WithID("2026-06")), simplejwt.WithVerificationKeys(k1.WithID("2026-01")))
	p, err := old.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Verify(context.Background(), p.Access); err != nil {
		t.Fatalf("token of the previous key: %v", err)
	}
	noKID := newTestAuth(t, clock) // test secret, no kid
	p2, _ := noKID.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
	if _, err := cur.Verify(context.Background(), p2.Access); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Fatalf("token without kid against kid'd keys: %v", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	cases := []struct {
		name   string
		opts   []simplejwt.Option
		option string // the option the error must name
	}{
		{"no key", nil, "no key configured"},
		{"short secret", []simplejwt.Option{simplejwt.WithHMACSecret([]byte("short"))}, "WithHMACSecret"},
		{"sliding refresh shorter than sliding", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret),
			simplejwt.WithSlidingTokenLifetime(10 * 60e9), simplejwt.WithSlidingTokenRefreshLifetime(5 * 60e9)},
			"WithSlidingTokenRefreshLifetime"},
		{"negative lifetime", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithAccessTokenLifetime(-1)},
			"WithAccessTokenLifetime"},
		{"user claim is a registered claim", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithUserIDClaim("exp")},
			"WithUserIDClaim"},
		{"two claims share a name", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithSessionClaim("user_id")},
			"WithSessionClaim"},
		{"renew threshold past lifetime", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithRenewThreshold(10 * 60e9)},
			"WithRenewThreshold"},
		{"refresh as credential", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithTokenTypes(simplejwt.Refresh)},
			"WithTokenTypes"},
		{"scheme with a space", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithAuthHeaderTypes("Bear er")},
			"WithAuthHeaderTypes"},
		{"realm with a quote", []simplejwt.Option{simplejwt.WithHMACSecret(testSecret), simplejwt.WithRealm(`a"b`)},
			"WithRealm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := simplejwt.New(tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.option) {
				t.Fatalf("New = %v, %v; want an error naming %s", a, err, tc.option)
			}
		})
	}
}

func TestCustomClaims(t *testing.T) {
	a := newTestAuth(t, newFakeClock(t0))
	ctx := context.Background()
	p, err := a.ObtainPair(ctx, simplejwt.User{ID: "9", Claims: map[string]any{"role": "admin", "名前": "ä"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Verify(ctx, p.Access)
	if err != nil {
		t.Fatal(err)
	}
	var role string
	if ok, err := c.Get("role", &role); !ok || err != nil || role != "admin" {
		t.Fatalf("Get(role) = %v %v %q", ok, err, role)
	}
	custom, err := c.Custom("token_type", "exp", "iat", "jti", "user_id", "sid")
	if err != nil || len(custom) != 2 || custom["名前"] != "ä" {
		t.Fatalf("Custom = %v, %v", custom, err)
	}
	for _, name := range []string{"exp", "token_type", "user_id", "jti", "sid", "aud"} {
		_, err := a.ObtainPair(ctx, simplejwt.User{ID: "9", Claims: map[string]any{name: "x"}})
		if !errors.Is(err, simplejwt.ErrReservedClaim) {
			t.Errorf("custom claim %q: error %v, want ErrReservedClaim", name, err)
		}
	}
}
