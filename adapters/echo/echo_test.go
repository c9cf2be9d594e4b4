package echojwt

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/demo/adaptertest"
	"github.com/labstack/echo/v4"
)

// engine serves the routes of f through Echo: each guarded by the adapter,
// in front of a handler that checks both ways of reading the claims agree
// and then answers as adaptertest.Handler.
func engine(f *adaptertest.Fixture) *echo.Echo {
	e := echo.New()
	for _, rt := range f.Routes {
		mw := Auth(rt.Auth)
		if rt.Guard != nil {
			mw = Middleware(rt.Guard)
		}
		e.GET(rt.Path, func(c echo.Context) error {
			fromEcho, okEcho := Claims(c)
			fromCtx, okCtx := simplejwt.ClaimsFrom(c.Request().Context())
			if okEcho != okCtx || fromEcho != fromCtx {
				return c.String(http.StatusInternalServerError, "Claims and ClaimsFrom differ")
			}
			adaptertest.Handler.ServeHTTP(c.Response(), c.Request())
			return nil
		}, mw)
	}
	return e
}

func TestSameAsNetHTTP(t *testing.T) {
	f := adaptertest.NewFixture(t)
	adaptertest.Run(t, f, engine(f))
}

func TestClaims(t *testing.T) {
	f := adaptertest.NewFixture(t)
	var (
		reached          bool
		fromEcho         *simplejwt.Claims
		fromCtx          *simplejwt.Claims
		okEcho, okCtx    bool
		storedUnderClaim any
	)
	e := echo.New()
	e.GET("/", func(c echo.Context) error {
		reached = true
		fromEcho, okEcho = Claims(c)
		fromCtx, okCtx = simplejwt.ClaimsFrom(c.Request().Context())
		storedUnderClaim = c.Get(ClaimsKey)
		return c.NoContent(http.StatusNoContent)
	}, Middleware(f.Auth.MustGuard()))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+f.Tokens.Access)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || !reached {
		t.Fatalf("status %d, handler reached %v", rec.Code, reached)
	}
	if !okEcho || !okCtx || fromEcho == nil || fromEcho != fromCtx || storedUnderClaim != any(fromEcho) ||
		fromEcho.UserID != "1" || fromEcho.Type != simplejwt.Access {
		t.Errorf("Claims = %+v, %v; ClaimsFrom = %+v, %v; c.Get = %v", fromEcho, okEcho, fromCtx, okCtx, storedUnderClaim)
	}
}

func TestClaimsWithoutMiddleware(t *testing.T) {
	tests := []struct {
		name string
		set  func(c echo.Context)
	}{
		{"nothing stored", func(echo.Context) {}},
		{"another type stored", func(c echo.Context) { c.Set(ClaimsKey, "claims") }},
		{"nil claims stored", func(c echo.Context) { c.Set(ClaimsKey, (*simplejwt.Claims)(nil)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := echo.New().NewContext(httptest.NewRequest("GET", "/", nil), httptest.NewRecorder())
			tc.set(c)
			if claims, ok := Claims(c); ok || claims != nil {
				t.Errorf("Claims = %+v, %v; want nil, false", claims, ok)
			}
		})
	}
}

func TestAbortStopsChain(t *testing.T) {
	f := adaptertest.NewFixture(t)
	var reached bool
	var returned error = echo.ErrTeapot // overwritten by the outer middleware
	e := echo.New()
	// An outer middleware sees what the chain returned.
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			returned = next(c)
			return returned
		}
	})
	after := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			reached = true
			return next(c)
		}
	}
	e.GET("/", func(c echo.Context) error {
		reached = true
		return c.NoContent(http.StatusNoContent)
	}, Auth(f.Auth), after)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	want := `{"detail":"Authentication credentials were not provided."}`
	if rec.Code != http.StatusUnauthorized || rec.Body.String() != want {
		t.Errorf("answer %d %s, want 401 %s", rec.Code, rec.Body, want)
	}
	if reached {
		t.Error("a handler after the middleware ran")
	}
	if returned != nil {
		t.Errorf("the middleware returned %v, want nil (answer already written)", returned)
	}
}

func TestRenewalBeforeHandler(t *testing.T) {
	f := adaptertest.NewFixture(t)
	var renewedAtStart string
	var committedAtStart bool
	e := echo.New()
	e.GET("/", func(c echo.Context) error {
		renewedAtStart = c.Response().Header().Get("Refreshed-Token")
		committedAtStart = c.Response().Committed
		return c.String(http.StatusOK, "body written by the handler")
	}, Middleware(f.Auth.MustGuard(simplejwt.Accept(simplejwt.Sliding))))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+f.Tokens.SlidingDue)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if renewedAtStart == "" {
		t.Fatal("Refreshed-Token was not set when the handler started")
	}
	if committedAtStart {
		t.Error("the middleware committed the response before the handler")
	}
	if rec.Code != 200 || rec.Body.String() != "body written by the handler" ||
		rec.Header().Get("Refreshed-Token") != renewedAtStart ||
		!slices.Equal(rec.Header().Values("Access-Control-Expose-Headers"), []string{"Refreshed-Token"}) {
		t.Errorf("answer %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// TestMount checks that the endpoints mounted on Echo (with a prefix without
// its trailing slash, on a group) answer as those mounted on a net/http
// ServeMux.
func TestMount(t *testing.T) {
	f := adaptertest.NewFixture(t)
	e := echo.New()
	Mount(e.Group("/api"), "/token", f.Auth)
	adaptertest.RunMount(t, f, e)
}
