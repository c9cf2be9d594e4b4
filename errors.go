package simplejwt

import (
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors. Every error this package returns for a request or a token
// matches one of them with errors.Is; errors about a token are also a
// *TokenError, which carries the detail.
var (
	// ErrNoToken means the request carried no credentials this package
	// reads (SimpleJWT: "Authentication credentials were not provided.").
	ErrNoToken = errors.New("simplejwt: no token")
	// ErrBadAuthorizationHeader means an Authorization header of a configured
	// type did not hold exactly one token.
	ErrBadAuthorizationHeader = errors.New("simplejwt: bad Authorization header")
	// ErrDuplicateAuthorization means the request carried more than one
	// Authorization header.
	ErrDuplicateAuthorization = errors.New("simplejwt: more than one Authorization header")

	// ErrTokenMalformed means the token is not a well-formed compact JWS/JWT
	// under the strict rules of this package.
	ErrTokenMalformed = errors.New("simplejwt: malformed token")
	// ErrTokenUnverifiable means no configured key can verify the token: its
	// alg or kid names no key.
	ErrTokenUnverifiable = errors.New("simplejwt: no key for token")
	// ErrTokenSignature means the signature does not verify.
	ErrTokenSignature = errors.New("simplejwt: bad signature")
	// ErrTokenExpired means exp has passed (beyond the leeway).
	ErrTokenExpired = errors.New("simplejwt: token expired")
	// ErrTokenNotYetValid means nbf or iat lies in the future (beyond the
	// leeway).
	ErrTokenNotYetValid = errors.New("simplejwt: token not yet valid")
	// ErrTokenAudience means aud does not name the configured audience.
	ErrTokenAudience = errors.New("simplejwt: wrong audience")
	// ErrTokenIssuer means iss is not the configured issuer.
	ErrTokenIssuer = errors.New("simplejwt: wrong issuer")
	// ErrTokenNoExp means the token has no exp claim.
	ErrTokenNoExp = errors.New("simplejwt: token has no exp")
	// ErrTokenNoID means the token has no jti claim.
	ErrTokenNoID = errors.New("simplejwt: token has no jti")
	// ErrTokenNoType means the token has no token_type claim.
	ErrTokenNoType = errors.New("simplejwt: token has no token_type")
	// ErrTokenWrongType means token_type is not one the caller accepts.
	ErrTokenWrongType = errors.New("simplejwt: token has wrong type")
	// ErrTokenNoUser means the token has no usable user id claim.
	ErrTokenNoUser = errors.New("simplejwt: token has no user id")
	// ErrTokenRevoked means the token, its session or all of its user's
	// tokens were revoked (SimpleJWT: blacklisted).
	ErrTokenRevoked = errors.New("simplejwt: token revoked")
	// ErrRefreshExpired means a sliding token's refresh_exp has passed, so it
	// can no longer be renewed.
	ErrRefreshExpired = errors.New("simplejwt: refresh_exp passed")

	// ErrRevocationUnavailable means the revocation store could not answer,
	// so the token's revocation state is unknown and the request is refused.
	ErrRevocationUnavailable = errors.New("simplejwt: revocation store unavailable")

	// ErrInvalidCredentials is what an Authenticator returns for an unknown
	// user or a wrong password.
	ErrInvalidCredentials = errors.New("simplejwt: invalid credentials")
	// ErrUserInactive is what an Authenticator returns for a user that
	// exists but may not log in. The obtain endpoints answer it exactly as
	// ErrInvalidCredentials, so that it reveals nothing.
	ErrUserInactive = errors.New("simplejwt: user inactive")

	// ErrReservedClaim means a custom claim tried to set a claim this package
	// owns (token_type, exp, iat, jti, user id, ...).
	ErrReservedClaim = errors.New("simplejwt: custom claim overrides a reserved claim")
)

// TokenError describes why a token was refused. Reason is one of the
// ErrToken* sentinels (or ErrRefreshExpired); Err, when set, is the
// underlying detail. errors.Is matches both.
type TokenError struct {
	Reason error
	Err    error
	// Type is the token's token_type when it could be read.
	Type TokenType
	// Accepted lists the token types the caller accepted, in order; it
	// shapes the "messages" list of the JSON error body.
	Accepted []TokenType
}

func (e *TokenError) Error() string {
	if e.Err == nil {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Err.Error()
}

// Unwrap returns the reason and the detail.
func (e *TokenError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Err}
}

func tokenErr(reason, detail error) *TokenError {
	return &TokenError{Reason: reason, Err: detail}
}

// StoreError wraps a failure of the revocation store. It matches
// ErrRevocationUnavailable.
type StoreError struct{ Err error }

func (e *StoreError) Error() string {
	return ErrRevocationUnavailable.Error() + ": " + e.Err.Error()
}

// Unwrap returns ErrRevocationUnavailable and the store's own error.
func (e *StoreError) Unwrap() []error { return []error{ErrRevocationUnavailable, e.Err} }

// message returns SimpleJWT 5.2's wording for a token error reason.
func message(reason error) string {
	switch reason {
	case ErrTokenNoExp:
		return "Token has no 'exp' claim"
	case ErrTokenNoID:
		return "Token has no id"
	case ErrTokenNoType:
		return "Token has no type"
	case ErrTokenWrongType:
		return "Token has wrong type"
	case ErrTokenRevoked:
		return "Token is blacklisted"
	case ErrTokenNoUser:
		return "Token contained no recognizable user identification"
	case ErrRefreshExpired:
		return "Token 'refresh_exp' claim has expired"
	case ErrNoRefreshExp:
		return "Token has no 'refresh_exp' claim"
	default:
		return "Token is invalid or expired"
	}
}

// ErrorWriter writes the HTTP answer for an error of the middleware. The
// default writes SimpleJWT's JSON bodies with RFC 6750 headers; replace it
// with WithErrorWriter.
type ErrorWriter interface {
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

// ErrorWriterFunc adapts a function to ErrorWriter.
type ErrorWriterFunc func(w http.ResponseWriter, r *http.Request, err error)

// WriteError calls f.
func (f ErrorWriterFunc) WriteError(w http.ResponseWriter, r *http.Request, err error) { f(w, r, err) }

// Problem is the HTTP shape of an error: status, JSON body and the
// WWW-Authenticate challenge, if any.
type Problem struct {
	Status    int
	Challenge string // WWW-Authenticate value; empty for none
	Body      []byte // JSON
}

// tokenClass is SimpleJWT's class name for a token type, as it appears in
// error bodies.
func tokenClass(t TokenType) string {
	switch t {
	case Access:
		return "AccessToken"
	case Refresh:
		return "RefreshToken"
	case Sliding:
		return "SlidingToken"
	default:
		return "UntypedToken"
	}
}

// middlewareProblem maps an error of Check to its HTTP answer, matching
// SimpleJWT's JWTAuthentication.
func (a *Auth) middlewareProblem(err error) Problem {
	realm := a.cfg.challenge
	var te *TokenError
	switch {
	case errors.Is(err, ErrNoToken):
		return Problem{http.StatusUnauthorized, realm, bodyNotProvided}
	case errors.Is(err, ErrDuplicateAuthorization):
		return Problem{http.StatusBadRequest, realm + `, error="invalid_request"`, bodyDuplicateHeader}
	case errors.Is(err, ErrBadAuthorizationHeader):
		return Problem{http.StatusUnauthorized, realm + `, error="invalid_request"`, bodyBadHeader}
	case errors.Is(err, ErrRevocationUnavailable):
		return Problem{http.StatusServiceUnavailable, "", bodyUnavailable}
	case errors.Is(err, ErrCSRF):
		return Problem{http.StatusForbidden, "", bodyCSRF}
	case errors.Is(err, ErrCrossOrigin):
		return Problem{http.StatusForbidden, "", bodyCrossOrigin}
	case errors.As(err, &te):
		msg := message(te.Reason)
		if te.Reason == ErrTokenNoUser {
			// SimpleJWT raises this after the token validated, without messages.
			return Problem{http.StatusUnauthorized, invalidToken(realm, msg), detailBody(msg, "token_not_valid")}
		}
		return Problem{http.StatusUnauthorized, invalidToken(realm, msg), messagesBody(te, msg)}
	default:
		return Problem{http.StatusUnauthorized, invalidToken(realm, "Token is invalid or expired"),
			detailBody("Token is invalid or expired", "token_not_valid")}
	}
}

func invalidToken(realm, desc string) string {
	return realm + `, error="invalid_token", error_description=` + strconv.Quote(desc)
}

var (
	bodyNotProvided     = []byte(`{"detail":"Authentication credentials were not provided."}`)
	bodyBadHeader       = []byte(`{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`)
	bodyDuplicateHeader = []byte(`{"detail":"Request must not contain more than one Authorization header","code":"bad_authorization_header"}`)
	bodyUnavailable     = []byte(`{"detail":"Token revocation state is unavailable","code":"revocation_unavailable"}`)
)

// messagesBody builds SimpleJWT's "Given token not valid for any token type"
// body with one message per accepted token class.
func messagesBody(te *TokenError, msg string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[`...)
	for i, t := range te.Accepted {
		m := msg
		// A token that validated but for its type is of the wrong class for
		// every other accepted class.
		if te.Type != "" && te.Type != t && te.Reason != ErrTokenMalformed && isPostTypeReason(te.Reason) {
			m = message(ErrTokenWrongType)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"token_class":`...)
		b = appendJSONString(b, tokenClass(t))
		b = append(b, `,"token_type":`...)
		b = appendJSONString(b, string(t))
		b = append(b, `,"message":`...)
		b = appendJSONString(b, m)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// isPostTypeReason reports whether reason is found only after the token's
// type matched an accepted class.
func isPostTypeReason(reason error) bool {
	return reason == ErrTokenRevoked
}

func detailBody(detail, code string) []byte {
	b := make([]byte, 0, 64+len(detail))
	b = append(b, `{"detail":`...)
	b = appendJSONString(b, detail)
	if code != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, code)
	}
	return append(b, '}')
}

func writeProblem(w http.ResponseWriter, p Problem) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if p.Challenge != "" {
		h.Set("WWW-Authenticate", p.Challenge)
	}
	if p.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	h.Set("Content-Length", strconv.Itoa(len(p.Body)))
	w.WriteHeader(p.Status)
	w.Write(p.Body)
}
