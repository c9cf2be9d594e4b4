package simplejwt

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gosimplejwt/simplejwt/internal/strictjson"
)

// The token endpoints answer with SimpleJWT's bodies, status codes and
// field errors; see the README for the full table.

var (
	bodyEmpty            = []byte(`{}`)
	bodyNoActiveAccount  = []byte(`{"detail":"No active account found with the given credentials"}`)
	bodyTooLarge         = []byte(`{"detail":"Request body is too large."}`)
	bodyNoAuthenticator  = []byte(`{"detail":"No authenticator is configured for this endpoint."}`)
	bodyAuthUnavailable  = []byte(`{"detail":"Authentication service unavailable","code":"authentication_unavailable"}`)
	bodyServerError      = []byte(`{"detail":"A server error occurred."}`)
	bodyVerifyBlacklist  = []byte(`{"non_field_errors":["Token is blacklisted"]}`)
	allowPost            = "POST, OPTIONS"
	msgRequired          = "This field is required."
	msgBlank             = "This field may not be blank."
	msgNull              = "This field may not be null."
	msgNotString         = "Not a valid string."
	errEndpointBadConfig = errors.New("endpoint not configured")
)

// endpoint is one token endpoint: the fields it requires and what it does
// with them.
type endpoint struct {
	a      *Auth
	fields []string
	serve  func(ctx context.Context, f map[string]string) (issued, error)
	// cookies lists, in cookie mode, the fields that may come from a cookie
	// when the body lacks them: field name, then whether it is the refresh
	// cookie (else the access cookie).
	cookies []cookieField
	// verify marks the verify endpoint, which reports a revoked token as a
	// field error, as SimpleJWT's TokenVerifySerializer does.
	verify bool
	// authHeader lets the token come from the Authorization header when the
	// body has no "token" field.
	authHeader bool
}

type cookieField struct {
	field   string
	refresh bool
}

// issued is what an endpoint answers with: the 200 body and, for cookie
// mode, the tokens it minted.
type issued struct {
	body       []byte
	access     string // access or sliding token
	accessExp  time.Time
	refresh    string
	refreshExp time.Time
	login      bool // a new login: a new CSRF token too
	clear      bool // logged out: clear the cookies
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		h.Set("Allow", allowPost)
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", allowPost)
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed,
			Body: detailBody(`Method "`+r.Method+`" not allowed.`, "")})
		return
	}
	h.Set("Cache-Control", "no-store")
	a := e.a
	cookieMode := a.cfg.cookies != nil
	if cookieMode {
		// Cross-origin posts never reach a token endpoint in cookie mode.
		if err := a.cfg.crossOrigin.Check(r); err != nil {
			writeProblem(w, e.problem(ErrCrossOrigin))
			return
		}
	}
	fields, p := a.readFields(w, r)
	if p != nil {
		writeProblem(w, *p)
		return
	}
	if _, ok := fields["token"]; !ok && e.authHeader {
		if tok, src, err := a.extract(r); err == nil && src != SourceCookie {
			fields["token"] = tok
		}
	}
	if cookieMode && e.fromCookies(r, fields) {
		if err := a.checkCSRF(r); err != nil {
			writeProblem(w, e.problem(err))
			return
		}
	}
	if p := requireFields(fields, e.fields); p != nil {
		writeProblem(w, *p)
		return
	}
	res, err := e.serve(r.Context(), fields)
	if err != nil {
		writeProblem(w, e.problem(err))
		return
	}
	body := res.body
	if cookieMode {
		now := a.now()
		switch {
		case res.clear:
			a.clearCookies(h, now)
		case res.access != "" || res.refresh != "":
			a.setTokenCookies(h, res, now)
			body = bodyEmpty
		}
	}
	writeProblem(w, Problem{Status: http.StatusOK, Body: body})
}

// fromCookies fills the fields the body lacks from the cookies this
// endpoint reads, and reports whether it took any.
func (e *endpoint) fromCookies(r *http.Request, f map[string]string) bool {
	o := e.a.cfg.cookies
	for _, cf := range e.cookies {
		if _, ok := f[cf.field]; ok {
			return false
		}
	}
	for _, cf := range e.cookies {
		name := o.AccessName
		if cf.refresh {
			name = o.RefreshName
		}
		if ck, err := r.Cookie(name); err == nil && ck.Value != "" {
			f[cf.field] = ck.Value
			return true
		}
	}
	return false
}

// problem maps an endpoint error to SimpleJWT's answer for it.
func (e *endpoint) problem(err error) Problem {
	realm := e.a.cfg.challenge
	var (
		te *TokenError
		pe problemError
	)
	switch {
	case errors.As(err, &pe):
		return pe.p
	case errors.Is(err, ErrInvalidCredentials), errors.Is(err, ErrUserInactive):
		return Problem{http.StatusUnauthorized, realm, bodyNoActiveAccount}
	case errors.Is(err, ErrCSRF):
		return Problem{http.StatusForbidden, "", bodyCSRF}
	case errors.Is(err, ErrCrossOrigin):
		return Problem{http.StatusForbidden, "", bodyCrossOrigin}
	case errors.Is(err, errEndpointBadConfig):
		return Problem{http.StatusNotImplemented, "", bodyNoAuthenticator}
	case errors.Is(err, ErrRevocationUnavailable):
		return Problem{http.StatusServiceUnavailable, "", bodyUnavailable}
	case errors.As(err, &te):
		if e.verify && te.Reason == ErrTokenRevoked {
			return Problem{http.StatusBadRequest, "", bodyVerifyBlacklist}
		}
		return Problem{http.StatusUnauthorized, realm, detailBody(message(te.Reason), "token_not_valid")}
	case errors.Is(err, errAuthenticator):
		return Problem{http.StatusServiceUnavailable, "", bodyAuthUnavailable}
	default:
		e.a.cfg.logger.Error("simplejwt: token endpoint failed", "err", err)
		return Problem{http.StatusInternalServerError, "", bodyServerError}
	}
}

var errAuthenticator = errors.New("authenticator failed")

// readFields reads a JSON or form-encoded body into a map of its string
// fields, within the size limit. A field whose value is not a string (or a
// number, which is taken as its text) maps to a marker that requireFields
// reports.
func (a *Auth) readFields(w http.ResponseWriter, r *http.Request) (map[string]string, *Problem) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Problem{Status: http.StatusRequestEntityTooLarge, Body: bodyTooLarge}
		}
		return nil, &Problem{Status: http.StatusBadRequest, Body: detailBody("Could not read the request body.", "")}
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		// DRF treats a request without a media type as carrying no data.
		return map[string]string{}, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, unsupported(ct)
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return jsonFields(body)
	case mt == "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &Problem{Status: http.StatusBadRequest, Body: detailBody("Form parse error - "+err.Error(), "")}
		}
		f := make(map[string]string, len(vals))
		for k, v := range vals {
			f[k] = v[len(v)-1] // Django's QueryDict returns the last value
		}
		return f, nil
	default:
		return nil, unsupported(mt)
	}
}

func unsupported(mt string) *Problem {
	return &Problem{Status: http.StatusUnsupportedMediaType,
		Body: detailBody(`Unsupported media type "`+mt+`" in request.`, "")}
}

// Markers for field values that are not strings.
const (
	fieldNull      = "\x00null"
	fieldNotString = "\x00not-string"
)

func jsonFields(body []byte) (map[string]string, *Problem) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return map[string]string{}, nil
	}
	var r strictjson.Reader
	r.Reset(body)
	f := map[string]string{}
	for r.Next() {
		v := r.Value()
		switch v.Kind {
		case strictjson.String:
			s, _ := v.String()
			f[string(r.Key())] = s
		case strictjson.Number:
			f[string(r.Key())] = string(v.Raw)
		case strictjson.Null:
			f[string(r.Key())] = fieldNull
		default:
			f[string(r.Key())] = fieldNotString
		}
	}
	if err := r.Err(); err != nil {
		if errors.Is(err, strictjson.ErrNotObject) {
			if verr := strictjson.ValidateValue(body); verr == nil {
				return nil, &Problem{Status: http.StatusBadRequest,
					Body: []byte(`{"non_field_errors":["Invalid data. Expected a dictionary, but got ` + pyType(body) + `."]}`)}
			}
		}
		msg := strings.TrimPrefix(err.Error(), "strictjson: ")
		return nil, &Problem{Status: http.StatusBadRequest, Body: detailBody("JSON parse error - "+msg, "")}
	}
	return f, nil
}

// pyType names the Python type DRF reports for a non-object JSON body.
func pyType(body []byte) string {
	s := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(s, "["):
		return "list"
	case strings.HasPrefix(s, `"`):
		return "str"
	case s == "true" || s == "false":
		return "bool"
	case s == "null":
		return "NoneType"
	case strings.ContainsAny(s, ".eE"):
		return "float"
	default:
		return "int"
	}
}

// requireFields reports DRF's field errors for the required fields, in
// order: {"username":["This field is required."],...}.
func requireFields(f map[string]string, names []string) *Problem {
	var b []byte
	for _, n := range names {
		v, ok := f[n]
		msg := ""
		switch {
		case !ok:
			msg = msgRequired
		case v == fieldNull:
			msg = msgNull
		case v == fieldNotString:
			msg = msgNotString
		case v == "":
			msg = msgBlank
		}
		if msg == "" {
			continue
		}
		if b == nil {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, n)
		b = append(b, ":["...)
		b = appendJSONString(b, msg)
		b = append(b, ']')
	}
	if b == nil {
		return nil
	}
	return &Problem{Status: http.StatusBadRequest, Body: append(b, '}')}
}

// tokenBody writes {"k1":"v1","k2":"v2",...} for the non-empty values.
func tokenBody(kv ...string) []byte {
	b := []byte{'{'}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kv[i])
		b = append(b, ':')
		b = appendJSONString(b, kv[i+1])
	}
	return append(b, '}')
}

func (a *Auth) authenticate(ctx context.Context, f map[string]string) (User, error) {
	if a.cfg.authenticator == nil {
		return User{}, errEndpointBadConfig
	}
	u, err := a.cfg.authenticator.Authenticate(ctx, f[a.cfg.usernameField], f["password"])
	switch {
	case err == nil && u.ID == "":
		return User{}, errors.Join(errAuthenticator, errors.New("authenticator returned a user without ID"))
	case err == nil, errors.Is(err, ErrInvalidCredentials), errors.Is(err, ErrUserInactive):
		return u, err
	default:
		return User{}, errors.Join(errAuthenticator, err)
	}
}

// pairIssued is the answer for a pair minted at now, with the cookie
// expiries of its tokens.
func (a *Auth) pairIssued(body []byte, p Pair, now time.Time) issued {
	return issued{
		body:   body,
		access: p.Access, accessExp: now.Add(a.cfg.accessLifetime),
		refresh: p.Refresh, refreshExp: now.Add(a.cfg.refreshLifetime),
	}
}

// ObtainPairHandler serves POST {"username","password"} -> {"refresh","access"}
// (SimpleJWT: TokenObtainPairView).
func (a *Auth) ObtainPairHandler() http.Handler {
	return &endpoint{a: a, fields: []string{a.cfg.usernameField, "password"},
		serve: func(ctx context.Context, f map[string]string) (issued, error) {
			u, err := a.authenticate(ctx, f)
			if err != nil {
				return issued{}, err
			}
			now := a.now()
			p, err := a.ObtainPair(ctx, u)
			if err != nil {
				return issued{}, err
			}
			is := a.pairIssued(tokenBody("refresh", p.Refresh, "access", p.Access), p, now)
			is.login = true
			return is, nil
		}}
}

// RefreshHandler serves POST {"refresh"} -> {"access"} (plus "refresh" when
// rotating) (SimpleJWT: TokenRefreshView).
func (a *Auth) RefreshHandler() http.Handler {
	return &endpoint{a: a, fields: []string{"refresh"}, cookies: []cookieField{{"refresh", true}},
		serve: func(ctx context.Context, f map[string]string) (issued, error) {
			now := a.now()
			p, err := a.Refresh(ctx, f["refresh"])
			if err != nil {
				return issued{}, err
			}
			return a.pairIssued(tokenBody("access", p.Access, "refresh", p.Refresh), p, now), nil
		}}
}

// ObtainSlidingHandler serves POST {"username","password"} -> {"token"}
// (SimpleJWT: TokenObtainSlidingView).
func (a *Auth) ObtainSlidingHandler() http.Handler {
	return &endpoint{a: a, fields: []string{a.cfg.usernameField, "password"},
		serve: func(ctx context.Context, f map[string]string) (issued, error) {
			u, err := a.authenticate(ctx, f)
			if err != nil {
				return issued{}, err
			}
			now := a.now()
			tok, err := a.ObtainSliding(ctx, u)
			if err != nil {
				return issued{}, err
			}
			// The cookie lives as long as the token can be renewed.
			return issued{body: tokenBody("token", tok), access: tok,
				accessExp: now.Add(a.cfg.slidingRefreshLifetime), login: true}, nil
		}}
}

// RefreshSlidingHandler serves POST {"token"} -> {"token"} (SimpleJWT:
// TokenRefreshSlidingView).
func (a *Auth) RefreshSlidingHandler() http.Handler {
	return &endpoint{a: a, fields: []string{"token"}, cookies: []cookieField{{"token", false}},
		serve: func(ctx context.Context, f map[string]string) (issued, error) {
			tok, c, err := a.refreshSliding(ctx, f["token"])
			if err != nil {
				return issued{}, err
			}
			return issued{body: tokenBody("token", tok), access: tok, accessExp: c.RefreshExpiresAt}, nil
		}}
}

// VerifyHandler serves POST {"token"} -> {} for a valid token of any type
// that is not revoked (SimpleJWT: TokenVerifyView).
func (a *Auth) VerifyHandler() http.Handler {
	return &endpoint{a: a, fields: []string{"token"}, verify: true,
		serve: func(ctx context.Context, f map[string]string) (issued, error) {
			if _, err := a.Verify(ctx, f["token"]); err != nil {
				return issued{}, err
			}
			return issued{body: bodyEmpty}, nil
		}}
}

// BlacklistHandler serves POST {"refresh"} -> {} and revokes the refresh
// token and its session. Beyond SimpleJWT's TokenBlacklistView it also takes
// a sliding token as {"token"}.
func (a *Auth) BlacklistHandler() http.Handler {
	return &endpoint{a: a, cookies: []cookieField{{"refresh", true}, {"token", false}},
		serve: func(ctx context.Context, f map[string]string) (issued, error) {
			name := "refresh"
			if _, ok := f[name]; !ok {
				if _, ok := f["token"]; ok {
					name = "token"
				}
			}
			if p := requireFields(f, []string{name}); p != nil {
				return issued{}, problemError{*p}
			}
			if err := a.Blacklist(ctx, f[name]); err != nil {
				return issued{}, err
			}
			return issued{body: bodyEmpty, clear: true}, nil
		}}
}

// LogoutAllHandler serves POST {"token"} (or the token in the
// Authorization header) -> {} and revokes every token of the token's user
// issued until now, on every device ("log out everywhere"). The token may
// be an access, refresh or sliding token; it must be valid and not revoked.
// SimpleJWT has no such endpoint.
func (a *Auth) LogoutAllHandler() http.Handler {
	return &endpoint{a: a, authHeader: true, cookies: []cookieField{{"token", false}, {"refresh", true}},
		serve: func(ctx context.Context, f map[string]string) (issued, error) {
			name := "token"
			if _, ok := f[name]; !ok {
				if _, ok := f["refresh"]; ok {
					name = "refresh"
				}
			}
			if p := requireFields(f, []string{name}); p != nil {
				return issued{}, problemError{*p}
			}
			c, _, err := a.verifyStored(ctx, f[name], []TokenType{Access, Refresh, Sliding})
			if err != nil {
				return issued{}, err
			}
			if err := a.LogoutAll(ctx, c.UserID); err != nil {
				return issued{}, err
			}
			return issued{body: bodyEmpty, clear: true}, nil
		}}
}

// problemError carries a ready answer out of a serve function.
type problemError struct{ p Problem }

func (e problemError) Error() string { return string(e.p.Body) }

// Endpoint is one token endpoint: its path and its handler.
type Endpoint struct {
	Path    string
	Handler http.Handler
}

// Endpoints returns the token endpoints under prefix (for example
// "/api/token/"), at SimpleJWT's paths: prefix (obtain pair),
// prefix+"refresh/", prefix+"sliding/", prefix+"sliding/refresh/",
// prefix+"verify/", prefix+"blacklist/", and beyond SimpleJWT
// prefix+"logout-all/". Adapters register them on
// their routers; Mount registers them on a ServeMux.
func (a *Auth) Endpoints(prefix string) []Endpoint {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return []Endpoint{
		{prefix, a.ObtainPairHandler()},
		{prefix + "refresh/", a.RefreshHandler()},
		{prefix + "sliding/", a.ObtainSlidingHandler()},
		{prefix + "sliding/refresh/", a.RefreshSlidingHandler()},
		{prefix + "verify/", a.VerifyHandler()},
		{prefix + "blacklist/", a.BlacklistHandler()},
		{prefix + "logout-all/", a.LogoutAllHandler()},
	}
}

// Mount registers the token endpoints of Endpoints(prefix) on mux, each at
// its exact path.
func (a *Auth) Mount(mux *http.ServeMux, prefix string) {
	for _, e := range a.Endpoints(prefix) {
		mux.Handle(e.Path+"{$}", e.Handler)
	}
}
