// Command basic is the net/http example app: the SimpleJWT token endpoints
// under /api/token/, /api/whoami/ for access tokens, /api/whoami-sliding/
// for sliding tokens (renewed in the Refreshed-Token response header) and
// /healthz.
//
// Run it with
//
//	go run ./examples/basic
//
// and try it with scripts/walkthrough.sh http://127.0.0.1:8000. It is
// configured through the environment: ADDR (default 127.0.0.1:8000),
// JWT_SIGNING_KEY (an HMAC secret of at least 32 bytes; random per start
// when unset), JWT_ALGORITHM (default HS256) with JWT_PRIVATE_KEY_FILE for
// RS*, PS*, ES* and EdDSA, REDIS_URL (in memory when unset), the lifetimes
// JWT_ACCESS_TOKEN_LIFETIME, JWT_REFRESH_TOKEN_LIFETIME,
// JWT_SLIDING_TOKEN_LIFETIME and JWT_SLIDING_TOKEN_REFRESH_LIFETIME (Go
// durations), JWT_ROTATE_REFRESH_TOKENS=1 and JWT_BLACKLIST_AFTER_ROTATION=1.
// The users are alice/wonderland and bob/builder (inactive).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gosimplejwt/simplejwt/internal/demo"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// SIGINT and SIGTERM end ctx: the server stops taking connections and
	// finishes the requests in flight.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := demo.Run(ctx, logger, os.Getenv, demo.NewMux)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "basic: %v\n", err)
		os.Exit(1)
	}
}
