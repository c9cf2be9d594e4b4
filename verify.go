package simplejwt

import (
	"context"
	"encoding/base64"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gosimplejwt/simplejwt/internal/strictjson"
)

// Detail errors carried in TokenError.Err.
var (
	errTooLarge     = errors.New("token too large")
	errSegments     = errors.New("token must have three non-empty segments")
	errBase64       = errors.New("segment is not strict unpadded base64url")
	errHeaderJSON   = errors.New("header is not a strict JSON object")
	errPayloadJSON  = errors.New("payload is not a strict JSON object")
	errNoAlg        = errors.New(`header has no "alg" string`)
	errBadTyp       = errors.New(`header "typ" is not "JWT"`)
	errCrit         = errors.New(`header "crit" is not supported`)
	errB64          = errors.New(`header "b64" is not supported`)
	errKidType      = errors.New(`header "kid" is not a string`)
	errClaimType    = errors.New("claim has the wrong JSON type")
	errTimeRange    = errors.New("time claim out of range")
	errUnknownKey   = errors.New("no key for this alg and kid")
	errBadSignature = errors.New("signature does not verify")
)

// maxNumericDate bounds time claims: 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

// b64url marks the bytes of the unpadded base64url alphabet.
var b64url = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		t[c] = true
	}
	return t
}()

var strictB64 = base64.RawURLEncoding.Strict()

// decodeSegment decodes one segment as strict unpadded base64url: only the
// 64 URL-safe characters, no padding, no line breaks, no stray bits.
func decodeSegment(s string) ([]byte, error) {
	if len(s) == 0 || len(s)%4 == 1 {
		return nil, errBase64
	}
	for i := 0; i < len(s); i++ {
		if !b64url[s[i]] {
			return nil, errBase64
		}
	}
	b, err := strictB64.DecodeString(s)
	if err != nil {
		return nil, errBase64
	}
	return b, nil
}

// parse verifies a compact JWS with the key ring and decodes its claims. It
// checks the form, the header and the signature; it does not check times,
// types or revocation (see validate).
func (a *Auth) parse(ctx context.Context, token string) (*Claims, error) {
	if len(token) > a.cfg.maxTokenBytes {
		return nil, tokenErr(ErrTokenMalformed, errTooLarge)
	}
	dot1 := strings.IndexByte(token, '.')
	if dot1 <= 0 {
		return nil, tokenErr(ErrTokenMalformed, errSegments)
	}
	dot2 := dot1 + 1 + strings.IndexByte(token[dot1+1:], '.')
	if dot2 <= dot1+1 || dot2 == len(token)-1 || strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return nil, tokenErr(ErrTokenMalformed, errSegments)
	}
	header, err := decodeSegment(token[:dot1])
	if err != nil {
		return nil, tokenErr(ErrTokenMalformed, err)
	}
	keys, err := a.headerKeys(ctx, header)
	if err != nil {
		return nil, err
	}
	sig, err := decodeSegment(token[dot2+1:])
	if err != nil {
		return nil, tokenErr(ErrTokenMalformed, err)
	}
	// The payload is checked for its alphabet before the signature so that a
	// valid signature over a non-canonical encoding is still refused.
	for i := dot1 + 1; i < dot2; i++ {
		if !b64url[token[i]] {
			return nil, tokenErr(ErrTokenMalformed, errBase64)
		}
	}
	input := []byte(token[:dot2])
	var key *Key
	for _, k := range keys {
		if k.jwsVerify.Verify(input, sig, k.verifier) == nil {
			key = k
			break
		}
	}
	if key == nil {
		return nil, tokenErr(ErrTokenSignature, errBadSignature)
	}
	payload, err := decodeSegment(token[dot1+1 : dot2])
	if err != nil {
		return nil, tokenErr(ErrTokenMalformed, err)
	}
	c, err := a.decodeClaims(payload)
	if err != nil {
		return nil, err
	}
	c.key = key
	return c, nil
}

// headerKeys checks the JOSE header and returns the keys that may verify
// the token.
func (a *Auth) headerKeys(ctx context.Context, header []byte) ([]*Key, error) {
	var (
		r      strictjson.Reader
		alg    []byte
		kid    string
		hasKID bool
	)
	r.Reset(header)
	for r.Next() {
		v := r.Value()
		switch string(r.Key()) {
		case "alg":
			if v.Kind != strictjson.String {
				return nil, tokenErr(ErrTokenMalformed, errNoAlg)
			}
			alg = v.Raw[1 : len(v.Raw)-1] // escapes never name a real algorithm
		case "typ":
			if !v.Equal("JWT") {
				return nil, tokenErr(ErrTokenMalformed, errBadTyp)
			}
		case "kid":
			s, err := v.String()
			if err != nil {
				return nil, tokenErr(ErrTokenMalformed, errKidType)
			}
			kid, hasKID = s, true
		case "crit":
			return nil, tokenErr(ErrTokenMalformed, errCrit)
		case "b64":
			return nil, tokenErr(ErrTokenMalformed, errB64)
		}
		// Other members (jku, x5u, x5c, jwk, cty, ...) are never followed.
	}
	if err := r.Err(); err != nil {
		return nil, tokenErr(ErrTokenMalformed, errHeaderJSON)
	}
	if len(alg) == 0 {
		return nil, tokenErr(ErrTokenMalformed, errNoAlg)
	}
	keys := a.keys.lookup(ctx, alg, kid, hasKID)
	if len(keys) == 0 {
		return nil, tokenErr(ErrTokenUnverifiable, errUnknownKey)
	}
	return keys, nil
}

// decodeClaims reads the payload into Claims, refusing claims of the wrong
// JSON type. Missing claims are left zero for validate to judge.
func (a *Auth) decodeClaims(payload []byte) (*Claims, error) {
	cfg := &a.cfg
	c := &Claims{payload: payload}
	var r strictjson.Reader
	r.Reset(payload)
	for r.Next() {
		v := r.Value()
		var err error
		switch k := string(r.Key()); k {
		case "token_type":
			c.Type, err = tokenType(v)
		case "exp":
			c.ExpiresAt, err = numericDate(v)
		case "iat":
			c.IssuedAt, err = numericDate(v)
		case "nbf":
			c.NotBefore, err = numericDate(v)
		case "jti":
			c.ID, err = v.String()
		case "iss":
			c.Issuer, err = v.String()
		case "aud":
			c.Audience, err = v.Strings()
		case cfg.userIDClaim:
			c.UserID = userID(v)
		case cfg.refreshExpClaim:
			c.RefreshExpiresAt, err = numericDate(v)
		case cfg.sessionClaim:
			if k != "" {
				c.SessionID, err = v.String()
			}
		}
		if err != nil {
			return nil, tokenErr(ErrTokenMalformed, errClaimType)
		}
	}
	if err := r.Err(); err != nil {
		return nil, tokenErr(ErrTokenMalformed, errPayloadJSON)
	}
	return c, nil
}

// tokenType returns the known TokenType constants without allocating.
func tokenType(v strictjson.Value) (TokenType, error) {
	switch {
	case v.Equal("access"):
		return Access, nil
	case v.Equal("refresh"):
		return Refresh, nil
	case v.Equal("sliding"):
		return Sliding, nil
	}
	s, err := v.String()
	if err == nil && s == "" {
		err = errClaimType
	}
	return TokenType(s), err
}

// userID accepts a string or an integer; anything else yields "", which
// validate refuses as no user identification.
func userID(v strictjson.Value) string {
	switch {
	case v.Kind == strictjson.String:
		s, _ := v.String()
		return s
	case v.IsInteger():
		return string(v.Raw)
	}
	return ""
}

// numericDate decodes a NumericDate: a JSON number, integer or finite float,
// between 0 and year 9999.
func numericDate(v strictjson.Value) (time.Time, error) {
	f, err := v.Float()
	if err != nil {
		return time.Time{}, err
	}
	if math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, errTimeRange
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// validate checks the times, audience, issuer and required claims of c in
// SimpleJWT's order, so that the first failure is the one SimpleJWT reports.
// With allowExpired the exp check is skipped (the caller renews the token).
func (a *Auth) validate(c *Claims, now time.Time, accept []TokenType, allowExpired bool) error {
	cfg := &a.cfg
	// PyJWT compares whole seconds.
	now = now.Truncate(time.Second)
	late, early := now.Add(-cfg.leeway), now.Add(cfg.leeway)
	if !c.ExpiresAt.IsZero() && !allowExpired && !c.ExpiresAt.After(late) {
		return tokenErr(ErrTokenExpired, nil)
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.After(early) {
		return tokenErr(ErrTokenNotYetValid, errors.New("iat is in the future"))
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(early) {
		return tokenErr(ErrTokenNotYetValid, nil)
	}
	audience, issuer := cfg.audience, cfg.issuer
	if k := c.key; k != nil {
		if k.audience != nil {
			audience = k.audience
		}
		if k.issuer != "" {
			issuer = k.issuer
		}
	}
	if len(audience) > 0 && !slices.ContainsFunc(c.Audience, func(s string) bool { return slices.Contains(audience, s) }) {
		return tokenErr(ErrTokenAudience, nil)
	}
	if issuer != "" && c.Issuer != issuer {
		return tokenErr(ErrTokenIssuer, nil)
	}
	if c.ExpiresAt.IsZero() {
		return tokenErr(ErrTokenNoExp, nil)
	}
	if c.ID == "" {
		return tokenErr(ErrTokenNoID, nil)
	}
	if c.Type == "" && c.key != nil && c.key.defaultType != "" {
		c.Type = c.key.defaultType
	}
	if accept != nil {
		if c.Type == "" {
			return tokenErr(ErrTokenNoType, nil)
		}
		if !slices.Contains(accept, c.Type) {
			return tokenErr(ErrTokenWrongType, nil)
		}
	}
	return nil
}

// expired reports whether t is at or before now, leeway applied, with
// PyJWT's whole-second clock.
func (a *Auth) expired(t, now time.Time) bool {
	return !t.After(now.Truncate(time.Second).Add(-a.cfg.leeway))
}
