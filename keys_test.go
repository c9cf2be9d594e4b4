package simplejwt_test

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

// ksPEM encodes der as one PEM block of type typ.
func ksPEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// ksMust returns v, panicking when err is set: for set-up steps that
// cannot fail unless the test itself is wrong.
func ksMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ksMint returns an access token for user "7" signed by k, at clock's time.
func ksMint(t testing.TB, clock *fakeClock, k *simplejwt.Key, opts ...simplejwt.Option) string {
	t.Helper()
	a := ksMust(simplejwt.New(append([]simplejwt.Option{simplejwt.WithSigningKey(k), simplejwt.WithClock(clock.Now)}, opts...)...))
	return ksMust(a.ObtainPair(context.Background(), simplejwt.User{ID: "7"})).Access
}

// ksVerifier returns an Auth that only verifies, with keys.
func ksVerifier(t testing.TB, clock *fakeClock, keys ...*simplejwt.Key) *simplejwt.Auth {
	t.Helper()
	return ksMust(simplejwt.New(simplejwt.WithVerificationKeys(keys...), simplejwt.WithClock(clock.Now)))
}

// ksKeyFormat is one way of writing down a key.
type ksKeyFormat struct {
	name    string
	algs    string // the families it applies to: "RS" covers RS and PS
	private bool   // the encoding holds the private key
	encode  func(t *testing.T, priv any, alg simplejwt.Algorithm) []byte
	parse   func(alg simplejwt.Algorithm, data []byte) (*simplejwt.Key, error)
}

func ksParsePEM(alg simplejwt.Algorithm, data []byte) (*simplejwt.Key, error) {
	return simplejwt.ParsePEMKey(alg, data)
}

// ksParseOne parses a JWK or JWK Set holding exactly one key, without a
// default algorithm: the key must carry its own alg.
func ksParseOne(_ simplejwt.Algorithm, data []byte) (*simplejwt.Key, error) {
	ks, err := simplejwt.ParseJWKSet(data, "")
	if err != nil {
		return nil, err
	}
	if len(ks) != 1 {
		return nil, errors.New("want one key")
	}
	return ks[0], nil
}

// ksJWK returns the JWK of key with alg and kid set; set wraps it in a
// JWK Set.
func ksJWK(t *testing.T, key any, alg simplejwt.Algorithm, set bool) []byte {
	t.Helper()
	jk := ksMust(jwk.FromRaw(key))
	if err := jk.Set(jwk.AlgorithmKey, string(alg)); err != nil {
		t.Fatal(err)
	}
	if err := jk.Set(jwk.KeyIDKey, "k-"+string(alg)); err != nil {
		t.Fatal(err)
	}
	b := ksMust(json.Marshal(jk))
	if set {
		b = []byte(`{"keys":[` + string(b) + `]}`)
	}
	return b
}

var ksKeyFormats = []ksKeyFormat{
	{"PEM PKCS#1 RSA private key", "RS", true, func(t *testing.T, priv any, _ simplejwt.Algorithm) []byte {
		return ksPEM("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(priv.(*rsa.PrivateKey)))
	}, ksParsePEM},
	{"PEM PKCS#1 RSA public key", "RS", false, func(t *testing.T, priv any, _ simplejwt.Algorithm) []byte {
		return ksPEM("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&priv.(*rsa.PrivateKey).PublicKey))
	}, ksParsePEM},
	{"PEM SEC1 EC private key", "ES", true, func(t *testing.T, priv any, _ simplejwt.Algorithm) []byte {
		return ksPEM("EC PRIVATE KEY", ksMust(x509.MarshalECPrivateKey(priv.(*ecdsa.PrivateKey))))
	}, ksParsePEM},
	{"PEM SEC1 EC private key after EC PARAMETERS (openssl ecparam -genkey)", "ES", true, func(t *testing.T, priv any, _ simplejwt.Algorithm) []byte {
		oid := map[string][]byte{ // DER of the named curve OIDs
			"P-256": {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07},
			"P-384": {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22},
			"P-521": {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23},
		}[priv.(*ecdsa.PrivateKey).Curve.Params().Name]
		return append(ksPEM("EC PARAMETERS", oid),
			ksPEM("EC PRIVATE KEY", ksMust(x509.MarshalECPrivateKey(priv.(*ecdsa.PrivateKey))))...)
	}, ksParsePEM},
	{"PEM PKCS#8 private key", "RS ES EdDSA", true, func(t *testing.T, priv any, _ simplejwt.Algorithm) []byte {
		return ksPEM("PRIVATE KEY", ksMust(x509.MarshalPKCS8PrivateKey(priv)))
	}, ksParsePEM},
	{"PEM PKIX public key", "RS ES EdDSA", false, func(t *testing.T, priv any, _ simplejwt.Algorithm) []byte {
		return ksPEM("PUBLIC KEY", ksMust(x509.MarshalPKIXPublicKey(priv.(crypto.Signer).Public())))
	}, ksParsePEM},
	{"PEM certificate", "RS ES EdDSA", false, func(t *testing.T, priv any, _ simplejwt.Algorithm) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Hour)}
		s := priv.(crypto.Signer)
		return ksPEM("CERTIFICATE", ksMust(x509.CreateCertificate(rand.Reader, tmpl, tmpl, s.Public(), s)))
	}, ksParsePEM},
	{"JWK private key", "HS RS ES EdDSA", true, func(t *testing.T, priv any, alg simplejwt.Algorithm) []byte {
		return ksJWK(t, priv, alg, false)
	}, ksParseOne},
	{"JWK public key", "RS ES EdDSA", false, func(t *testing.T, priv any, alg simplejwt.Algorithm) []byte {
		return ksJWK(t, priv.(crypto.Signer).Public(), alg, false)
	}, ksParseOne},
	{"JWK Set of a private key", "HS RS ES EdDSA", true, func(t *testing.T, priv any, alg simplejwt.Algorithm) []byte {
		return ksJWK(t, priv, alg, true)
	}, ksParseOne},
	{"JWK Set of a public key", "RS ES EdDSA", false, func(t *testing.T, priv any, alg simplejwt.Algorithm) []byte {
		return ksJWK(t, priv.(crypto.Signer).Public(), alg, true)
	}, ksParseOne},
}

// ksFamily is the family of alg as ksKeyFormat.algs names it.
func ksFamily(alg simplejwt.Algorithm) string {
	switch f := string(alg[:2]); f {
	case "PS":
		return "RS"
	case "Ed":
		return "EdDSA"
	default:
		return f
	}
}

// TestKsKeyFormatsRoundTrip loads the key of every algorithm in every format
// that can hold it. A private key must sign tokens that the key made from
// the Go value verifies; a public key must verify tokens of the private one
// and must not sign.
func TestKsKeyFormatsRoundTrip(t *testing.T) {
	clock := newFakeClock(t0)
	for _, alg := range allAlgorithms {
		for _, f := range ksKeyFormats {
			if !slices.Contains(strings.Fields(f.algs), ksFamily(alg)) {
				continue
			}
			t.Run(string(alg)+"/"+f.name, func(t *testing.T) {
				priv := privateFor(t, alg)
				direct := ksMust(simplejwt.NewKey(alg, priv))
				k, err := f.parse(alg, f.encode(t, priv, alg))
				if err != nil {
					t.Fatal(err)
				}
				if k.Algorithm() != alg || k.CanSign() != f.private {
					t.Fatalf("key for %s, CanSign %v; want %s, %v", k.Algorithm(), k.CanSign(), alg, f.private)
				}
				signer, verifier := direct.WithID(k.ID()), k
				if f.private {
					signer, verifier = k, direct.WithID(k.ID())
				}
				tok := ksMint(t, clock, signer)
				c, err := ksVerifier(t, clock, verifier).Verify(context.Background(), tok)
				if err != nil || c.UserID != "7" {
					t.Fatalf("Verify = %+v, %v", c, err)
				}
				if !f.private {
					if _, err := simplejwt.New(simplejwt.WithSigningKey(k)); !errors.Is(err, simplejwt.ErrKey) {
						t.Fatalf("public key as signing key: %v", err)
					}
				}
			})
		}
	}
}

// TestKsParsePEMKeyRefusals checks the PEM inputs that hold no single usable
// key.
func TestKsParsePEMKeyRefusals(t *testing.T) {
	testKeys(t)
	ec := testEC[simplejwt.ES256]
	pkcs8 := ksPEM("PRIVATE KEY", ksMust(x509.MarshalPKCS8PrivateKey(ec)))
	pkix := ksPEM("PUBLIC KEY", ksMust(x509.MarshalPKIXPublicKey(&ec.PublicKey)))
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00000000000000000000000000000000"},
		Bytes:   []byte{1, 2, 3}})
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"no PEM block", []byte("-----BEGIN nothing")},
		{"EC PARAMETERS only", ksPEM("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})},
		{"private and public key", append(append([]byte{}, pkcs8...), pkix...)},
		{"two private keys", append(append([]byte{}, pkcs8...), pkcs8...)},
		{"legacy encrypted PEM", encrypted},
		{"PKCS#8 encrypted", ksPEM("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3})},
		{"unknown block type", ksPEM("OPENSSH PRIVATE KEY", []byte{1, 2, 3})},
		{"corrupt DER", ksPEM("PRIVATE KEY", []byte{1, 2, 3})},
		{"X25519 key (not a signature key)", ksPEM("PRIVATE KEY", ksMust(x509.MarshalPKCS8PrivateKey(ksMust(ecdh.X25519().GenerateKey(rand.Reader)))))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := simplejwt.ParsePEMKey(simplejwt.ES256, tc.data)
			if !errors.Is(err, simplejwt.ErrKey) {
				t.Fatalf("ParsePEMKey = %v, %v; want an ErrKey", k, err)
			}
		})
	}
	// Text around the block, as openssl writes with -text, is ignored.
	if _, err := simplejwt.ParsePEMKey(simplejwt.ES256, append([]byte("Bag Attributes\n    friendlyName: x\n"), pkcs8...)); err != nil {
		t.Fatalf("PEM with leading text: %v", err)
	}
}

// TestKsParseJWKSetRefusesEncryptionKey checks that a JWK marked for
// encryption never becomes a signature key.
func TestKsParseJWKSetRefusesEncryptionKey(t *testing.T) {
	testKeys(t)
	jk := ksMust(jwk.FromRaw(testEC[simplejwt.ES256].Public()))
	_ = jk.Set(jwk.KeyUsageKey, jwk.ForEncryption)
	b := ksMust(json.Marshal(jk))
	if _, err := simplejwt.ParseJWKSet(b, simplejwt.ES256); !errors.Is(err, simplejwt.ErrKey) {
		t.Fatalf("use enc: %v", err)
	}
}

// TestKsKeyRingRefusesZeroKey checks that New refuses a Key that no
// constructor made, which has no algorithm to be pinned to.
func TestKsKeyRingRefusesZeroKey(t *testing.T) {
	for _, opt := range []simplejwt.Option{
		simplejwt.WithVerificationKeys(&simplejwt.Key{}),
		simplejwt.WithSigningKey(&simplejwt.Key{}),
	} {
		if _, err := simplejwt.New(opt); !errors.Is(err, simplejwt.ErrKey) {
			t.Errorf("zero Key: %v", err)
		}
	}
}

// TestKsKeyAcceptingNoKID gives an old kid-less key a kid: with
// AcceptingNoKID it verifies its old kid-less tokens and its new kid'd
// ones, next to a new signing key; without it the kid-less tokens fail.
func TestKsKeyAcceptingNoKID(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	old := ksMust(simplejwt.NewHMACKey(simplejwt.HS256, testSecret))
	cur := ksMust(simplejwt.NewKey(simplejwt.ES256, privateFor(t, simplejwt.ES256))).WithID("2026-06")
	kidless := ksMint(t, clock, old) // as SimpleJWT mints them
	v1 := old.WithID("2026-01").AcceptingNoKID()
	if v1.ID() != "2026-01" || !v1.CanSign() || v1.Algorithm() != simplejwt.HS256 {
		t.Fatalf("AcceptingNoKID changed the key: %q %v %s", v1.ID(), v1.CanSign(), v1.Algorithm())
	}
	withKID := ksMint(t, clock, v1)
	if h := ksHeader(t, withKID); h != `{"alg":"HS256","kid":"2026-01","typ":"JWT"}` {
		t.Fatalf("a key accepting kid-less tokens signs with header %s", h)
	}

	ring := ksMust(simplejwt.New(simplejwt.WithSigningKey(cur), simplejwt.WithVerificationKeys(v1), simplejwt.WithClock(clock.Now)))
	for name, tok := range map[string]string{"kid-less": kidless, "kid 2026-01": withKID, "new key": ksMint(t, clock, cur)} {
		if _, err := ring.Verify(ctx, tok); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}

	// The same ring with the old key's kid but without AcceptingNoKID.
	strict := ksMust(simplejwt.New(simplejwt.WithSigningKey(cur), simplejwt.WithVerificationKeys(old.WithID("2026-01")), simplejwt.WithClock(clock.Now)))
	if _, err := strict.Verify(ctx, kidless); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Errorf("kid-less token without AcceptingNoKID: %v", err)
	}
	if _, err := strict.Verify(ctx, withKID); err != nil {
		t.Errorf("kid'd token: %v", err)
	}

	// The kid-less path stays pinned to the key's algorithm.
	hs512 := signHS256(testSecret, `{"alg":"HS512","typ":"JWT"}`, `{"token_type":"access","exp":`+strconv.FormatInt(t0.Add(time.Minute).Unix(), 10)+`,"jti":"x","user_id":"7"}`)
	if _, err := ring.Verify(ctx, hs512); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Errorf("kid-less HS512 token: %v", err)
	}
	// A kid of two keys is still refused when one of them accepts kid-less
	// tokens.
	if _, err := simplejwt.New(simplejwt.WithSigningKey(old.WithID("2026-01")), simplejwt.WithVerificationKeys(v1)); !errors.Is(err, simplejwt.ErrKey) {
		t.Errorf("duplicate kid: %v", err)
	}
}

// ksHeader returns the decoded JOSE header of tok.
func ksHeader(t testing.TB, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	return string(ksMust(base64.RawURLEncoding.DecodeString(h)))
}

// TestKsKeyRotation walks through the rotation procedure of Key's
// documentation: a new signing key with a new kid, the old one verify-only,
// then the old one removed.
func TestKsKeyRotation(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	oldKey := ksMust(simplejwt.NewKey(simplejwt.ES256, privateFor(t, simplejwt.ES256))).WithID("2026-01")
	newKey := ksMust(simplejwt.NewKey(simplejwt.RS256, privateFor(t, simplejwt.RS256))).WithID("2026-06")
	build := func(opts ...simplejwt.Option) *simplejwt.Auth {
		return ksMust(simplejwt.New(append(opts, simplejwt.WithClock(clock.Now))...))
	}
	serve := func(a *simplejwt.Auth, tok string) (int, string) {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, _ := simplejwt.ClaimsFrom(r.Context())
			w.Write([]byte(c.UserID))
		})).ServeHTTP(rec, r)
		return rec.Code, rec.Body.String()
	}

	before := build(simplejwt.WithSigningKey(oldKey))
	oldTok := ksMust(before.ObtainPair(ctx, simplejwt.User{ID: "7"})).Access

	// Step 1: the new key signs, the old one only verifies.
	during := build(simplejwt.WithSigningKey(newKey), simplejwt.WithVerificationKeys(oldKey))
	newTok := ksMust(during.ObtainPair(ctx, simplejwt.User{ID: "8"})).Access
	if h := ksHeader(t, newTok); h != `{"alg":"RS256","kid":"2026-06","typ":"JWT"}` {
		t.Fatalf("new tokens have header %s", h)
	}
	for _, tc := range []struct{ tok, user string }{{oldTok, "7"}, {newTok, "8"}} {
		if code, body := serve(during, tc.tok); code != 200 || body != tc.user {
			t.Fatalf("during rotation: %d %s, want 200 %s", code, body, tc.user)
		}
	}

	// Step 3: the old key is gone; its tokens fail, the new ones work.
	after := build(simplejwt.WithSigningKey(newKey))
	if _, err := after.Verify(ctx, oldTok); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Fatalf("old token after removal: %v, want ErrTokenUnverifiable", err)
	}
	want := `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}`
	if code, body := serve(after, oldTok); code != 401 || body != want {
		t.Fatalf("old token after removal: %d %s, want 401 %s", code, body, want)
	}
	if code, body := serve(after, newTok); code != 200 || body != "8" {
		t.Fatalf("new token after removal: %d %s", code, body)
	}
}
