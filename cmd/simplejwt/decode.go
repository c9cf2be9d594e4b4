package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gosimplejwt/simplejwt"
)

func decodeCommand() *command {
	return &command{
		name:    "decode",
		args:    "[--json] [--secret S | --secret-file F | --key PEM | --jwks FILE] TOKEN|-",
		summary: "show a token's header and claims, with readable times",
		details: `
Prints the token's header and claims as indented JSON, in the order the
token holds them, then exp, iat, nbf and refresh_exp as UTC times relative
to now ("expires in 4m", "expired 3m ago"). TOKEN - reads the token from
standard input.

Nothing is verified unless a key is given; with one, the token is also
verified as "simplejwt verify" does (signature, alg pinned by the key,
exp/nbf/iat) and the exit status is 1 when it is not valid.`,
		setup: func(fs *flag.FlagSet) func(*cli, []string) error {
			var kf keyFlags
			kf.register(fs, true, false)
			asJSON := fs.Bool("json", false, `print {"header":...,"claims":...} only`)
			return func(c *cli, args []string) error {
				tok, err := c.oneToken(args)
				if err != nil {
					return err
				}
				keys, err := kf.load(c)
				if err != nil {
					return err
				}
				return decode(c, tok, keys, *asJSON)
			}
		},
	}
}

// jwtParts holds the decoded segments of a compact JWS.
type jwtParts struct {
	header, claims []byte // JSON objects
}

// splitToken decodes a compact JWS without verifying anything, but
// refusing what is not one.
func splitToken(tok string) (jwtParts, error) {
	segs := strings.Split(tok, ".")
	switch len(segs) {
	case 3:
	case 5:
		return jwtParts{}, errors.New("not a JWT: five segments make an encrypted token (JWE), which this tool does not read")
	default:
		return jwtParts{}, fmt.Errorf("not a JWT: want three dot-separated segments, got %d", len(segs))
	}
	var p jwtParts
	for i, name := range []string{"header", "payload", "signature"} {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(segs[i], "="))
		if err != nil {
			return jwtParts{}, fmt.Errorf("not a JWT: the %s is not base64url: %v", name, err)
		}
		switch i {
		case 0:
			p.header = b
		case 1:
			p.claims = b
		}
	}
	if err := checkObject(p.header); err != nil {
		return jwtParts{}, fmt.Errorf("not a JWT: the header %v", err)
	}
	if err := checkObject(p.claims); err != nil {
		return jwtParts{}, fmt.Errorf("not a JWT: the payload %v", err)
	}
	return p, nil
}

func checkObject(b []byte) error {
	switch {
	case !utf8.Valid(b):
		return errors.New("is not valid UTF-8")
	case !json.Valid(b):
		return errors.New("is not JSON")
	case bytes.TrimSpace(b)[0] != '{':
		return errors.New("is not a JSON object")
	}
	return nil
}

func indent(b []byte) []byte {
	var buf bytes.Buffer
	json.Indent(&buf, b, "", "  ") // b is valid JSON: checked by checkObject
	return buf.Bytes()
}

func decode(c *cli, tok string, keys []*simplejwt.Key, asJSON bool) error {
	p, err := splitToken(tok)
	if err != nil {
		return err
	}
	now := c.now()
	if asJSON {
		var buf bytes.Buffer
		buf.WriteString(`{"header":`)
		buf.Write(p.header)
		buf.WriteString(`,"claims":`)
		buf.Write(p.claims)
		buf.WriteString(`}`)
		fmt.Fprintf(c.stdout, "%s\n", indent(buf.Bytes()))
	} else {
		fmt.Fprintf(c.stdout, "Header:\n%s\nClaims:\n%s\n", indent(p.header), indent(p.claims))
		if lines := timeLines(p.claims, now); len(lines) > 0 {
			fmt.Fprintf(c.stdout, "Times:\n%s", strings.Join(lines, ""))
		}
	}
	if keys == nil {
		if !asJSON {
			fmt.Fprintf(c.stdout, "Signature: not verified (give %s to verify)\n", keyChoice)
		}
		return nil
	}
	a, err := c.newAuth(simplejwt.WithVerificationKeys(keys...))
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Verify(context.Background(), tok); err != nil {
		return fmt.Errorf("token not valid: %w", err)
	}
	if !asJSON {
		fmt.Fprintln(c.stdout, "Signature: verified, token valid")
	}
	return nil
}

// timeClaims are the claims shown as times, in this order.
var timeClaims = []string{"exp", "iat", "nbf", "refresh_exp"}

// timeLines returns one line per time claim of the payload.
func timeLines(claims []byte, now time.Time) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(claims, &m) != nil {
		return nil
	}
	var lines []string
	for _, name := range timeClaims {
		raw, ok := m[name]
		if !ok {
			continue
		}
		lines = append(lines, fmt.Sprintf("  %-11s  %s\n", name, describeTime(name, raw, now)))
	}
	return lines
}

// maxNumericDate is 9999-12-31T23:59:59Z, the latest time the library
// accepts.
const maxNumericDate = 253402300799

func describeTime(name string, raw json.RawMessage, now time.Time) string {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Sprintf("%s (not a number)", raw)
	}
	if math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return fmt.Sprintf("%s (out of range)", raw)
	}
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
	s := utc(t)
	d := t.Sub(now)
	expiry := name == "exp" || name == "refresh_exp"
	switch {
	case expiry && d > 0:
		return s + " (expires in " + humanDuration(d) + ")"
	case expiry:
		return s + " (expired " + humanDuration(-d) + " ago)"
	case d > 0:
		return s + " (in " + humanDuration(d) + ")"
	default:
		return s + " (" + humanDuration(-d) + " ago)"
	}
}

// humanDuration writes d, rounded to the second, in its two largest units:
// 45s, 3m, 3m20s, 1h2m, 2d3h.
func humanDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	units := []struct {
		n    int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}
	for i, u := range units {
		if s < u.n && u.n > 1 {
			continue
		}
		out := fmt.Sprintf("%d%s", s/u.n, u.name)
		if i+1 < len(units) {
			next := units[i+1]
			if r := s % u.n / next.n; r > 0 {
				out += fmt.Sprintf("%d%s", r, next.name)
			}
		}
		return out
	}
	return "0s"
}
