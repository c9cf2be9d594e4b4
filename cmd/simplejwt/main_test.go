package main

import (
	"bytes"
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
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// secret is the HS256 secret of the tests' tokens.
const secret = "0123456789abcdef0123456789abcdef"

// wireKey is the SIGNING_KEY of the reference SimpleJWT server: 31 bytes,
// so it needs --weak-secret.
const wireKey = "interop-shared-test-signing-key"

// t0 is when the tests' library tokens are minted.
var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// call is one run of the command.
type call struct {
	args  []string
	stdin string
	env   map[string]string
	now   time.Time // zero: time.Now at the call
}

type result struct {
	code           int
	stdout, stderr string
}

// runCall runs c and checks what every run must satisfy: no panic, and
// every line on stderr is a message of the command.
func runCall(t *testing.T, c call) result {
	t.Helper()
	var out, errb bytes.Buffer
	now := func() time.Time { return time.Now() }
	if !c.now.IsZero() {
		now = func() time.Time { return c.now }
	}
	code := run(c.args, strings.NewReader(c.stdin), &out, &errb, func(k string) string { return c.env[k] }, now)
	r := result{code, out.String(), errb.String()}
	for line := range strings.Lines(r.stderr) {
		if !strings.HasPrefix(line, "simplejwt") {
			t.Errorf("run %q: stderr line %q is not a message of the command", c.args, line)
		}
	}
	if r.stderr != "" && !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("run %q: stderr %q does not end in a newline", c.args, r.stderr)
	}
	return r
}

// sj runs the command with args at time.Now.
func sj(t *testing.T, args ...string) result {
	t.Helper()
	return runCall(t, call{args: args})
}

// sjAt runs the command with args at now.
func sjAt(t *testing.T, now time.Time, args ...string) result {
	t.Helper()
	return runCall(t, call{args: args, now: now})
}

// check compares a result with the expected exit status, stdout and
// stderr; a nil expectation is not checked.
func check(t *testing.T, r result, code int, stdout, stderr *string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	if stdout != nil && r.stdout != *stdout {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, *stdout)
	}
	if stderr != nil && r.stderr != *stderr {
		t.Errorf("stderr:\n%q\nwant:\n%q", r.stderr, *stderr)
	}
}

func ptr(s string) *string { return &s }

// wireTokens returns the tokens a reference SimpleJWT server issued in
// case id: the members of its response body.
func wireTokens(t *testing.T, id string) (map[string]string, time.Time) {
	t.Helper()
	data, err := os.ReadFile("../../testdata/simplejwt-wire.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			ID   string `json:"id"`
			Date string `json:"date"`
			Body string `json:"body"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Cases {
		if c.ID != id {
			continue
		}
		var toks map[string]string
		if err := json.Unmarshal([]byte(c.Body), &toks); err != nil {
			t.Fatalf("case %s: %v", id, err)
		}
		date, err := http.ParseTime(c.Date)
		if err != nil {
			t.Fatal(err)
		}
		return toks, date
	}
	t.Fatalf("no case %s in the wire file", id)
	return nil, time.Time{}
}

// payloadOf returns the indented payload of tok, as verify prints it.
func payloadOf(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	return buf.String() + "\n"
}

// libAuth returns an Auth with the test secret, the clock at now, and opts.
func libAuth(t *testing.T, now time.Time, opts ...simplejwt.Option) *simplejwt.Auth {
	t.Helper()
	base := []simplejwt.Option{simplejwt.WithHMACSecret([]byte(secret)), simplejwt.WithClock(func() time.Time { return now })}
	a, err := simplejwt.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func obtainPair(t *testing.T, a *simplejwt.Auth, user string) simplejwt.Pair {
	t.Helper()
	p, err := a.ObtainPair(context.Background(), simplejwt.User{ID: user})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func claimsOf(t *testing.T, a *simplejwt.Auth, tok string) *simplejwt.Claims {
	t.Helper()
	c, err := a.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("library Verify: %v", err)
	}
	return c
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ecKeyFiles writes a new P-256 key as PKCS#8 private and PKIX public PEM
// files.
func ecKeyFiles(t *testing.T) (private, public string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "ec.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		writeFile(t, "ec.pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
}

func TestDecodeReferenceToken(t *testing.T) {
	toks, date := wireTokens(t, "A1")
	access := toks["access"] // minted by SimpleJWT 5.2 at date
	sliding, slidingDate := wireTokens(t, "A23")
	header := "Header:\n{\n  \"alg\": \"HS256\",\n  \"typ\": \"JWT\"\n}\n"
	claims := `Claims:
{
  "token_type": "access",
  "exp": 1796397014,
  "iat": 1796396714,
  "jti": "89c68e6a80d947aba11808b68fee4d18",
  "user_id": 1
}
`
	notVerified := "Signature: not verified (give --secret, --secret-file, --key or --jwks to verify)\n"
	tests := []struct {
		name   string
		c      call
		code   int
		stdout string
		stderr string
	}{
		{
			name: "unverified, 1m after login",
			c:    call{args: []string{"decode", access}, now: date.Add(time.Minute)},
			stdout: header + claims + `Times:
  exp          2026-12-04 15:10:14 UTC (expires in 4m)
  iat          2026-12-04 15:05:14 UTC (1m ago)
` + notVerified,
		},
		{
			name: "from standard input, expired",
			c:    call{args: []string{"decode", "-"}, stdin: "\n " + access + "\n", now: date.Add(8*time.Minute + 20*time.Second)},
			stdout: header + claims + `Times:
  exp          2026-12-04 15:10:14 UTC (expired 3m20s ago)
  iat          2026-12-04 15:05:14 UTC (8m20s ago)
` + notVerified,
		},
		{
			name: "sliding token shows refresh_exp",
			c:    call{args: []string{"decode", sliding["token"]}, now: slidingDate.Add(2 * time.Hour)},
			stdout: header + `Claims:
{
  "token_type": "sliding",
  "exp": 1796397016,
  "iat": 1796396716,
  "jti": "6a160e89d57644238362b4dffedeac7f",
  "refresh_exp": 1796483116,
  "user_id": 1
}
Times:
  exp          2026-12-04 15:10:16 UTC (expired 1h55m ago)
  iat          2026-12-04 15:05:16 UTC (2h ago)
  refresh_exp  2026-12-05 15:05:16 UTC (expires in 22h)
` + notVerified,
		},
		{
			name: "json",
			c:    call{args: []string{"decode", "--json", access}, now: date},
			stdout: `{
  "header": {
    "alg": "HS256",
    "typ": "JWT"
  },
  "claims": {
    "token_type": "access",
    "exp": 1796397014,
    "iat": 1796396714,
    "jti": "89c68e6a80d947aba11808b68fee4d18",
    "user_id": 1
  }
}
`,
		},
		{
			name: "verified with the server's weak key",
			c:    call{args: []string{"decode", "--weak-secret", "--secret", wireKey, access}, now: date.Add(time.Minute)},
			stdout: header + claims + `Times:
  exp          2026-12-04 15:10:14 UTC (expires in 4m)
  iat          2026-12-04 15:05:14 UTC (1m ago)
Signature: verified, token valid
`,
		},
		{
			name: "verification with another key fails after decoding",
			c:    call{args: []string{"decode", "--secret", secret, access}, now: date.Add(time.Minute)},
			code: 1,
			stdout: header + claims + `Times:
  exp          2026-12-04 15:10:14 UTC (expires in 4m)
  iat          2026-12-04 15:05:14 UTC (1m ago)
`,
			stderr: "simplejwt decode: token not valid: bad signature: signature does not verify\n",
		},
		{
			name:   "verification of an expired token fails",
			c:      call{args: []string{"decode", "--json", "--weak-secret", "--secret", wireKey, access}, now: date.Add(time.Hour)},
			code:   1,
			stdout: "",
			stderr: "simplejwt decode: token not valid: token expired\n",
		},
		{
			name:   "the server's key is too short without --weak-secret",
			c:      call{args: []string{"decode", "--secret", wireKey, access}, now: date},
			code:   1,
			stderr: "simplejwt decode: --secret: bad key: HS256 secret is 31 bytes, want at least 32 (--weak-secret accepts a shorter one, 8 bytes at least)\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCall(t, tc.c)
			var stdout *string
			if tc.stdout != "" || tc.code == 0 {
				stdout = &tc.stdout
			}
			check(t, r, tc.code, stdout, &tc.stderr)
		})
	}
}

func TestDecodeGarbage(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stderr string
	}{
		{"word", []string{"decode", "garbage"}, "", 1,
			"simplejwt decode: not a JWT: want three dot-separated segments, got 1\n"},
		{"two segments", []string{"decode", "eyJhbGciOiJIUzI1NiJ9.e30"}, "", 1,
			"simplejwt decode: not a JWT: want three dot-separated segments, got 2\n"},
		{"JWE", []string{"decode", "a.b.c.d.e"}, "", 1,
			"simplejwt decode: not a JWT: five segments make an encrypted token (JWE), which this tool does not read\n"},
		{"header not base64url", []string{"decode", "!!!!.e30.sig"}, "", 1,
			"simplejwt decode: not a JWT: the header is not base64url: illegal base64 data at input byte 0\n"},
		{"payload not JSON", []string{"decode", enc([]byte(`{"alg":"HS256"}`)) + "." + enc([]byte("not json")) + ".c2ln"}, "", 1,
			"simplejwt decode: not a JWT: the payload is not JSON\n"},
		{"header an array", []string{"decode", enc([]byte(`["alg"]`)) + ".e30.c2ln"}, "", 1,
			"simplejwt decode: not a JWT: the header is not a JSON object\n"},
		{"payload not UTF-8", []string{"decode", "e30." + enc([]byte("{\"a\":\"\xff\"}")) + ".c2ln"}, "", 1,
			"simplejwt decode: not a JWT: the payload is not valid UTF-8\n"},
		{"empty standard input", []string{"decode", "-"}, " \n", 1,
			"simplejwt decode: no token on standard input\n"},
		{"no token", []string{"decode"}, "", 2,
			"simplejwt decode: missing TOKEN (give the token, or - to read it from standard input) (see 'simplejwt decode --help')\n"},
		{"two tokens", []string{"decode", "a", "b"}, "", 2,
			"simplejwt decode: want one TOKEN, got 2 arguments (see 'simplejwt decode --help')\n"},
		{"token after --", []string{"decode", "--", "-x"}, "", 1,
			"simplejwt decode: not a JWT: want three dot-separated segments, got 1\n"},
		{"weak-secret without a secret", []string{"decode", "--weak-secret", "a.b.c"}, "", 2,
			"simplejwt decode: --alg, --kid and --weak-secret qualify a key: give --secret, --secret-file, --key or --jwks too (see 'simplejwt decode --help')\n"},
		{"flag-like token", []string{"decode", "-x"}, "", 2,
			"simplejwt decode: flag provided but not defined: -x (see 'simplejwt decode --help')\n"},
		{"unreadable key file", []string{"decode", "--key", "/nonexistent/key.pem", "a.b.c"}, "", 1,
			"simplejwt decode: --key: open /nonexistent/key.pem: no such file or directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCall(t, call{args: tc.args, stdin: tc.stdin})
			check(t, r, tc.code, ptr(""), &tc.stderr)
		})
	}
	// Time claims of the wrong type or range are shown, not fatal.
	tok := "e30." + enc([]byte(`{"exp":"soon","iat":-5,"nbf":1.5}`)) + ".c2ln"
	r := sjAt(t, time.Unix(0, 0), "decode", tok)
	want := `Times:
  exp          "soon" (not a number)
  iat          -5 (out of range)
  nbf          1970-01-01 00:00:01.5 UTC (in 2s)
`
	if r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("exit status %d, stdout:\n%s\nwant it to contain:\n%s", r.code, r.stdout, want)
	}
}

func TestVerify(t *testing.T) {
	lib := libAuth(t, t0)
	pair := obtainPair(t, lib, "42")
	sliding, err := lib.ObtainSliding(context.Background(), simplejwt.User{ID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, ecPub := ecKeyFiles(t)
	ecKey, err := simplejwt.ParsePEMKey(simplejwt.ES256, must(os.ReadFile(ecPriv)))
	if err != nil {
		t.Fatal(err)
	}
	ecLib, err := simplejwt.New(simplejwt.WithSigningKey(ecKey), simplejwt.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	ecPair := obtainPair(t, ecLib, "42")
	secretFile := writeFile(t, "secret", []byte(secret+"\r\n"))
	emptyFile := writeFile(t, "empty", []byte("\n"))
	wire, wireDate := wireTokens(t, "C1") // SimpleJWT with AUDIENCE, ISSUER and LEEWAY=30
	weak := []string{"--weak-secret", "--secret", wireKey}
	aud := []string{"--audience", "interop-aud", "--issuer", "https://issuer.example"}
	later := t0.Add(time.Minute)
	accessOut, refreshOut, slidingOut := payloadOf(t, pair.Access), payloadOf(t, pair.Refresh), payloadOf(t, sliding)
	ecOut, wireOut := payloadOf(t, ecPair.Access), payloadOf(t, wire["access"])

	tests := []struct {
		name   string
		c      call
		code   int
		stdout string
		stderr string
	}{
		{name: "access", c: call{args: []string{"verify", "--secret", secret, pair.Access}, now: later}, stdout: accessOut},
		{name: "access, flags after the token", c: call{args: []string{"verify", pair.Access, "--type", "access", "--secret", secret}, now: later}, stdout: accessOut},
		{name: "refresh", c: call{args: []string{"verify", "--secret", secret, "--type", "refresh", pair.Refresh}, now: later}, stdout: refreshOut},
		{name: "sliding", c: call{args: []string{"verify", "--secret", secret, "--type", "sliding", sliding}, now: later}, stdout: slidingOut},
		{name: "from standard input", c: call{args: []string{"verify", "--secret", secret, "-"}, stdin: pair.Access + "\n", now: later}, stdout: accessOut},
		{name: "secret file", c: call{args: []string{"verify", "--secret-file", secretFile, pair.Access}, now: later}, stdout: accessOut},
		{name: "secret from JWT_SIGNING_KEY", c: call{args: []string{"verify", pair.Access}, env: map[string]string{"JWT_SIGNING_KEY": secret}, now: later}, stdout: accessOut},
		{name: "ES256 public key", c: call{args: []string{"verify", "--key", ecPub, ecPair.Access}, now: later}, stdout: ecOut},
		{name: "ES256 private key", c: call{args: []string{"verify", "--key", ecPriv, "--alg", "ES256", ecPair.Access}, now: later}, stdout: ecOut},
		{name: "within the leeway", c: call{args: []string{"verify", "--secret", secret, "--leeway", "30s", pair.Access}, now: t0.Add(5*time.Minute + 20*time.Second)}, stdout: accessOut},
		{name: "SimpleJWT token with audience and issuer", c: call{args: slices.Concat([]string{"verify"}, weak, aud, []string{wire["access"]}), now: wireDate}, stdout: wireOut},

		{name: "expired", c: call{args: []string{"verify", "--secret", secret, pair.Access}, now: t0.Add(5 * time.Minute)},
			code: 1, stderr: "simplejwt verify: token not valid: token expired\n"},
		{name: "past the leeway", c: call{args: []string{"verify", "--secret", secret, "--leeway", "30s", pair.Access}, now: t0.Add(5*time.Minute + 30*time.Second)},
			code: 1, stderr: "simplejwt verify: token not valid: token expired\n"},
		{name: "not yet valid", c: call{args: []string{"verify", "--secret", secret, pair.Access}, now: t0.Add(-time.Hour)},
			code: 1, stderr: "simplejwt verify: token not valid: token not yet valid: iat is in the future\n"},
		{name: "wrong key", c: call{args: []string{"verify", "--secret", strings.ToUpper(secret), pair.Access}, now: later},
			code: 1, stderr: "simplejwt verify: token not valid: bad signature: signature does not verify\n"},
		{name: "wrong algorithm", c: call{args: []string{"verify", "--secret", secret + secret, "--alg", "HS512", pair.Access}, now: later},
			code: 1, stderr: "simplejwt verify: token not valid: no key for token: no key for this alg and kid\n"},
		{name: "HS token, EC key", c: call{args: []string{"verify", "--key", ecPub, pair.Access}, now: later},
			code: 1, stderr: "simplejwt verify: token not valid: no key for token: no key for this alg and kid\n"},
		{name: "wrong type", c: call{args: []string{"verify", "--secret", secret, "--type", "access", pair.Refresh}, now: later},
			code: 1, stderr: "simplejwt verify: token not valid: token has wrong type: token_type is \"refresh\", want \"access\"\n"},
		{name: "sliding is not access", c: call{args: []string{"verify", "--secret", secret, "--type", "access", sliding}, now: later},
			code: 1, stderr: "simplejwt verify: token not valid: token has wrong type: token_type is \"sliding\", want \"access\"\n"},
		{name: "wrong audience", c: call{args: slices.Concat([]string{"verify", "--audience", "other"}, weak, []string{wire["access"]}), now: wireDate},
			code: 1, stderr: "simplejwt verify: token not valid: wrong audience\n"},
		{name: "wrong issuer", c: call{args: slices.Concat([]string{"verify", "--issuer", "https://other.example"}, weak, []string{wire["access"]}), now: wireDate},
			code: 1, stderr: "simplejwt verify: token not valid: wrong issuer\n"},
		{name: "garbage", c: call{args: []string{"verify", "--secret", secret, "garbage"}, now: later},
			code: 1, stderr: "simplejwt verify: token not valid: malformed token: token must have three non-empty segments\n"},
		{name: "key of the wrong curve", c: call{args: []string{"verify", "--key", ecPub, "--alg", "ES384", ecPair.Access}, now: later},
			code: 1, stderr: "simplejwt verify: --key " + ecPub + ": bad key: ES384 needs curve P-384, key is on P-256\n"},
		{name: "unreadable secret file", c: call{args: []string{"verify", "--secret-file", "/nonexistent/secret", pair.Access}, now: later},
			code: 1, stderr: "simplejwt verify: --secret-file: open /nonexistent/secret: no such file or directory\n"},
		{name: "short secret", c: call{args: []string{"verify", "--secret", "short", pair.Access}, now: later},
			code: 1, stderr: "simplejwt verify: --secret: bad key: HS256 secret is 5 bytes, want at least 32 (--weak-secret accepts a shorter one, 8 bytes at least)\n"},

		{name: "empty secret file", c: call{args: []string{"verify", "--secret-file", emptyFile, pair.Access}, now: later},
			code: 1, stderr: "simplejwt verify: --secret-file " + emptyFile + ": the file is empty\n"},
		{name: "key file from JWT_PRIVATE_KEY_FILE", c: call{args: []string{"verify", ecPair.Access}, env: map[string]string{"JWT_PRIVATE_KEY_FILE": ecPub, "JWT_ALGORITHM": "ES256"}, now: later},
			stdout: ecOut},
		{name: "flags win over the environment", c: call{args: []string{"verify", "--secret", secret, pair.Access}, env: map[string]string{"JWT_PRIVATE_KEY_FILE": ecPub, "JWT_ALGORITHM": "ES256"}, now: later},
			stdout: accessOut},
		{name: "two keys in the environment", c: call{args: []string{"verify", pair.Access}, env: map[string]string{"JWT_SIGNING_KEY": secret, "JWT_PRIVATE_KEY_FILE": ecPub}},
			code: 2, stderr: "simplejwt verify: JWT_SIGNING_KEY and JWT_PRIVATE_KEY_FILE are both set: choose with --secret or --key (see 'simplejwt verify --help')\n"},
		{name: "bad JWT_ALGORITHM", c: call{args: []string{"verify", pair.Access}, env: map[string]string{"JWT_SIGNING_KEY": secret, "JWT_ALGORITHM": "HS1"}},
			code: 2, stderr: "simplejwt verify: JWT_ALGORITHM: bad key: unknown algorithm \"HS1\" (see 'simplejwt verify --help')\n"},
		{name: "alg without a key", c: call{args: []string{"verify", "--alg", "HS512", pair.Access}},
			code: 2, stderr: "simplejwt verify: --alg, --kid and --weak-secret qualify a key: give --secret, --secret-file, --key or --jwks too (see 'simplejwt verify --help')\n"},
		{name: "kid with a JWK Set", c: call{args: []string{"verify", "--jwks", "set.json", "--kid", "k", pair.Access}},
			code: 2, stderr: "simplejwt verify: --kid goes with --secret or --key; a JWK Set names its own kids (see 'simplejwt verify --help')\n"},
		{name: "HS256 with a PEM key", c: call{args: []string{"verify", "--key", ecPub, "--alg", "HS256", pair.Access}},
			code: 2, stderr: "simplejwt verify: --alg HS256 takes --secret or --secret-file, not a PEM key (see 'simplejwt verify --help')\n"},
		{name: "no key", c: call{args: []string{"verify", pair.Access}},
			code: 2, stderr: "simplejwt verify: no key: give --secret, --secret-file, --key or --jwks (or set JWT_SIGNING_KEY or JWT_PRIVATE_KEY_FILE) (see 'simplejwt verify --help')\n"},
		{name: "two keys", c: call{args: []string{"verify", "--secret", secret, "--key", ecPub, pair.Access}},
			code: 2, stderr: "simplejwt verify: give only one of --secret, --secret-file, --key or --jwks (see 'simplejwt verify --help')\n"},
		{name: "no token", c: call{args: []string{"verify", "--secret", secret}},
			code: 2, stderr: "simplejwt verify: missing TOKEN (give the token, or - to read it from standard input) (see 'simplejwt verify --help')\n"},
		{name: "bad type", c: call{args: []string{"verify", "--secret", secret, "--type", "bearer", pair.Access}},
			code: 2, stderr: "simplejwt verify: --type must be access, refresh or sliding, got \"bearer\" (see 'simplejwt verify --help')\n"},
		{name: "alg none", c: call{args: []string{"verify", "--secret", secret, "--alg", "none", pair.Access}},
			code: 2, stderr: "simplejwt verify: --alg: bad key: algorithm \"none\" is never accepted (see 'simplejwt verify --help')\n"},
		{name: "RS256 with a secret", c: call{args: []string{"verify", "--secret", secret, "--alg", "RS256", pair.Access}},
			code: 2, stderr: "simplejwt verify: --alg RS256 takes --key or --jwks, not a secret (see 'simplejwt verify --help')\n"},
		{name: "leeway out of range", c: call{args: []string{"verify", "--secret", secret, "--leeway", "2h", pair.Access}},
			code: 2, stderr: "simplejwt verify: simplejwt.New: WithLeeway: must be between 0 and 1h, got 2h0m0s (see 'simplejwt verify --help')\n"},
		{name: "bad duration", c: call{args: []string{"verify", "--secret", secret, "--leeway", "soon", pair.Access}},
			code: 2, stderr: "simplejwt verify: invalid value \"soon\" for flag -leeway: parse error (see 'simplejwt verify --help')\n"},
		{name: "unknown flag", c: call{args: []string{"verify", "--sekret", secret, pair.Access}},
			code: 2, stderr: "simplejwt verify: flag provided but not defined: -sekret (see 'simplejwt verify --help')\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, runCall(t, tc.c), tc.code, &tc.stdout, &tc.stderr)
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMintRoundTrip(t *testing.T) {
	ecPriv, ecPub := ecKeyFiles(t)
	tests := []struct {
		typ      simplejwt.TokenType
		lifetime time.Duration // --lifetime, or 0
		exp      time.Duration // expected exp - iat
		renew    time.Duration // expected refresh_exp - iat, sliding only
	}{
		{simplejwt.Access, 0, 5 * time.Minute, 0},
		{simplejwt.Access, 10 * time.Minute, 10 * time.Minute, 0},
		{simplejwt.Refresh, 0, 24 * time.Hour, 0},
		{simplejwt.Refresh, 7 * 24 * time.Hour, 7 * 24 * time.Hour, 0},
		{simplejwt.Sliding, 0, 5 * time.Minute, 24 * time.Hour},
		{simplejwt.Sliding, 48 * time.Hour, 48 * time.Hour, 48 * time.Hour},
	}
	lib := libAuth(t, t0.Add(time.Minute))
	others := []simplejwt.TokenType{simplejwt.Access, simplejwt.Refresh, simplejwt.Sliding}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s %v", tc.typ, tc.lifetime), func(t *testing.T) {
			args := []string{"mint", "--type", string(tc.typ), "--user", "42", "--secret", secret,
				"--claim", "role=admin", "--claim", "level:=3", "--claim", `tags:=["a","b"]`}
			if tc.lifetime > 0 {
				args = append(args, "--lifetime", tc.lifetime.String())
			}
			r := sjAt(t, t0, args...)
			if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "\n") != 1 {
				t.Fatalf("mint: exit status %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			tok := strings.TrimSuffix(r.stdout, "\n")

			c := claimsOf(t, lib, tok)
			if c.Type != tc.typ || c.UserID != "42" || len(c.SessionID) != 32 || !c.IssuedAt.Equal(t0) {
				t.Errorf("claims: type %q user %q session %q iat %v", c.Type, c.UserID, c.SessionID, c.IssuedAt)
			}
			if got := c.ExpiresAt.Sub(c.IssuedAt); got != tc.exp {
				t.Errorf("exp - iat = %v, want %v", got, tc.exp)
			}
			if got := c.RefreshExpiresAt.Sub(c.IssuedAt); tc.renew != 0 && got != tc.renew {
				t.Errorf("refresh_exp - iat = %v, want %v", got, tc.renew)
			}
			custom, err := c.Custom("token_type", "exp", "iat", "jti", "user_id", "sid", "refresh_exp")
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]any{"role": "admin", "level": 3.0, "tags": []any{"a", "b"}}; fmt.Sprint(custom) != fmt.Sprint(want) {
				t.Errorf("custom claims %v, want %v", custom, want)
			}

			check(t, sjAt(t, t0.Add(time.Minute), "verify", "--secret", secret, "--type", string(tc.typ), tok), 0, ptr(payloadOf(t, tok)), ptr(""))
			for _, other := range others {
				if other == tc.typ {
					continue
				}
				want := fmt.Sprintf("simplejwt verify: token not valid: token has wrong type: token_type is %q, want %q\n", tc.typ, other)
				check(t, sjAt(t, t0.Add(time.Minute), "verify", "--secret", secret, "--type", string(other), tok), 1, ptr(""), &want)
			}
		})
	}

	t.Run("ES256 with kid, audience and issuer", func(t *testing.T) {
		r := sjAt(t, t0, "mint", "--user", "7", "--key", ecPriv, "--kid", "k1", "--audience", "api", "--issuer", "https://id.example")
		if r.code != 0 {
			t.Fatalf("mint: %d %s", r.code, r.stderr)
		}
		tok := strings.TrimSpace(r.stdout)
		pub, err := simplejwt.ParsePEMKey(simplejwt.ES256, must(os.ReadFile(ecPub)))
		if err != nil {
			t.Fatal(err)
		}
		a, err := simplejwt.New(simplejwt.WithVerificationKeys(pub.WithID("k1")), simplejwt.WithAudience("api"),
			simplejwt.WithIssuer("https://id.example"), simplejwt.WithClock(func() time.Time { return t0 }))
		if err != nil {
			t.Fatal(err)
		}
		c := claimsOf(t, a, tok)
		if c.UserID != "7" || c.Issuer != "https://id.example" || !slices.Equal(c.Audience, []string{"api"}) {
			t.Errorf("claims %+v", c)
		}
		header, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
		if string(header) != `{"alg":"ES256","kid":"k1","typ":"JWT"}` {
			t.Errorf("header %s", header)
		}
	})

	t.Run("no session claim", func(t *testing.T) {
		r := sjAt(t, t0, "mint", "--user", "7", "--secret", secret, "--session-claim", "")
		c := claimsOf(t, libAuth(t, t0), strings.TrimSpace(r.stdout))
		if c.SessionID != "" || strings.Contains(payloadOf(t, strings.TrimSpace(r.stdout)), "sid") {
			t.Errorf("session %q in %s", c.SessionID, r.stdout)
		}
	})

	errs := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no user", []string{"mint", "--secret", secret}, 2,
			"simplejwt mint: missing --user (see 'simplejwt mint --help')\n"},
		{"no key", []string{"mint", "--user", "1"}, 2,
			"simplejwt mint: no key: give --secret, --secret-file or --key (or set JWT_SIGNING_KEY or JWT_PRIVATE_KEY_FILE) (see 'simplejwt mint --help')\n"},
		{"bad type", []string{"mint", "--user", "1", "--secret", secret, "--type", "id"}, 2,
			"simplejwt mint: --type must be access, refresh or sliding, got \"id\" (see 'simplejwt mint --help')\n"},
		{"reserved claim", []string{"mint", "--user", "1", "--secret", secret, "--claim", "exp:=1"}, 2,
			"simplejwt mint: --claim: custom claim overrides a reserved claim: \"exp\" (see 'simplejwt mint --help')\n"},
		{"claim without =", []string{"mint", "--user", "1", "--secret", secret, "--claim", "role"}, 2,
			"simplejwt mint: --claim \"role\": want K=V or K:=JSON (see 'simplejwt mint --help')\n"},
		{"claim with bad JSON", []string{"mint", "--user", "1", "--secret", secret, "--claim", "n:=1 2"}, 2,
			"simplejwt mint: --claim n: \"1 2\" is not one JSON value (see 'simplejwt mint --help')\n"},
		{"claim twice", []string{"mint", "--user", "1", "--secret", secret, "--claim", "a=1", "--claim", "a:=2"}, 2,
			"simplejwt mint: --claim a given twice (see 'simplejwt mint --help')\n"},
		{"negative lifetime", []string{"mint", "--user", "1", "--secret", secret, "--lifetime", "-5m"}, 2,
			"simplejwt mint: lifetimes must be positive (see 'simplejwt mint --help')\n"},
		{"refresh lifetime of an access token", []string{"mint", "--user", "1", "--secret", secret, "--refresh-lifetime", "1h"}, 2,
			"simplejwt mint: --refresh-lifetime applies to sliding tokens only (see 'simplejwt mint --help')\n"},
		{"sliding window shorter than the token", []string{"mint", "--type", "sliding", "--user", "1", "--secret", secret, "--lifetime", "2h", "--refresh-lifetime", "1h"}, 2,
			"simplejwt mint: simplejwt.New: WithSlidingTokenRefreshLifetime: 1h0m0s is shorter than the sliding lifetime 2h0m0s (see 'simplejwt mint --help')\n"},
		{"jwks cannot sign", []string{"mint", "--user", "1", "--jwks", "set.json"}, 2,
			"simplejwt mint: flag provided but not defined: -jwks (see 'simplejwt mint --help')\n"},
		{"public key cannot sign", []string{"mint", "--user", "1", "--key", ecPub}, 1,
			"simplejwt mint: --key " + ecPub + " holds a public key; signing needs the private key\n"},
		{"stray argument", []string{"mint", "--user", "1", "--secret", secret, "extra"}, 2,
			"simplejwt mint: unexpected argument \"extra\" (see 'simplejwt mint --help')\n"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			check(t, sj(t, tc.args...), tc.code, ptr(""), &tc.stderr)
		})
	}
}

// redisStore returns a RedisStore on srv with prefix, as a server would
// build it.
func redisStore(t *testing.T, srv *redistest.Server, prefix string) *simplejwt.RedisStore {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { client.Close() })
	s, err := simplejwt.NewRedisStore(client, simplejwt.WithRedisPrefix(prefix), simplejwt.WithRedisTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// middlewareAnswer is the answer of a middleware on the store to a request
// carrying tok.
func middlewareAnswer(t *testing.T, store simplejwt.Store, tok string) (int, string) {
	t.Helper()
	a, err := simplejwt.New(simplejwt.WithHMACSecret([]byte(secret)), simplejwt.WithStore(store))
	if err != nil {
		t.Fatal(err)
	}
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := simplejwt.ClaimsFrom(r.Context())
		fmt.Fprintf(w, "hello %s", c.UserID)
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

const blacklisted = `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is blacklisted"}]}`

func TestRevokeTokenThenStatus(t *testing.T) {
	srv := redistest.New(t)
	url := srv.URL()
	now := time.Now()
	pair := obtainPair(t, libAuth(t, now), "5")
	lib := libAuth(t, now)
	access, refresh := claimsOf(t, lib, pair.Access), claimsOf(t, lib, pair.Refresh)
	store := redisStore(t, srv, "simplejwt:")

	statusOut := func(c *simplejwt.Claims, jti, session, verdict string) string {
		return fmt.Sprintf("user     5\njti      %s  %s\nsession  %s  %s\ncutoff   none\n%s\n", c.ID, jti, c.SessionID, session, verdict)
	}
	check(t, sjAt(t, now, "status", "--token", pair.Access, "--redis", url, "--secret", secret), 0,
		ptr(statusOut(access, "not revoked", "not revoked", "not revoked")), ptr(""))
	if code, body := middlewareAnswer(t, store, pair.Access); code != http.StatusOK || body != "hello 5" {
		t.Fatalf("middleware before revocation: %d %s", code, body)
	}

	want := fmt.Sprintf("revoked refresh token %s of user 5 and its session %s\n", refresh.ID, refresh.SessionID)
	check(t, sjAt(t, now, "revoke", "--token", pair.Refresh, "--redis", url, "--secret", secret), 0, &want, ptr(""))

	check(t, sjAt(t, now, "status", "--token", pair.Refresh, "--redis", url, "--secret", secret), 1,
		ptr(statusOut(refresh, "revoked", "revoked", "revoked: jti revoked, session revoked")), ptr(""))
	// The access token of that login is revoked with its session.
	check(t, sjAt(t, now, "status", "--token", pair.Access, "--redis", url, "--secret", secret), 1,
		ptr(statusOut(access, "not revoked", "revoked", "revoked: session revoked")), ptr(""))
	if code, body := middlewareAnswer(t, store, pair.Access); code != http.StatusUnauthorized || body != blacklisted {
		t.Errorf("middleware after revocation: %d %s", code, body)
	}
	// Without a key the claims are read unverified, with a warning.
	check(t, runCall(t, call{args: []string{"status", "--token", "-", "--redis", url}, stdin: pair.Access, now: now}), 1,
		ptr(statusOut(access, "not revoked", "revoked", "revoked: session revoked")),
		ptr("simplejwt status: warning: signature not verified (give --secret, --secret-file, --key or --jwks to verify)\n"))
	// Revoking again is not an error; REDIS_URL stands in for --redis.
	check(t, runCall(t, call{args: []string{"revoke", "--token", pair.Refresh, "--secret", secret}, env: map[string]string{"REDIS_URL": url}, now: now}),
		0, &want, ptr(""))
	// Another prefix is another store.
	check(t, sjAt(t, now, "status", "--token", pair.Refresh, "--redis", url, "--secret", secret, "--prefix", "other:"), 0,
		ptr(statusOut(refresh, "not revoked", "not revoked", "not revoked")), ptr(""))
	// verify --redis consults the store.
	check(t, sjAt(t, now, "verify", "--secret", secret, "--redis", url, pair.Access), 1, ptr(""),
		ptr("simplejwt verify: token not valid: token revoked: session revoked\n"))

	// Revoking an access token revokes its jti only.
	other := obtainPair(t, libAuth(t, now), "5")
	oc := claimsOf(t, lib, other.Access)
	check(t, sjAt(t, now, "revoke", "--token", other.Access, "--redis", url, "--secret", secret), 0,
		ptr(fmt.Sprintf("revoked access token %s of user 5\n", oc.ID)), ptr(""))
	check(t, sjAt(t, now, "status", "--token", other.Access, "--redis", url, "--secret", secret), 1,
		ptr(statusOut(oc, "revoked", "not revoked", "revoked: jti revoked")), ptr(""))
	if code, body := middlewareAnswer(t, store, other.Access); code != http.StatusUnauthorized || body != blacklisted {
		t.Errorf("middleware after revocation: %d %s", code, body)
	}
	if _, err := libAuth(t, now, simplejwt.WithStore(store)).Refresh(context.Background(), other.Refresh); err != nil {
		t.Errorf("the refresh token of that login still works: %v", err)
	}
}

func TestRevokeAllThenStatus(t *testing.T) {
	srv := redistest.New(t)
	url := srv.URL()
	store := redisStore(t, srv, "simplejwt:")
	now := time.Now()
	old := obtainPair(t, libAuth(t, now.Add(-time.Minute)), "9").Access
	oc := claimsOf(t, libAuth(t, now), old)
	bystander := obtainPair(t, libAuth(t, now.Add(-time.Minute)), "10").Access

	r := sjAt(t, now, "revoke", "--user", "9", "--all", "--redis", url)
	check(t, r, 0, ptr(fmt.Sprintf("revoked every token of user 9 issued before %s\n", utc(now))), ptr(""))

	cutoff := time.UnixMilli(now.UnixMilli() + 1) // the store rounds the cutoff up to the millisecond
	if now.Equal(time.UnixMilli(now.UnixMilli())) {
		cutoff = now
	}
	want := fmt.Sprintf("user     9\njti      %s  not revoked\nsession  %s  not revoked\ncutoff   %s, token issued %s, before it: revoked\nrevoked: issued before the user's cutoff\n",
		oc.ID, oc.SessionID, utc(cutoff), utc(oc.IssuedAt))
	check(t, sjAt(t, now, "status", "--token", old, "--redis", url, "--secret", secret), 1, &want, ptr(""))
	if code, body := middlewareAnswer(t, store, old); code != http.StatusUnauthorized || body != blacklisted {
		t.Errorf("middleware: %d %s", code, body)
	}

	// A token issued after the cutoff, and another user's, are not revoked.
	later := now.Add(2 * time.Second)
	fresh := obtainPair(t, libAuth(t, later), "9").Access
	fc := claimsOf(t, libAuth(t, later), fresh)
	want = fmt.Sprintf("user     9\njti      %s  not revoked\nsession  %s  not revoked\ncutoff   %s, token issued %s, after it: not revoked\nnot revoked\n",
		fc.ID, fc.SessionID, utc(cutoff), utc(fc.IssuedAt))
	check(t, sjAt(t, later, "status", "--token", fresh, "--redis", url, "--secret", secret), 0, &want, ptr(""))
	if r := sjAt(t, now, "status", "--token", bystander, "--redis", url, "--secret", secret); r.code != 0 {
		t.Errorf("another user's token: %d %s", r.code, r.stdout)
	}
}

func TestRevokeJTIAndSession(t *testing.T) {
	srv := redistest.New(t)
	url := srv.URL()
	now := time.Now()
	pair := obtainPair(t, libAuth(t, now), "3")
	c := claimsOf(t, libAuth(t, now), pair.Access)
	until := now.Add(time.Hour).UTC().Truncate(time.Second)

	check(t, sjAt(t, now, "revoke", "--jti", c.ID, "--user", "3", "--until", until.Format(time.RFC3339), "--redis", url), 0,
		ptr(fmt.Sprintf("revoked jti %s of user 3 until %s\n", c.ID, utc(until))), ptr(""))
	r := sjAt(t, now, "status", "--token", pair.Access, "--redis", url, "--secret", secret)
	if r.code != 1 || !strings.HasSuffix(r.stdout, "\nrevoked: jti revoked\n") {
		t.Errorf("status after revoke --jti: %d\n%s", r.code, r.stdout)
	}
	if code, body := middlewareAnswer(t, redisStore(t, srv, "simplejwt:"), pair.Access); code != http.StatusUnauthorized || body != blacklisted {
		t.Errorf("middleware: %d %s", code, body)
	}

	other := obtainPair(t, libAuth(t, now), "3")
	oc := claimsOf(t, libAuth(t, now), other.Access)
	check(t, sjAt(t, now, "revoke", "--sid", oc.SessionID, "--user", "3", "--until", "30m", "--redis", url, "--prefix", "app:"), 0,
		ptr(fmt.Sprintf("revoked session %s of user 3 until %s\n", oc.SessionID, utc(now.Add(30*time.Minute)))), ptr(""))
	r = sjAt(t, now, "status", "--token", other.Refresh, "--redis", url, "--secret", secret, "--prefix", "app:")
	if r.code != 1 || !strings.HasSuffix(r.stdout, "\nrevoked: session revoked\n") {
		t.Errorf("status after revoke --sid: %d\n%s", r.code, r.stdout)
	}
}

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRevokeAndStatusErrors(t *testing.T) {
	srv := redistest.New(t)
	url := srv.URL()
	now := time.Now()
	pair := obtainPair(t, libAuth(t, now), "3")
	dead := closedPort(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // exact, or a prefix when it ends in "..."
	}{
		{"nothing to revoke", []string{"revoke", "--redis", url}, 2,
			"simplejwt revoke: say what to revoke: --token, --jti, --sid, or --user with --all (see 'simplejwt revoke --help')\n"},
		{"two things to revoke", []string{"revoke", "--jti", "j", "--all", "--user", "1", "--redis", url}, 2,
			"simplejwt revoke: give only one of --token, --jti, --sid and --all (see 'simplejwt revoke --help')\n"},
		{"jti without user", []string{"revoke", "--jti", "j", "--until", "1h", "--redis", url}, 2,
			"simplejwt revoke: missing --user (see 'simplejwt revoke --help')\n"},
		{"jti without until", []string{"revoke", "--jti", "j", "--user", "1", "--redis", url}, 2,
			"simplejwt revoke: missing --until (see 'simplejwt revoke --help')\n"},
		{"until passed", []string{"revoke", "--jti", "j", "--user", "1", "--until", "2020-01-01T00:00:00Z", "--redis", url}, 2,
			"simplejwt revoke: --until 2020-01-01T00:00:00Z has passed: there is nothing left to revoke (see 'simplejwt revoke --help')\n"},
		{"until unreadable", []string{"revoke", "--jti", "j", "--user", "1", "--until", "tomorrow", "--redis", url}, 2,
			"simplejwt revoke: --until \"tomorrow\" is neither an RFC 3339 time nor a duration (see 'simplejwt revoke --help')\n"},
		{"all with until", []string{"revoke", "--all", "--user", "1", "--until", "1h", "--redis", url}, 2,
			"simplejwt revoke: --until does not go with --all: the entry lasts as long as the longest-lived token (see 'simplejwt revoke --help')\n"},
		{"token with user", []string{"revoke", "--token", pair.Refresh, "--user", "1", "--secret", secret, "--redis", url}, 2,
			"simplejwt revoke: --user and --until are read from the token; do not give them with --token (see 'simplejwt revoke --help')\n"},
		{"token without key", []string{"revoke", "--token", pair.Refresh, "--redis", url}, 2,
			"simplejwt revoke: no key: give --secret, --secret-file, --key or --jwks (or set JWT_SIGNING_KEY or JWT_PRIVATE_KEY_FILE) (see 'simplejwt revoke --help')\n"},
		{"key without token", []string{"revoke", "--all", "--user", "1", "--secret", secret, "--redis", url}, 2,
			"simplejwt revoke: a key is only needed with --token (see 'simplejwt revoke --help')\n"},
		{"no redis", []string{"revoke", "--all", "--user", "1"}, 2,
			"simplejwt revoke: no Redis: give --redis URL (or set REDIS_URL) (see 'simplejwt revoke --help')\n"},
		{"bad redis URL", []string{"revoke", "--all", "--user", "1", "--redis", "http://example.com"}, 2,
			"simplejwt revoke: --redis: redis: invalid URL scheme: http (see 'simplejwt revoke --help')\n"},
		{"bad prefix", []string{"revoke", "--all", "--user", "1", "--redis", url, "--prefix", "my app:"}, 2,
			"simplejwt revoke: simplejwt.NewRedisStore: WithRedisPrefix: prefix \"my app:\" contains a space or control character (see 'simplejwt revoke --help')\n"},
		{"bad lifetime", []string{"revoke", "--all", "--user", "1", "--redis", url, "--refresh-lifetime", "0s"}, 2,
			"simplejwt revoke: simplejwt.New: WithRefreshTokenLifetime: lifetime must be positive, got 0s (see 'simplejwt revoke --help')\n"},
		{"invalid token", []string{"revoke", "--token", pair.Refresh, "--secret", strings.ToUpper(secret), "--redis", url}, 1,
			"simplejwt revoke: token not valid: bad signature: signature does not verify\n"},
		{"garbage token", []string{"revoke", "--token", "garbage", "--secret", secret, "--redis", url}, 1,
			"simplejwt revoke: token not valid: malformed token: token must have three non-empty segments\n"},
		{"unreachable redis", []string{"revoke", "--all", "--user", "1", "--redis", "redis://" + dead + "/0", "--redis-timeout", "1s"}, 1,
			"simplejwt revoke: revocation store unavailable: redis revoke: dial tcp " + dead + ": connect: connection refused\n"},

		{"status without token", []string{"status", "--redis", url}, 2,
			"simplejwt status: missing --token (see 'simplejwt status --help')\n"},
		{"status without redis", []string{"status", "--token", pair.Access, "--secret", secret}, 2,
			"simplejwt status: no Redis: give --redis URL (or set REDIS_URL) (see 'simplejwt status --help')\n"},
		{"status with bad redis URL", []string{"status", "--token", pair.Access, "--secret", secret, "--redis", "redis://host:port/x"}, 2,
			"simplejwt status: --redis: ..."},
		{"status of garbage", []string{"status", "--token", "garbage", "--redis", url}, 1,
			"simplejwt status: not a JWT: want three dot-separated segments, got 1\n"},
		{"status of an invalid token", []string{"status", "--token", pair.Access, "--secret", strings.ToUpper(secret), "--redis", url}, 1,
			"simplejwt status: token not valid: bad signature: signature does not verify\n"},
		{"status with unreachable redis", []string{"status", "--token", pair.Access, "--secret", secret, "--redis", "redis://" + dead + "/0"}, 1,
			"simplejwt status: revocation store unavailable: redis lookup: dial tcp " + dead + ": connect: connection refused\n"},
		{"status with a stray argument", []string{"status", "--token", pair.Access, "--redis", url, pair.Access}, 2,
			"simplejwt status: unexpected argument \"" + pair.Access + "\" (see 'simplejwt status --help')\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sjAt(t, now, tc.args...)
			if prefix, ok := strings.CutSuffix(tc.stderr, "..."); ok {
				if r.code != tc.code || !strings.HasPrefix(r.stderr, prefix) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
					t.Errorf("exit status %d, stdout %q, stderr %q; want %d and %q...", r.code, r.stdout, r.stderr, tc.code, prefix)
				}
				return
			}
			check(t, r, tc.code, ptr(""), &tc.stderr)
		})
	}
}

var allAlgs = []simplejwt.Algorithm{
	simplejwt.HS256, simplejwt.HS384, simplejwt.HS512,
	simplejwt.RS256, simplejwt.RS384, simplejwt.RS512,
	simplejwt.PS256, simplejwt.PS384, simplejwt.PS512,
	simplejwt.ES256, simplejwt.ES384, simplejwt.ES512,
	simplejwt.EdDSA,
}

// privateMembers are the JWK members that hold private key material.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// jwkMembers returns the members of each key of a JWK or JWK Set.
func jwkMembers(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	keys, ok := doc["keys"].([]any)
	if !ok {
		return []map[string]any{doc}
	}
	var out []map[string]any
	for _, k := range keys {
		out = append(out, k.(map[string]any))
	}
	return out
}

func TestKeygenJWKSRoundTrip(t *testing.T) {
	for _, alg := range allAlgs {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			kid := "kid-" + string(alg)
			r := sj(t, "keygen", "--alg", string(alg), "--kid", kid)
			if r.code != 0 {
				t.Fatalf("keygen: %d %s", r.code, r.stderr)
			}
			var (
				signArgs []string
				jwkJSON  []byte
				verify   []*simplejwt.Key
				setFile  string // the jwks output, for verify --jwks
			)
			if isHMAC(alg) {
				secretLine, rest, _ := strings.Cut(r.stdout, "\n")
				if raw, err := base64.RawURLEncoding.DecodeString(secretLine); err != nil || len(raw) != hmacSize(alg) {
					t.Fatalf("secret %q: %d bytes, %v", secretLine, len(raw), err)
				}
				if r.stderr != "simplejwt keygen: warning: this JWK is the secret itself (kty \"oct\"); never publish it\n" {
					t.Errorf("stderr %q", r.stderr)
				}
				jwkJSON = []byte(rest)
				m := jwkMembers(t, jwkJSON)[0]
				if m["kty"] != "oct" || m["k"] != base64.RawURLEncoding.EncodeToString([]byte(secretLine)) {
					t.Errorf("JWK %s", jwkJSON)
				}
				signArgs = []string{"--secret", secretLine, "--alg", string(alg)}
				keys, err := simplejwt.ParseJWKSet(jwkJSON, "")
				if err != nil {
					t.Fatal(err)
				}
				verify = keys
				// jwks publishes public keys only.
				check(t, sj(t, "jwks", "--key", "x.pem", "--alg", string(alg)), 2, ptr(""),
					ptr(fmt.Sprintf("simplejwt jwks: --alg %s: HMAC secrets have no public key to publish (see 'simplejwt jwks --help')\n", alg)))
			} else {
				block, rest := pem.Decode([]byte(r.stdout))
				if block == nil || block.Type != "PRIVATE KEY" || r.stderr != "" {
					t.Fatalf("keygen output:\n%s\nstderr %q", r.stdout, r.stderr)
				}
				jwkJSON = rest
				keyFile := writeFile(t, "key.pem", pem.EncodeToMemory(block))
				signArgs = []string{"--key", keyFile, "--alg", string(alg)}

				jr := sj(t, "jwks", "--key", keyFile, "--alg", string(alg), "--kid", kid)
				if jr.code != 0 || jr.stderr != "" {
					t.Fatalf("jwks: %d %s", jr.code, jr.stderr)
				}
				members := jwkMembers(t, []byte(jr.stdout))
				if len(members) != 1 {
					t.Fatalf("jwks printed %d keys", len(members))
				}
				for _, name := range privateMembers {
					if _, ok := members[0][name]; ok {
						t.Errorf("jwks printed private member %q: %s", name, jr.stdout)
					}
				}
				if members[0]["alg"] != string(alg) || members[0]["kid"] != kid || members[0]["use"] != "sig" {
					t.Errorf("jwks: %s", jr.stdout)
				}
				keys, err := simplejwt.ParseJWKSet([]byte(jr.stdout), "")
				if err != nil {
					t.Fatalf("ParseJWKSet: %v\n%s", err, jr.stdout)
				}
				if len(keys) != 1 || keys[0].Algorithm() != alg || keys[0].ID() != kid || keys[0].CanSign() {
					t.Fatalf("ParseJWKSet: %d keys, alg %s, kid %q", len(keys), keys[0].Algorithm(), keys[0].ID())
				}
				verify = keys
				// keygen's own JWK is the same public key.
				for _, name := range privateMembers {
					if _, ok := jwkMembers(t, jwkJSON)[0][name]; ok {
						t.Errorf("keygen printed private member %q", name)
					}
				}
				if _, err := simplejwt.ParseJWKSet(jwkJSON, ""); err != nil {
					t.Errorf("keygen JWK: %v", err)
				}
				setFile = writeFile(t, "set.json", []byte(jr.stdout))
			}

			mr := sjAt(t, t0, slices.Concat([]string{"mint", "--user", "8", "--kid", kid}, signArgs)...)
			if mr.code != 0 {
				t.Fatalf("mint: %d %s", mr.code, mr.stderr)
			}
			tok := strings.TrimSpace(mr.stdout)
			a, err := simplejwt.New(simplejwt.WithVerificationKeys(verify...), simplejwt.WithClock(func() time.Time { return t0 }))
			if err != nil {
				t.Fatal(err)
			}
			if c := claimsOf(t, a, tok); c.UserID != "8" {
				t.Errorf("user %q", c.UserID)
			}
			if setFile != "" {
				check(t, sjAt(t, t0, "verify", "--jwks", setFile, tok), 0, ptr(payloadOf(t, tok)), ptr(""))
			}
		})
	}
}

func TestKeygenOutAndJWKSErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ed.pem")
	r := sj(t, "keygen", "--alg", "EdDSA", "--out", out)
	if r.code != 0 || r.stderr != "" || strings.Contains(r.stdout, "PRIVATE") {
		t.Fatalf("keygen --out: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	// The JWK printed is the public half of the key written, and the
	// algorithm is inferred from it.
	jr := sj(t, "jwks", "--key", out)
	if got, want := jwkMembers(t, []byte(jr.stdout))[0], jwkMembers(t, []byte(r.stdout))[0]; jr.code != 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("jwks %v, keygen %v", got, want)
	}
	secretOut := filepath.Join(dir, "hs.secret")
	if r := sj(t, "keygen", "--alg", "HS512", "--out", secretOut); r.code != 0 {
		t.Fatalf("keygen HS512 --out: %d %s", r.code, r.stderr)
	}
	// The secret file works with --secret-file.
	mr := sjAt(t, t0, "mint", "--user", "1", "--secret-file", secretOut, "--alg", "HS512")
	if mr.code != 0 {
		t.Fatalf("mint --secret-file: %s", mr.stderr)
	}
	check(t, sjAt(t, t0, "verify", "--secret-file", secretOut, "--alg", "HS512", strings.TrimSpace(mr.stdout)), 0, nil, ptr(""))

	_, ecPub := ecKeyFiles(t)
	notPEM := writeFile(t, "not.pem", []byte("hello"))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"out exists", []string{"keygen", "--alg", "ES256", "--out", out}, 1,
			"simplejwt keygen: --out: open " + out + ": file exists\n"},
		{"no alg", []string{"keygen"}, 2, "simplejwt keygen: missing --alg (see 'simplejwt keygen --help')\n"},
		{"unknown alg", []string{"keygen", "--alg", "ES999"}, 2,
			"simplejwt keygen: --alg: bad key: unknown algorithm \"ES999\" (see 'simplejwt keygen --help')\n"},
		{"small RSA", []string{"keygen", "--alg", "RS256", "--bits", "1024"}, 2,
			"simplejwt keygen: --bits must be between 2048 and 8192, got 1024 (see 'simplejwt keygen --help')\n"},
		{"jwks without key", []string{"jwks"}, 2, "simplejwt jwks: missing --key (see 'simplejwt jwks --help')\n"},
		{"jwks of a missing file", []string{"jwks", "--key", "/nonexistent/k.pem"}, 1,
			"simplejwt jwks: --key: open /nonexistent/k.pem: no such file or directory\n"},
		{"jwks of a non-PEM file", []string{"jwks", "--key", notPEM}, 1,
			"simplejwt jwks: --key " + notPEM + ": no PEM block found\n"},
		{"jwks for the wrong curve", []string{"jwks", "--key", ecPub, "--alg", "ES512"}, 1,
			"simplejwt jwks: --key " + ecPub + ": bad key: ES512 needs curve P-521, key is on P-256\n"},
		{"jwks of an EC key for RSA", []string{"jwks", "--key", ecPub, "--alg", "RS256"}, 1,
			"simplejwt jwks: --key " + ecPub + ": bad key: an ECDSA key cannot be used with \"RS256\"\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, sj(t, tc.args...), tc.code, ptr(""), &tc.stderr)
		})
	}
}

type usageCase struct {
	name   string
	args   []string
	code   int
	stdout string // prefix of stdout
	stderr string
}

func TestUsage(t *testing.T) {
	tests := []usageCase{
		{"no arguments", nil, 2, "", "simplejwt: no command given (see 'simplejwt help')\n"},
		{"unknown command", []string{"sign"}, 2, "", "simplejwt: unknown command \"sign\" (see 'simplejwt help')\n"},
		{"help", []string{"help"}, 0, "simplejwt inspects, verifies and mints", ""},
		{"--help", []string{"--help"}, 0, "simplejwt inspects, verifies and mints", ""},
		{"help of an unknown command", []string{"help", "sign"}, 2, "", "simplejwt help: unknown command \"sign\" (see 'simplejwt help')\n"},
		{"help of two commands", []string{"help", "mint", "verify"}, 2, "", "simplejwt help: give at most one command name\n"},
	}
	for _, cmd := range commands() {
		tests = append(tests,
			usageCase{cmd.name + " --help", []string{cmd.name, "--help"}, 0, "Usage: simplejwt " + cmd.name + " ", ""},
			usageCase{cmd.name + " -h", []string{cmd.name, "-h"}, 0, "Usage: simplejwt " + cmd.name + " ", ""},
			usageCase{"help " + cmd.name, []string{"help", cmd.name}, 0, "Usage: simplejwt " + cmd.name + " ", ""},
			usageCase{cmd.name + " with an unknown flag", []string{cmd.name, "--bogus"}, 2, "",
				"simplejwt " + cmd.name + ": flag provided but not defined: -bogus (see 'simplejwt " + cmd.name + " --help')\n"},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sj(t, tc.args...)
			if r.code != tc.code || !strings.HasPrefix(r.stdout, tc.stdout) || r.stderr != tc.stderr {
				t.Errorf("exit status %d, stdout %q, stderr %q; want %d, %q..., %q", r.code, r.stdout, r.stderr, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	// The overview names every command, and each command's help every flag.
	overview := sj(t, "help").stdout
	for _, cmd := range commands() {
		if !strings.Contains(overview, "\t"+cmd.name+" ") {
			t.Errorf("help does not list %s", cmd.name)
		}
		fs, _ := newFlagSet(cmd)
		help := sj(t, cmd.name, "--help").stdout
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(help, "  --"+f.Name) {
				t.Errorf("%s --help does not describe --%s", cmd.name, f.Name)
			}
		})
	}
}

func TestKeyInference(t *testing.T) {
	priv := func(k crypto.Signer) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(k))})
	}
	pub := func(k crypto.Signer) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(k.Public()))})
	}
	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048))
	p384 := must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	p521 := must(ecdsa.GenerateKey(elliptic.P521(), rand.Reader))
	p224 := must(ecdsa.GenerateKey(elliptic.P224(), rand.Reader))
	_, ed := must2(ed25519.GenerateKey(rand.Reader))
	x25519 := must(ecdh.X25519().GenerateKey(rand.Reader))
	tests := []struct {
		name string
		pem  []byte
		alg  string // the inferred alg, or "" when refused with err
		err  string
	}{
		{"RSA PKCS#8", priv(rsaKey), "RS256", ""},
		{"RSA PKCS#1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), "RS256", ""},
		{"RSA PKCS#1 public", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)}), "RS256", ""},
		{"RSA PKIX public", pub(rsaKey), "RS256", ""},
		{"P-384 SEC 1", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: must(x509.MarshalECPrivateKey(p384))}), "ES384", ""},
		{"P-521 public", pub(p521), "ES512", ""},
		{"Ed25519", priv(ed), "EdDSA", ""},
		{"Ed25519 public", pub(ed), "EdDSA", ""},
		{"P-224", priv(p224), "", "ECDSA curve P-224 has no JWS algorithm"},
		{"X25519", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(x25519))}), "",
			"*ecdh.PrivateKey keys cannot sign JWTs"},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")}), "", `PEM block "CERTIFICATE" is not a key`},
		{"corrupt", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")}), "", "asn1: syntax error: truncated tag or length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "key.pem", tc.pem)
			r := sj(t, "jwks", "--key", file)
			if tc.alg == "" {
				check(t, r, 1, ptr(""), ptr("simplejwt jwks: --key "+file+": "+tc.err+"\n"))
				return
			}
			if r.code != 0 || jwkMembers(t, []byte(r.stdout))[0]["alg"] != tc.alg {
				t.Errorf("exit status %d, stdout %s, stderr %s; want alg %s", r.code, r.stdout, r.stderr, tc.alg)
			}
		})
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                              "0s",
		400 * time.Millisecond:         "0s",
		45 * time.Second:               "45s",
		3 * time.Minute:                "3m",
		3*time.Minute + 20*time.Second: "3m20s",
		time.Hour + 2*time.Minute + 5*time.Second: "1h2m",
		26 * time.Hour:                "1d2h",
		50*time.Hour + 59*time.Minute: "2d2h",
		400 * 24 * time.Hour:          "400d",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestBinary builds the command and runs it as a user would.
func TestBinary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	bin := filepath.Join(t.TempDir(), "simplejwt")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	runBin := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}
	for _, cmd := range commands() {
		code, stdout, stderr := runBin(cmd.name, "--help")
		if code != 0 || !strings.HasPrefix(stdout, "Usage: simplejwt "+cmd.name+" ") || !strings.Contains(stdout, "\nFlags:\n") || stderr != "" {
			t.Errorf("%s --help: exit status %d, stdout %q, stderr %q", cmd.name, code, stdout, stderr)
		}
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, 2, "simplejwt: no command given (see 'simplejwt help')\n"},
		{[]string{"help"}, 0, ""},
		{[]string{"decode", "garbage"}, 1, "simplejwt decode: not a JWT: want three dot-separated segments, got 1\n"},
		{[]string{"verify", "--secret", secret, "..."}, 1, "simplejwt verify: token not valid: malformed token: token must have three non-empty segments\n"},
		{[]string{"status", "--token", "a.b.c", "--redis", "redis://" + closedPort(t) + "/0"}, 1,
			"simplejwt status: not a JWT: the header is not base64url: illegal base64 data at input byte 0\n"},
	} {
		code, _, stderr := runBin(tc.args...)
		if code != tc.code || stderr != tc.stderr {
			t.Errorf("%q: exit status %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.stderr)
		}
	}
}
