// Package ginjwt puts simplejwt's authentication on Gin. Its middleware is
// a thin wrapper around Guard.Check: the same decisions, the same error
// answers, the same sliding renewal as the net/http middleware.
//
//	a, _ := simplejwt.New(simplejwt.WithHMACSecret(secret), simplejwt.WithAuthenticator(users))
//	r := gin.New()
//	ginjwt.Mount(r, "/api/token/", a)
//	r.GET("/api/whoami/", ginjwt.Auth(a), func(c *gin.Context) {
//		claims, _ := ginjwt.Claims(c)
//		c.JSON(http.StatusOK, gin.H{"user_id": claims.UserID})
//	})
package ginjwt

import (
	"github.com/gin-gonic/gin"
	"github.com/gosimplejwt/simplejwt"
)

// ClaimsKey is the key under which the middleware stores the request's
// *simplejwt.Claims in the gin.Context. Read them with Claims.
const ClaimsKey = "github.com/gosimplejwt/simplejwt/claims"

// Middleware authenticates each request with g (see simplejwt.Guard.Check).
// A refused request gets the Auth's error answer and the chain is aborted.
// An accepted one continues with its claims in the gin.Context (Claims) and
// in the request's context (simplejwt.ClaimsFrom); a renewed sliding token
// is written to the response headers before the next handler runs. A
// request an Optional guard lets through without a token continues without
// claims.
func Middleware(g *simplejwt.Guard) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, claims, ok := g.Authenticate(c.Writer, c.Request)
		if !ok {
			c.Abort()
			return
		}
		if claims != nil {
			c.Set(ClaimsKey, claims)
			c.Request = r
		}
		c.Next()
	}
}

// Auth is Middleware with the Auth's default guard (the token types of
// simplejwt.WithTokenTypes, a token required).
func Auth(a *simplejwt.Auth) gin.HandlerFunc { return Middleware(a.DefaultGuard()) }

// Claims returns the claims the middleware stored in c.
func Claims(c *gin.Context) (*simplejwt.Claims, bool) {
	v, ok := c.Get(ClaimsKey)
	if !ok {
		return nil, false
	}
	claims, ok := v.(*simplejwt.Claims)
	return claims, ok && claims != nil
}

// Mount registers the token endpoints on r under prefix (for example
// "/api/token/"), at the paths of simplejwt.Auth.Mount: prefix,
// prefix+"refresh/", prefix+"sliding/", prefix+"sliding/refresh/",
// prefix+"verify/" and prefix+"blacklist/". Each path is registered for
// every method, so that the endpoints answer OPTIONS and refuse other
// methods than POST exactly as under net/http.
func Mount(r gin.IRoutes, prefix string, a *simplejwt.Auth) {
	for _, e := range a.Endpoints(prefix) {
		r.Any(e.Path, gin.WrapH(e.Handler))
	}
}
