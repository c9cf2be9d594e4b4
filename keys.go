package simplejwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
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
// or ParseJWKSet. A Key made any other way is refused by New.
//
// # Key selection
//
// A token whose header has a kid is verified only by the key with that kid,
// and only when the header's alg is that key's algorithm. A token without a
// kid is tried against the keys without a kid for its alg, in the order they
// were configured (the signing key first), and against the keys marked with
// AcceptingNoKID.
//
// # Key rotation
//
// To replace a signing key without logging anybody out:
//
//  1. Make the new key the signing key (WithSigningKey) under a kid never
//     used before, and keep the old key as a verification key
//     (WithVerificationKeys), with its kid if it had one. New tokens carry
//     the new kid; tokens of the old key keep verifying. When other services
//     read the JWKS (JWKSHandler), publish the new key as a verification key
//     for at least the JWKS max-age before it starts signing, so that their
//     cached key sets know it.
//  2. Keep the old key until the last token it signed has expired: for the
//     longest lifetime of any token it signed (by default the 1-day refresh
//     token lifetime; with WithRenewExpiredSliding the sliding refresh
//     lifetime counts too), plus the leeway.
//  3. Remove the old key. Its tokens are then refused with
//     ErrTokenUnverifiable.
//
// A key of SimpleJWT, which mints tokens without a kid, can be given a kid
// at step 1 when it is wrapped with AcceptingNoKID: it then verifies both
// the tokens that name its kid and the kid-less ones it signed before.
type Key struct {
	id          string
	alg         Algorithm
	signer      any // secret or private key; nil for verify-only keys
	verifier    any // secret or public key
	jwsSigner   jws.Signer
	jwsVerify   jws.Verifier
	public      jwk.Key // public JWK for JWKS output; nil for HMAC keys
	acceptNoKID bool    // also verifies tokens without a kid

	// issuer and audience, when set, replace the Auth's WithIssuer and
	// WithAudience for tokens this key verifies (another issuer's keys).
	issuer   string
	audience []string
	// defaultType is the type of tokens this key verifies that have no
	// token_type (another issuer's access tokens).
	defaultType TokenType
}

// ID returns the key's kid, or "" when it has none.
func (k *Key) ID() string { return k.id }

// Algorithm returns the algorithm the key is pinned to.
func (k *Key) Algorithm() Algorithm { return k.alg }

// CanSign reports whether the key holds a secret or private key.
func (k *Key) CanSign() bool { return k.signer != nil }

// AcceptingNoKID returns a copy of k that verifies tokens without a kid
// too, as if it had no kid, besides the tokens naming its kid. It is meant
// for a key that signed kid-less tokens (a SimpleJWT SIGNING_KEY) and has
// since been given a kid: see "Key rotation" at Key. Tokens it signs still
// carry its kid.
func (k *Key) AcceptingNoKID() *Key {
	c := *k
	c.acceptNoKID = true
	return &c
}

// WithID returns a copy of k with kid set to id; "" removes the kid.
func (k *Key) WithID(id string) *Key {
	c := *k
	c.id = id
	if c.public != nil {
		if pk, err := c.public.Clone(); err == nil {
			if id == "" {
				_ = pk.Remove(jwk.KeyIDKey)
			} else {
				_ = pk.Set(jwk.KeyIDKey, id)
			}
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
// ("RSA PRIVATE KEY": PKCS#1, "PRIVATE KEY": PKCS#8, "EC PRIVATE KEY":
// SEC1), one public key ("PUBLIC KEY": PKIX, "RSA PUBLIC KEY": PKCS#1) or
// one certificate, whose public key it takes without validating the
// certificate. An "EC PARAMETERS" block, as OpenSSL writes before an EC
// key, is skipped; text outside the blocks is ignored. Data with no key,
// more than one key or an encrypted key is refused. A private key can sign
// and verify; a public key only verifies.
func ParsePEMKey(alg Algorithm, data []byte) (*Key, error) {
	if alg.family() == "" || alg.family() == "HS" {
		return nil, keyErr("PEM keys need an asymmetric algorithm, not %q", alg)
	}
	var key *pem.Block
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		switch {
		case b.Type == "EC PARAMETERS":
			continue
		case b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED"):
			return nil, keyErr("PEM: %s block is encrypted; decrypt the key first", b.Type)
		case key != nil:
			return nil, keyErr("PEM: more than one key (%s and %s blocks)", key.Type, b.Type)
		}
		key = b
	}
	if key == nil {
		return nil, keyErr("PEM: no PEM block found")
	}
	raw, _, err := jwk.DecodePEM(pem.EncodeToMemory(key))
	if err != nil {
		return nil, keyErr("PEM: %v", err)
	}
	return NewKey(alg, raw)
}

// ParseJWKSet returns the keys of a JWK or a JWK Set (the contents of a
// JWKS file or of another Auth's JWKSHandler), in the order of the set. Each
// key is pinned to its "alg" member; a key without one is pinned to
// defaultAlg, or refused when defaultAlg is "". Keys keep their "kid". A key
// whose "use" is not "sig" is refused. Symmetric ("oct") keys become HMAC
// keys; a private JWK yields a key that can sign.
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
		if use := jk.KeyUsage(); use != "" && use != string(jwk.ForSignature) {
			return nil, keyErr("JWK %d (kid %q) is for use %q, not signatures", i, jk.KeyID(), use)
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
	all     []*Key            // signing key first, then verification keys, as configured, each once
	byID    map[string][]*Key // one key per kid
	noKID   map[string][]*Key // by algorithm: the keys that verify tokens without a kid, in order
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
		if k.jwsVerify == nil || k.alg.family() == "" {
			return nil, keyErr("key %q was not made by NewKey, NewHMACKey, ParsePEMKey or ParseJWKSet", k.id)
		}
		if slices.Contains(r.all, k) {
			continue // the signing key listed again as a verification key
		}
		r.all = append(r.all, k)
		if k.id == "" || k.acceptNoKID {
			r.noKID[string(k.alg)] = append(r.noKID[string(k.alg)], k)
		}
		if k.id == "" {
			continue
		}
		if _, dup := r.byID[k.id]; dup {
			return nil, keyErr("two keys share kid %q", k.id)
		}
		r.byID[k.id] = []*Key{k}
	}
	return r, nil
}

// lookup returns the keys that may verify a token with the given header alg
// and kid. The algorithm is pinned: a key answers only for its own. A token
// with a kid has at most one key; one without is tried against the keys
// without an id for that algorithm and those marked AcceptingNoKID, in the
// order they were configured. Static keys are consulted first, then the key
// sources, in the order they were configured.
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
