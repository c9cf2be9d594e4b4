package simplejwt

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gosimplejwt/simplejwt/internal/strictjson"
)

// TokenType is the value of the token_type claim.
type TokenType string

// Token types, as SimpleJWT names them.
const (
	Access  TokenType = "access"
	Refresh TokenType = "refresh"
	Sliding TokenType = "sliding"
)

// Claims are the verified claims of a token. The typed fields hold the claims
// this package knows; other ("custom") claims are decoded on demand with Get
// or Custom.
//
// A Claims value is read-only once returned; it is safe to share between
// goroutines.
type Claims struct {
	Type      TokenType // token_type
	ID        string    // jti
	UserID    string    // user id claim, as a string even when sent as a number
	SessionID string    // session id claim; "" for tokens minted without one
	Issuer    string    // iss
	Audience  []string  // aud

	IssuedAt         time.Time // iat; zero when absent
	ExpiresAt        time.Time // exp
	NotBefore        time.Time // nbf; zero when absent
	RefreshExpiresAt time.Time // refresh_exp of sliding tokens; zero when absent

	payload []byte // the decoded JSON payload
	key     *Key   // the key that verified the token; nil for tokens minted here
}

// Payload returns a copy of the token's JSON payload as it was signed.
func (c *Claims) Payload() []byte { return slices.Clone(c.payload) }

// Get decodes the claim called name into v (as encoding/json would) and
// reports whether the token has that claim.
func (c *Claims) Get(name string, v any) (bool, error) {
	var r strictjson.Reader
	r.Reset(c.payload)
	for r.Next() {
		if string(r.Key()) == name {
			return true, json.Unmarshal(r.Value().Raw, v)
		}
	}
	return false, r.Err()
}

// Custom returns every claim of the token that is not one of the reserved
// claims this package sets itself, decoded as encoding/json decodes into an
// any.
func (c *Claims) Custom(reserved ...string) (map[string]any, error) {
	out := map[string]any{}
	var r strictjson.Reader
	r.Reset(c.payload)
	for r.Next() {
		k := string(r.Key())
		if slices.Contains(reserved, k) {
			continue
		}
		var v any
		if err := json.Unmarshal(r.Value().Raw, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, r.Err()
}

// User is an authenticated user as the token endpoints see it.
type User struct {
	// ID goes into the user id claim, as a JSON string.
	ID string
	// Claims are extra claims for every token minted for this user. They may
	// not name a reserved claim.
	Claims map[string]any
}

// newJTI returns a random UUID version 4 as 32 lowercase hex digits, the form
// SimpleJWT uses (uuid4().hex).
func newJTI() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// newSessionID returns 128 random bits as 32 lowercase hex digits.
func newSessionID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// mint describes one token to sign.
type mint struct {
	typ        TokenType
	iat        time.Time
	exp        time.Time
	refreshExp time.Time // sliding only
	jti        string

	// Either from is set (the new token copies its claims, as SimpleJWT does
	// for access tokens from a refresh token and for sliding renewals)...
	from *Claims
	// ...or these are.
	userID    string
	sessionID string
	custom    map[string]any
}

// reservedClaims lists the claim names this package writes itself.
func (c *config) reservedClaims() []string {
	r := []string{"token_type", "exp", "iat", "jti", "nbf", "aud", "iss", c.userIDClaim, c.refreshExpClaim}
	if c.sessionClaim != "" {
		r = append(r, c.sessionClaim)
	}
	return r
}

// encodePayload writes the JSON payload in SimpleJWT's member order:
// token_type, exp, iat, jti, refresh_exp, user id, then the rest, with aud and
// iss last.
func (a *Auth) encodePayload(m *mint) ([]byte, error) {
	cfg := &a.cfg
	b := make([]byte, 0, 256)
	b = append(b, `{"token_type":`...)
	b = appendJSONString(b, string(m.typ))
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, m.exp.Unix(), 10)
	b = append(b, `,"iat":`...)
	b = strconv.AppendInt(b, m.iat.Unix(), 10)
	b = append(b, `,"jti":`...)
	b = appendJSONString(b, m.jti)
	if m.typ == Sliding {
		b = append(b, ',')
		b = appendJSONString(b, cfg.refreshExpClaim)
		b = append(b, ':')
		b = strconv.AppendInt(b, m.refreshExp.Unix(), 10)
	}
	if m.from != nil {
		var r strictjson.Reader
		r.Reset(m.from.payload)
		for r.Next() {
			k := string(r.Key())
			switch k {
			case "token_type", "exp", "iat", "jti", cfg.refreshExpClaim:
				continue
			case "aud":
				if len(cfg.audience) > 0 {
					continue
				}
			case "iss":
				if cfg.issuer != "" {
					continue
				}
			}
			b = append(b, ',')
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = append(b, r.Value().Raw...)
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
	} else {
		b = append(b, ',')
		b = appendJSONString(b, cfg.userIDClaim)
		b = append(b, ':')
		b = appendJSONString(b, m.userID)
		if cfg.sessionClaim != "" && m.sessionID != "" {
			b = append(b, ',')
			b = appendJSONString(b, cfg.sessionClaim)
			b = append(b, ':')
			b = appendJSONString(b, m.sessionID)
		}
		if len(m.custom) > 0 {
			names := make([]string, 0, len(m.custom))
			for k := range m.custom {
				names = append(names, k)
			}
			slices.Sort(names)
			reserved := cfg.reservedClaims()
			for _, k := range names {
				if slices.Contains(reserved, k) {
					return nil, fmt.Errorf("%w: %q", ErrReservedClaim, k)
				}
				v, err := json.Marshal(m.custom[k])
				if err != nil {
					return nil, fmt.Errorf("simplejwt: claim %q: %w", k, err)
				}
				b = append(b, ',')
				b = appendJSONString(b, k)
				b = append(b, ':')
				b = append(b, v...)
			}
		}
	}
	if len(cfg.audience) == 1 {
		b = append(b, `,"aud":`...)
		b = appendJSONString(b, cfg.audience[0])
	} else if len(cfg.audience) > 1 {
		b = append(b, `,"aud":[`...)
		for i, s := range cfg.audience {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	if cfg.issuer != "" {
		b = append(b, `,"iss":`...)
		b = appendJSONString(b, cfg.issuer)
	}
	return append(b, '}'), nil
}

// sign mints the token m describes and returns it with its claims.
func (a *Auth) sign(m *mint) (string, *Claims, error) {
	payload, err := a.encodePayload(m)
	if err != nil {
		return "", nil, err
	}
	k := a.keys.signing
	if k == nil {
		return "", nil, fmt.Errorf("%w: no signing key configured", ErrKey)
	}
	enc := base64.RawURLEncoding
	hdr := a.signingHeader
	buf := make([]byte, 0, len(hdr)+1+enc.EncodedLen(len(payload))+1+128)
	buf = append(buf, hdr...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := k.jwsSigner.Sign(buf, k.signer)
	if err != nil {
		return "", nil, fmt.Errorf("simplejwt: sign: %w", err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	c, err := a.decodeClaims(payload)
	if err != nil {
		return "", nil, err
	}
	return string(buf), c, nil
}

// encodeHeader returns the base64url JOSE header for tokens signed with k:
// {"alg":...,"kid":...,"typ":"JWT"}, keys sorted as PyJWT sorts them.
func encodeHeader(k *Key) []byte {
	h := []byte(`{"alg":`)
	h = appendJSONString(h, string(k.alg))
	if k.id != "" {
		h = append(h, `,"kid":`...)
		h = appendJSONString(h, k.id)
	}
	h = append(h, `,"typ":"JWT"}`...)
	return base64.RawURLEncoding.AppendEncode(nil, h)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
