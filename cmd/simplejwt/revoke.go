package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// lifetimeFlags are the server settings that decide how long a revocation
// must be remembered.
type lifetimeFlags struct {
	access, refresh, slidingRefresh time.Duration
	leeway                          time.Duration
	rotate                          bool
}

func (f *lifetimeFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.access, "access-lifetime", 5*time.Minute, "the servers' access token lifetime")
	fs.DurationVar(&f.refresh, "refresh-lifetime", 24*time.Hour, "the servers' refresh token lifetime")
	fs.DurationVar(&f.slidingRefresh, "sliding-refresh-lifetime", 24*time.Hour, "the servers' sliding token refresh lifetime")
	fs.DurationVar(&f.leeway, "leeway", 0, "the servers' leeway")
	fs.BoolVar(&f.rotate, "rotate-refresh-tokens", false, "the servers rotate refresh tokens")
}

// options configure an Auth as the servers are, for what decides the
// expiry of revocations. The sliding lifetime plays no part in it; it is
// only kept within the refresh lifetime, as New requires.
func (f *lifetimeFlags) options() []simplejwt.Option {
	return []simplejwt.Option{
		simplejwt.WithAccessTokenLifetime(f.access),
		simplejwt.WithRefreshTokenLifetime(f.refresh),
		simplejwt.WithSlidingTokenLifetime(min(5*time.Minute, f.slidingRefresh)),
		simplejwt.WithSlidingTokenRefreshLifetime(f.slidingRefresh),
		simplejwt.WithLeeway(f.leeway),
		simplejwt.WithRotateRefreshTokens(f.rotate),
	}
}

func revokeCommand() *command {
	return &command{
		name: "revoke",
		args: "(--token TOKEN|- [--secret S | --secret-file F | --key PEM | --jwks FILE]\n" +
			"                        | --jti JTI --user U --until T | --sid SID --user U --until T\n" +
			"                        | --user U --all) --redis URL [--prefix P]",
		summary: "revoke a token, a jti, a session or every token of a user in Redis",
		details: `
Records a revocation in the Redis store that simplejwt servers consult on
every request (NewRedisStore with the same --prefix):

  --token TOKEN   verifies the token with the key, then revokes it as
                  Auth.Revoke does: its jti and, for refresh and sliding
                  tokens, its whole session, so the access tokens of that
                  login stop working too.
  --jti JTI       revokes one jti of --user until --until.
  --sid SID       revokes one session of --user until --until.
  --all           revokes every token of --user issued before now, on every
                  device (Auth.LogoutAll).

--until is an RFC 3339 time (2026-12-05T15:00:00Z) or a duration from now
(24h); the entry is forgotten then, so it should be when the last token it
revokes expires. The lifetime flags must match the servers' settings: they
decide how long --token and --all entries last.`,
		setup: func(fs *flag.FlagSet) func(*cli, []string) error {
			var (
				kf keyFlags
				cf claimFlags
				rf redisFlags
				lf lifetimeFlags
			)
			token := fs.String("token", "", "the `token` to revoke; - reads it from standard input")
			jti := fs.String("jti", "", "revoke this `jti` (with --user and --until)")
			sid := fs.String("sid", "", "revoke this `session` id (with --user and --until)")
			user := fs.String("user", "", "user `id` for --jti, --sid and --all")
			until := fs.String("until", "", "`time` the --jti or --sid entry lasts until: RFC 3339, or a duration from now")
			all := fs.Bool("all", false, "revoke every token of --user issued before now")
			kf.register(fs, true, true)
			cf.register(fs)
			rf.register(fs, true)
			lf.register(fs)
			return func(c *cli, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				modes := 0
				for _, on := range []bool{*token != "", *jti != "", *sid != "", *all} {
					if on {
						modes++
					}
				}
				switch {
				case modes == 0:
					return usagef("say what to revoke: --token, --jti, --sid, or --user with --all")
				case modes > 1:
					return usagef("give only one of --token, --jti, --sid and --all")
				case *token != "" && (*user != "" || *until != ""):
					return usagef("--user and --until are read from the token; do not give them with --token")
				case *token == "" && *user == "":
					return usagef("missing --user")
				case *all && *until != "":
					return usagef("--until does not go with --all: the entry lasts as long as the longest-lived token")
				case (*jti != "" || *sid != "") && *until == "":
					return usagef("missing --until")
				case *token == "" && kf.given():
					return usagef("a key is only needed with --token")
				}
				now := c.now()
				var untilT time.Time
				if *until != "" {
					t, err := parseUntil(*until, now)
					if err != nil {
						return err
					}
					untilT = t
				}
				var tok string
				var keys []*simplejwt.Key
				if *token != "" {
					var err error
					if tok, err = c.readToken(*token); err != nil {
						return err
					}
					if keys, err = kf.verificationKeys(c); err != nil {
						return err
					}
				}
				store, closeStore, err := rf.open(c, true)
				if err != nil {
					return err
				}
				defer closeStore()
				switch {
				case *jti != "":
					return revokeEntry(c, store, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: *user, ID: *jti, Until: untilT})
				case *sid != "":
					return revokeEntry(c, store, simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: *user, ID: *sid, Until: untilT})
				case *all:
					return revokeAll(c, store, &lf, *user)
				default:
					return revokeToken(c, store, &lf, &cf, keys, tok)
				}
			}
		},
	}
}

// revokeEntry records one jti or session revocation.
func revokeEntry(c *cli, store simplejwt.Store, rev simplejwt.Revocation) error {
	if err := store.Revoke(context.Background(), rev); err != nil {
		return &simplejwt.StoreError{Err: err}
	}
	what := "jti"
	if rev.Kind == simplejwt.RevokeSession {
		what = "session"
	}
	_, err := fmt.Fprintf(c.stdout, "revoked %s %s of user %s until %s\n", what, rev.ID, rev.UserID, utc(rev.Until))
	return err
}

// revokeAll revokes every token of user issued before now (Auth.LogoutAll).
func revokeAll(c *cli, store simplejwt.Store, lf *lifetimeFlags, user string) error {
	now := c.now()
	a, err := c.newAuth(append(lf.options(), throwawayKey(), simplejwt.WithStore(store),
		simplejwt.WithClock(func() time.Time { return now }))...)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.LogoutAll(context.Background(), user); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "revoked every token of user %s issued before %s\n", user, utc(now))
	return err
}

// revokeToken verifies tok with keys, without the store so that revoking
// twice is not an error, then revokes it through the store (Auth.Revoke).
func revokeToken(c *cli, store simplejwt.Store, lf *lifetimeFlags, cf *claimFlags, keys []*simplejwt.Key, tok string) error {
	verifier, err := c.verifier(keys, cf, simplejwt.WithLeeway(lf.leeway))
	if err != nil {
		return err
	}
	defer verifier.Close()
	claims, err := verifyToken(verifier, tok, "")
	if err != nil {
		return err
	}
	if claims.UserID == "" {
		return fmt.Errorf("the token has no %s claim: revocations are kept per user", cf.userIDClaim)
	}
	revoker, err := c.verifier(keys, cf, append(lf.options(), simplejwt.WithStore(store))...)
	if err != nil {
		return err
	}
	defer revoker.Close()
	if err := revoker.Revoke(context.Background(), claims); err != nil {
		return err
	}
	msg := fmt.Sprintf("revoked %s token %s of user %s", typeName(claims.Type), claims.ID, claims.UserID)
	if claims.SessionID != "" && claims.Type != simplejwt.Access {
		msg += " and its session " + claims.SessionID
	}
	_, err = fmt.Fprintln(c.stdout, msg)
	return err
}

// throwawayKey is a random signing key for an Auth that never signs nor
// verifies: simplejwt.New requires a key even for LogoutAll.
func throwawayKey() simplejwt.Option {
	secret := make([]byte, 32)
	rand.Read(secret)
	return simplejwt.WithHMACSecret(secret)
}

func typeName(t simplejwt.TokenType) string {
	if t == "" {
		return "untyped"
	}
	return string(t)
}

func utc(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.999999999 UTC")
}

// parseUntil reads an RFC 3339 time or a duration from now, which must lie
// in the future.
func parseUntil(s string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := time.ParseDuration(s)
		if derr != nil {
			return time.Time{}, usagef("--until %q is neither an RFC 3339 time nor a duration", s)
		}
		t = now.Add(d)
	}
	if !t.After(now) {
		return time.Time{}, usagef("--until %s has passed: there is nothing left to revoke", s)
	}
	return t, nil
}

func statusCommand() *command {
	return &command{
		name:    "status",
		args:    "--token TOKEN|- --redis URL [--secret S | --secret-file F | --key PEM | --jwks FILE] [--prefix P]",
		summary: "tell whether a token is revoked in Redis",
		details: `
Asks the Redis store (Store.Lookup, one MGET) about the token's jti, its
session and its user's cutoff ("log out everywhere"), and prints each answer
and the verdict, as the middleware would decide it. The exit status is 0 when
the token is not revoked and 1 when it is.

With a key the token is verified first (an invalid one is exit status 1);
without one its claims are read unverified, with a warning.`,
		setup: func(fs *flag.FlagSet) func(*cli, []string) error {
			var (
				kf keyFlags
				cf claimFlags
				rf redisFlags
			)
			token := fs.String("token", "", "the `token` to look up; - reads it from standard input (required)")
			kf.register(fs, true, true)
			cf.register(fs)
			rf.register(fs, true)
			leeway := fs.Duration("leeway", 0, "allowed clock skew when verifying")
			return func(c *cli, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *token == "" {
					return usagef("missing --token")
				}
				tok, err := c.readToken(*token)
				if err != nil {
					return err
				}
				keys, err := kf.load(c)
				if err != nil {
					return err
				}
				var (
					ref simplejwt.TokenRef
					iat time.Time
				)
				if keys != nil {
					a, err := c.verifier(keys, &cf, simplejwt.WithLeeway(*leeway))
					if err != nil {
						return err
					}
					defer a.Close()
					claims, err := verifyToken(a, tok, "")
					if err != nil {
						return err
					}
					ref = simplejwt.TokenRef{UserID: claims.UserID, TokenID: claims.ID, SessionID: claims.SessionID}
					iat = claims.IssuedAt
				} else {
					if ref, iat, err = unverifiedRef(tok, cf); err != nil {
						return err
					}
					fmt.Fprintf(c.stderr, "simplejwt status: warning: signature not verified (give %s to verify)\n", keyChoice)
				}
				if ref.UserID == "" {
					return fmt.Errorf("the token has no %s claim: revocations are kept per user", cf.userIDClaim)
				}
				if ref.TokenID == "" {
					return errors.New("the token has no jti claim")
				}
				store, closeStore, err := rf.open(c, true)
				if err != nil {
					return err
				}
				defer closeStore()
				st, err := store.Lookup(context.Background(), ref)
				if err != nil {
					return &simplejwt.StoreError{Err: err}
				}
				if reasons := printStatus(c, ref, iat, st); len(reasons) > 0 {
					return exitStatus(exitFailure)
				}
				return nil
			}
		},
	}
}

// printStatus writes what the store knows about ref and returns why the
// token is revoked: the reasons the middleware gives, in its order.
func printStatus(c *cli, ref simplejwt.TokenRef, iat time.Time, st simplejwt.Status) []string {
	var reasons []string
	state := func(revoked bool, reason string) string {
		if revoked {
			reasons = append(reasons, reason)
			return "revoked"
		}
		return "not revoked"
	}
	w := c.stdout
	fmt.Fprintf(w, "user     %s\n", ref.UserID)
	fmt.Fprintf(w, "jti      %s  %s\n", ref.TokenID, state(st.TokenRevoked, "jti revoked"))
	if ref.SessionID != "" {
		fmt.Fprintf(w, "session  %s  %s\n", ref.SessionID, state(st.SessionRevoked, "session revoked"))
	} else {
		fmt.Fprintln(w, "session  none")
	}
	switch {
	case st.Cutoff.IsZero():
		fmt.Fprintln(w, "cutoff   none")
	case iat.IsZero():
		fmt.Fprintf(w, "cutoff   %s, token has no iat: %s\n", utc(st.Cutoff), state(true, "issued before the user's cutoff"))
	default:
		before := iat.Before(st.Cutoff)
		rel := "after"
		if before {
			rel = "before"
		}
		fmt.Fprintf(w, "cutoff   %s, token issued %s, %s it: %s\n", utc(st.Cutoff), utc(iat), rel,
			state(before, "issued before the user's cutoff"))
	}
	if len(reasons) == 0 {
		fmt.Fprintln(w, "not revoked")
	} else {
		fmt.Fprintf(w, "revoked: %s\n", strings.Join(reasons, ", "))
	}
	return reasons
}

// unverifiedRef reads the claims a Store is asked about without verifying
// the token, as the library decodes them: the user id a string or an
// integer, the jti and session id strings, iat a number.
func unverifiedRef(tok string, cf claimFlags) (simplejwt.TokenRef, time.Time, error) {
	var ref simplejwt.TokenRef
	p, err := splitToken(tok)
	if err != nil {
		return ref, time.Time{}, err
	}
	d := json.NewDecoder(bytes.NewReader(p.claims))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return ref, time.Time{}, fmt.Errorf("not a JWT: the payload %v", err)
	}
	ref.TokenID, _ = m["jti"].(string)
	switch v := m[cf.userIDClaim].(type) {
	case string:
		ref.UserID = v
	case json.Number:
		if !strings.ContainsAny(v.String(), ".eE") {
			ref.UserID = v.String()
		}
	}
	if cf.sessionClaim != "" {
		ref.SessionID, _ = m[cf.sessionClaim].(string)
	}
	var iat time.Time
	if n, ok := m["iat"].(json.Number); ok {
		if f, err := n.Float64(); err == nil && f >= 0 && f <= maxNumericDate {
			sec, frac := math.Modf(f)
			iat = time.Unix(int64(sec), int64(frac*1e9))
		}
	}
	return ref, iat, nil
}
