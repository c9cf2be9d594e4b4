package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/redis/go-redis/v9"
)

// pingTimeout bounds the start-up check that Redis answers.
const pingTimeout = 5 * time.Second

// NewAuth builds the Auth of the example apps from cfg: its key, lifetimes
// and rotation settings, the Users authenticator, and a Redis revocation
// store when cfg.Redis is set (in memory otherwise). The default guard
// accepts access tokens (WithTokenTypes' default).
//
// Without a key in cfg it signs with a random HMAC key and logs a warning:
// tokens then do not survive a restart. With Redis it checks that Redis
// answers and fails with a *VarError for REDIS_URL when it does not.
//
// The options in extra come after those made from cfg.
//
// The returned function releases what NewAuth opened (the Redis store and
// client); call it once the server has stopped.
func NewAuth(cfg Config, logger *slog.Logger, extra ...simplejwt.Option) (*simplejwt.Auth, func() error, error) {
	key := cfg.Key
	if key == nil {
		secret := make([]byte, hmacSize(cfg.Algorithm))
		rand.Read(secret)
		k, err := simplejwt.NewHMACKey(cfg.Algorithm, secret)
		if err != nil {
			return nil, nil, err
		}
		key = k
		logger.Warn("JWT_SIGNING_KEY is not set: signing with a random key made at start-up; tokens will not survive a restart")
	}
	opts := []simplejwt.Option{
		simplejwt.WithSigningKey(key),
		simplejwt.WithAccessTokenLifetime(cfg.AccessLifetime),
		simplejwt.WithRefreshTokenLifetime(cfg.RefreshLifetime),
		simplejwt.WithSlidingTokenLifetime(cfg.SlidingLifetime),
		simplejwt.WithSlidingTokenRefreshLifetime(cfg.SlidingRefreshLifetime),
		simplejwt.WithRotateRefreshTokens(cfg.RotateRefreshTokens),
		simplejwt.WithBlacklistAfterRotation(cfg.BlacklistAfterRotation),
		simplejwt.WithAuthenticator(Users()),
		simplejwt.WithLogger(logger),
	}
	if cfg.Cookies {
		opts = append(opts, simplejwt.WithCookies(simplejwt.CookieOptions{Insecure: cfg.CookiesInsecure}),
			simplejwt.WithTokenTypes(simplejwt.Access, simplejwt.Sliding))
	}
	closer := func() error { return nil }
	if cfg.Redis != nil {
		ropts := *cfg.Redis
		// The store bounds each call with its own timeout through the
		// context, which the client honours only with this set.
		ropts.ContextTimeoutEnabled = true
		client := redis.NewClient(&ropts)
		ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
		err := client.Ping(ctx).Err()
		cancel()
		if err != nil {
			client.Close()
			return nil, nil, &VarError{Name: "REDIS_URL", Err: fmt.Errorf("no answer from Redis at %s: %w", cfg.Redis.Addr, err)}
		}
		store, err := simplejwt.NewRedisStore(client)
		if err != nil {
			client.Close()
			return nil, nil, &VarError{Name: "REDIS_URL", Err: err}
		}
		opts = append(opts, simplejwt.WithStore(store))
		closer = func() error { return errors.Join(store.Close(), client.Close()) }
	}
	a, err := simplejwt.New(append(opts, extra...)...)
	if err != nil {
		closer()
		return nil, nil, err
	}
	return a, closer, nil
}
