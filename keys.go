package simplejwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// Algorithm is a JWS signature algorithm (RFC 7518). "none" is not one.
type Algorithm string

// Supported algorithms.
const (
	HS256 Algorithm = "HS256"
	HS384 Algorithm = "HS384"
	HS512 Algorithm = "HS512"
	RS256 Algorithm = "RS256"
	RS384 Algorithm = "RS384"
	RS512 Algorithm = "RS512"
	PS256 Algorithm = "PS256"
	PS384 Algorithm = "PS384"
	PS512 Algorithm = "PS512"
	ES256 Algorithm = "ES256"
	ES384 Algorithm = "ES384"
	ES512 Algorithm = "ES512"
	EdDSA Algorithm = "EdDSA"
)

// ErrKey is matched by every error about a key or its algorithm.
var ErrKey = errors.New("simplejwt: bad key")

func keyErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrKey}, args...)...)
}

// hmacMinLen is the shortest secret accepted for an HMAC algorithm: the size
// of its hash (RFC 7518 section 3.2).
func hmacMinLen(alg Algorithm) int {
	switch alg {
	case HS256:
		return 32
	case HS384:
		return 48
	case HS512:
		return 64
	}
	return 0
}

func (alg Algorithm) family() string {
	switch alg {
	case HS256, HS384, HS512:
		return "HS"
	case RS256, RS384, RS512:
		return "RS"
	case PS256, PS384, PS512:
		return "PS"
	case ES256, ES384, ES512:
		return "ES"
	case EdDSA:
		return "EdDSA"
	}
	return ""
}

// Key is one signing or verification key, pinned to one algorithm. A token is
// verified with a Key only if its header names exactly that algorithm.
//
// Keys are immutable values; build them with NewHMACKey, ParsePEMKey, NewKey
// or ParseJWKSet.
type Key struct {
	id        string
	alg       Algorithm
	signer    any // secret or private key; nil for verify-only keys
	verifier  any // secret or public key
	jwsSigner jws.Signer
	jwsVerify jws.Verifier
	public    jwk.Key // public JWK for JWKS output; nil for HMAC keys

	// issuer and audience, when set, replace the Auth's WithIssuer and
	// WithAudience for tokens this key verifies (another issuer's keys).
	issuer   string
	audience []string
}

// ID returns the key's kid, or "" when it has none.
func (k *Key) ID() string { return k.id }

// Algorithm returns the algorithm the key is pinned to.
func (k *Key) Algorithm() Algorithm { return k.alg }

// CanSign reports whether the key holds a secret or private key.
func (k *Key) CanSign() bool { return k.signer != nil }

// WithID returns a copy of k with kid set to id.
func (k *Key) WithID(id string) *Key {
	c := *k
	c.id = id
	if c.public != nil {
		if pk, err := c.public.Clone(); err == nil {
			_ = pk.Set(jwk.KeyIDKey, id)
			c.public = pk
		}
	}
	return &c
}

// NewHMACKey returns a key for HS256, HS384 or HS512. The secret must be at
// least as long as the hash (32, 48 or 64 bytes).
func NewHMACKey(alg Algorithm, secret []byte) (*Key, error) {
	if alg.family() != "HS" {
		return nil, keyErr("%q is not an HMAC algorithm", alg)
	}
	if n := hmacMinLen(alg); len(secret) < n {
		return nil, keyErr("%s secret is %d bytes, want at least %d", alg, len(secret), n)
	}
	s := append([]byte(nil), secret...)
	return newKey(alg, s, s)
}

// NewWeakHMACKey is NewHMACKey without the length check, for one purpose:
// sharing tokens with an existing SimpleJWT deployment whose SIGNING_KEY is
// shorter than the hash. Such a secret is easier to brute-force; replace it
// (see key rotation in the README) rather than keep it. Secrets under 8
// bytes are still refused.
func NewWeakHMACKey(alg Algorithm, secret []byte) (*Key, error) {
	if alg.family() != "HS" {
		return nil, keyErr("%q is not an HMAC algorithm", alg)
	}
	if len(secret) < 8 {
		return nil, keyErr("%s secret is %d bytes, want at least 8", alg, len(secret))
	}
	s := append([]byte(nil), secret...)
	return newKey(alg, s, s)
}

// NewKey returns a key for alg from a Go crypto key: []byte for HMAC,
// *rsa.PrivateKey/*rsa.PublicKey, *ecdsa.PrivateKey/*ecdsa.PublicKey or
// ed25519.PrivateKey/ed25519.PublicKey. A private key can sign and verify; a
// public key only verifies. The key's type must fit alg.
func NewKey(alg Algorithm, key any) (*Key, error) {
	switch k := key.(type) {
	case []byte:
		return NewHMACKey(alg, k)
	case *rsa.PrivateKey:
		if err := fitRSA(alg, &k.PublicKey); err != nil {
			return nil, err
		}
		return newKey(alg, k, &k.PublicKey)
	case *rsa.PublicKey:
		if err := fitRSA(alg, k); err != nil {
			return nil, err
		}
		return newKey(alg, nil, k)
	case *ecdsa.PrivateKey:
		if err := fitEC(alg, &k.PublicKey); err != nil {
			return nil, err
		}
		return newKey(alg, k, &k.PublicKey)
	case *ecdsa.PublicKey:
		if err := fitEC(alg, k); err != nil {
			return nil, err
		}
		return newKey(alg, nil, k)
	case ed25519.PrivateKey:
		if alg != EdDSA {
			return nil, keyErr("an Ed25519 key cannot be used with %s", alg)
		}
		return newKey(alg, k, k.Public().(ed25519.PublicKey))
	case ed25519.PublicKey:
		if alg != EdDSA {
			return nil, keyErr("an Ed25519 key cannot be used with %s", alg)
		}
		return newKey(alg, nil, k)
	case nil:
		return nil, keyErr("no key")
	default:
		return nil, keyErr("unsupported key type %T", key)
	}
}

func fitRSA(alg Algorithm, pub *rsa.PublicKey) error {
	if f := alg.family(); f != "RS" && f != "PS" {
		return keyErr("an RSA key cannot be used with %q", alg)
	}
	if pub.N.BitLen() < 2048 {
		return keyErr("RSA key is %d bits, want at least 2048", pub.N.BitLen())
	}
	return nil
}

func fitEC(alg Algorithm, pub *ecdsa.PublicKey) error {
	var want elliptic.Curve
	switch alg {
	case ES256:
		want = elliptic.P256()
	case ES384:
		want = elliptic.P384()
	case ES512:
		want = elliptic.P521()
	default:
		return keyErr("an ECDSA key cannot be used with %q", alg)
	}
	if pub.Curve != want {
		return keyErr("%s needs curve %s, key is on %s", alg, want.Params().Name, pub.Curve.Params().Name)
	}
	return nil
}

func newKey(alg Algorithm, signer, verifier any) (*Key, error) {
	k := &Key{alg: alg, signer: signer, verifier: verifier}
	ja := jwa.SignatureAlgorithm(alg)
	var err error
	if signer != nil {
		if k.jwsSigner, err = jws.NewSigner(ja); err != nil {
			return nil, keyErr("%s: %v", alg, err)
		}
	}
	if k.jwsVerify, err = jws.NewVerifier(ja); err != nil {
		return nil, keyErr("%s: %v", alg, err)
	}
	if alg.family() != "HS" {
		pub, err := jwk.FromRaw(verifier)
		if err != nil {
			return nil, keyErr("%s: %v", alg, err)
		}
		_ = pub.Set(jwk.AlgorithmKey, ja)
		_ = pub.Set(jwk.KeyUsageKey, jwk.ForSignature)
		k.public = pub
	}
	// Prove the pair works before any request depends on it.
	if signer != nil {
		sig, err := k.jwsSigner.Sign([]byte("probe"), signer)
		if err != nil {
			return nil, keyErr("%s: cannot sign: %v", alg, err)
		}
		if err := k.jwsVerify.Verify([]byte("probe"), sig, verifier); err != nil {
			return nil, keyErr("%s: private and public key do not match: %v", alg, err)
		}
	}
	return k, nil
}

// ParsePEMKey returns a key for alg from PEM data holding one private key
// (PKCS#1, PKCS#8 or SEC1) or one public key (PKIX or PKCS#1).
func ParsePEMKey(alg Algorithm, data []byte) (*Key, error) {
	if alg.family() == "" || alg.family() == "HS" {
		return nil, keyErr("PEM keys need an asymmetric algorithm, not %q", alg)
	}
	jk, err := jwk.ParseKey(data, jwk.WithPEM(true))
	if err != nil {
		return nil, keyErr("parse PEM: %v", err)
	}
	return fromJWK(alg, jk)
}

// ParseJWKSet returns the keys of a JWK or a JWK Set. Each key is pinned to
// its "alg" member; a key without one is pinned to defaultAlg, or refused when
// defaultAlg is "". Keys keep their "kid". Symmetric ("oct") keys become HMAC
// keys.
func ParseJWKSet(data []byte, defaultAlg Algorithm) ([]*Key, error) {
	set, err := jwk.Parse(data)
	if err != nil {
		return nil, keyErr("parse JWK: %v", err)
	}
	keys := make([]*Key, 0, set.Len())
	for i := 0; i < set.Len(); i++ {
		jk, _ := set.Key(i)
		alg := defaultAlg
		if a := jk.Algorithm(); a != nil && a.String() != "" {
			alg = Algorithm(a.String())
		}
		if alg == "" {
			return nil, keyErr("JWK %d (kid %q) has no alg and no default was given", i, jk.KeyID())
		}
		k, err := fromJWK(alg, jk)
		if err != nil {
			return nil, fmt.Errorf("JWK %d (kid %q): %w", i, jk.KeyID(), err)
		}
		if jk.KeyID() != "" {
			k = k.WithID(jk.KeyID())
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func fromJWK(alg Algorithm, jk jwk.Key) (*Key, error) {
	var raw any
	if err := jk.Raw(&raw); err != nil {
		return nil, keyErr("%v", err)
	}
	// jwx returns values for some key types; NewKey wants pointers.
	switch v := raw.(type) {
	case rsa.PrivateKey:
		raw = &v
	case rsa.PublicKey:
		raw = &v
	case ecdsa.PrivateKey:
		raw = &v
	case ecdsa.PublicKey:
		raw = &v
	}
	return NewKey(alg, raw)
}

// ParseAlgorithm returns the Algorithm named s, refusing "none" and unknown
// names. Matching is exact, as in a JWS header.
func ParseAlgorithm(s string) (Algorithm, error) {
	a := Algorithm(s)
	if a.family() == "" {
		if strings.EqualFold(s, "none") {
			return "", keyErr(`algorithm "none" is never accepted`)
		}
		return "", keyErr("unknown algorithm %q", s)
	}
	return a, nil
}

// keySource supplies verification keys from outside the static ring, such
// as a remote JWKS. Implementations are safe for concurrent use.
type keySource interface {
	// lookup returns the keys that may verify a token with this header alg
	// and kid, as keyRing.lookup does for the static keys.
	lookup(ctx context.Context, alg []byte, kid string, hasKID bool) []*Key
	// Close stops any background work.
	Close() error
}

// keyRing holds the signing key and every verification key.
type keyRing struct {
	signing *Key
	byID    map[string][]*Key // one key per kid
	noKID   map[string][]*Key // by algorithm: keys without an id verify tokens without a kid
	sources []keySource
}

func newKeyRing(signing *Key, verify []*Key, sources []keySource) (*keyRing, error) {
	r := &keyRing{signing: signing, byID: map[string][]*Key{}, noKID: map[string][]*Key{}, sources: sources}
	all := verify
	if signing != nil {
		if !signing.CanSign() {
			return nil, keyErr("signing key %q holds no private key or secret", signing.id)
		}
		all = append([]*Key{signing}, verify...)
	}
	if len(all) == 0 && len(sources) == 0 {
		return nil, keyErr("no key configured: use WithSigningKey, WithHMACSecret or WithVerificationKeys")
	}
	for _, k := range all {
		if k == nil {
			return nil, keyErr("nil key")
		}
		if k.id == "" {
			r.noKID[string(k.alg)] = append(r.noKID[string(k.alg)], k)
			continue
		}
		if prev, dup := r.byID[k.id]; dup {
			if prev[0] == k {
				continue
			}
			return nil, keyErr("two keys share kid %q", k.id)
		}
		r.byID[k.id] = []*Key{k}
	}
	return r, nil
}

// lookup returns the keys that may verify a token with the given header alg
// and kid. The algorithm is pinned: a key answers only for its own. A token
// with a kid has at most one key; one without is tried against the keys
// without an id for that algorithm, in the order they were configured.
// Static keys are consulted first, then the key sources.
func (r *keyRing) lookup(ctx context.Context, alg []byte, kid string, hasKID bool) []*Key {
	if hasKID {
		if ks := r.byID[kid]; len(ks) > 0 {
			if string(alg) != string(ks[0].alg) {
				return nil
			}
			return ks
		}
	} else if ks := r.noKID[string(alg)]; len(ks) > 0 {
		return ks
	}
	for _, src := range r.sources {
		if ks := src.lookup(ctx, alg, kid, hasKID); len(ks) > 0 {
			return ks
		}
	}
	return nil
}

// Close stops the key sources' background work.
func (r *keyRing) Close() error {
	var errs []error
	for _, src := range r.sources {
		errs = append(errs, src.Close())
	}
	return errors.Join(errs...)
}
