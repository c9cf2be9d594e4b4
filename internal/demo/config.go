// Package demo holds what the example apps share: their configuration from
// the environment, their users, the Auth built from both, the net/http
// routes, the HTTP server and the scripted walk-through of the README.
//
// The example apps are net/http (examples/basic), Gin
// (adapters/gin/examples/gin) and Echo (adapters/echo/examples/echo). They
// read the same environment and serve the same routes.
package demo

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/redis/go-redis/v9"
)

// Config is the configuration of an example app.
type Config struct {
	// Addr is the address to listen on: ADDR, default "127.0.0.1:8000".
	Addr string
	// Algorithm is JWT_ALGORITHM, default HS256.
	Algorithm simplejwt.Algorithm
	// Key signs and verifies tokens: an HMAC key from JWT_SIGNING_KEY, or the
	// private key in JWT_PRIVATE_KEY_FILE for the asymmetric algorithms. Nil
	// when JWT_SIGNING_KEY is unset with an HMAC algorithm: NewAuth then
	// signs with a random key made at start-up.
	Key *simplejwt.Key
	// Redis holds the options parsed from REDIS_URL; nil keeps revocations
	// in memory.
	Redis *redis.Options

	AccessLifetime         time.Duration // JWT_ACCESS_TOKEN_LIFETIME, default 5m
	RefreshLifetime        time.Duration // JWT_REFRESH_TOKEN_LIFETIME, default 24h
	SlidingLifetime        time.Duration // JWT_SLIDING_TOKEN_LIFETIME, default 5m
	SlidingRefreshLifetime time.Duration // JWT_SLIDING_TOKEN_REFRESH_LIFETIME, default 24h

	RotateRefreshTokens    bool // JWT_ROTATE_REFRESH_TOKENS=1
	BlacklistAfterRotation bool // JWT_BLACKLIST_AFTER_ROTATION=1
	// Cookies turns on cookie mode (JWT_COOKIES=1); CookiesInsecure drops
	// the Secure attribute for local development over plain http
	// (JWT_COOKIES_INSECURE=1).
	Cookies         bool
	CookiesInsecure bool
}

// VarError is a bad value of one environment variable.
type VarError struct {
	Name string // the variable, such as "JWT_ALGORITHM"
	Err  error
}

func (e *VarError) Error() string { return e.Name + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *VarError) Unwrap() error { return e.Err }

// Load reads the configuration through getenv (os.Getenv in the apps). An
// unset or empty variable takes its default. Every bad value is reported:
// the error joins one *VarError per offending variable.
func Load(getenv func(string) string) (Config, error) {
	cfg := Config{
		Addr:                   "127.0.0.1:8000",
		Algorithm:              simplejwt.HS256,
		AccessLifetime:         5 * time.Minute,
		RefreshLifetime:        24 * time.Hour,
		SlidingLifetime:        5 * time.Minute,
		SlidingRefreshLifetime: 24 * time.Hour,
	}
	var errs []error
	bad := func(name string, err error) { errs = append(errs, &VarError{Name: name, Err: err}) }

	if v := getenv("ADDR"); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			bad("ADDR", err)
		}
		cfg.Addr = v
	}

	algOK := true
	if v := getenv("JWT_ALGORITHM"); v != "" {
		alg, err := simplejwt.ParseAlgorithm(v)
		if err != nil {
			bad("JWT_ALGORITHM", err)
			algOK = false
		}
		cfg.Algorithm = alg
	}
	secret, keyFile := getenv("JWT_SIGNING_KEY"), getenv("JWT_PRIVATE_KEY_FILE")
	switch {
	case !algOK:
	case isHMAC(cfg.Algorithm):
		if keyFile != "" {
			bad("JWT_PRIVATE_KEY_FILE", fmt.Errorf("not used with %s, which takes JWT_SIGNING_KEY", cfg.Algorithm))
		}
		if secret != "" {
			k, err := simplejwt.NewHMACKey(cfg.Algorithm, []byte(secret))
			if err != nil {
				bad("JWT_SIGNING_KEY", err)
			}
			cfg.Key = k
		}
	default:
		if secret != "" {
			bad("JWT_SIGNING_KEY", fmt.Errorf("not used with %s, which takes JWT_PRIVATE_KEY_FILE", cfg.Algorithm))
		}
		k, err := loadPrivateKey(cfg.Algorithm, keyFile)
		if err != nil {
			bad("JWT_PRIVATE_KEY_FILE", err)
		}
		cfg.Key = k
	}

	if v := getenv("REDIS_URL"); v != "" {
		opts, err := redis.ParseURL(v)
		if err != nil {
			bad("REDIS_URL", err)
		}
		cfg.Redis = opts
	}

	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"JWT_ACCESS_TOKEN_LIFETIME", &cfg.AccessLifetime},
		{"JWT_REFRESH_TOKEN_LIFETIME", &cfg.RefreshLifetime},
		{"JWT_SLIDING_TOKEN_LIFETIME", &cfg.SlidingLifetime},
		{"JWT_SLIDING_TOKEN_REFRESH_LIFETIME", &cfg.SlidingRefreshLifetime},
	} {
		if err := parseLifetime(getenv(d.name), d.dst); err != nil {
			bad(d.name, err)
		}
	}
	if cfg.SlidingRefreshLifetime < cfg.SlidingLifetime {
		bad("JWT_SLIDING_TOKEN_REFRESH_LIFETIME", fmt.Errorf("%v is shorter than JWT_SLIDING_TOKEN_LIFETIME %v",
			cfg.SlidingRefreshLifetime, cfg.SlidingLifetime))
	}

	for _, f := range []struct {
		name string
		dst  *bool
	}{
		{"JWT_ROTATE_REFRESH_TOKENS", &cfg.RotateRefreshTokens},
		{"JWT_BLACKLIST_AFTER_ROTATION", &cfg.BlacklistAfterRotation},
		{"JWT_COOKIES", &cfg.Cookies},
		{"JWT_COOKIES_INSECURE", &cfg.CookiesInsecure},
	} {
		if err := parseFlag(getenv(f.name), f.dst); err != nil {
			bad(f.name, err)
		}
	}

	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func isHMAC(alg simplejwt.Algorithm) bool {
	return alg == simplejwt.HS256 || alg == simplejwt.HS384 || alg == simplejwt.HS512
}

// hmacSize is the length of the random key made for alg: the size of its
// hash, the shortest key the algorithm accepts.
func hmacSize(alg simplejwt.Algorithm) int {
	switch alg {
	case simplejwt.HS384:
		return 48
	case simplejwt.HS512:
		return 64
	default:
		return 32
	}
}

func loadPrivateKey(alg simplejwt.Algorithm, path string) (*simplejwt.Key, error) {
	if path == "" {
		return nil, fmt.Errorf("required with %s: a PEM file holding the private key", alg)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := simplejwt.ParsePEMKey(alg, data)
	if err != nil {
		return nil, err
	}
	if !k.CanSign() {
		return nil, fmt.Errorf("%s holds a public key; a private key is needed to sign", path)
	}
	return k, nil
}

func parseLifetime(v string, dst *time.Duration) error {
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return err
	}
	if d <= 0 {
		return fmt.Errorf("must be positive, got %v", d)
	}
	*dst = d
	return nil
}

func parseFlag(v string, dst *bool) error {
	if v == "" {
		return nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want 1 or 0, got %q", v)
	}
	*dst = on
	return nil
}
