package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// parseType checks a --type value.
func parseType(s string) (simplejwt.TokenType, error) {
	switch t := simplejwt.TokenType(s); t {
	case simplejwt.Access, simplejwt.Refresh, simplejwt.Sliding:
		return t, nil
	}
	return "", usagef("--type must be access, refresh or sliding, got %q", s)
}

func verifyCommand() *command {
	return &command{
		name: "verify",
		args: "(--secret S | --secret-file F | --key PEM | --jwks FILE) [--alg ALG] [--type T]\n" +
			"                        [--audience A] [--issuer I] [--leeway D] [--weak-secret] [--redis URL] TOKEN|-",
		summary: "verify a token and print its claims",
		details: `
Verifies TOKEN as a simplejwt server does (simplejwt.New and Auth.Verify):
strict encoding, the algorithm pinned by the key, the signature, exp, nbf
and iat with the leeway, audience and issuer when given, and, with --type,
the token_type. With --redis it also asks the revocation store. Prints the
claims as indented JSON; exit status 1 with the library's reason when the
token is not valid.`,
		setup: func(fs *flag.FlagSet) func(*cli, []string) error {
			var (
				kf       keyFlags
				cf       claimFlags
				rf       redisFlags
				audience listFlag
			)
			kf.register(fs, true, true)
			cf.register(fs)
			rf.register(fs, false)
			typ := fs.String("type", "", "require this `token_type`: access, refresh or sliding (default any)")
			fs.Var(&audience, "audience", "require an aud naming this `audience`; repeat to allow several")
			issuer := fs.String("issuer", "", "require this `iss`")
			leeway := fs.Duration("leeway", 0, "allowed clock skew for exp, nbf and iat, at most 1h")
			return func(c *cli, args []string) error {
				tok, err := c.oneToken(args)
				if err != nil {
					return err
				}
				var want simplejwt.TokenType
				if *typ != "" {
					if want, err = parseType(*typ); err != nil {
						return err
					}
				}
				keys, err := kf.verificationKeys(c)
				if err != nil {
					return err
				}
				opts := []simplejwt.Option{simplejwt.WithLeeway(*leeway)}
				if len(audience) > 0 {
					opts = append(opts, simplejwt.WithAudience(audience...))
				}
				if *issuer != "" {
					opts = append(opts, simplejwt.WithIssuer(*issuer))
				}
				if rf.url != "" {
					store, closeStore, err := rf.open(c, false)
					if err != nil {
						return err
					}
					defer closeStore()
					opts = append(opts, simplejwt.WithStore(store))
				}
				a, err := c.verifier(keys, &cf, opts...)
				if err != nil {
					return err
				}
				defer a.Close()
				claims, err := verifyToken(a, tok, want)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(c.stdout, "%s\n", indent(claims.Payload()))
				return err
			}
		},
	}
}

// verifyToken is Auth.Verify, requiring token_type want when it is set.
func verifyToken(a *simplejwt.Auth, tok string, want simplejwt.TokenType) (*simplejwt.Claims, error) {
	c, err := a.Verify(context.Background(), tok)
	if err != nil {
		return nil, fmt.Errorf("token not valid: %w", err)
	}
	if want != "" && c.Type != want {
		reason := simplejwt.ErrTokenWrongType
		if c.Type == "" {
			reason = simplejwt.ErrTokenNoType
		}
		return nil, fmt.Errorf("token not valid: %w", &simplejwt.TokenError{
			Reason:   reason,
			Err:      fmt.Errorf("token_type is %q, want %q", c.Type, want),
			Type:     c.Type,
			Accepted: []simplejwt.TokenType{want},
		})
	}
	return c, nil
}

func mintCommand() *command {
	return &command{
		name: "mint",
		args: "--user ID [--type access|refresh|sliding] [--claim K=V ...] [--lifetime D]\n" +
			"                      (--secret S | --secret-file F | --key PEM) [--alg ALG] [--kid K]",
		summary: "mint a token with the library and print it",
		details: `
Mints one token for --user as a simplejwt server does (Auth.ObtainPair for
access and refresh tokens, Auth.ObtainSliding for sliding ones) and prints
it, alone on a line. Each token starts a new session (sid claim).

--claim K=V adds the string claim K; --claim K:=JSON adds a JSON value
(--claim admin:=true, --claim roles:='["a","b"]'). Reserved claims
(token_type, exp, iat, jti, the user id, ...) are refused.

--lifetime sets the token's lifetime; the default is the library's: 5m for
access and sliding tokens, 24h for refresh tokens. For a sliding token,
--refresh-lifetime sets how long it can be renewed (refresh_exp).`,
		setup: func(fs *flag.FlagSet) func(*cli, []string) error {
			var (
				kf       keyFlags
				cf       claimFlags
				claims   listFlag
				audience listFlag
			)
			kf.register(fs, false, true)
			cf.register(fs)
			typ := fs.String("type", "access", "token `type`: access, refresh or sliding")
			user := fs.String("user", "", "user `id` (required)")
			fs.Var(&claims, "claim", "extra claim `K=V` (string) or K:=JSON; repeatable")
			lifetime := fs.Duration("lifetime", 0, "token lifetime (default the library's for --type)")
			refreshLifetime := fs.Duration("refresh-lifetime", 0,
				"sliding tokens: time until refresh_exp (default 24h, or --lifetime when longer)")
			fs.Var(&audience, "audience", "`aud` to write; repeatable")
			issuer := fs.String("issuer", "", "`iss` to write")
			return func(c *cli, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				t, err := parseType(*typ)
				if err != nil {
					return err
				}
				if *user == "" {
					return usagef("missing --user")
				}
				custom, err := parseClaims(claims)
				if err != nil {
					return err
				}
				if *lifetime < 0 || *refreshLifetime < 0 {
					return usagef("lifetimes must be positive")
				}
				if *refreshLifetime != 0 && t != simplejwt.Sliding {
					return usagef("--refresh-lifetime applies to sliding tokens only")
				}
				key, err := kf.signingKey(c)
				if err != nil {
					return err
				}
				opts := append(cf.options(), simplejwt.WithSigningKey(key))
				if len(audience) > 0 {
					opts = append(opts, simplejwt.WithAudience(audience...))
				}
				if *issuer != "" {
					opts = append(opts, simplejwt.WithIssuer(*issuer))
				}
				if d := *lifetime; d > 0 {
					switch t {
					case simplejwt.Access:
						opts = append(opts, simplejwt.WithAccessTokenLifetime(d))
					case simplejwt.Refresh:
						opts = append(opts, simplejwt.WithRefreshTokenLifetime(d))
					case simplejwt.Sliding:
						opts = append(opts, simplejwt.WithSlidingTokenLifetime(d))
					}
				}
				if t == simplejwt.Sliding {
					window := *refreshLifetime
					if window == 0 {
						window = max(24*time.Hour, *lifetime)
					}
					opts = append(opts, simplejwt.WithSlidingTokenRefreshLifetime(window))
				}
				a, err := c.newAuth(opts...)
				if err != nil {
					return err
				}
				defer a.Close()
				tok, err := mint(a, t, simplejwt.User{ID: *user, Claims: custom})
				if errors.Is(err, simplejwt.ErrReservedClaim) {
					return usagef("--claim: %v", oneLine(err.Error()))
				}
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.stdout, tok)
				return err
			}
		},
	}
}

func mint(a *simplejwt.Auth, t simplejwt.TokenType, u simplejwt.User) (string, error) {
	ctx := context.Background()
	if t == simplejwt.Sliding {
		return a.ObtainSliding(ctx, u)
	}
	p, err := a.ObtainPair(ctx, u)
	if t == simplejwt.Refresh {
		return p.Refresh, err
	}
	return p.Access, err
}

// parseClaims reads --claim K=V (a string) and K:=JSON (any JSON value).
func parseClaims(list []string) (map[string]any, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(list))
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usagef("--claim %q: want K=V or K:=JSON", kv)
		}
		var val any = v
		if name, isJSON := strings.CutSuffix(k, ":"); isJSON {
			k = name
			d := json.NewDecoder(strings.NewReader(v))
			d.UseNumber() // keep numbers exactly as written
			var x any
			if err := d.Decode(&x); err != nil || strings.TrimSpace(v[d.InputOffset():]) != "" {
				return nil, usagef("--claim %s: %q is not one JSON value", k, v)
			}
			val = x
		}
		if k == "" {
			return nil, usagef("--claim %q: empty claim name", kv)
		}
		if _, dup := out[k]; dup {
			return nil, usagef("--claim %s given twice", k)
		}
		out[k] = val
	}
	return out, nil
}
