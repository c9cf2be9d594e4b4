package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosimplejwt/simplejwt"
)

// ksServe builds the example app from vars and serves NewMux on a test
// server closed when t ends.
func ksServe(t *testing.T, vars map[string]string) *httptest.Server {
	t.Helper()
	cfg, err := Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, closeAuth, err := NewAuth(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewMux(a))
	t.Cleanup(func() {
		srv.Close()
		closeAuth()
	})
	return srv
}

// ksDo sends one request and returns the answer with its body read.
func ksDo(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestKsJWKSEndpoint runs the example app with JWT_ALGORITHM=ES256 and a key
// file as "openssl ecparam -name prime256v1 -genkey" writes it: the app
// serves its public key at /.well-known/jwks.json, and a service that knows
// nothing but that URL verifies the app's access tokens.
func TestKsJWKSEndpoint(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	prime256v1 := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	keyFile := filepath.Join(t.TempDir(), "es256.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: prime256v1}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...)
	if err := os.WriteFile(keyFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := ksServe(t, map[string]string{"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": keyFile})
	jwksURL := srv.URL + "/.well-known/jwks.json"

	resp, body := ksDo(t, http.MethodGet, jwksURL, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("JWKS: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatalf("JWKS body %s: %v", body, err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys: %s", len(set.Keys), body)
	}
	k := set.Keys[0]
	if k["alg"] != "ES256" || k["kty"] != "EC" || k["crv"] != "P-256" || k["use"] != "sig" || k["d"] != nil {
		t.Fatalf("JWKS key %v", k)
	}
	if resp, _ := ksDo(t, http.MethodPost, jwksURL, "{}"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the JWKS: %d", resp.StatusCode)
	}

	resp, body = ksDo(t, http.MethodPost, srv.URL+"/api/token/", `{"username":"alice","password":"wonderland"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var pair struct{ Access string }
	if err := json.Unmarshal([]byte(body), &pair); err != nil || pair.Access == "" {
		t.Fatalf("login body %s: %v", body, err)
	}

	consumer, err := simplejwt.New(simplejwt.WithRemoteJWKS(jwksURL, simplejwt.RemoteAllowHTTP()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	c, err := consumer.Verify(context.Background(), pair.Access)
	if err != nil || c.UserID != "1" || c.Type != simplejwt.Access {
		t.Fatalf("consumer: %+v, %v", c, err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/whoami/", nil)
	req.Header.Set("Authorization", "Bearer "+pair.Access)
	consumer.Middleware(http.HandlerFunc(Whoami)).ServeHTTP(rec, req)
	if want := string(WhoamiJSON(c)); rec.Code != 200 || rec.Body.String() != want {
		t.Fatalf("consumer's middleware: %d %s, want 200 %s", rec.Code, rec.Body, want)
	}
}

// TestKsJWKSEndpointHMAC checks that an app signing with an HMAC key, which
// has nothing to publish, serves no JWKS route.
func TestKsJWKSEndpointHMAC(t *testing.T) {
	srv := ksServe(t, map[string]string{"JWT_SIGNING_KEY": "0123456789abcdef0123456789abcdef"})
	if resp, body := ksDo(t, http.MethodGet, srv.URL+"/.well-known/jwks.json", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("JWKS with HS256: %d %s", resp.StatusCode, body)
	}
}
