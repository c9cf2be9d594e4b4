// Command jwtauth is the go-chi/jwtauth counterpart of examples/basic's
// GET /api/whoami/, for comparing the two over HTTP (bench/http.sh).
//
// It serves GET /api/whoami/ only: jwtauth's Verifier and Authenticator, as
// its README chains them, with a jwx validator that makes the checks
// simplejwt's default guard makes: token_type == "access", exp, jti and
// user_id present, HS256 pinned by the key. An accepted request gets 200
// {"user_id":"1","token_type":"access","jti":"..."}, the body of
// examples/basic's route (demo.WhoamiJSON), built by appending bytes;
// anything else gets 401.
//
// Server timeouts and the one slog line per request (to stderr) are those
// of the example apps: demo.NewServer and demo.LogRequests.
//
// Environment: JWT_SIGNING_KEY (the HS256 secret, at least 32 bytes, as
// examples/basic requires) and ADDR (default 127.0.0.1:8001).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/go-chi/jwtauth/v5"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/gosimplejwt/simplejwt/internal/demo"
)

// minSecret is the shortest HS256 secret accepted, as simplejwt requires.
const minSecret = 32

var (
	errWrongType = errors.New("token_type is not access")
	errNoExp     = errors.New("token has no exp")
	errNoID      = errors.New("token has no jti")
	errNoUser    = errors.New("token has no user id")
)

// userID returns the user_id claim as a string: a JSON string as it is, a
// JSON integer (jwx decodes it as float64) in decimal, as simplejwt reads
// it. Anything else is "".
func userID(t jwt.Token) string {
	v, ok := t.Get("user_id")
	if !ok {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case float64:
		if v >= 0 && v <= 1<<53 && v == math.Trunc(v) {
			return strconv.FormatInt(int64(v), 10)
		}
	}
	return ""
}

// accessOnly is the jwx validator jwtauth runs after its own checks of exp,
// nbf and iat: it refuses anything but a complete access token.
var accessOnly = jwt.ValidatorFunc(func(_ context.Context, t jwt.Token) jwt.ValidationError {
	typ, _ := t.Get("token_type")
	switch {
	case typ != "access":
		return jwt.NewValidationError(errWrongType)
	case t.Expiration().IsZero():
		return jwt.NewValidationError(errNoExp)
	case t.JwtID() == "":
		return jwt.NewValidationError(errNoID)
	case userID(t) == "":
		return jwt.NewValidationError(errNoUser)
	}
	return nil
})

// appendJSONString appends s as a JSON string, byte for byte what
// encoding/json writes: printable ASCII other than '"', '\\', '<', '>' and
// '&' is copied, and a string with anything else goes through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // marshalling a string cannot fail
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// whoami answers 200 with {"user_id":...,"token_type":"access","jti":...}
// for the token jwtauth verified, 401 when there is none (which the
// Authenticator in front never lets happen).
func whoami(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	t, _ := r.Context().Value(jwtauth.TokenCtxKey).(jwt.Token)
	if t == nil {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"detail":"Authentication credentials were not provided."}`))
		return
	}
	uid, jti := userID(t), t.JwtID()
	b := make([]byte, 0, 48+len(uid)+len(jti))
	b = append(b, `{"user_id":`...)
	b = appendJSONString(b, uid)
	b = append(b, `,"token_type":"access","jti":`...)
	b = appendJSONString(b, jti)
	b = append(b, '}')
	w.Write(b)
}

// newHandler returns the routes: GET /api/whoami/ behind jwtauth, on the
// same ServeMux pattern as examples/basic.
func newHandler(secret []byte) http.Handler {
	ja := jwtauth.New("HS256", secret, nil, jwt.WithValidator(accessOnly))
	mux := http.NewServeMux()
	mux.Handle("GET /api/whoami/{$}", jwtauth.Verifier(ja)(jwtauth.Authenticator(ja)(http.HandlerFunc(whoami))))
	return mux
}

func run(ctx context.Context, logger *slog.Logger) error {
	secret := os.Getenv("JWT_SIGNING_KEY")
	if len(secret) < minSecret {
		return fmt.Errorf("JWT_SIGNING_KEY: need an HS256 secret of at least %d bytes, got %d", minSecret, len(secret))
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8001"
	}
	return demo.Serve(ctx, logger, addr, newHandler([]byte(secret)))
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, logger)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "jwtauth: %v\n", err)
		os.Exit(1)
	}
}
