package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/redis/go-redis/v9"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// maxInput bounds what is read from standard input or a secret file.
const maxInput = 1 << 20

// readToken returns the token named by arg: arg itself, or standard input
// when arg is "-". Surrounding white space is dropped.
func (c *cli) readToken(arg string) (string, error) {
	if arg != "-" {
		return strings.TrimSpace(arg), nil
	}
	b, err := io.ReadAll(io.LimitReader(c.stdin, maxInput+1))
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("standard input holds more than %d bytes", maxInput)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", errors.New("no token on standard input")
	}
	return tok, nil
}

// oneToken returns the single positional argument as a token.
func (c *cli) oneToken(args []string) (string, error) {
	switch len(args) {
	case 0:
		return "", usagef("missing TOKEN (give the token, or - to read it from standard input)")
	case 1:
		return c.readToken(args[0])
	default:
		return "", usagef("want one TOKEN, got %d arguments", len(args))
	}
}

func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// keyFlags choose the key that signs or verifies: an HMAC secret, a PEM
// file or a JWK Set.
type keyFlags struct {
	secret     string
	secretFile string
	keyFile    string
	jwksFile   string
	alg        string
	kid        string
	weak       bool

	jwks bool // --jwks is registered
	env  bool // fall back on JWT_SIGNING_KEY, JWT_PRIVATE_KEY_FILE and JWT_ALGORITHM
}

// register adds the key flags to fs: --jwks only when jwks is set, and the
// environment as the default when env is set.
func (k *keyFlags) register(fs *flag.FlagSet, jwks, env bool) {
	k.jwks, k.env = jwks, env
	envNote := func(v string) string {
		if env {
			return " (default $" + v + ")"
		}
		return ""
	}
	fs.StringVar(&k.secret, "secret", "", "HMAC `secret`"+envNote("JWT_SIGNING_KEY")+
		"; it shows in the process list, prefer --secret-file")
	fs.StringVar(&k.secretFile, "secret-file", "", "read the HMAC secret from `file` (a trailing newline is ignored)")
	fs.StringVar(&k.keyFile, "key", "", "PEM `file` holding a private or public RSA, ECDSA or Ed25519 key"+envNote("JWT_PRIVATE_KEY_FILE"))
	if jwks {
		fs.StringVar(&k.jwksFile, "jwks", "", "`file` holding a JWK or a JWK Set of verification keys")
	}
	algHelp := "signature `algorithm`: HS256 (default) for a secret; inferred from a PEM key\n" +
		"(RSA: RS256, EC: by curve, Ed25519: EdDSA)"
	if jwks {
		algHelp += "; for --jwks, the alg of keys that name none"
	}
	fs.StringVar(&k.alg, "alg", "", algHelp+envNote("JWT_ALGORITHM"))
	fs.StringVar(&k.kid, "kid", "", "key `id`: the kid header of minted tokens, or the kid a token must carry to verify")
	fs.BoolVar(&k.weak, "weak-secret", false, "accept an HMAC secret shorter than the hash (8 bytes at least),\n"+
		"as an existing SimpleJWT SIGNING_KEY may be")
}

// given reports whether a key flag was set.
func (k *keyFlags) given() bool {
	return k.secret != "" || k.secretFile != "" || k.keyFile != "" || k.jwksFile != ""
}

const keyChoice = "--secret, --secret-file, --key or --jwks"

// choice names the key flags of the command.
func (k *keyFlags) choice() string {
	if k.jwks {
		return keyChoice
	}
	return "--secret, --secret-file or --key"
}

// load returns the keys the flags name or, when none is given and env was
// registered, the environment names; nil when there is neither.
func (k *keyFlags) load(c *cli) ([]*simplejwt.Key, error) {
	n := 0
	for _, v := range []string{k.secret, k.secretFile, k.keyFile, k.jwksFile} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return nil, usagef("give only one of %s", k.choice())
	}
	var alg simplejwt.Algorithm
	algName := "--alg"
	if k.alg != "" {
		a, err := simplejwt.ParseAlgorithm(k.alg)
		if err != nil {
			return nil, usagef("--alg: %v", oneLine(err.Error()))
		}
		alg = a
	}
	secret, secretFile, keyFile := []byte(k.secret), k.secretFile, k.keyFile
	secretName, keyName := "--secret", "--key"
	if n == 0 {
		if !k.env {
			return nil, k.unused()
		}
		secret, keyFile = []byte(c.getenv("JWT_SIGNING_KEY")), c.getenv("JWT_PRIVATE_KEY_FILE")
		secretName, keyName = "JWT_SIGNING_KEY", "JWT_PRIVATE_KEY_FILE"
		if len(secret) > 0 && keyFile != "" {
			return nil, usagef("JWT_SIGNING_KEY and JWT_PRIVATE_KEY_FILE are both set: choose with --secret or --key")
		}
		if alg == "" && c.getenv("JWT_ALGORITHM") != "" {
			a, err := simplejwt.ParseAlgorithm(c.getenv("JWT_ALGORITHM"))
			if err != nil {
				return nil, usagef("JWT_ALGORITHM: %v", oneLine(err.Error()))
			}
			alg, algName = a, "JWT_ALGORITHM"
		}
		if len(secret) == 0 && keyFile == "" {
			return nil, k.unused()
		}
	}
	if k.jwksFile != "" && k.kid != "" {
		return nil, usagef("--kid goes with --secret or --key; a JWK Set names its own kids")
	}

	var key *simplejwt.Key
	switch {
	case len(secret) > 0 || secretFile != "":
		if secretFile != "" {
			b, err := readSecretFile(secretFile)
			if err != nil {
				return nil, err
			}
			secret, secretName = b, "--secret-file "+secretFile
		}
		if alg == "" {
			alg = simplejwt.HS256
		} else if !isHMAC(alg) {
			return nil, usagef("%s %s takes --key or --jwks, not a secret", algName, alg)
		}
		var err error
		if k.weak {
			key, err = simplejwt.NewWeakHMACKey(alg, secret)
		} else {
			key, err = simplejwt.NewHMACKey(alg, secret)
		}
		if err != nil {
			if !k.weak {
				return nil, fmt.Errorf("%s: %w (--weak-secret accepts a shorter one, 8 bytes at least)", secretName, err)
			}
			return nil, fmt.Errorf("%s: %w", secretName, err)
		}
	case keyFile != "":
		if alg != "" && isHMAC(alg) {
			return nil, usagef("%s %s takes --secret or --secret-file, not a PEM key", algName, alg)
		}
		data, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyName, err)
		}
		if key, err = parsePEMKey(alg, data); err != nil {
			return nil, fmt.Errorf("%s %s: %w", keyName, keyFile, err)
		}
	default:
		data, err := os.ReadFile(k.jwksFile)
		if err != nil {
			return nil, fmt.Errorf("--jwks: %w", err)
		}
		keys, err := simplejwt.ParseJWKSet(data, alg)
		if err != nil {
			return nil, fmt.Errorf("--jwks %s: %w", k.jwksFile, err)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("--jwks %s: the set holds no key", k.jwksFile)
		}
		return keys, nil
	}
	if k.kid != "" {
		key = key.WithID(k.kid)
	}
	return []*simplejwt.Key{key}, nil
}

// unused refuses key options given without a key.
func (k *keyFlags) unused() error {
	if k.alg != "" || k.kid != "" || k.weak {
		return usagef("--alg, --kid and --weak-secret qualify a key: give %s too", k.choice())
	}
	return nil
}

// verificationKeys is load, refusing to go without a key.
func (k *keyFlags) verificationKeys(c *cli) ([]*simplejwt.Key, error) {
	keys, err := k.load(c)
	if err == nil && keys == nil {
		if k.env {
			return nil, usagef("no key: give %s (or set JWT_SIGNING_KEY or JWT_PRIVATE_KEY_FILE)", keyChoice)
		}
		return nil, usagef("no key: give %s", keyChoice)
	}
	return keys, err
}

// signingKey returns the one key that signs.
func (k *keyFlags) signingKey(c *cli) (*simplejwt.Key, error) {
	keys, err := k.load(c)
	switch {
	case err != nil:
		return nil, err
	case keys == nil:
		return nil, usagef("no key: give --secret, --secret-file or --key (or set JWT_SIGNING_KEY or JWT_PRIVATE_KEY_FILE)")
	case !keys[0].CanSign():
		return nil, fmt.Errorf("--key %s holds a public key; signing needs the private key", k.keyFile)
	}
	return keys[0], nil
}

// readSecretFile reads an HMAC secret, dropping one trailing newline.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--secret-file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("--secret-file: %w", err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("--secret-file %s: longer than %d bytes", path, maxInput)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("--secret-file %s: the file is empty", path)
	}
	return b, nil
}

func isHMAC(alg simplejwt.Algorithm) bool {
	return alg == simplejwt.HS256 || alg == simplejwt.HS384 || alg == simplejwt.HS512
}

// claimFlags name the claims that differ between deployments.
type claimFlags struct {
	userIDClaim  string
	sessionClaim string
}

func (f *claimFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.userIDClaim, "user-id-claim", "user_id", "`name` of the user id claim (SimpleJWT: USER_ID_CLAIM)")
	fs.StringVar(&f.sessionClaim, "session-claim", "sid", "`name` of the session id claim; \"\" for none")
}

func (f *claimFlags) options() []simplejwt.Option {
	return []simplejwt.Option{simplejwt.WithUserIDClaim(f.userIDClaim), simplejwt.WithSessionClaim(f.sessionClaim)}
}

// newAuth is simplejwt.New with the command's clock, which opts may
// replace. A configuration the library refuses comes from the flags (exit
// status 2), unless it is about a key, which comes from a file (exit status
// 1).
func (c *cli) newAuth(opts ...simplejwt.Option) (*simplejwt.Auth, error) {
	a, err := simplejwt.New(append([]simplejwt.Option{simplejwt.WithClock(c.now)}, opts...)...)
	if err != nil && !errors.Is(err, simplejwt.ErrKey) {
		return nil, usagef("%v", oneLine(err.Error()))
	}
	return a, err
}

// verifier returns an Auth that verifies with keys, the claim names of cf
// and opts.
func (c *cli) verifier(keys []*simplejwt.Key, cf *claimFlags, opts ...simplejwt.Option) (*simplejwt.Auth, error) {
	return c.newAuth(slices.Concat(cf.options(), []simplejwt.Option{simplejwt.WithVerificationKeys(keys...)}, opts)...)
}

// redisFlags choose the Redis revocation store.
type redisFlags struct {
	url     string
	prefix  string
	timeout time.Duration
}

func (r *redisFlags) register(fs *flag.FlagSet, defaultEnv bool) {
	note := ""
	if defaultEnv {
		note = " (default $REDIS_URL)"
	}
	fs.StringVar(&r.url, "redis", "", "Redis `URL` of the revocation store, redis://[user:password@]host:port/db,\n"+
		"rediss:// for TLS or unix:///path"+note)
	fs.StringVar(&r.prefix, "prefix", "simplejwt:", "`prefix` of the store's Redis keys, as the servers set it")
	fs.DurationVar(&r.timeout, "redis-timeout", 3*time.Second, "bound on each Redis call, retries included")
}

// open connects to the store. close releases the client.
func (r *redisFlags) open(c *cli, defaultEnv bool) (store *simplejwt.RedisStore, close func(), err error) {
	url := r.url
	if url == "" && defaultEnv {
		url = c.getenv("REDIS_URL")
	}
	if url == "" {
		return nil, nil, usagef("no Redis: give --redis URL (or set REDIS_URL)")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, usagef("--redis: %v", err)
	}
	opts.ContextTimeoutEnabled = true
	// One command makes one or two calls: fail fast on a Redis that refuses
	// connections rather than retrying until the timeout, unless the URL
	// asks otherwise (?max_retries=3&dialer_retries=5).
	if opts.MaxRetries == 0 {
		opts.MaxRetries = -1
	}
	if opts.DialerRetries == 0 {
		opts.DialerRetries = 1
	}
	client := redis.NewClient(opts)
	store, err = simplejwt.NewRedisStore(client,
		simplejwt.WithRedisPrefix(r.prefix), simplejwt.WithRedisTimeout(r.timeout))
	if err != nil {
		client.Close()
		return nil, nil, usagef("%v", oneLine(err.Error()))
	}
	return store, func() {
		store.Close()
		client.Close()
	}, nil
}
