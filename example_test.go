package simplejwt_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gosimplejwt/simplejwt"
)

// Wrapping a handler: requests without a valid access token never reach it.
func ExampleAuth_Middleware() {
	auth, err := simplejwt.New(simplejwt.WithHMACSecret([]byte("a-secret-of-at-least-32-bytes!!!")))
	if err != nil {
		log.Fatal(err)
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := simplejwt.ClaimsFrom(r.Context())
		fmt.Fprintf(w, "hello, user %s", claims.UserID)
	})
	mux := http.NewServeMux()
	mux.Handle("/api/hello/", auth.Middleware(hello))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/hello/", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 401 {"detail":"Authentication credentials were not provided."}
}

// Issuing tokens: a pair for a user, then a new access token from the
// refresh token.
func ExampleAuth_ObtainPair() {
	auth, err := simplejwt.New(simplejwt.WithHMACSecret([]byte("a-secret-of-at-least-32-bytes!!!")))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	pair, err := auth.ObtainPair(ctx, simplejwt.User{ID: "42", Claims: map[string]any{"role": "admin"}})
	if err != nil {
		log.Fatal(err)
	}
	refreshed, err := auth.Refresh(ctx, pair.Refresh)
	if err != nil {
		log.Fatal(err)
	}
	claims, err := auth.Verify(ctx, refreshed.Access)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Type, claims.UserID, refreshed.Refresh == "")
	// Output: access 42 true
}

// Reading claims in a handler, including a custom claim.
func ExampleClaimsFrom() {
	auth, err := simplejwt.New(simplejwt.WithHMACSecret([]byte("a-secret-of-at-least-32-bytes!!!")))
	if err != nil {
		log.Fatal(err)
	}
	pair, err := auth.ObtainPair(context.Background(), simplejwt.User{ID: "42", Claims: map[string]any{"role": "admin"}})
	if err != nil {
		log.Fatal(err)
	}
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := simplejwt.ClaimsFrom(r.Context())
		var role string
		claims.Get("role", &role)
		fmt.Println(ok, claims.Type, claims.UserID, role)
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+pair.Access)
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output: true access 42 admin
}

// Serving SimpleJWT's token endpoints.
func ExampleAuth_Mount() {
	auth, err := simplejwt.New(
		simplejwt.WithHMACSecret([]byte("a-secret-of-at-least-32-bytes!!!")),
		simplejwt.WithAuthenticator(simplejwt.AuthenticatorFunc(
			func(ctx context.Context, username, password string) (simplejwt.User, error) {
				return simplejwt.User{}, simplejwt.ErrInvalidCredentials
			})),
	)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	auth.Mount(mux, "/api/token/")

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/token/refresh/", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 400 {"refresh":["This field is required."]}
}
