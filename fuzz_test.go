package simplejwt_test

// Fuzz targets for everything that parses attacker input: the Authorization
// header, the compact token, the claims JSON and the token endpoint bodies.
// Seed corpora live in testdata/fuzz/FuzzXxx, including every token and
// header of the SimpleJWT wire reference.
//
// Properties checked on every input: no panic; every error matches a
// package sentinel with errors.Is; a token is accepted only if it carries a
// valid HS256 signature under the test key; the claims parser agrees with
// encoding/json on validity; endpoints answer only 200, 400, 401, 405, 413
// or 415, always with a JSON body.
//
// Package-level identifiers start with "fz": other test files share the
// package.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/strictjson"
)

// fzSentinels are the errors Check, Verify and the issuer may return.
var fzSentinels = []error{
	simplejwt.ErrNoToken,
	simplejwt.ErrBadAuthorizationHeader,
	simplejwt.ErrDuplicateAuthorization,
	simplejwt.ErrTokenMalformed,
	simplejwt.ErrTokenUnverifiable,
	simplejwt.ErrTokenSignature,
	simplejwt.ErrTokenExpired,
	simplejwt.ErrTokenNotYetValid,
	simplejwt.ErrTokenAudience,
	simplejwt.ErrTokenIssuer,
	simplejwt.ErrTokenNoExp,
	simplejwt.ErrTokenNoID,
	simplejwt.ErrTokenNoType,
	simplejwt.ErrTokenWrongType,
	simplejwt.ErrTokenNoUser,
	simplejwt.ErrTokenRevoked,
	simplejwt.ErrRefreshExpired,
	simplejwt.ErrNoRefreshExp,
	simplejwt.ErrRevocationUnavailable,
}

func fzCheckSentinel(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range fzSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %q matches no package sentinel", what, err)
}

// fzNew returns the Auth every target attacks: SimpleJWT defaults with the
// interop key and the catalogue's fixed clock, so that the reference tokens
// in the seed corpora are valid.
func fzNew(tb testing.TB, opts ...simplejwt.Option) *simplejwt.Auth {
	tb.Helper()
	key, err := simplejwt.NewWeakHMACKey(simplejwt.HS256, atkInteropKey)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := simplejwt.New(append([]simplejwt.Option{
		simplejwt.WithSigningKey(key),
		simplejwt.WithClock(atkClock),
		simplejwt.WithAuthenticator(atkUsers),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// fzMintedWithKey reports whether tok is a compact JWS whose header names
// exactly HS256 and whose signature is the HMAC-SHA256 of its signing input
// under the test key: the only tokens the server may accept.
func fzMintedWithKey(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return false
	}
	enc := base64.RawURLEncoding.Strict()
	hdr, err := enc.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h struct {
		Alg *string `json:"alg"`
	}
	if json.Unmarshal(hdr, &h) != nil || h.Alg == nil || *h.Alg != "HS256" {
		return false
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, atkInteropKey)
	m.Write([]byte(parts[0] + "." + parts[1]))
	return hmac.Equal(sig, m.Sum(nil))
}

// FuzzAuthorizationHeader fuzzes the Authorization header value through
// Check and the middleware.
func FuzzAuthorizationHeader(f *testing.F) {
	f.Add("Bearer " + atkRefAccess)
	f.Add("Bearer garbage")
	a := fzNew(f)
	g := a.MustGuard()
	f.Fuzz(func(t *testing.T, v string) {
		newReq := func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
			r.Header["Authorization"] = []string{v}
			return r
		}
		res, err := g.Check(newReq())
		fzCheckSentinel(t, "Check", err)
		if err == nil {
			if res.Claims == nil {
				t.Fatalf("Check accepted %q without claims", v)
			}
			if !fzMintedWithKey(res.Token) || !strings.Contains(v, res.Token) {
				t.Fatalf("Check accepted token %q from %q that the key did not sign", res.Token, v)
			}
		}
		var reached bool
		rec := httptest.NewRecorder()
		g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })).ServeHTTP(rec, newReq())
		switch rec.Code {
		case http.StatusOK:
			if err != nil || !reached {
				t.Fatalf("middleware answered 200 (reached %v) where Check said %v", reached, err)
			}
		case http.StatusBadRequest, http.StatusUnauthorized:
			if reached {
				t.Fatal("inner handler reached by a refused request")
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("status %d body is not JSON: %q", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, v)
		}
	})
}

// FuzzParseToken fuzzes the token string through Check and Verify.
func FuzzParseToken(f *testing.F) {
	f.Add(atkRefAccess)
	f.Add(atkRefAlgNone)
	a := fzNew(f)
	g := a.MustGuard()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := a.Verify(ctx, tok)
		fzCheckSentinel(t, "Verify", err)
		if err == nil {
			if c == nil {
				t.Fatal("Verify returned no claims and no error")
			}
			if !fzMintedWithKey(tok) {
				t.Fatalf("Verify accepted %q, which the key did not sign", tok)
			}
		}
		r := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
		r.Header["Authorization"] = []string{"Bearer " + tok}
		res, err := g.Check(r)
		fzCheckSentinel(t, "Check", err)
		if err == nil {
			if res.Token != tok || !fzMintedWithKey(tok) {
				t.Fatalf("Check accepted %q, which the key did not sign", tok)
			}
			if res.Claims.Type != simplejwt.Access {
				t.Fatalf("access-only guard accepted token_type %q", res.Claims.Type)
			}
		}
	})
}

// FuzzClaimsPayload fuzzes the payload JSON of a token signed with the test
// key, so that every input reaches the claims decoder.
func FuzzClaimsPayload(f *testing.F) {
	f.Add([]byte(atkAccess()))
	f.Add([]byte(`{"token_type":"access","exp":1796397100,"jti":"x","user_id":"1","a":{"b":[1,2,{"c":null}]}}`))
	a := fzNew(f, simplejwt.WithMaxTokenBytes(1<<20))
	g := a.MustGuard()
	ctx := context.Background()
	hdr := atkB64(atkHdr) + "."
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok := atkSignInput(hdr + base64.RawURLEncoding.EncodeToString(payload))
		c, verr := a.Verify(ctx, tok)
		fzCheckSentinel(t, "Verify", verr)
		_, cerr := g.Check(atkRequest(tok))
		fzCheckSentinel(t, "Check", cerr)

		strictErr := strictjson.Validate(payload)
		valid := json.Valid(payload)
		object := valid && bytes.HasPrefix(bytes.TrimLeft(payload, " \t\r\n"), []byte("{"))
		if strictErr == nil && !object {
			t.Fatalf("strictjson accepts %q, which encoding/json does not take as an object", payload)
		}
		if strictErr != nil && !errors.Is(verr, simplejwt.ErrTokenMalformed) {
			t.Fatalf("payload %q refused by strictjson (%v) but Verify said %v", payload, strictErr, verr)
		}
		if (verr == nil || cerr == nil) && strictErr != nil {
			t.Fatalf("token with payload %q accepted although strictjson refuses it", payload)
		}
		// The other direction: a valid object is refused only for what
		// the strict rules name.
		if object && strictErr != nil && utf8.Valid(payload) && !fzLoneSurrogate(payload) {
			depth, dup := fzShape(payload)
			if depth <= strictjson.MaxDepth && !dup {
				t.Fatalf("strictjson refuses %q (%v), a valid object without duplicates, invalid UTF-8 or deep nesting", payload, strictErr)
			}
		}
		if verr == nil {
			fzSameClaims(t, payload, c)
		}
	})
}

// fzSameClaims compares the claims the package decoded with what
// encoding/json reads from the same payload: a parser differential here
// would let one claims set mean two things.
func fzSameClaims(t *testing.T, payload []byte, c *simplejwt.Claims) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("encoding/json cannot decode accepted payload %q: %v", payload, err)
	}
	if got, _ := m["jti"].(string); got != c.ID {
		t.Fatalf("jti: package read %q, encoding/json %q (payload %q)", c.ID, got, payload)
	}
	if tt, ok := m["token_type"].(string); ok && tt != string(c.Type) {
		t.Fatalf("token_type: package read %q, encoding/json %q (payload %q)", c.Type, tt, payload)
	}
	switch u := m["user_id"].(type) {
	case string:
		if u != c.UserID {
			t.Fatalf("user_id: package read %q, encoding/json %q", c.UserID, u)
		}
	case json.Number:
		if string(u) != c.UserID && c.UserID != "" {
			t.Fatalf("user_id: package read %q, encoding/json %q", c.UserID, u)
		}
	}
	if n, ok := m["exp"].(json.Number); ok {
		if f, err := n.Float64(); err == nil && int64(f) != c.ExpiresAt.Unix() {
			t.Fatalf("exp: package read %v, encoding/json %v", c.ExpiresAt.Unix(), f)
		}
	}
}

// fzLoneSurrogate reports whether a JSON text holds a \u escape of a
// surrogate that is not part of a high-low pair.
func fzLoneSurrogate(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(b) {
				return false
			}
			if b[i+1] != 'u' {
				i++
				continue
			}
			r, ok := fzHex4(b, i+2)
			if !ok {
				return false
			}
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return true
			case r >= 0xD800 && r <= 0xDBFF:
				if i+12 > len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
					return true
				}
				r2, ok := fzHex4(b, i+8)
				if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
					return true
				}
				i += 11
			default:
				i += 5
			}
		}
	}
	return false
}

func fzHex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	// An oracle independent of the reader: strconv, not its hex decoder.
	h := string(b[i : i+4])
	if strings.ContainsAny(h, "+-_xX") {
		return 0, false
	}
	n, err := strconv.ParseUint(h, 16, 32)
	return rune(n), err == nil
}

// fzShape returns the deepest nesting of a valid JSON text and whether any
// object in it repeats a member name.
func fzShape(b []byte) (depth int, dup bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	type frame struct {
		object    bool
		expectKey bool
		names     map[string]bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF || err != nil {
			return depth, dup
		}
		top := (*frame)(nil)
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.object {
					top.expectKey = false
				}
				stack = append(stack, &frame{object: v == '{', expectKey: v == '{', names: map[string]bool{}})
				depth = max(depth, len(stack))
			case '}', ']':
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if top != nil && top.object && top.expectKey {
				if top.names[v] {
					dup = true
				}
				top.names[v] = true
				top.expectKey = false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// fzPaths are the mounted endpoints FuzzEndpointBody posts to.
var fzPaths = []string{
	"/api/token/",
	"/api/token/refresh/",
	"/api/token/sliding/",
	"/api/token/sliding/refresh/",
	"/api/token/verify/",
	"/api/token/blacklist/",
}

// fzHeaderValueOK reports whether a real net/http server would pass v on as
// a header value: no control characters but horizontal tab.
func fzHeaderValueOK(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzEndpointBody fuzzes request bodies and content types through the
// mounted token endpoints.
func FuzzEndpointBody(f *testing.F) {
	f.Add(uint8(0), "application/json", []byte(`{"username":"alice","password":"wonderland"}`))
	f.Add(uint8(1), "application/x-www-form-urlencoded", []byte("refresh="+atkRefRefresh))
	a := fzNew(f)
	mux := http.NewServeMux()
	a.Mount(mux, "/api/token/")
	f.Fuzz(func(t *testing.T, ep uint8, ctype string, body []byte) {
		if !fzHeaderValueOK(ctype) {
			return
		}
		r := httptest.NewRequest(http.MethodPost, fzPaths[int(ep)%len(fzPaths)], bytes.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusMethodNotAllowed,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("status %d for %s %q %q: %s", rec.Code, r.URL.Path, ctype, body, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("status %d body is not valid JSON: %q (Content-Type %q)", rec.Code, rec.Body, ctype)
		}
	})
}
