package simplejwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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

// Verifying another issuer's tokens against its JWKS: here the issuer is a
// second Auth with an ES256 key serving its public keys.
func ExampleWithRemoteJWKS() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := simplejwt.NewKey(simplejwt.ES256, priv)
	issuer, err := simplejwt.New(simplejwt.WithSigningKey(key.WithID("2026-12")), simplejwt.WithIssuer("https://idp.example/"))
	if err != nil {
		log.Fatal(err)
	}
	idp := httptest.NewTLSServer(issuer.JWKSHandler(simplejwt.DefaultJWKSMaxAge))
	defer idp.Close()

	api, err := simplejwt.New(
		simplejwt.WithRemoteJWKS(idp.URL+"/.well-known/jwks.json",
			simplejwt.RemoteHTTPClient(idp.Client()), simplejwt.RemoteIssuer("https://idp.example/")),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer api.Close()

	pair, _ := issuer.ObtainPair(context.Background(), simplejwt.User{ID: "42"})
	claims, err := api.Verify(context.Background(), pair.Access)
	fmt.Println(claims.UserID, claims.Issuer, err)
	// Output: 42 https://idp.example/ <nil>
}

// Serving the public keys of the ring, for other services to verify with.
func ExampleAuth_JWKSHandler() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := simplejwt.NewKey(simplejwt.ES256, priv)
	auth, err := simplejwt.New(simplejwt.WithSigningKey(key.WithID("2026-12")))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/.well-known/jwks.json", auth.JWKSHandler(simplejwt.DefaultJWKSMaxAge))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	keys, _ := simplejwt.ParseJWKSet(rec.Body.Bytes(), "")
	fmt.Println(rec.Code, rec.Header().Get("Cache-Control"), len(keys), keys[0].ID(), keys[0].Algorithm(), keys[0].CanSign())
	// Output: 200 public, max-age=300 1 2026-12 ES256 false
}
