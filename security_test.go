package simplejwt_test

// Attack catalogue: crafted tokens and requests sent through the real
// middleware and the real token endpoints. Every case names what it attacks
// and carries a reference (RFC section, OWASP JWT cheat sheet, CVE). Tokens
// are assembled byte by byte and signed here with crypto/hmac, crypto/rsa and
// crypto/ecdsa, so that the test controls every byte the server sees.
//
// Package-level identifiers start with "atk": other test files share the
// package.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/strictjson"
)

// atkInteropKey is the SIGNING_KEY of the SimpleJWT server that produced
// /work/shared/reference/simplejwt-wire.md. It is 31 bytes, so it needs
// NewWeakHMACKey.
var atkInteropKey = []byte("interop-shared-test-signing-key")

// atkNow is the fixed clock of every catalogue server: 2026-12-04 15:06:40
// UTC, a little after the reference exchanges were captured, so that the
// reference tokens are still valid.
var atkNow = time.Unix(1796396800, 0)

func atkClock() time.Time { return atkNow }

// Claims of a well-formed access token at atkNow.
const (
	atkHdr     = `{"alg":"HS256","typ":"JWT"}`
	atkTT      = `"token_type":"access"`
	atkExp     = `"exp":1796397100`
	atkIat     = `"iat":1796396740`
	atkJti     = `"jti":"0123456789abcdef0123456789abcdef"`
	atkUID     = `"user_id":1`
	atkInvalid = "Token is invalid or expired"
	atkRealm   = `Bearer realm="api"`
)

// Reference tokens captured from SimpleJWT 5.2 (simplejwt-wire.md), signed
// with atkInteropKey.
const (
	// A50: good access token, exp 1796397015.
	atkRefAccess = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk2Mzk3MDE1LCJpYXQiOjE3OTYzOTY3MTQsImp0aSI6ImZlMTU3MWZkZjkyYTRhNzRhYmE4ZDljNTdlM2UzNzc3IiwidXNlcl9pZCI6MX0.iDdCh9eBnMuR6N_ziIcQ01WAiC6CsVZFjUBwCnHOVmI"
	// A48: refresh token, exp 1796483119.
	atkRefRefresh = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTc5NjQ4MzExOSwiaWF0IjoxNzk2Mzk2NzE5LCJqdGkiOiJjZjA4NGIzZDgzOGQ0MjhkYjJjYmQ3OWI1ZjBlODQ1ZSIsInVzZXJfaWQiOjF9.-6yIDD8JXnQ7hRZp7mlEyL8F1lhohMbNgQdKSwHqkfU"
	// A24/A49: sliding token, exp 1796397018, refresh_exp 1796483116.
	atkRefSliding = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoic2xpZGluZyIsImV4cCI6MTc5NjM5NzAxOCwiaWF0IjoxNzk2Mzk2NzE4LCJqdGkiOiI2YTE2MGU4OWQ1NzY0NDIzODM2MmI0ZGZmZWRlYWM3ZiIsInJlZnJlc2hfZXhwIjoxNzk2NDgzMTE2LCJ1c2VyX2lkIjoxfQ.gvvivSVOmeipEY2lSa8KLNyV97bl40DM1s5qHplpeW8"
	// A11: expired refresh token, exp 1796396656.
	atkRefExpiredRefresh = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTc5NjM5NjY1NiwiaWF0IjoxNzk2Mzk2NzE2LCJqdGkiOiI4NGY0ZTcwMDMwNjU0MzYyODliZjc4MTg5MTc0OGQ2MSIsInVzZXJfaWQiOjF9.y7Jljf_CMlcQATe3SUffBHiicWFCoXykt-vK-1aDzj4"
	// A52: no user_id.
	atkRefNoUser = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk2Mzk3MDIxLCJpYXQiOjE3OTYzOTY3MjEsImp0aSI6ImY1NTcxNmY1YTA5NTQ2NzRiM2VhN2Q4MjU0Njk0MzIxIn0.hRyhZxNyDuSPCu1cfZKM-n5UII1xHCQtHqGaFeh76Kw"
	// A55: no jti.
	atkRefNoJTI = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk2Mzk3MDIxLCJpYXQiOjE3OTYzOTY3MjEsInVzZXJfaWQiOjF9.LjbVGfNeKMHUot4gtY0KmVTiR9PPWhC5P2oLxx5Q3Bk"
	// A56: no exp.
	atkRefNoExp = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiaWF0IjoxNzk2Mzk2NzIzLCJqdGkiOiI3YWZlZmRjZjE5MmQ0MjVhODYwMGVlOTIwY2MxYWNjMSIsInVzZXJfaWQiOjF9.VZCCiqMy-KCgW20yX1pcE1zV9vF6xsHQHkxvWLFHI1E"
	// A57: no token_type.
	atkRefNoType = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTYzOTcwMjAsImlhdCI6MTc5NjM5NjcyMCwianRpIjoiNDU5ZWMxMjAwZmZjNDg1NTljM2I2MmJmZGQ2NzhkOGQiLCJ1c2VyX2lkIjoxfQ.-d0UhkaylMqGOuTAoYlKQQOV22SgIGfoZ5_7GYz7ft0"
	// A58: iat one hour in the future.
	atkRefIatFuture = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk2Mzk3MDI0LCJpYXQiOjE3OTY0MDAzMjQsImp0aSI6ImE0ZTY2NzkzZTM2ZjRlNzk4ZTRiY2JiM2RkZjJmOTlkIiwidXNlcl9pZCI6MX0.CvOgRJbgabJ3XDIkEz5hwSnj5QgofOyQmksOHNfl814"
	// A59: nbf one hour in the future.
	atkRefNbfFuture = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk2Mzk3MDI0LCJpYXQiOjE3OTYzOTY3MjQsImp0aSI6ImUxMzEyNTM3YmE0OTQzYTE5MDFhZjMzODRkN2NlYzFkIiwidXNlcl9pZCI6MSwibmJmIjoxNzk2NDAwMzI0fQ.U_3hp30AGLkxUQJg6cW5tC6eQiQMJqgt-4SG0MESRkM"
	// A61: alg none, original payload, empty signature.
	atkRefAlgNone = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk2Mzk3MDE1LCJpYXQiOjE3OTYzOTY3MTQsImp0aSI6ImZlMTU3MWZkZjkyYTRhNzRhYmE4ZDljNTdlM2UzNzc3IiwidXNlcl9pZCI6MX0."
	// A62: HS512 with the right secret while HS256 is configured.
	atkRefHS512 = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk2Mzk3MDI1LCJpYXQiOjE3OTYzOTY3MjUsImp0aSI6ImRkN2MzYTMzNjFmNTQ4M2M4NGQxYjkyMjk0NmM3N2M3IiwidXNlcl9pZCI6MX0.7lx6TkRbgFkpxcjX7DplJZThgRJk6zfrla64YrgYTAcfJ7dlWVfx-pgGTmbKxfRyxR37UPcFA8QRhBjq9adPSw"
)

func atkB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func atkB64b(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// atkP builds a JSON object from members written as JSON text.
func atkP(members ...string) string { return "{" + strings.Join(members, ",") + "}" }

// atkAccess is a valid access payload with extra members appended.
func atkAccess(extra ...string) string {
	return atkP(append([]string{atkTT, atkExp, atkIat, atkJti, atkUID}, extra...)...)
}

// atkMAC signs the literal signing input with HMAC.
func atkMAC(h func() hash.Hash, key []byte, input string) string {
	m := hmac.New(h, key)
	m.Write([]byte(input))
	return atkB64b(m.Sum(nil))
}

// atkHS returns header.payload.signature, both JSON texts encoded as they
// are and signed with HMAC-SHA256 under key.
func atkHS(key []byte, header, payload string) string {
	return atkHSWith(sha256.New, key, header, payload)
}

func atkHSWith(h func() hash.Hash, key []byte, header, payload string) string {
	in := atkB64(header) + "." + atkB64(payload)
	return in + "." + atkMAC(h, key, in)
}

// atkSignInput signs an already encoded signing input (which may be
// deliberately non-canonical) with HS256 under the interop key.
func atkSignInput(input string) string {
	return input + "." + atkMAC(sha256.New, atkInteropKey, input)
}

func atkRS(key *rsa.PrivateKey, header, payload string) string {
	in := atkB64(header) + "." + atkB64(payload)
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	if err != nil {
		panic(err)
	}
	return in + "." + atkB64b(sig)
}

func atkPS(key *rsa.PrivateKey, header, payload string) string {
	in := atkB64(header) + "." + atkB64(payload)
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], nil)
	if err != nil {
		panic(err)
	}
	return in + "." + atkB64b(sig)
}

// atkES signs with ECDSA P-256 and encodes r||s as RFC 7518 section 3.4 says.
func atkES(key *ecdsa.PrivateKey, header, payload string) string {
	in := atkB64(header) + "." + atkB64(payload)
	d := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + atkB64b(sig)
}

// atkSplit returns the three segments of a compact token.
func atkSplit(tok string) (h, p, s string) {
	parts := strings.SplitN(tok, ".", 3)
	return parts[0], parts[1], parts[2]
}

// atkMessages is SimpleJWT's "Given token not valid for any token type" body
// for one accepted class.
func atkMessages(class, typ, msg string) string {
	return `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"` +
		class + `","token_type":"` + typ + `","message":"` + msg + `"}]}`
}

func atkAccessMsg(msg string) string { return atkMessages("AccessToken", "access", msg) }

func atkChallenge(desc string) string {
	return atkRealm + `, error="invalid_token", error_description="` + desc + `"`
}

// Expected answers that recur in the catalogue.
var (
	atkBodyInvalid      = atkAccessMsg(atkInvalid)
	atkChInvalid        = atkChallenge(atkInvalid)
	atkBodyNotProvided  = `{"detail":"Authentication credentials were not provided."}`
	atkBodyBadHeader    = `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`
	atkChBadRequest     = atkRealm + `, error="invalid_request"`
	atkBodyDupHeader    = `{"detail":"Request must not contain more than one Authorization header","code":"bad_authorization_header"}`
	atkBodyNoUser       = `{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}`
	atkChNoUser         = atkChallenge("Token contained no recognizable user identification")
	atkBodyWrongType    = atkAccessMsg("Token has wrong type")
	atkChWrongType      = atkChallenge("Token has wrong type")
	atkEndpointInvalid  = `{"detail":"Token is invalid or expired","code":"token_not_valid"}`
	atkEndpointWrongTyp = `{"detail":"Token has wrong type","code":"token_not_valid"}`
)

// atkKeys holds the asymmetric keys of the catalogue, generated once.
type atkKeys struct {
	server   *rsa.PrivateKey // the RS256 key the "rs" server verifies with
	attacker *rsa.PrivateKey // a key the attacker controls
	ec       *ecdsa.PrivateKey
	attCert  []byte // self-signed certificate of the attacker's key (DER)
}

var (
	atkKeysOnce sync.Once
	atkKeysVal  atkKeys
)

func atkGetKeys(t *testing.T) *atkKeys {
	t.Helper()
	atkKeysOnce.Do(func() {
		var err error
		k := &atkKeysVal
		if k.server, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if k.attacker, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "api"},
			NotBefore:    atkNow.Add(-time.Hour),
			NotAfter:     atkNow.Add(time.Hour),
		}
		if k.attCert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.attacker.PublicKey, k.attacker); err != nil {
			panic(err)
		}
	})
	return &atkKeysVal
}

// atkRSAJWK returns the public JWK of k as a JWKS endpoint would publish it.
func atkRSAJWK(k *rsa.PublicKey) string {
	return `{"e":"AQAB","kty":"RSA","n":"` + atkB64b(k.N.Bytes()) + `"}`
}

// atkUsers is the Authenticator of the catalogue: alice/wonderland is user 1.
var atkUsers = simplejwt.AuthenticatorFunc(func(_ context.Context, username, password string) (simplejwt.User, error) {
	if username == "alice" && password == "wonderland" {
		return simplejwt.User{ID: "1"}, nil
	}
	return simplejwt.User{}, simplejwt.ErrInvalidCredentials
})

func atkNew(t *testing.T, opts ...simplejwt.Option) *simplejwt.Auth {
	t.Helper()
	a, err := simplejwt.New(append([]simplejwt.Option{simplejwt.WithClock(atkClock), simplejwt.WithAuthenticator(atkUsers)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func atkMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// atkServers builds the Auth configurations the catalogue attacks.
func atkServers(t *testing.T, k *atkKeys) map[string]*simplejwt.Auth {
	t.Helper()
	interop := atkMust(simplejwt.NewWeakHMACKey(simplejwt.HS256, atkInteropKey))
	return map[string]*simplejwt.Auth{
		// SimpleJWT defaults with the interop key.
		"hs": atkNew(t, simplejwt.WithSigningKey(interop)),
		// RS256 only, the key of the algorithm-confusion attacks.
		"rs": atkNew(t, simplejwt.WithSigningKey(atkMust(simplejwt.NewKey(simplejwt.RS256, k.server)))),
		// ES256 only.
		"es": atkNew(t, simplejwt.WithSigningKey(atkMust(simplejwt.NewKey(simplejwt.ES256, k.ec)))),
		// A ring of HMAC keys selected by kid.
		"kid": atkNew(t,
			simplejwt.WithSigningKey(atkMust(simplejwt.NewHMACKey(simplejwt.HS256, atkKidSecret1)).WithID("k1")),
			simplejwt.WithVerificationKeys(atkMust(simplejwt.NewHMACKey(simplejwt.HS256, atkKidSecret2)).WithID("k2"))),
		// AUDIENCE and ISSUER configured, as config C of the reference.
		"audiss": atkNew(t, simplejwt.WithSigningKey(interop),
			simplejwt.WithAudience("interop-aud"), simplejwt.WithIssuer("https://issuer.example")),
	}
}

var (
	atkKidSecret1 = []byte("kid-one-secret-kid-one-secret-kid-one-secret")
	atkKidSecret2 = []byte("kid-two-secret-kid-two-secret-kid-two-secret")
)

// atkCase is one crafted request through the middleware.
type atkCase struct {
	name string
	ref  string // what the attack is and where it is described
	srv  string // key of atkServers; "" means "hs"
	// guard options; nil means the Auth's default middleware (access only).
	guard []simplejwt.GuardOption
	// auth lists the Authorization header values to send; nil with token
	// set sends "Bearer "+token.
	auth  []string
	token string

	status    int
	body      string
	challenge string // WWW-Authenticate; "" means the header must be absent
	want      error  // sentinel for errors.Is on Check's error; nil means success
}

// TestAtkMiddlewareCatalogue sends every crafted token through the real
// middleware and Check.
func TestAtkMiddlewareCatalogue(t *testing.T) {
	k := atkGetKeys(t)
	servers := atkServers(t, k)
	ctx := context.Background()

	// Out-of-band fetches the server must never make (jku, x5u).
	var hits atomic.Int64
	fetch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"keys":[`+atkRSAJWK(&k.attacker.PublicKey)+`]}`)
	}))
	defer fetch.Close()

	// A login whose refresh token is then blacklisted: its access token
	// belongs to a revoked session.
	hs := servers["hs"]
	revoked, err := hs.ObtainPair(ctx, simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := hs.Blacklist(ctx, revoked.Refresh); err != nil {
		t.Fatal(err)
	}
	fresh, err := hs.ObtainPair(ctx, simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}

	good := atkHS(atkInteropKey, atkHdr, atkAccess())
	goodH, goodP, goodS := atkSplit(good)
	other := atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, `"jti":"ffffffffffffffffffffffffffffffff"`, `"user_id":2`))
	_, _, otherS := atkSplit(other)
	goodSig, _ := base64.RawURLEncoding.DecodeString(goodS)

	// RSA public key of the server, in the forms an attacker can find it.
	pubDER := atkMust(x509.MarshalPKIXPublicKey(&k.server.PublicKey))
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWK := []byte(atkRSAJWK(&k.server.PublicKey))

	// A payload whose base64url has '-' and '_', re-encoded with '+' and '/'.
	stdPayload := atkAccess(`"p":"?????>>>>>"`)
	urlP := atkB64(stdPayload)
	if !strings.ContainsAny(urlP, "-_") {
		t.Fatalf("payload encoding %q has no URL-safe characters", urlP)
	}
	stdP := strings.NewReplacer("-", "+", "_", "/").Replace(urlP)
	// A payload whose encoding needs padding.
	padPayload := atkAccess(`"p":"x"`)
	if len(padPayload)%3 == 0 {
		padPayload = atkAccess(`"p":"xx"`)
	}
	padP := base64.URLEncoding.EncodeToString([]byte(padPayload))
	if !strings.HasSuffix(padP, "=") {
		t.Fatalf("padded payload %q has no padding", padP)
	}
	// Signature re-encoded with non-zero trailing bits: decodes leniently
	// to the same 32 bytes.
	malleable := goodS[:len(goodS)-1] + string(atkNudge(goodS[len(goodS)-1]))
	if lenient, err := base64.RawURLEncoding.DecodeString(malleable); err != nil || !bytes.Equal(lenient, goodSig) || malleable == goodS {
		t.Fatalf("could not build a malleable signature encoding: %v", err)
	}

	curveN := elliptic.P256().Params().N.FillBytes(make([]byte, 32))
	esGood := atkES(k.ec, `{"alg":"ES256","typ":"JWT"}`, atkAccess())
	esH, esP, _ := atkSplit(esGood)

	nested := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)

	cases := []atkCase{
		// ---- positive controls: the catalogue would pass vacuously without them
		{name: "control/reference SimpleJWT access token accepted", ref: "simplejwt-wire.md A50",
			token: atkRefAccess, status: 200, body: "reached user=1"},
		{name: "control/crafted access token accepted", ref: "RFC 7519 section 7.2",
			token: good, status: 200, body: "reached user=1"},
		{name: "control/own minted access token accepted", ref: "DESIGN.md wire format",
			token: fresh.Access, status: 200, body: "reached user=1"},
		{name: "control/lower-case scheme accepted", ref: "RFC 9110 section 11.1 (auth-scheme is case-insensitive)",
			auth: []string{"bearer " + good}, status: 200, body: "reached user=1"},
		{name: "control/escaped surrogate pair in custom claim accepted", ref: "RFC 8259 section 7",
			token: atkHS(atkInteropKey, atkHdr, atkAccess(`"name":"\ud83d\ude00"`)), status: 200, body: "reached user=1"},
		{name: "control/escaped U+FFFD in custom claim accepted (Python json.dumps and Go encoding/json emit it)", ref: "RFC 8259 section 7; PyJWT json.dumps(ensure_ascii=True)",
			token: atkHS(atkInteropKey, atkHdr, atkAccess(`"name":"\ufffd"`)), status: 200, body: "reached user=1"},

		// ---- alg "none" (RFC 8725 section 2.1/3.1; CVE-2015-9235)
		{name: "alg/none without signature (reference A61)", ref: "RFC 8725 3.1; CVE-2015-9235",
			token: atkRefAlgNone, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "alg/none with signature", ref: "RFC 8725 3.1; CVE-2015-9235",
			token: atkB64(`{"alg":"none","typ":"JWT"}`) + "." + goodP + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "alg/None without signature", ref: "RFC 8725 3.1; OWASP JWT cheat sheet (None hashing algorithm)",
			token: atkB64(`{"alg":"None","typ":"JWT"}`) + "." + goodP + ".", status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "alg/None with signature", ref: "RFC 8725 3.1; OWASP JWT cheat sheet",
			token: atkB64(`{"alg":"None","typ":"JWT"}`) + "." + goodP + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "alg/NONE without signature", ref: "RFC 8725 3.1; OWASP JWT cheat sheet",
			token: atkB64(`{"alg":"NONE","typ":"JWT"}`) + "." + goodP + ".", status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "alg/NONE with signature", ref: "RFC 8725 3.1; OWASP JWT cheat sheet",
			token: atkB64(`{"alg":"NONE","typ":"JWT"}`) + "." + goodP + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "alg/nOnE without signature", ref: "RFC 8725 3.1; OWASP JWT cheat sheet",
			token: atkB64(`{"alg":"nOnE","typ":"JWT"}`) + "." + goodP + ".", status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "alg/nOnE with signature", ref: "RFC 8725 3.1; OWASP JWT cheat sheet",
			token: atkB64(`{"alg":"nOnE","typ":"JWT"}`) + "." + goodP + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "alg/missing", ref: "RFC 7515 4.1.1 (alg is REQUIRED)",
			token: atkHS(atkInteropKey, `{"typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "alg/null", ref: "RFC 7515 4.1.1",
			token: atkHS(atkInteropKey, `{"alg":null,"typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "alg/lower-case hs256", ref: "RFC 7515 4.1.1 (alg is case-sensitive); RFC 8725 3.1",
			token: atkHS(atkInteropKey, `{"alg":"hs256","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "alg/HS512 under pinned HS256, same secret (reference A62)", ref: "RFC 8725 3.1 (algorithm pinning)",
			token: atkRefHS512, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "alg/HS384 under pinned HS256, same secret", ref: "RFC 8725 3.1",
			token: atkHSWith(sha512.New384, atkInteropKey, `{"alg":"HS384","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "alg/HS512 crafted under pinned HS256, same secret", ref: "RFC 8725 3.1",
			token: atkHSWith(sha512.New, atkInteropKey, `{"alg":"HS512","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},

		// ---- key confusion: HMAC keyed with the server's RSA public key
		{name: "keyconfusion/HS256 keyed with RSA public key PEM", ref: "RFC 8725 2.1/3.1; CVE-2016-10555; CVE-2017-11424",
			srv: "rs", token: atkHS(pubPEM, atkHdr, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "keyconfusion/HS256 keyed with RSA public key DER", ref: "RFC 8725 2.1/3.1; CVE-2016-10555",
			srv: "rs", token: atkHS(pubDER, atkHdr, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "keyconfusion/HS256 keyed with RSA public JWK JSON", ref: "RFC 8725 2.1/3.1; CVE-2016-10555",
			srv: "rs", token: atkHS(pubJWK, atkHdr, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "keyconfusion/PS256 by the server's own RSA key while RS256 is pinned", ref: "RFC 8725 3.1 (each key used with one algorithm)",
			srv: "rs", token: atkPS(k.server, `{"alg":"PS256","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "control/RS256 by the server's key accepted", ref: "RFC 7518 3.3",
			srv: "rs", token: atkRS(k.server, `{"alg":"RS256","typ":"JWT"}`, atkAccess()), status: 200, body: "reached user=1"},

		// ---- kid
		{name: "control/kid k1 accepted", ref: "RFC 7515 4.1.4",
			srv: "kid", token: atkHS(atkKidSecret1, `{"alg":"HS256","kid":"k1","typ":"JWT"}`, atkAccess()), status: 200, body: "reached user=1"},
		{name: "kid/path traversal ../../dev/null with empty HMAC key", ref: "OWASP JWT cheat sheet; RFC 8725 3.10",
			srv: "kid", token: atkHS(nil, `{"alg":"HS256","kid":"../../dev/null","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "kid/SQL injection", ref: "OWASP JWT cheat sheet; RFC 8725 3.10",
			srv: "kid", token: atkHS([]byte("x"), `{"alg":"HS256","kid":"x' UNION SELECT 'x' -- ","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "kid/unknown kid on a kid'd key ring", ref: "RFC 7515 4.1.4",
			srv: "kid", token: atkHS(atkKidSecret1, `{"alg":"HS256","kid":"k3","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "kid/missing on a kid'd key ring", ref: "RFC 7515 4.1.4",
			srv: "kid", token: atkHS(atkKidSecret1, atkHdr, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "kid/number", ref: "RFC 7515 4.1.4 (kid is a case-sensitive string)",
			srv: "kid", token: atkHS(atkKidSecret1, `{"alg":"HS256","kid":1,"typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "kid/object", ref: "RFC 7515 4.1.4",
			srv: "kid", token: atkHS(atkKidSecret1, `{"alg":"HS256","kid":{"k1":true},"typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "kid/k2 named but signed with k1's secret", ref: "RFC 7515 4.1.4",
			srv: "kid", token: atkHS(atkKidSecret1, `{"alg":"HS256","kid":"k2","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "kid/k1 with HS512", ref: "RFC 8725 3.1",
			srv: "kid", token: atkHSWith(sha512.New, atkKidSecret1, `{"alg":"HS512","kid":"k1","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},

		// ---- header members that point at attacker keys (never followed)
		{name: "header/jku to attacker JWKS", ref: "RFC 7515 4.1.2; RFC 8725 3.10; OWASP JWT cheat sheet (SSRF)",
			srv: "rs", token: atkRS(k.attacker, `{"alg":"RS256","jku":"`+fetch.URL+`/jwks.json","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "header/jku with attacker kid", ref: "RFC 7515 4.1.2; RFC 8725 3.10",
			srv: "rs", token: atkRS(k.attacker, `{"alg":"RS256","jku":"`+fetch.URL+`/jwks.json","kid":"attacker","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},
		{name: "header/x5u to attacker certificate", ref: "RFC 7515 4.1.5; RFC 8725 3.10",
			srv: "rs", token: atkRS(k.attacker, `{"alg":"RS256","x5u":"`+fetch.URL+`/cert.pem","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "header/embedded jwk of the attacker", ref: "RFC 7515 4.1.3; CVE-2018-0114",
			srv: "rs", token: atkRS(k.attacker, `{"alg":"RS256","jwk":`+atkRSAJWK(&k.attacker.PublicKey)+`,"typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "header/x5c with attacker certificate", ref: "RFC 7515 4.1.6; RFC 8725 3.10",
			srv: "rs", token: atkRS(k.attacker, `{"alg":"RS256","x5c":["`+base64.StdEncoding.EncodeToString(k.attCert)+`"],"typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "header/crit with an unknown extension", ref: "RFC 7515 4.1.11 (MUST reject unknown crit)",
			token: atkHS(atkInteropKey, `{"alg":"HS256","crit":["exp"],"exp":1,"typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "header/b64 false with unencoded payload", ref: "RFC 7797 3/6",
			token: atkSignInput(atkB64(`{"alg":"HS256","b64":false,"crit":["b64"]}`) + "." + atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "header/b64 false without crit", ref: "RFC 7797 6",
			token: atkHS(atkInteropKey, `{"alg":"HS256","b64":false}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "header/typ at+jwt", ref: "RFC 8725 3.11 (explicit typing); RFC 9068",
			token: atkHS(atkInteropKey, `{"alg":"HS256","typ":"at+jwt"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "header/duplicate alg", ref: "RFC 7515 5.2 step 4; RFC 8259 4; CVE-2017-12635 (parser differential)",
			token: atkHS(atkInteropKey, `{"alg":"none","alg":"HS256","typ":"JWT"}`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "header/JSON array", ref: "RFC 7515 4 (header is a JSON object)",
			token: atkHS(atkInteropKey, `[{"alg":"HS256"}]`, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},

		// ---- time claims (RFC 7519 4.1.4-4.1.6, NumericDate in section 2)
		{name: "exp/missing (reference A56)", ref: "RFC 7519 4.1.4; SimpleJWT requires exp",
			token: atkRefNoExp, status: 401, body: atkAccessMsg("Token has no 'exp' claim"), challenge: atkChallenge("Token has no 'exp' claim"), want: simplejwt.ErrTokenNoExp},
		{name: "exp/numeric string", ref: "RFC 7519 2 (NumericDate is a JSON number)",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":"1796397100"`, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "control/exp finite float in range accepted", ref: "RFC 7519 2 (NumericDate may be non-integer); DESIGN.md Parsing strictly",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":1796397100.5`, atkIat, atkJti, atkUID)), status: 200, body: "reached user=1"},
		{name: "exp/null", ref: "RFC 7519 2",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":null`, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "exp/negative", ref: "RFC 7519 2",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":-1`, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "exp/huge 1e300", ref: "RFC 7519 2; integer overflow on conversion",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":1e300`, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "exp/2^63 overflows int64", ref: "RFC 7519 2; CWE-190",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":9223372036854775808`, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "exp/1e999 overflows float64", ref: "RFC 7519 2; RFC 8259 6",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":1e999`, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "exp/equal to now is expired", ref: "RFC 7519 4.1.4 (on or after exp MUST NOT be accepted)",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, `"exp":1796396800`, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenExpired},
		{name: "nbf/in the future (reference A59)", ref: "RFC 7519 4.1.5",
			token: atkRefNbfFuture, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenNotYetValid},
		{name: "iat/in the future (reference A58)", ref: "RFC 7519 4.1.6; PyJWT ImmatureSignatureError",
			token: atkRefIatFuture, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenNotYetValid},

		// ---- jti (RFC 7519 4.1.7)
		{name: "jti/missing (reference A55)", ref: "RFC 7519 4.1.7; SimpleJWT requires jti",
			token: atkRefNoJTI, status: 401, body: atkAccessMsg("Token has no id"), challenge: atkChallenge("Token has no id"), want: simplejwt.ErrTokenNoID},
		{name: "jti/number", ref: "RFC 7519 4.1.7 (jti is a string)",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, `"jti":12345`, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "jti/empty string escapes revocation keying", ref: "RFC 7519 4.1.7; DESIGN.md (jti non-empty)",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, `"jti":""`, atkUID)), status: 401, body: atkAccessMsg("Token has no id"), challenge: atkChallenge("Token has no id"), want: simplejwt.ErrTokenNoID},

		// ---- token_type confusion (RFC 8725 2.8 and 3.11)
		{name: "token_type/missing (reference A57)", ref: "RFC 8725 3.11",
			token: atkRefNoType, status: 401, body: atkAccessMsg("Token has no type"), challenge: atkChallenge("Token has no type"), want: simplejwt.ErrTokenNoType},
		{name: "token_type/upper-case ACCESS", ref: "RFC 8725 3.11",
			token: atkHS(atkInteropKey, atkHdr, atkP(`"token_type":"ACCESS"`, atkExp, atkIat, atkJti, atkUID)), status: 401, body: atkBodyWrongType, challenge: atkChWrongType, want: simplejwt.ErrTokenWrongType},
		{name: "token_type/refresh token as access credential (reference A48)", ref: "RFC 8725 2.8 (cross-JWT confusion)",
			token: atkRefRefresh, status: 401, body: atkBodyWrongType, challenge: atkChWrongType, want: simplejwt.ErrTokenWrongType},
		{name: "token_type/sliding token on access-only route (reference A49)", ref: "RFC 8725 2.8",
			token: atkRefSliding, status: 401, body: atkBodyWrongType, challenge: atkChWrongType, want: simplejwt.ErrTokenWrongType},
		{name: "token_type/empty string", ref: "DESIGN.md (token_type non-empty string)",
			token: atkHS(atkInteropKey, atkHdr, atkP(`"token_type":""`, atkExp, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "token_type/number", ref: "DESIGN.md (token_type string)",
			token: atkHS(atkInteropKey, atkHdr, atkP(`"token_type":1`, atkExp, atkIat, atkJti, atkUID)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "token_type/duplicate refresh then access", ref: "RFC 7519 4 (duplicate names MUST be rejected or last used); CVE-2017-12635",
			token: atkHS(atkInteropKey, atkHdr, atkP(`"token_type":"refresh"`, atkExp, atkIat, atkJti, atkUID, atkTT)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "token_type/access token on sliding-only route (reference A71)", ref: "RFC 8725 2.8",
			guard: []simplejwt.GuardOption{simplejwt.Accept(simplejwt.Sliding)},
			token: good, status: 401, body: atkMessages("SlidingToken", "sliding", "Token has wrong type"), challenge: atkChWrongType, want: simplejwt.ErrTokenWrongType},
		{name: "token_type/refresh token on access+sliding route (reference A73)", ref: "RFC 8725 2.8",
			guard: []simplejwt.GuardOption{simplejwt.Accept(simplejwt.Access, simplejwt.Sliding)},
			token: atkRefRefresh, status: 401,
			body:      `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"},{"token_class":"SlidingToken","token_type":"sliding","message":"Token has wrong type"}]}`,
			challenge: atkChWrongType, want: simplejwt.ErrTokenWrongType},

		// ---- aud / iss (RFC 7519 4.1.1, 4.1.3; RFC 8725 3.8, 3.9)
		{name: "control/aud and iss as configured accepted", ref: "RFC 7519 4.1.3",
			srv: "audiss", token: atkHS(atkInteropKey, atkHdr, atkAccess(`"aud":["other","interop-aud"]`, `"iss":"https://issuer.example"`)), status: 200, body: "reached user=1"},
		{name: "aud/wrong audience", ref: "RFC 8725 3.9; RFC 7519 4.1.3",
			srv: "audiss", token: atkHS(atkInteropKey, atkHdr, atkAccess(`"aud":"other-aud"`, `"iss":"https://issuer.example"`)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenAudience},
		{name: "aud/missing audience", ref: "RFC 8725 3.9",
			srv: "audiss", token: atkHS(atkInteropKey, atkHdr, atkAccess(`"iss":"https://issuer.example"`)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenAudience},
		{name: "iss/wrong issuer", ref: "RFC 8725 3.8; RFC 7519 4.1.1",
			srv: "audiss", token: atkHS(atkInteropKey, atkHdr, atkAccess(`"aud":"interop-aud"`, `"iss":"https://evil.example"`)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenIssuer},

		// ---- user id
		{name: "user_id/missing (reference A52)", ref: "SimpleJWT JWTAuthentication.get_user",
			token: atkRefNoUser, status: 401, body: atkBodyNoUser, challenge: atkChNoUser, want: simplejwt.ErrTokenNoUser},
		{name: "user_id/null", ref: "DESIGN.md (user_id string or integer)",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, atkJti, `"user_id":null`)), status: 401, body: atkBodyNoUser, challenge: atkChNoUser, want: simplejwt.ErrTokenNoUser},
		{name: "user_id/object (ORM lookup injection)", ref: "OWASP NoSQL injection; DESIGN.md",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, atkJti, `"user_id":{"$ne":null}`)), status: 401, body: atkBodyNoUser, challenge: atkChNoUser, want: simplejwt.ErrTokenNoUser},
		{name: "user_id/float", ref: "DESIGN.md (user_id string or integer)",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, atkJti, `"user_id":1.5`)), status: 401, body: atkBodyNoUser, challenge: atkChNoUser, want: simplejwt.ErrTokenNoUser},
		{name: "user_id/bool", ref: "DESIGN.md (user_id string or integer)",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, atkJti, `"user_id":true`)), status: 401, body: atkBodyNoUser, challenge: atkChNoUser, want: simplejwt.ErrTokenNoUser},
		{name: "user_id/empty string", ref: "DESIGN.md",
			token: atkHS(atkInteropKey, atkHdr, atkP(atkTT, atkExp, atkIat, atkJti, `"user_id":""`)), status: 401, body: atkBodyNoUser, challenge: atkChNoUser, want: simplejwt.ErrTokenNoUser},
		{name: "user_id/duplicate 1 then 2", ref: "RFC 7519 4; CVE-2017-12635",
			token: atkHS(atkInteropKey, atkHdr, atkAccess(`"user_id":2`)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},

		// ---- revocation
		{name: "revoked/access token of a blacklisted session", ref: "RFC 7009 2 (revocation); OWASP JWT cheat sheet (token revocation)",
			token: revoked.Access, status: 401, body: atkAccessMsg("Token is blacklisted"), challenge: atkChallenge("Token is blacklisted"), want: simplejwt.ErrTokenRevoked},

		// ---- payload JSON (RFC 7519 7.2 step 10; RFC 8259)
		{name: "payload/JSON array", ref: "RFC 7519 7.2 (claims set is a JSON object)",
			token: atkHS(atkInteropKey, atkHdr, `[`+atkAccess()+`]`), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "payload/JSON string", ref: "RFC 7519 7.2",
			token: atkHS(atkInteropKey, atkHdr, `"`+strings.ReplaceAll(atkAccess(), `"`, `\"`)+`"`), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "payload/invalid UTF-8 in a string", ref: "RFC 7519 7.2; RFC 8259 8.1",
			token: atkHS(atkInteropKey, atkHdr, atkAccess("\"name\":\"a\xffb\"")), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "payload/overlong UTF-8 encoding of /", ref: "RFC 3629 3; CVE-2000-0884",
			token: atkHS(atkInteropKey, atkHdr, atkAccess("\"name\":\"..\xc0\xaf..\"")), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "payload/lone surrogate escape", ref: "RFC 8259 8.2",
			token: atkHS(atkInteropKey, atkHdr, atkAccess(`"name":"\ud800"`)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "payload/trailing garbage after the object", ref: "RFC 8259 2",
			token: atkHS(atkInteropKey, atkHdr, atkAccess()+`{"token_type":"refresh"}`), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "payload/UTF-8 BOM before the object", ref: "RFC 8259 8.1 (MUST NOT add a BOM)",
			token: atkHS(atkInteropKey, atkHdr, "\uFEFF"+atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "payload/nesting depth 1000 in a custom claim", ref: "CVE-2020-36518 (deep nesting stack exhaustion); CWE-674",
			token: atkHS(atkInteropKey, atkHdr, atkAccess(`"deep":`+nested)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},

		// ---- encoding (RFC 7515 2 and appendix C: unpadded base64url only)
		{name: "encoding/standard base64 alphabet in payload", ref: "RFC 7515 2; RFC 4648 5",
			token: atkSignInput(goodH + "." + stdP), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "encoding/= padding in payload", ref: "RFC 7515 2 (padding omitted)",
			token: atkSignInput(goodH + "." + padP), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "encoding/newline inside payload segment", ref: "RFC 7515 2 (no line breaks, whitespace)",
			token: atkSignInput(goodH + "." + goodP[:10] + "\n" + goodP[10:]), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "encoding/space inside payload segment", ref: "RFC 7515 2; RFC 6750 2.1 (b64token)",
			token: atkSignInput(goodH + "." + goodP[:10] + " " + goodP[10:]), status: 401, body: atkBodyBadHeader, challenge: atkChBadRequest, want: simplejwt.ErrBadAuthorizationHeader},
		{name: "encoding/non-zero trailing bits in signature", ref: "RFC 4648 3.5 (canonical encoding); signature malleability",
			token: goodH + "." + goodP + "." + malleable, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "encoding/= padding on signature", ref: "RFC 7515 2",
			token: good + "=", status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},

		// ---- compact serialization shape (RFC 7515 7.1, RFC 7519 7.2 step 1)
		{name: "segments/two", ref: "RFC 7519 7.2",
			token: goodH + "." + goodP, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "segments/four", ref: "RFC 7519 7.2",
			token: good + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "segments/five (JWE shape)", ref: "RFC 7516 7.1; RFC 8725 2.7",
			token: goodH + "." + goodP + "." + goodS + "." + goodP + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "segments/empty header", ref: "RFC 7515 7.1",
			token: "." + goodP + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "segments/empty payload", ref: "RFC 7515 7.1",
			token: atkSignInput(goodH + "."), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "segments/empty signature (stripped)", ref: "RFC 8725 3.1; OWASP JWT cheat sheet",
			token: goodH + "." + goodP + ".", status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "segments/only dots", ref: "RFC 7515 7.1",
			token: "..", status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},

		// ---- signatures
		{name: "signature/garbage base64url", ref: "RFC 7515 5.2 step 8",
			token: goodH + "." + goodP + "." + atkB64("not the signature of anything!!"), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "signature/garbage characters", ref: "RFC 7515 5.2 step 7",
			token: goodH + "." + goodP + ".@@@@", status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "signature/truncated HMAC (31 of 32 bytes)", ref: "RFC 7518 3.2 (HMAC MUST NOT be truncated)",
			token: goodH + "." + goodP + "." + atkB64b(goodSig[:31]), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "signature/spliced from another valid token", ref: "RFC 7515 5.2",
			token: goodH + "." + goodP + "." + otherS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "signature/payload swapped under a valid signature", ref: "RFC 7515 5.2",
			token: goodH + "." + atkB64(atkP(atkTT, atkExp, atkIat, atkJti, `"user_id":2`)) + "." + goodS, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "signature/another key (reference A14 pattern)", ref: "RFC 7515 5.2",
			token: atkHS([]byte("some-other-secret-some-other-secret"), atkHdr, atkAccess()), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "control/ES256 by the server's key accepted", ref: "RFC 7518 3.4",
			srv: "es", token: esGood, status: 200, body: "reached user=1"},
		{name: "signature/ES256 r=s=0 (psychic signature)", ref: "CVE-2022-21449",
			srv: "es", token: esH + "." + esP + "." + atkB64b(make([]byte, 64)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "signature/ES256 r=s=n (curve order)", ref: "CVE-2022-21449; SEC 1 4.1.4 (r, s in [1, n-1])",
			srv: "es", token: esH + "." + esP + "." + atkB64b(append(append([]byte{}, curveN...), curveN...)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "signature/ES256 truncated to 63 bytes", ref: "RFC 7518 3.4 (exactly 64 octets)",
			srv: "es", token: esH + "." + esP + "." + atkB64b(make([]byte, 63)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenSignature},
		{name: "signature/ES256 token with header alg ES384", ref: "RFC 8725 3.1",
			srv: "es", token: atkB64(`{"alg":"ES384","typ":"JWT"}`) + "." + esP + "." + atkB64b(make([]byte, 96)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenUnverifiable},

		// ---- size (CWE-400)
		{name: "size/8 KB token", ref: "CWE-400 (uncontrolled resource consumption); OWASP JWT cheat sheet",
			token: atkHS(atkInteropKey, atkHdr, atkAccess(`"pad":"`+strings.Repeat("a", 6000)+`"`)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "size/1 MB token", ref: "CWE-400",
			token: atkHS(atkInteropKey, atkHdr, atkAccess(`"pad":"`+strings.Repeat("a", 768<<10)+`"`)), status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},

		// ---- Authorization header (RFC 6750 2.1, RFC 9110 11.6.2)
		{name: "header/none at all", ref: "RFC 6750 3",
			status: 401, body: atkBodyNotProvided, challenge: atkRealm, want: simplejwt.ErrNoToken},
		{name: "header/two Authorization headers", ref: "RFC 9110 5.3 (singleton field); RFC 6750 2",
			auth: []string{"Bearer " + good, "Bearer " + other}, status: 400, body: atkBodyDupHeader, challenge: atkChBadRequest, want: simplejwt.ErrDuplicateAuthorization},
		{name: "header/Basic scheme", ref: "RFC 7617; SimpleJWT A41 (other scheme is no credentials)",
			auth: []string{"Basic YWxpY2U6d29uZGVybGFuZA=="}, status: 401, body: atkBodyNotProvided, challenge: atkRealm, want: simplejwt.ErrNoToken},
		{name: "header/Bearer2 scheme", ref: "RFC 6750 2.1",
			auth: []string{"Bearer2 " + good}, status: 401, body: atkBodyNotProvided, challenge: atkRealm, want: simplejwt.ErrNoToken},
		{name: "header/Bearer with NBSP separator", ref: "RFC 9110 5.6.3 (only SP and HTAB are whitespace)",
			auth: []string{"Bearer\u00a0" + good}, status: 401, body: atkBodyNotProvided, challenge: atkRealm, want: simplejwt.ErrNoToken},
		{name: "header/Cyrillic lookalike Веаrer", ref: "Unicode TR 39 (confusables)",
			auth: []string{"Веаrer " + good}, status: 401, body: atkBodyNotProvided, challenge: atkRealm, want: simplejwt.ErrNoToken},
		{name: "header/empty Authorization value", ref: "RFC 6750 3",
			auth: []string{""}, status: 401, body: atkBodyNotProvided, challenge: atkRealm, want: simplejwt.ErrNoToken},
		{name: "header/Bearer alone (reference A44)", ref: "RFC 6750 2.1",
			auth: []string{"Bearer"}, status: 401, body: atkBodyBadHeader, challenge: atkChBadRequest, want: simplejwt.ErrBadAuthorizationHeader},
		{name: "header/Bearer with two tokens (reference A45)", ref: "RFC 6750 2.1",
			auth: []string{"Bearer " + good + " " + other}, status: 401, body: atkBodyBadHeader, challenge: atkChBadRequest, want: simplejwt.ErrBadAuthorizationHeader},
		{name: "header/garbage token (reference A46)", ref: "RFC 6750 3.1",
			auth: []string{"Bearer garbage"}, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},

		// ---- optional guard
		{name: "control/optional guard without token passes without claims", ref: "DESIGN.md optional mode",
			guard: []simplejwt.GuardOption{simplejwt.Optional()}, status: 200, body: "reached anonymous"},
		{name: "optional/bad token on optional route still refused", ref: "DESIGN.md optional mode; RFC 6750 3.1",
			guard: []simplejwt.GuardOption{simplejwt.Optional()}, token: atkRefAlgNone, status: 401, body: atkBodyInvalid, challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
		{name: "optional/garbage on access+sliding route names both classes (reference A72)", ref: "RFC 6750 3.1",
			guard: []simplejwt.GuardOption{simplejwt.Accept(simplejwt.Access, simplejwt.Sliding), simplejwt.Optional()}, token: "garbage", status: 401,
			body:      `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"},{"token_class":"SlidingToken","token_type":"sliding","message":"Token is invalid or expired"}]}`,
			challenge: atkChInvalid, want: simplejwt.ErrTokenMalformed},
	}

	attacks := 0
	for _, tc := range cases {
		if tc.status != http.StatusOK {
			attacks++
		}
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv
			if srv == "" {
				srv = "hs"
			}
			a := servers[srv]
			if a == nil {
				t.Fatalf("no server %q", srv)
			}
			g := a.MustGuard(tc.guard...)
			newReq := func() *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
				auth := tc.auth
				if auth == nil && tc.token != "" {
					auth = []string{"Bearer " + tc.token}
				}
				for _, v := range auth {
					r.Header.Add("Authorization", v)
				}
				return r
			}

			_, err := g.Check(newReq())
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("Check: %v, want success", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("Check: %v, want errors.Is %v", err, tc.want)
			}

			var reached bool
			inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				if c, ok := simplejwt.ClaimsFrom(r.Context()); ok {
					io.WriteString(w, "reached user="+c.UserID)
					return
				}
				io.WriteString(w, "reached anonymous")
			})
			rec := httptest.NewRecorder()
			g.Middleware(inner).ServeHTTP(rec, newReq())

			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Body.String(); got != tc.body {
				t.Errorf("body\n got %s\nwant %s", got, tc.body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, tc.challenge)
			}
			if tc.status == http.StatusOK {
				if !reached {
					t.Error("inner handler not reached")
				}
				return
			}
			if reached {
				t.Error("inner handler reached by a refused request")
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("body is not valid JSON: %q", rec.Body.String())
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("jku/x5u server was fetched %d times, want 0", n)
	}
	if attacks < 45 {
		t.Errorf("catalogue has %d attack cases, want at least 45", attacks)
	}
	t.Logf("middleware catalogue: %d cases, %d attacks, %d controls; jku/x5u fetches: %d", len(cases), attacks, len(cases)-attacks, hits.Load())
}

// atkNudge returns the base64url character that differs from c only in its
// lowest bit, which is a padding bit in the last character of a 32-byte
// signature (43 characters, 2 spare bits).
func atkNudge(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return alphabet[i^1]
}

// atkEndpointCase is one crafted request to the mounted token endpoints.
type atkEndpointCase struct {
	name   string
	ref    string
	method string // "" means POST
	path   string
	ctype  string // "" sends no Content-Type
	body   string

	status    int
	want      string // exact body; "" when check decides
	challenge string
	// semantic compares the JSON bodies as values rather than as bytes,
	// for answers whose escaping is the implementation's choice.
	semantic bool
	check    func(t *testing.T, body []byte)
}

// TestAtkEndpointCatalogue sends crafted requests to the token endpoints
// served by a real HTTP server.
func TestAtkEndpointCatalogue(t *testing.T) {
	ctx := context.Background()
	a := atkNew(t, simplejwt.WithSigningKey(atkMust(simplejwt.NewWeakHMACKey(simplejwt.HS256, atkInteropKey))))
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	srv := httptest.NewServer(mux)
	defer srv.Close()

	pair, err := a.ObtainPair(ctx, simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := a.ObtainPair(ctx, simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Blacklist(ctx, gone.Refresh); err != nil {
		t.Fatal(err)
	}
	sliding, err := a.ObtainSliding(ctx, simplejwt.User{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	forged := atkHS([]byte("some-other-secret-some-other-secret"), atkHdr,
		atkP(`"token_type":"refresh"`, `"exp":1796483119`, atkIat, atkJti, atkUID))
	none := atkB64(`{"alg":"none","typ":"JWT"}`) + "." + atkB64(atkP(`"token_type":"refresh"`, `"exp":1796483119`, atkIat, atkJti, atkUID)) + "."
	js := func(field, tok string) string { return `{"` + field + `":"` + tok + `"}` }
	const jsonCT = "application/json"
	bodyEmpty := `{}`

	cases := []atkEndpointCase{
		// ---- request parsing
		{name: "obtain/malformed JSON (reference A7)", ref: "RFC 8259; DRF ParseError",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"alice",`,
			status: 400, want: `{"detail":"JSON parse error - invalid JSON at offset 20"}`},
		{name: "obtain/text/plain content type", ref: "RFC 9110 15.5.16 (415)",
			path: "/api/token/", ctype: "text/plain", body: `{"username":"alice","password":"wonderland"}`,
			status: 415, want: `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{name: "obtain/content type with obs-text bytes is echoed as valid JSON", ref: "RFC 9110 5.5 (obs-text); RFC 8259 7 (string escapes)",
			path: "/api/token/", ctype: "text/\xff\xfe", body: `{}`,
			status: 415, want: `{"detail":"Unsupported media type \"text/\ufffd\ufffd\" in request."}`, semantic: true},
		{name: "obtain/content type with a non-printable astral rune is echoed as valid JSON", ref: "RFC 8259 7",
			path: "/api/token/", ctype: "text/x\U000E0001", body: `{}`,
			status: 415, want: "{\"detail\":\"Unsupported media type \\\"text/x\U000E0001\\\" in request.\"}", semantic: true},
		{name: "obtain/body over 64 KiB", ref: "CWE-400; RFC 9110 15.5.14 (413)",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"` + strings.Repeat("a", 64<<10) + `","password":"x"}`,
			status: 413, want: `{"detail":"Request body is too large."}`},
		{name: "obtain/missing password (reference A5)", ref: "DRF field errors",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"alice"}`,
			status: 400, want: `{"password":["This field is required."]}`},
		{name: "obtain/missing both fields", ref: "DRF field errors",
			path: "/api/token/", ctype: jsonCT, body: `{}`,
			status: 400, want: `{"username":["This field is required."],"password":["This field is required."]}`},
		{name: "obtain/password null", ref: "DRF field errors",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"alice","password":null}`,
			status: 400, want: `{"password":["This field may not be null."]}`},
		{name: "obtain/password as object (operator injection)", ref: "OWASP NoSQL injection",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"alice","password":{"$ne":""}}`,
			status: 400, want: `{"password":["Not a valid string."]}`},
		{name: "obtain/wrong password (reference A2)", ref: "OWASP authentication cheat sheet (generic message)",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"alice","password":"wrong"}`,
			status: 401, want: `{"detail":"No active account found with the given credentials"}`, challenge: atkRealm},
		{name: "obtain/extra fields ignored, no claim injection", ref: "OWASP API3:2023 (mass assignment)",
			path: "/api/token/", ctype: jsonCT,
			body:   `{"username":"alice","password":"wonderland","user_id":"0","token_type":"refresh","is_admin":true,"exp":9999999999}`,
			status: 200, check: atkCheckNoInjection},
		{name: "obtain/duplicate username (parser differential)", ref: "RFC 8259 4; CVE-2017-12635",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"mallory","password":"wonderland","username":"alice"}`,
			status: 400, want: `{"detail":"JSON parse error - duplicate member name at offset 56"}`},
		{name: "obtain/GET (reference A8)", ref: "RFC 9110 15.5.6 (405)",
			method: http.MethodGet, path: "/api/token/",
			status: 405, want: `{"detail":"Method \"GET\" not allowed."}`},
		{name: "obtain/JSON array body", ref: "DRF non_field_errors",
			path: "/api/token/", ctype: jsonCT, body: `[{"username":"alice","password":"wonderland"}]`,
			status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{name: "obtain/JSON string body", ref: "DRF non_field_errors",
			path: "/api/token/", ctype: jsonCT, body: `"alice"`,
			status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{name: "obtain/UTF-8 BOM before JSON", ref: "RFC 8259 8.1",
			path: "/api/token/", ctype: jsonCT, body: "\uFEFF" + `{"username":"alice","password":"wonderland"}`,
			status: 400, check: atkCheckParseError},
		{name: "obtain/invalid UTF-8 in JSON", ref: "RFC 8259 8.1",
			path: "/api/token/", ctype: jsonCT, body: "{\"username\":\"al\xffice\",\"password\":\"wonderland\"}",
			status: 400, check: atkCheckParseError},
		{name: "obtain/nesting depth 1000", ref: "CVE-2020-36518; CWE-674",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"alice","password":"wonderland","x":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`,
			status: 400, check: atkCheckParseError},
		{name: "obtain/trailing garbage after JSON", ref: "RFC 8259 2",
			path: "/api/token/", ctype: jsonCT, body: `{"username":"alice","password":"wonderland"}{"username":"bob"}`,
			status: 400, check: atkCheckParseError},

		// ---- refresh endpoint
		{name: "refresh/access token instead of refresh (reference A12)", ref: "RFC 8725 2.8",
			path: "/api/token/refresh/", ctype: jsonCT, body: js("refresh", pair.Access),
			status: 401, want: atkEndpointWrongTyp, challenge: atkRealm},
		{name: "refresh/sliding token instead of refresh", ref: "RFC 8725 2.8",
			path: "/api/token/refresh/", ctype: jsonCT, body: js("refresh", sliding),
			status: 401, want: atkEndpointWrongTyp, challenge: atkRealm},
		{name: "refresh/alg none", ref: "RFC 8725 3.1; CVE-2015-9235",
			path: "/api/token/refresh/", ctype: jsonCT, body: js("refresh", none),
			status: 401, want: atkEndpointInvalid, challenge: atkRealm},
		{name: "refresh/forged with another key (reference A14)", ref: "RFC 7515 5.2",
			path: "/api/token/refresh/", ctype: jsonCT, body: js("refresh", forged),
			status: 401, want: atkEndpointInvalid, challenge: atkRealm},
		{name: "refresh/expired (reference A11)", ref: "RFC 7519 4.1.4",
			path: "/api/token/refresh/", ctype: jsonCT, body: js("refresh", atkRefExpiredRefresh),
			status: 401, want: atkEndpointInvalid, challenge: atkRealm},
		{name: "refresh/blacklisted (reference A19)", ref: "RFC 7009",
			path: "/api/token/refresh/", ctype: jsonCT, body: js("refresh", gone.Refresh),
			status: 401, want: `{"detail":"Token is blacklisted","code":"token_not_valid"}`, challenge: atkRealm},
		{name: "refresh/empty string (reference A16)", ref: "DRF field errors",
			path: "/api/token/refresh/", ctype: jsonCT, body: `{"refresh":""}`,
			status: 400, want: `{"refresh":["This field may not be blank."]}`},
		{name: "refresh/duplicate refresh field", ref: "RFC 8259 4; CVE-2017-12635",
			path: "/api/token/refresh/", ctype: jsonCT, body: `{"refresh":"` + forged + `","refresh":"` + pair.Refresh + `"}`,
			status: 400, check: atkCheckParseError},
		{name: "control/refresh with a good refresh token", ref: "simplejwt-wire.md A10",
			path: "/api/token/refresh/", ctype: jsonCT, body: js("refresh", pair.Refresh),
			status: 200, check: atkCheckKeys("access")},
		{name: "control/form-encoded refresh (reference A6)", ref: "simplejwt-wire.md A6",
			path: "/api/token/refresh/", ctype: "application/x-www-form-urlencoded", body: "refresh=" + pair.Refresh,
			status: 200, check: atkCheckKeys("access")},

		// ---- other endpoints
		{name: "sliding-refresh/access token (reference A29)", ref: "RFC 8725 2.8",
			path: "/api/token/sliding/refresh/", ctype: jsonCT, body: js("token", pair.Access),
			status: 401, want: atkEndpointWrongTyp, challenge: atkRealm},
		{name: "blacklist/access token (reference A21)", ref: "RFC 8725 2.8",
			path: "/api/token/blacklist/", ctype: jsonCT, body: js("refresh", pair.Access),
			status: 401, want: atkEndpointWrongTyp, challenge: atkRealm},
		{name: "blacklist/forged refresh token", ref: "RFC 7515 5.2 (no revocation DoS by forged token)",
			path: "/api/token/blacklist/", ctype: jsonCT, body: js("refresh", forged),
			status: 401, want: atkEndpointInvalid, challenge: atkRealm},
		{name: "verify/alg none", ref: "RFC 8725 3.1",
			path: "/api/token/verify/", ctype: jsonCT, body: js("token", atkRefAlgNone),
			status: 401, want: atkEndpointInvalid, challenge: atkRealm},
		{name: "verify/HS512 under HS256 (reference A62)", ref: "RFC 8725 3.1",
			path: "/api/token/verify/", ctype: jsonCT, body: js("token", atkRefHS512),
			status: 401, want: atkEndpointInvalid, challenge: atkRealm},
		{name: "verify/garbage (reference A35)", ref: "RFC 7519 7.2",
			path: "/api/token/verify/", ctype: jsonCT, body: `{"token":"a.b.c"}`,
			status: 401, want: atkEndpointInvalid, challenge: atkRealm},
		{name: "verify/blacklisted (reference B4)", ref: "RFC 7009",
			path: "/api/token/verify/", ctype: jsonCT, body: js("token", gone.Refresh),
			status: 400, want: `{"non_field_errors":["Token is blacklisted"]}`},
		{name: "control/verify a good token", ref: "simplejwt-wire.md A31",
			path: "/api/token/verify/", ctype: jsonCT, body: js("token", atkRefAccess),
			status: 200, want: bodyEmpty},
	}

	client := srv.Client()
	attacks := 0
	for _, tc := range cases {
		if tc.status != http.StatusOK {
			attacks++
		}
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			req, err := http.NewRequest(method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (body %s)", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tc.challenge)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if !json.Valid(body) {
				t.Errorf("body is not valid JSON: %q", body)
			}
			if method != http.MethodPost {
				if got := resp.Header.Get("Allow"); got != "POST, OPTIONS" {
					t.Errorf("Allow %q, want %q", got, "POST, OPTIONS")
				}
			}
			switch {
			case tc.semantic:
				var got, want any
				if err := json.Unmarshal(body, &got); err != nil {
					t.Errorf("body %q: %v", body, err)
				}
				if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
					t.Fatal(err)
				}
				if gj, wj := atkJSON(got), atkJSON(want); gj != wj {
					t.Errorf("body decodes to %s, want %s", gj, wj)
				}
			case tc.want != "":
				if string(body) != tc.want {
					t.Errorf("body\n got %s\nwant %s", body, tc.want)
				}
			}
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
	if attacks < 25 {
		t.Errorf("endpoint catalogue has %d attack cases, want at least 25", attacks)
	}
	t.Logf("endpoint catalogue: %d cases, %d attacks, %d controls", len(cases), attacks, len(cases)-attacks)
}

func atkJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// atkCheckParseError requires DRF's "JSON parse error - ..." answer.
func atkCheckParseError(t *testing.T, body []byte) {
	t.Helper()
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil || len(got) != 1 || !strings.HasPrefix(got["detail"], "JSON parse error - ") {
		t.Errorf("body %s, want {\"detail\":\"JSON parse error - ...\"}", body)
	}
}

// atkCheckKeys requires a JSON object holding exactly the named string
// members.
func atkCheckKeys(names ...string) func(t *testing.T, body []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		var got map[string]string
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		if len(got) != len(names) {
			t.Errorf("body %s, want members %v", body, names)
		}
		for _, n := range names {
			if strings.Count(got[n], ".") != 2 {
				t.Errorf("member %q = %q, want a compact JWS", n, got[n])
			}
		}
	}
}

// atkCheckNoInjection requires a pair whose claims owe nothing to the extra
// request fields.
func atkCheckNoInjection(t *testing.T, body []byte) {
	t.Helper()
	atkCheckKeys("refresh", "access")(t, body)
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil {
		return
	}
	for name, typ := range map[string]string{"refresh": "refresh", "access": "access"} {
		_, p, _ := atkSplit(got[name])
		raw, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			t.Fatalf("%s payload: %v", name, err)
		}
		var claims map[string]any
		if err := json.Unmarshal(raw, &claims); err != nil {
			t.Fatalf("%s payload %s: %v", name, raw, err)
		}
		if claims["token_type"] != typ || claims["user_id"] != "1" {
			t.Errorf("%s claims %s: token_type or user_id came from the request", name, raw)
		}
		if _, ok := claims["is_admin"]; ok {
			t.Errorf("%s claims %s carry the injected is_admin", name, raw)
		}
		if exp, _ := claims["exp"].(float64); exp > float64(atkNow.Add(25*time.Hour).Unix()) {
			t.Errorf("%s claims %s: exp came from the request", name, raw)
		}
	}
}

// atkMutableClock is a clock the test moves by hand.
type atkMutableClock struct{ ns atomic.Int64 }

func atkNewClock(t time.Time) *atkMutableClock {
	c := &atkMutableClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *atkMutableClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *atkMutableClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// atkServe sends tok through g's middleware and returns the recorder and
// whether the inner handler ran.
func atkServe(g *simplejwt.Guard, tok string) (*httptest.ResponseRecorder, bool) {
	var reached bool
	h := g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	r := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec, reached
}

// TestAtkSecurityMintedTokensVerify checks that every token the library
// mints is accepted by the library itself, whatever bytes the user id and
// custom claims hold. encoding/json and the minting code write invalid
// UTF-8 as the escape \ufffd, which the verifier must then read.
func TestAtkSecurityMintedTokensVerify(t *testing.T) {
	ctx := context.Background()
	a := atkNew(t, simplejwt.WithSigningKey(atkMust(simplejwt.NewWeakHMACKey(simplejwt.HS256, atkInteropKey))))
	g := a.MustGuard()
	users := []simplejwt.User{
		{ID: "1"},
		{ID: "José"},
		{ID: "quote\"back\\slash"},
		{ID: "line\u2028separator"},
		{ID: "nul\x00byte"},
		{ID: "latin1-\xe9-byte"},
		{ID: "2", Claims: map[string]any{"name": "U+FFFD \ufffd itself"}},
		{ID: "3", Claims: map[string]any{"name": "invalid \xff byte"}},
	}
	for _, u := range users {
		t.Run(u.ID, func(t *testing.T) {
			p, err := a.ObtainPair(ctx, u)
			if err != nil {
				t.Fatalf("ObtainPair(%q): %v", u.ID, err)
			}
			rec, reached := atkServe(g, p.Access)
			if rec.Code != http.StatusOK || !reached {
				t.Errorf("own access token refused: %d %s", rec.Code, rec.Body)
			}
			if _, err := a.Refresh(ctx, p.Refresh); err != nil {
				t.Errorf("own refresh token refused: %v", err)
			}
		})
	}
}

// TestAtkSecurityKeyRingAmbiguousNoKID checks a rotation set-up without
// kids: a new HS256 signing key and the previous HS256 key as verification
// key. Either New refuses the ring (the old key could never be selected) or
// tokens of the old key verify; silently ignoring the configured key is
// neither.
func TestAtkSecurityKeyRingAmbiguousNoKID(t *testing.T) {
	oldSecret := []byte("old-signing-secret-old-signing-secret")
	newSecret := []byte("new-signing-secret-new-signing-secret")
	a, err := simplejwt.New(simplejwt.WithClock(atkClock), simplejwt.WithHMACSecret(newSecret),
		simplejwt.WithVerificationKeys(atkMust(simplejwt.NewHMACKey(simplejwt.HS256, oldSecret))))
	if err != nil {
		if !errors.Is(err, simplejwt.ErrKey) {
			t.Fatalf("New refused the ring with %v, want an error matching ErrKey", err)
		}
		return
	}
	tok := atkHS(oldSecret, atkHdr, atkAccess())
	if _, err := a.Check(atkRequest(tok)); err != nil {
		t.Errorf("token signed with the configured verification key refused: %v (New accepted a key it never uses)", err)
	}
}

func atkRequest(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

// TestAtkSecuritySlidingRenewalRevoked checks that revoking a sliding token
// revokes every renewal the middleware handed out for it (same jti).
func TestAtkSecuritySlidingRenewalRevoked(t *testing.T) {
	ctx := context.Background()
	clk := atkNewClock(atkNow)
	a, err := simplejwt.New(simplejwt.WithClock(clk.Now), simplejwt.WithHMACSecret(bytes.Repeat([]byte("s"), 32)))
	if err != nil {
		t.Fatal(err)
	}
	g := a.MustGuard(simplejwt.Accept(simplejwt.Sliding))
	tok, err := a.ObtainSliding(ctx, simplejwt.User{ID: "7"})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(4 * time.Minute) // 1 minute left of 5: due for renewal
	rec, reached := atkServe(g, tok)
	renewed := rec.Header().Get("Refreshed-Token")
	if rec.Code != http.StatusOK || !reached || renewed == "" {
		t.Fatalf("renewal: status %d, reached %v, Refreshed-Token %q", rec.Code, reached, renewed)
	}
	if err := a.Blacklist(ctx, tok); err != nil {
		t.Fatal(err)
	}
	for name, tk := range map[string]string{"original": tok, "renewal": renewed} {
		rec, reached := atkServe(g, tk)
		if rec.Code != http.StatusUnauthorized || reached {
			t.Errorf("%s after blacklist: status %d, reached %v", name, rec.Code, reached)
		}
		if _, err := g.Check(atkRequest(tk)); !errors.Is(err, simplejwt.ErrTokenRevoked) {
			t.Errorf("%s after blacklist: Check %v, want ErrTokenRevoked", name, err)
		}
	}
}

// TestAtkSecurityRotationRace replays one refresh token from 32 goroutines
// with rotation and blacklist-after-rotation: exactly one must win (RFC 9700
// 4.14.2, refresh token replay detection).
func TestAtkSecurityRotationRace(t *testing.T) {
	ctx := context.Background()
	a := atkNew(t, simplejwt.WithHMACSecret(bytes.Repeat([]byte("r"), 32)),
		simplejwt.WithRotateRefreshTokens(true), simplejwt.WithBlacklistAfterRotation(true))
	p, err := a.ObtainPair(ctx, simplejwt.User{ID: "9"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 32
	var (
		wg       sync.WaitGroup
		wins     atomic.Int64
		replays  atomic.Int64
		start    = make(chan struct{})
		otherErr = make(chan error, n)
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := a.Refresh(ctx, p.Refresh)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, simplejwt.ErrTokenRevoked):
				replays.Add(1)
			default:
				otherErr <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(otherErr)
	for err := range otherErr {
		t.Errorf("Refresh: %v", err)
	}
	if wins.Load() != 1 || replays.Load() != n-1 {
		t.Errorf("%d refreshes won and %d were refused as replays, want 1 and %d", wins.Load(), replays.Load(), n-1)
	}
}

// TestAtkSecurityLogoutAll checks the per-user cutoff: tokens issued before
// it are refused, tokens issued in a later second are accepted.
func TestAtkSecurityLogoutAll(t *testing.T) {
	ctx := context.Background()
	clk := atkNewClock(atkNow)
	a, err := simplejwt.New(simplejwt.WithClock(clk.Now), simplejwt.WithHMACSecret(bytes.Repeat([]byte("l"), 32)))
	if err != nil {
		t.Fatal(err)
	}
	before, err := a.ObtainPair(ctx, simplejwt.User{ID: "5"})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(1500 * time.Millisecond)
	if err := a.LogoutAll(ctx, "5"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	after, err := a.ObtainPair(ctx, simplejwt.User{ID: "5"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check(atkRequest(before.Access)); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Errorf("access token issued before LogoutAll: %v, want ErrTokenRevoked", err)
	}
	if _, err := a.Refresh(ctx, before.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Errorf("refresh token issued before LogoutAll: %v, want ErrTokenRevoked", err)
	}
	if _, err := a.Check(atkRequest(after.Access)); err != nil {
		t.Errorf("access token issued after LogoutAll: %v", err)
	}
}

// atkNestedKeys returns {"p":{"k0":0,"k1":0,...}} with n distinct names in
// the nested object.
func atkNestedKeys(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"p":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":0`, i)
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// TestAtkSecurityNestedKeysLinear checks that the duplicate-name check of
// nested objects is not quadratic (CWE-407). The token endpoints parse up to
// 64 KiB of unauthenticated JSON; with a quadratic check one such body with
// ~8,700 nested names costs ~15x the CPU of the same names at the top level.
// The test compares the same parser on 1,000 and 16,000 names: linear work
// grows about 16x, quadratic work 256x, so the bound of 64x holds on a
// loaded machine and still catches a quadratic check. Each size is timed as
// the best of several runs.
func TestAtkSecurityNestedKeysLinear(t *testing.T) {
	small, large := atkNestedKeys(1000), atkNestedKeys(16000)
	best := func(doc []byte) time.Duration {
		d := time.Duration(1 << 62)
		for range 7 {
			start := time.Now()
			if err := strictjson.Validate(doc); err != nil {
				t.Fatal(err)
			}
			d = min(d, time.Since(start))
		}
		return d
	}
	ts, tl := best(small), best(large)
	ratio := float64(tl) / float64(max(ts, time.Microsecond))
	t.Logf("nested names: 1000 in %v, 16000 in %v, ratio %.1f (linear ~16, quadratic ~256)", ts, tl, ratio)
	if ratio > 64 {
		t.Errorf("16x the nested names took %.1fx the time: the duplicate check of nested objects is quadratic", ratio)
	}
}

// TestAtkSecurityKeyParsingRefusesConfusion checks that no way of loading a
// key yields a key for "none" or a key of one family pinned to another
// family's algorithm (RFC 8725 3.1; CVE-2016-10555).
func TestAtkSecurityKeyParsingRefusesConfusion(t *testing.T) {
	k := atkGetKeys(t)
	pubDER := atkMust(x509.MarshalPKIXPublicKey(&k.server.PublicKey))
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	oct := atkB64b(bytes.Repeat([]byte("o"), 64))
	rsaJWK := atkRSAJWK(&k.server.PublicKey)
	cases := []struct {
		name string
		load func() error
	}{
		{"ParseAlgorithm none", func() error { _, err := simplejwt.ParseAlgorithm("none"); return err }},
		{"ParseAlgorithm None", func() error { _, err := simplejwt.ParseAlgorithm("None"); return err }},
		{"ParseAlgorithm hs256", func() error { _, err := simplejwt.ParseAlgorithm("hs256"); return err }},
		{"NewHMACKey none", func() error { _, err := simplejwt.NewHMACKey("none", bytes.Repeat([]byte("x"), 64)); return err }},
		{"NewHMACKey RS256", func() error {
			_, err := simplejwt.NewHMACKey(simplejwt.RS256, bytes.Repeat([]byte("x"), 64))
			return err
		}},
		{"NewHMACKey HS256 31-byte secret", func() error { _, err := simplejwt.NewHMACKey(simplejwt.HS256, atkInteropKey); return err }},
		{"NewHMACKey HS512 32-byte secret", func() error {
			_, err := simplejwt.NewHMACKey(simplejwt.HS512, bytes.Repeat([]byte("x"), 32))
			return err
		}},
		{"NewWeakHMACKey 7-byte secret", func() error { _, err := simplejwt.NewWeakHMACKey(simplejwt.HS256, []byte("1234567")); return err }},
		{"NewKey HS256 with RSA public key", func() error { _, err := simplejwt.NewKey(simplejwt.HS256, &k.server.PublicKey); return err }},
		{"NewKey RS256 with HMAC secret", func() error { _, err := simplejwt.NewKey(simplejwt.RS256, bytes.Repeat([]byte("x"), 64)); return err }},
		{"NewKey ES256 with RSA key", func() error { _, err := simplejwt.NewKey(simplejwt.ES256, k.server); return err }},
		{"NewKey RS256 with EC key", func() error { _, err := simplejwt.NewKey(simplejwt.RS256, k.ec); return err }},
		{"NewKey ES384 with P-256 key", func() error { _, err := simplejwt.NewKey(simplejwt.ES384, k.ec); return err }},
		{"ParsePEMKey HS256", func() error { _, err := simplejwt.ParsePEMKey(simplejwt.HS256, pubPEM); return err }},
		{"ParsePEMKey none", func() error { _, err := simplejwt.ParsePEMKey("none", pubPEM); return err }},
		{"ParsePEMKey ES256 with RSA PEM", func() error { _, err := simplejwt.ParsePEMKey(simplejwt.ES256, pubPEM); return err }},
		{"ParseJWKSet oct alg none", func() error {
			_, err := simplejwt.ParseJWKSet([]byte(`{"keys":[{"kty":"oct","alg":"none","k":"`+oct+`"}]}`), "")
			return err
		}},
		{"ParseJWKSet RSA alg HS256", func() error {
			_, err := simplejwt.ParseJWKSet([]byte(`{"keys":[`+strings.Replace(rsaJWK, `{`, `{"alg":"HS256",`, 1)+`]}`), "")
			return err
		}},
		{"ParseJWKSet oct alg RS256", func() error {
			_, err := simplejwt.ParseJWKSet([]byte(`{"keys":[{"kty":"oct","alg":"RS256","k":"`+oct+`"}]}`), "")
			return err
		}},
		{"ParseJWKSet oct without alg, default RS256", func() error {
			_, err := simplejwt.ParseJWKSet([]byte(`{"keys":[{"kty":"oct","k":"`+oct+`"}]}`), simplejwt.RS256)
			return err
		}},
		{"ParseJWKSet RSA without alg and no default", func() error {
			_, err := simplejwt.ParseJWKSet([]byte(`{"keys":[`+rsaJWK+`]}`), "")
			return err
		}},
		{"ParseJWKSet short oct HS256", func() error {
			_, err := simplejwt.ParseJWKSet([]byte(`{"keys":[{"kty":"oct","alg":"HS256","k":"c2hvcnQ"}]}`), "")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.load()
			if err == nil {
				t.Fatal("key accepted")
			}
			if !errors.Is(err, simplejwt.ErrKey) {
				t.Errorf("error %v does not match ErrKey", err)
			}
		})
	}
}
