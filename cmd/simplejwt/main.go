// Command simplejwt inspects, verifies and mints SimpleJWT-compatible JSON
// Web Tokens, revokes them in the Redis revocation store that
// github.com/gosimplejwt/simplejwt servers share, and makes signing keys and
// JWK Sets.
//
// Usage:
//
//	simplejwt <command> [flags] [arguments]
//
// The commands are decode, verify, mint, revoke, status, keygen and jwks;
// "simplejwt help" lists them and "simplejwt <command> --help" describes
// one. The exit status is 0 on success, 1 when the operation failed (an
// invalid or revoked token, an unreadable file, an unreachable Redis) and 2
// when the command line is wrong.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, time.Now))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the operation failed
	exitUsage   = 2 // the command line is wrong
)

// cli is what a command may touch: its streams, the environment and the
// clock.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
}

// command is one subcommand. setup registers its flags on fs and returns the
// function that runs it with the positional arguments left after parsing.
type command struct {
	name    string
	args    string // synopsis after "simplejwt <name>"
	summary string // one line for "simplejwt help"
	details string // paragraphs for "simplejwt <name> --help"
	setup   func(fs *flag.FlagSet) func(c *cli, args []string) error
}

func commands() []*command {
	return []*command{decodeCommand(), verifyCommand(), mintCommand(), revokeCommand(),
		statusCommand(), keygenCommand(), jwksCommand()}
}

func lookupCommand(name string) *command {
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

// run runs the command line args (without the program name) and returns the
// exit status. It reads only stdin, writes only stdout and stderr, takes
// environment variables through getenv and the time through now.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: now}
	// go-redis logs dial failures on its own; the commands report them as
	// one error line instead.
	redis.SetLogger(&logging.VoidLogger{})
	if len(args) == 0 {
		fmt.Fprintln(stderr, "simplejwt: no command given (see 'simplejwt help')")
		return exitUsage
	}
	switch name := args[0]; name {
	case "help", "-h", "-help", "--help":
		switch len(args) {
		case 1:
			c.usage()
			return exitOK
		case 2:
			cmd := lookupCommand(args[1])
			if cmd == nil {
				fmt.Fprintf(stderr, "simplejwt help: unknown command %q (see 'simplejwt help')\n", args[1])
				return exitUsage
			}
			fs, _ := newFlagSet(cmd)
			c.commandUsage(cmd, fs)
			return exitOK
		default:
			fmt.Fprintln(stderr, "simplejwt help: give at most one command name")
			return exitUsage
		}
	default:
		cmd := lookupCommand(name)
		if cmd == nil {
			fmt.Fprintf(stderr, "simplejwt: unknown command %q (see 'simplejwt help')\n", name)
			return exitUsage
		}
		return c.runCommand(cmd, args[1:])
	}
}

func newFlagSet(cmd *command) (*flag.FlagSet, func(c *cli, args []string) error) {
	fs := flag.NewFlagSet("simplejwt "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by runCommand, on one line
	fs.Usage = func() {}
	return fs, cmd.setup(fs)
}

func (c *cli) runCommand(cmd *command, args []string) int {
	fs, exec := newFlagSet(cmd)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.commandUsage(cmd, fs)
		return exitOK
	}
	if err != nil {
		err = &usageError{err.Error()}
	} else {
		err = exec(c, pos)
	}
	return c.report(cmd.name, err)
}

// report writes err, if any, as one line on stderr and returns the exit
// status it calls for.
func (c *cli) report(name string, err error) int {
	var ue *usageError
	var ex exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ex):
		return int(ex)
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "simplejwt %s: %s (see 'simplejwt %s --help')\n", name, oneLine(ue.msg), name)
		return exitUsage
	default:
		fmt.Fprintf(c.stderr, "simplejwt %s: %s\n", name, oneLine(err.Error()))
		return exitFailure
	}
}

// oneLine joins the lines of a (possibly errors.Join-ed) message and drops
// the library's "simplejwt: " prefixes, which the command name already says.
func oneLine(msg string) string {
	msg = strings.ReplaceAll(msg, "simplejwt: ", "")
	return strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
}

// usageError is a wrong command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// exitStatus ends a command with a status and no message: the command has
// already said why on stdout (status of a revoked token).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// parseArgs parses flags that may come before, between and after the
// positional arguments, which it returns. Everything after "--" is
// positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first non-flag argument or after "--".
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usage writes the overview of every command to stdout.
func (c *cli) usage() {
	w := c.stdout
	fmt.Fprint(w, `simplejwt inspects, verifies and mints SimpleJWT-compatible JWTs, revokes
them in a simplejwt Redis store, and makes keys and JWK Sets.

Usage:

	simplejwt <command> [flags] [arguments]

Commands:

`)
	for _, cmd := range commands() {
		fmt.Fprintf(w, "\t%-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `
Run 'simplejwt <command> --help' for a command's flags.

Exit status: 0 success; 1 the operation failed (invalid or revoked token,
unreadable file, Redis unreachable); 2 the command line is wrong.
`)
}

// commandUsage writes the help of one command to stdout.
func (c *cli) commandUsage(cmd *command, fs *flag.FlagSet) {
	w := c.stdout
	fmt.Fprintf(w, "Usage: simplejwt %s %s\n\n%s\n", cmd.name, cmd.args, strings.TrimSpace(cmd.details))
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		b.WriteString("  --" + f.Name)
		if name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString("\n    \t")
		b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
		switch f.DefValue {
		case "", "false", "0", "0s", "[]":
		default:
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteByte('\n')
	})
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}
