package ginjwt_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/gosimplejwt/simplejwt"
	ginjwt "github.com/gosimplejwt/simplejwt/adapters/gin"
)

func Example() {
	a, err := simplejwt.New(simplejwt.WithHMACSecret([]byte("an example secret, 32 bytes long")))
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.GET("/whoami", ginjwt.Auth(a), func(c *gin.Context) {
		claims, _ := ginjwt.Claims(c)
		c.String(http.StatusOK, "user %s", claims.UserID)
	})

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
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 401 {"detail":"Authentication credentials were not provided."}
	// 200 user 1
}
