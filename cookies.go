package simplejwt

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CookieOptions configure cookie mode (WithCookies): the token endpoints
// deliver tokens as HttpOnly cookies and the middleware reads them, with
// double-submit CSRF protection on every state-changing request that a
// cookie authenticates.
type CookieOptions struct {
	// AccessName is the cookie holding the access or sliding token.
	// Default "access_token".
	AccessName string
	// RefreshName is the cookie holding the refresh token, sent only to the
	// token endpoints (RefreshPath). Default "refresh_token".
	RefreshName string
	// CSRFName is the cookie, readable by scripts, holding the CSRF token
	// that state-changing requests must echo in CSRFHeader. Default
	// "csrf_token".
	CSRFName string
	// CSRFHeader is the request header that must carry the CSRF cookie's
	// value. Default "X-CSRF-Token".
	CSRFHeader string
	// Path of the access and CSRF cookies. Default "/".
	Path string
	// RefreshPath scopes the refresh cookie to the token endpoints. Default
	// "/api/token/".
	RefreshPath string
	// Domain of every cookie. Default none (host-only cookies).
	Domain string
	// Insecure drops the Secure attribute, for local development over plain
	// http only. Default false: cookies are Secure.
	Insecure bool
	// SameSite of every cookie. Default http.SameSiteLaxMode.
	SameSite http.SameSite
	// TrustedOrigins are origins allowed to make cross-origin state-changing
	// requests (http.CrossOriginProtection), e.g. "https://app.example".
	TrustedOrigins []string
}

// Errors of the CSRF checks; both are answered 403.
var (
	// ErrCSRF means a state-changing request authenticated by a cookie did
	// not echo the CSRF cookie in the CSRF header.
	ErrCSRF = errors.New("simplejwt: CSRF token missing or incorrect")
	// ErrCrossOrigin means a state-changing request came from another
	// origin (Sec-Fetch-Site or Origin say so).
	ErrCrossOrigin = errors.New("simplejwt: cross-origin request refused")
)

var (
	bodyCSRF        = []byte(`{"detail":"CSRF Failed: CSRF token missing or incorrect.","code":"csrf_failed"}`)
	bodyCrossOrigin = []byte(`{"detail":"CSRF Failed: cross-origin request refused.","code":"csrf_failed"}`)
)

// WithCookies turns on cookie mode. The obtain and refresh endpoints set
// the tokens as HttpOnly cookies (and answer {} instead of the tokens),
// with a CSRF cookie; the middleware reads the access cookie when no
// Authorization header is sent and renews a sliding token into it; the
// blacklist and logout-all endpoints clear them. Header authentication is
// unchanged and never subject to CSRF checks.
func WithCookies(o CookieOptions) Option {
	return func(c *config) error {
		def := func(s *string, v string) {
			if *s == "" {
				*s = v
			}
		}
		def(&o.AccessName, "access_token")
		def(&o.RefreshName, "refresh_token")
		def(&o.CSRFName, "csrf_token")
		def(&o.CSRFHeader, "X-CSRF-Token")
		def(&o.Path, "/")
		def(&o.RefreshPath, "/api/token/")
		if o.SameSite == 0 {
			o.SameSite = http.SameSiteLaxMode
		}
		for _, n := range []string{o.AccessName, o.RefreshName, o.CSRFName} {
			if strings.ContainsAny(n, " \t\r\n;,=") {
				return fmt.Errorf("WithCookies: invalid cookie name %q", n)
			}
		}
		if o.AccessName == o.RefreshName || o.AccessName == o.CSRFName || o.RefreshName == o.CSRFName {
			return errors.New("WithCookies: the three cookie names must differ")
		}
		if o.SameSite == http.SameSiteNoneMode && o.Insecure {
			return errors.New("WithCookies: SameSite=None needs Secure cookies")
		}
		cop := http.NewCrossOriginProtection()
		for _, origin := range o.TrustedOrigins {
			if err := cop.AddTrustedOrigin(origin); err != nil {
				return fmt.Errorf("WithCookies: %w", err)
			}
		}
		c.cookies = &o
		c.cookieName = o.AccessName
		c.crossOrigin = cop
		return nil
	}
}

// unsafeMethod reports whether m may change state (RFC 9110 section 9.2.1).
func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// checkCSRF guards a request authenticated by a cookie: state-changing
// methods must come from the same origin and echo the CSRF cookie in the
// CSRF header, compared in constant time.
func (a *Auth) checkCSRF(r *http.Request) error {
	if !unsafeMethod(r.Method) {
		return nil
	}
	if a.cfg.crossOrigin != nil {
		if err := a.cfg.crossOrigin.Check(r); err != nil {
			return ErrCrossOrigin
		}
	}
	name, header := "csrf_token", "X-CSRF-Token"
	if o := a.cfg.cookies; o != nil {
		name, header = o.CSRFName, o.CSRFHeader
	}
	ck, err := r.Cookie(name)
	sent := r.Header.Get(header)
	if err != nil || ck.Value == "" || sent == "" ||
		subtle.ConstantTimeCompare([]byte(ck.Value), []byte(sent)) != 1 {
		return ErrCSRF
	}
	return nil
}

// cookie builds one cookie of cookie mode. A zero expiry clears it.
func (o *CookieOptions) cookie(name, value, path string, httpOnly bool, expires, now time.Time) *http.Cookie {
	ck := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		Domain:   o.Domain,
		HttpOnly: httpOnly,
		Secure:   !o.Insecure,
		SameSite: o.SameSite,
	}
	if expires.IsZero() {
		ck.Value, ck.MaxAge = "", -1
	} else {
		ck.MaxAge = max(1, int(expires.Sub(now).Seconds()))
	}
	return ck
}

// setTokenCookies writes the cookies for tokens just issued: the access (or
// sliding) token, the refresh token, and on login a new CSRF token.
func (a *Auth) setTokenCookies(h http.Header, is issued, now time.Time) {
	o := a.cfg.cookies
	if is.access != "" {
		h.Add("Set-Cookie", o.cookie(o.AccessName, is.access, o.Path, true, is.accessExp, now).String())
	}
	if is.refresh != "" {
		h.Add("Set-Cookie", o.cookie(o.RefreshName, is.refresh, o.RefreshPath, true, is.refreshExp, now).String())
	}
	if is.login {
		var b [32]byte
		rand.Read(b[:])
		until := is.accessExp
		if is.refreshExp.After(until) {
			until = is.refreshExp
		}
		h.Add("Set-Cookie", o.cookie(o.CSRFName, hex.EncodeToString(b[:]), o.Path, false, until, now).String())
	}
}

// clearCookies expires every cookie of cookie mode.
func (a *Auth) clearCookies(h http.Header, now time.Time) {
	o := a.cfg.cookies
	h.Add("Set-Cookie", o.cookie(o.AccessName, "", o.Path, true, time.Time{}, now).String())
	h.Add("Set-Cookie", o.cookie(o.RefreshName, "", o.RefreshPath, true, time.Time{}, now).String())
	h.Add("Set-Cookie", o.cookie(o.CSRFName, "", o.Path, false, time.Time{}, now).String())
}
