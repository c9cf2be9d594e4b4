// Package echojwt puts simplejwt's authentication on Echo. Its middleware
// is a thin wrapper around Guard.Check: the same decisions, the same error
// answers, the same sliding renewal as the net/http middleware.
//
//	a, _ := simplejwt.New(simplejwt.WithHMACSecret(secret), simplejwt.WithAuthenticator(users))
//	e := echo.New()
//	echojwt.Mount(e, "/api/token/", a)
//	e.GET("/api/whoami/", func(c echo.Context) error {
//		claims, _ := echojwt.Claims(c)
//		return c.JSON(http.StatusOK, map[string]string{"user_id": claims.UserID})
//	}, echojwt.Auth(a))
package echojwt

import (
	"github.com/gosimplejwt/simplejwt"
	"github.com/labstack/echo/v4"
)

// ClaimsKey is the key under which the middleware stores the request's
// *simplejwt.Claims in the echo.Context. Read them with Claims.
const ClaimsKey = "github.com/gosimplejwt/simplejwt/claims"

// Middleware authenticates each request with g (see simplejwt.Guard.Check).
// A refused request gets the Auth's error answer, the next handler is not
// called and nil is returned: the response is already committed. An
// accepted one continues with its claims in the echo.Context (Claims) and
// in the request's context (simplejwt.ClaimsFrom); a renewed sliding token
// is written to the response headers before the next handler runs. A
// request an Optional guard lets through without a token continues without
// claims.
func Middleware(g *simplejwt.Guard) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r, claims, ok := g.Authenticate(c.Response(), c.Request())
			if !ok {
				return nil
			}
			if claims != nil {
				c.Set(ClaimsKey, claims)
				c.SetRequest(r)
			}
			return next(c)
		}
	}
}

// Auth is Middleware with the Auth's default guard (the token types of
// simplejwt.WithTokenTypes, a token required).
func Auth(a *simplejwt.Auth) echo.MiddlewareFunc { return Middleware(a.DefaultGuard()) }

// Claims returns the claims the middleware stored in c.
func Claims(c echo.Context) (*simplejwt.Claims, bool) {
	claims, ok := c.Get(ClaimsKey).(*simplejwt.Claims)
	return claims, ok && claims != nil
}

// Router is where Mount registers routes: *echo.Echo or *echo.Group.
type Router interface {
	Any(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) []*echo.Route
}

// Mount registers the token endpoints on r under prefix (for example
// "/api/token/"), at the paths of simplejwt.Auth.Mount: prefix,
// prefix+"refresh/", prefix+"sliding/", prefix+"sliding/refresh/",
// prefix+"verify/" and prefix+"blacklist/". Each path is registered for
// every method, so that the endpoints answer OPTIONS and refuse other
// methods than POST exactly as under net/http.
func Mount(r Router, prefix string, a *simplejwt.Auth) {
	for _, e := range a.Endpoints(prefix) {
		r.Any(e.Path, echo.WrapHandler(e.Handler))
	}
}
