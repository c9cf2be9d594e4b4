package ginjwt

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/demo/adaptertest"
)

func init() { gin.SetMode(gin.TestMode) }

// engine serves the routes of f through Gin: each guarded by the adapter,
// in front of a handler that checks both ways of reading the claims agree
// and then answers as adaptertest.Handler.
func engine(f *adaptertest.Fixture) *gin.Engine {
	r := gin.New()
	for _, rt := range f.Routes {
		mw := Auth(rt.Auth)
		if rt.Guard != nil {
			mw = Middleware(rt.Guard)
		}
		r.GET(rt.Path, mw, func(c *gin.Context) {
			fromGin, okGin := Claims(c)
			fromCtx, okCtx := simplejwt.ClaimsFrom(c.Request.Context())
			if okGin != okCtx || fromGin != fromCtx {
				c.String(http.StatusInternalServerError, "Claims and ClaimsFrom differ")
				return
			}
			adaptertest.Handler.ServeHTTP(c.Writer, c.Request)
		})
	}
	return r
}

func TestSameAsNetHTTP(t *testing.T) {
	f := adaptertest.NewFixture(t)
	adaptertest.Run(t, f, engine(f))
}

func TestClaims(t *testing.T) {
	f := adaptertest.NewFixture(t)
	access := f.Tokens.Access
	var (
		reached              bool
		fromGin, fromCtx     *simplejwt.Claims
		okGin, okCtx, okKeys bool
	)
	r := gin.New()
	r.GET("/", Middleware(f.Auth.MustGuard()), func(c *gin.Context) {
		reached = true
		fromGin, okGin = Claims(c)
		fromCtx, okCtx = simplejwt.ClaimsFrom(c.Request.Context())
		_, okKeys = c.Get(ClaimsKey)
		c.Status(http.StatusNoContent)
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || !reached {
		t.Fatalf("status %d, handler reached %v", rec.Code, reached)
	}
	if !okGin || !okCtx || !okKeys || fromGin == nil || fromGin != fromCtx || fromGin.UserID != "1" || fromGin.Type != simplejwt.Access {
		t.Errorf("Claims = %+v, %v; ClaimsFrom = %+v, %v; c.Get ok %v", fromGin, okGin, fromCtx, okCtx, okKeys)
	}
}

func TestClaimsWithoutMiddleware(t *testing.T) {
	tests := []struct {
		name string
		set  func(c *gin.Context)
	}{
		{"nothing stored", func(*gin.Context) {}},
		{"another type stored", func(c *gin.Context) { c.Set(ClaimsKey, "claims") }},
		{"nil claims stored", func(c *gin.Context) { c.Set(ClaimsKey, (*simplejwt.Claims)(nil)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			tc.set(c)
			if claims, ok := Claims(c); ok || claims != nil {
				t.Errorf("Claims = %+v, %v; want nil, false", claims, ok)
			}
		})
	}
}

func TestAbortStopsChain(t *testing.T) {
	f := adaptertest.NewFixture(t)
	var reached, aborted bool
	r := gin.New()
	// An outer middleware sees how the chain ended.
	r.Use(func(c *gin.Context) {
		c.Next()
		aborted = c.IsAborted()
	})
	r.GET("/", Auth(f.Auth), func(c *gin.Context) { reached = true }, func(c *gin.Context) { reached = true })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	want := `{"detail":"Authentication credentials were not provided."}`
	if rec.Code != http.StatusUnauthorized || rec.Body.String() != want {
		t.Errorf("answer %d %s, want 401 %s", rec.Code, rec.Body, want)
	}
	if reached {
		t.Error("a handler after the middleware ran")
	}
	if !aborted {
		t.Error("the chain was not aborted")
	}
}

func TestRenewalBeforeHandler(t *testing.T) {
	f := adaptertest.NewFixture(t)
	sliding := f.Tokens.SlidingDue
	var renewedAtStart string
	var writtenAtStart bool
	r := gin.New()
	r.GET("/", Middleware(f.Auth.MustGuard(simplejwt.Accept(simplejwt.Sliding))), func(c *gin.Context) {
		renewedAtStart = c.Writer.Header().Get("Refreshed-Token")
		writtenAtStart = c.Writer.Written()
		c.String(http.StatusOK, "body written by the handler")
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+sliding)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if renewedAtStart == "" {
		t.Fatal("Refreshed-Token was not set when the handler started")
	}
	if writtenAtStart {
		t.Error("the middleware wrote the response before the handler")
	}
	if rec.Code != 200 || rec.Body.String() != "body written by the handler" ||
		rec.Header().Get("Refreshed-Token") != renewedAtStart ||
		!slices.Equal(rec.Header().Values("Access-Control-Expose-Headers"), []string{"Refreshed-Token"}) {
		t.Errorf("answer %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// TestMount checks that the endpoints mounted on Gin (with a prefix without
// its trailing slash, on a group) answer as those mounted on a net/http
// ServeMux.
func TestMount(t *testing.T) {
	f := adaptertest.NewFixture(t)
	r := gin.New()
	Mount(r.Group("/api"), "/token", f.Auth)
	adaptertest.RunMount(t, f, r)
}
