package simplejwt

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a Store kept in Redis, shared by every process that serves
// the API, and a SessionStore. It is safe for concurrent use. It needs Redis
// 7.0 or later (for SET with both NX and GET, ZRANGE BYSCORE and
// PEXPIRETIME).
//
// Every revocation entry is one string key with an absolute expiry (PXAT):
// the instant its Revocation's Until names, plus the store's leeway. A
// user's session list is two keys, a sorted set and a hash, that expire
// together when the last of the user's sessions does. No key is ever
// written without an expiry, so Redis forgets entries and sessions by
// itself and nothing needs flushing.
//
// Key layout, where <prefix> is set by WithRedisPrefix (default
// "simplejwt:"):
//
//	<prefix>{<user>}:jti:<jti>   "r" when revoked, "c:<unix-ms>" when consumed by rotation
//	<prefix>{<user>}:sid:<sid>   "r"
//	<prefix>{<user>}:cutoff      "<unix-ms>" of the cutoff ("log out everywhere")
//	<prefix>{<user>}:sessions    sorted set: member <sid>, score <expires-ms>
//	<prefix>{<user>}:sessinfo    hash: field <sid>, value "<created-ms>:<last-ms>:<expires-ms>"
//
// The user id is the hash tag, so all keys of one user share one Redis
// Cluster hash slot: a request is checked by one MGET on one node, and each
// call on sessions is one script on that node. In <user>, '%' and '}' are
// percent-encoded (%25, %7D) so that the hash tag always ends where the
// user id does; an empty user id is written as a lone '%'. Times are Unix
// milliseconds; expiries and cutoffs are rounded up to the next
// millisecond, never down, so that an entry never ends early and a cutoff
// never spares a token issued before it. A session's Created and
// LastRefreshed are truncated to the millisecond; a zero time is written
// as 0.
//
// Every write of a user's sessions drops those whose score is not after
// the store's clock (see WithRedisClock) and sets both session keys to
// expire (PEXPIREAT) at the highest score left plus the store's leeway, or
// deletes them when no session is left.
//
// Every call runs under the timeout set by WithRedisTimeout. An error of
// Redis, a timeout included, is returned as is; Auth then refuses the
// request with 503 unless WithFailOpen is set.
type RedisStore struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
	leeway  time.Duration
	now     func() time.Time
	closed  atomic.Bool
}

// RedisOption configures a RedisStore. Options are checked by
// NewRedisStore, which refuses a bad value with an error naming the option.
type RedisOption func(*redisConfig) error

type redisConfig struct {
	prefix  string
	timeout time.Duration
	leeway  time.Duration
	now     func() time.Time
}

// Defaults of the Redis options.
const (
	defaultRedisPrefix  = "simplejwt:"
	defaultRedisTimeout = 100 * time.Millisecond
)

// WithRedisPrefix sets the prefix of every key the store writes, so that
// several applications can share one Redis. Default "simplejwt:".
//
// The prefix must be non-empty valid UTF-8 without spaces, control
// characters, '{', '}' or the glob characters '*', '?', '[', ']' and '\'.
// Braces would become, or break, the Redis Cluster hash tag, which must be
// the user id alone; spaces and control characters make keys ambiguous in
// redis-cli and logs; glob characters would make `SCAN MATCH <prefix>*`,
// the way to find the store's keys, match other keys too. An empty prefix
// would mix the store's keys with the application's own.
func WithRedisPrefix(prefix string) RedisOption {
	return func(c *redisConfig) error {
		if err := checkRedisPrefix(prefix); err != nil {
			return fmt.Errorf("WithRedisPrefix: %w", err)
		}
		c.prefix = prefix
		return nil
	}
}

func checkRedisPrefix(p string) error {
	if p == "" {
		return errors.New("empty prefix")
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("prefix %q is not valid UTF-8", p)
	}
	for _, r := range p {
		switch {
		case unicode.IsSpace(r), unicode.IsControl(r):
			return fmt.Errorf("prefix %q contains a space or control character", p)
		case strings.ContainsRune(`{}*?[]\`, r):
			return fmt.Errorf("prefix %q contains %q", p, r)
		}
	}
	return nil
}

// WithRedisTimeout bounds each call of the store (Lookup, Revoke, Consume,
// TouchSession, Sessions, ForgetSession) to d, retries included: a Redis
// that does not answer in time fails the call instead of holding the
// request. Default 100ms. The client must be created with
// ContextTimeoutEnabled, or it would wait for its own socket timeouts
// instead; NewRedisStore checks that.
func WithRedisTimeout(d time.Duration) RedisOption {
	return func(c *redisConfig) error {
		if d <= 0 {
			return fmt.Errorf("WithRedisTimeout: must be positive, got %v", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRedisLeeway is added to the expiry of every entry, on top of its
// Until (which already includes the Auth's WithLeeway), to absorb clock
// skew between the application servers and Redis, which judges expiry by
// its own clock. Default 0. It must lie in [0, 1h].
func WithRedisLeeway(d time.Duration) RedisOption {
	return func(c *redisConfig) error {
		if d < 0 || d > time.Hour {
			return fmt.Errorf("WithRedisLeeway: must be between 0 and 1h, got %v", d)
		}
		c.leeway = d
		return nil
	}
}

// WithRedisClock sets the clock the store reads the current time from:
// to skip revocations whose expiry has passed, to extend a Consume whose
// until has passed, and to tell live sessions from ended ones. Default
// time.Now. Redis itself expires keys by its own clock, so keys live until
// the instants the store wrote as Redis's clock reads them; WithRedisLeeway
// absorbs the difference.
func WithRedisClock(now func() time.Time) RedisOption {
	return func(c *redisConfig) error {
		if now == nil {
			return errors.New("WithRedisClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// NewRedisStore returns a RedisStore that keeps its entries through client:
// a *redis.Client (single node or Sentinel), a *redis.ClusterClient or a
// *redis.Ring. The client must have ContextTimeoutEnabled set, so that
// WithRedisTimeout bounds every call; for the client types above
// NewRedisStore refuses one without it. The store never closes client.
func NewRedisStore(client redis.UniversalClient, opts ...RedisOption) (*RedisStore, error) {
	cfg := redisConfig{prefix: defaultRedisPrefix, timeout: defaultRedisTimeout, now: time.Now}
	var errs []error
	if err := checkRedisClient(client); err != nil {
		errs = append(errs, err)
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("simplejwt.NewRedisStore: %w", err)
	}
	return &RedisStore{
		client:  client,
		prefix:  cfg.prefix,
		timeout: cfg.timeout,
		leeway:  cfg.leeway,
		now:     cfg.now,
	}, nil
}

// checkRedisClient refuses a nil client and one that, as far as its type
// lets that be known, ignores context deadlines.
func checkRedisClient(client redis.UniversalClient) error {
	enabled := true
	switch c := client.(type) {
	case nil:
		return errors.New("nil client")
	case *redis.Client:
		if c == nil {
			return errors.New("nil client")
		}
		enabled = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		if c == nil {
			return errors.New("nil client")
		}
		enabled = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		if c == nil {
			return errors.New("nil client")
		}
		enabled = c.Options().ContextTimeoutEnabled
	}
	if !enabled {
		return errors.New("the client's ContextTimeoutEnabled is false, so WithRedisTimeout " +
			"could not bound its calls: set ContextTimeoutEnabled in its options")
	}
	return nil
}

// Close marks the store closed: later calls fail with redis.ErrClosed. It
// does not close the client, which belongs to the caller, who closes it
// once nothing uses it any more.
func (s *RedisStore) Close() error {
	s.closed.Store(true)
	return nil
}

// Key parts of the layout documented on RedisStore.
const (
	redisJTI      = ":jti:"
	redisSID      = ":sid:"
	redisCutoff   = ":cutoff"
	redisSessions = ":sessions"
	redisSessInfo = ":sessinfo"
)

// userTagLen is the length of "{<user>}" as written by writeUserTag.
func userTagLen(user string) int {
	if user == "" {
		return 3
	}
	return 2 + len(user) + 2*(strings.Count(user, "%")+strings.Count(user, "}"))
}

// writeUserTag writes "{<user>}", <user> encoded as RedisStore documents.
func writeUserTag(b *strings.Builder, user string) {
	b.WriteByte('{')
	switch {
	case user == "":
		b.WriteByte('%')
	case !strings.ContainsAny(user, "%}"):
		b.WriteString(user)
	default:
		for i := 0; i < len(user); i++ {
			switch c := user[i]; c {
			case '%':
				b.WriteString("%25")
			case '}':
				b.WriteString("%7D")
			default:
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('}')
}

// key returns the key of one entry: part is redisJTI or redisSID followed by
// id, or redisCutoff, redisSessions or redisSessInfo with an empty id.
func (s *RedisStore) key(user, part, id string) string {
	var b strings.Builder
	b.Grow(len(s.prefix) + userTagLen(user) + len(part) + len(id))
	b.WriteString(s.prefix)
	writeUserTag(&b, user)
	b.WriteString(part)
	b.WriteString(id)
	return b.String()
}

// Lookup implements Store with one MGET of the token's jti key, its user's
// cutoff key and, when ref has a session, its session key.
func (s *RedisStore) Lookup(ctx context.Context, ref TokenRef) (Status, error) {
	if s.closed.Load() {
		return Status{}, redis.ErrClosed
	}
	// The keys are built into one string, then sliced.
	base := len(s.prefix) + userTagLen(ref.UserID)
	n := 2*base + len(redisJTI) + len(ref.TokenID) + len(redisCutoff)
	if ref.SessionID != "" {
		n += base + len(redisSID) + len(ref.SessionID)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(s.prefix)
	writeUserTag(&b, ref.UserID)
	b.WriteString(redisJTI)
	b.WriteString(ref.TokenID)
	endJTI := b.Len()
	b.WriteString(s.prefix)
	writeUserTag(&b, ref.UserID)
	b.WriteString(redisCutoff)
	endCutoff := b.Len()
	if ref.SessionID != "" {
		b.WriteString(s.prefix)
		writeUserTag(&b, ref.UserID)
		b.WriteString(redisSID)
		b.WriteString(ref.SessionID)
	}
	keys := b.String()

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var cmd *redis.StringSliceCmd
	if ref.SessionID == "" {
		cmd = redis.NewStringSliceCmd(ctx, "mget", keys[:endJTI], keys[endJTI:endCutoff])
	} else {
		cmd = redis.NewStringSliceCmd(ctx, "mget", keys[:endJTI], keys[endJTI:endCutoff], keys[endCutoff:])
	}
	if err := s.client.Process(ctx, cmd); err != nil {
		return Status{}, fmt.Errorf("simplejwt: redis lookup: %w", err)
	}
	vals := cmd.Val()
	if want := len(cmd.Args()) - 1; len(vals) != want {
		return Status{}, fmt.Errorf("simplejwt: redis lookup: MGET returned %d values for %d keys", len(vals), want)
	}
	// A missing key reads as "", a value the store never writes.
	var st Status
	st.TokenRevoked = vals[0] != ""
	if v := vals[1]; v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Status{}, fmt.Errorf("simplejwt: redis lookup: cutoff key %q holds %q, not Unix milliseconds", keys[endJTI:endCutoff], v)
		}
		if ms != 0 { // 0 is a RevokeUser without a Cutoff
			st.Cutoff = time.UnixMilli(ms)
		}
	}
	if len(vals) == 3 {
		st.SessionRevoked = vals[2] != ""
	}
	return st, nil
}

// revokeScript records one entry without shortening its expiry. KEYS[1] is
// the entry's key; ARGV[1] its value; ARGV[2] its expiry in Unix
// milliseconds; ARGV[3] is "max" when the value is a cutoff, of which the
// later one is kept. Any other value replaces the old one, which turns a
// consumed jti into a revoked one.
var revokeScript = redis.NewScript(`
local value = ARGV[1]
if ARGV[3] == 'max' then
	local old = redis.call('GET', KEYS[1])
	if old then
		local o = tonumber(old)
		if o and o > tonumber(value) then
			value = old
		end
	end
end
if redis.call('PEXPIRETIME', KEYS[1]) > tonumber(ARGV[2]) then
	redis.call('SET', KEYS[1], value, 'KEEPTTL')
else
	redis.call('SET', KEYS[1], value, 'PXAT', ARGV[2])
end
return 1
`)

// redisEntry is one revocation as revokeScript receives it.
type redisEntry struct {
	key   string
	value string
	pxat  int64
	mode  string
}

// Revoke implements Store. Each entry is written by a small Lua script that
// keeps the later expiry and, for a user's cutoff, the later cutoff;
// several entries go in one pipeline, one round trip. An entry whose expiry (Until plus the
// store's leeway) has passed is skipped.
func (s *RedisStore) Revoke(ctx context.Context, revs ...Revocation) error {
	if s.closed.Load() {
		return redis.ErrClosed
	}
	now := s.now()
	entries := make([]redisEntry, 0, len(revs))
	for _, r := range revs {
		exp := r.Until.Add(s.leeway)
		if !now.Before(exp) {
			continue // nothing left to revoke
		}
		e := redisEntry{value: "r", pxat: ceilMilli(exp)}
		switch r.Kind {
		case RevokeToken:
			e.key = s.key(r.UserID, redisJTI, r.ID)
		case RevokeSession:
			e.key = s.key(r.UserID, redisSID, r.ID)
		case RevokeUser:
			e.key = s.key(r.UserID, redisCutoff, "")
			e.value = strconv.FormatInt(ceilMilli(r.Cutoff), 10)
			e.mode = "max"
		default:
			return fmt.Errorf("simplejwt: redis revoke: unknown revocation kind %d", r.Kind)
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// EVAL rather than EVALSHA: revocations are rare, and sending the
	// script keeps each call at one round trip even on a server that has
	// not seen it yet (a new or restarted node, SCRIPT FLUSH), where
	// EVALSHA would fail with NOSCRIPT and need a second one.
	pipe := s.client.Pipeline()
	cmds := make([]*redis.Cmd, len(entries))
	for i, e := range entries {
		cmds[i] = revokeScript.Eval(ctx, pipe, []string{e.key}, e.value, e.pxat, e.mode)
	}
	_, err := pipe.Exec(ctx)
	for _, cmd := range cmds {
		if cmd.Err() != nil {
			err = cmd.Err()
			break
		}
	}
	if err != nil {
		return fmt.Errorf("simplejwt: redis revoke: %w", err)
	}
	return nil
}

// Consume implements Store with one command, SET jti "c:<at>" NX PXAT until
// GET: the caller that creates the key is first; the others read the value
// the first one wrote. The time reported to them is at of the first caller
// to the millisecond. An until that is not after now is taken as now plus
// one second, as MemoryStore does, so that a second use is still refused.
func (s *RedisStore) Consume(ctx context.Context, ref TokenRef, at, until time.Time) (bool, time.Time, error) {
	if s.closed.Load() {
		return false, time.Time{}, redis.ErrClosed
	}
	if now := s.now(); !now.Before(until) {
		until = now.Add(time.Second)
	}
	key := s.key(ref.UserID, redisJTI, ref.TokenID)
	value := "c:" + strconv.FormatInt(at.UnixMilli(), 10)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cmd := redis.NewStringCmd(ctx, "set", key, value, "nx", "pxat", ceilMilli(until.Add(s.leeway)), "get")
	err := s.client.Process(ctx, cmd)
	switch {
	case errors.Is(err, redis.Nil):
		return true, time.Time{}, nil // no old value: this call set the key
	case err != nil:
		return false, time.Time{}, fmt.Errorf("simplejwt: redis consume: %w", err)
	}
	// "r" (revoked) or anything unexpected: not first, and no time to
	// report.
	if v, ok := strings.CutPrefix(cmd.Val(), "c:"); ok {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			return false, time.UnixMilli(ms), nil
		}
	}
	return false, time.Time{}, nil
}

// ceilMilli returns t in Unix milliseconds, rounded up, and 0 for the zero
// time.
func ceilMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}
