package echojwt_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gosimplejwt/simplejwt"
	echojwt "github.com/gosimplejwt/simplejwt/adapters/echo"
	"github.com/labstack/echo/v4"
)

func Example() {
	a, err := simplejwt.New(simplejwt.WithHMACSecret([]byte("an example secret, 32 bytes long")))
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.GET("/whoami", func(c echo.Context) error {
		claims, _ := echojwt.Claims(c)
		return c.String(http.StatusOK, "user "+claims.UserID)
	}, echojwt.Auth(a))

	pair, err := a.ObtainPair(context.Background(), simplejwt.User{ID: "1"})
	if err != nil {
		panic(err)
	}
	for _, header := range []string{"", "Bearer " + pair.Access} {
		req := httptest.NewRequest("GET", "/whoami", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 401 {"detail":"Authentication credentials were not provided."}
	// 200 user 1
}
