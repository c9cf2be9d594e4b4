package simplejwt

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// sessionWriteScript records or forgets one session of a user and keeps
// the user's session keys as RedisStore documents: it drops the sessions
// that are over, then sets both keys to expire with the last one left.
// KEYS[1] is the user's sessions key, KEYS[2] the sessinfo key. ARGV[1] is
// now in Unix milliseconds, ARGV[2] the leeway in milliseconds, ARGV[3] the
// session id, ARGV[4] "touch" or "forget"; for "touch", ARGV[5], ARGV[6]
// and ARGV[7] are Created, LastRefreshed and Expires in Unix milliseconds.
// Numbers stay strings where they can, so that no value goes through a Lua
// number and back.
var sessionWriteScript = redis.NewScript(`
local now, id = ARGV[1], ARGV[3]
local over = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE')
for i = 1, #over do
	redis.call('HDEL', KEYS[2], over[i])
end
if #over > 0 then
	redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
end
if ARGV[4] == 'forget' then
	redis.call('ZREM', KEYS[1], id)
	redis.call('HDEL', KEYS[2], id)
else
	local created, last, expires = ARGV[5], ARGV[6], ARGV[7]
	local old = redis.call('HGET', KEYS[2], id)
	local c, e
	if old then
		c, e = string.match(old, '^(%-?%d+):%-?%d+:(%-?%d+)$')
	end
	if c then
		created = c
		if tonumber(e) > tonumber(expires) then
			expires = e
		end
	elseif created == '0' then
		created = last
	end
	if tonumber(expires) > tonumber(now) then
		redis.call('ZADD', KEYS[1], expires, id)
		redis.call('HSET', KEYS[2], id, created .. ':' .. last .. ':' .. expires)
	end
end
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'REV', 'WITHSCORES')
if #top == 0 then
	redis.call('DEL', KEYS[1], KEYS[2])
else
	local at = string.format('%d', tonumber(top[2]) + tonumber(ARGV[2]))
	redis.call('PEXPIREAT', KEYS[1], at)
	redis.call('PEXPIREAT', KEYS[2], at)
end
return 1
`)

// sessionListScript returns the live sessions of a user as a flat list of
// session id and sessinfo value, "" when the value is missing. KEYS are
// those of sessionWriteScript; ARGV[1] is now in Unix milliseconds.
var sessionListScript = redis.NewScript(`
local ids = redis.call('ZRANGE', KEYS[1], '(' .. ARGV[1], '+inf', 'BYSCORE')
local out = {}
for i = 1, #ids do
	out[2 * i - 1] = ids[i]
	out[2 * i] = redis.call('HGET', KEYS[2], ids[i]) or ''
end
return out
`)

// sessionKeys returns the sessions and sessinfo keys of user.
func (s *RedisStore) sessionKeys(user string) []string {
	return []string{s.key(user, redisSessions, ""), s.key(user, redisSessInfo, "")}
}

// TouchSession implements SessionStore with one EVAL of a script that also
// drops the user's sessions that are over and sets when the user's session
// keys expire. Like Revoke, it sends the script itself rather than its
// SHA1, so that it stays one round trip on a server that has not seen the
// script yet.
func (s *RedisStore) TouchSession(ctx context.Context, sess Session) error {
	if s.closed.Load() {
		return redis.ErrClosed
	}
	if sess.ID == "" {
		return errEmptySessionID
	}
	return s.writeSessions(ctx, "touch session", sess.UserID, sess.ID, "touch",
		unixMilliOrZero(sess.Created), unixMilliOrZero(sess.LastRefreshed), ceilMilli(sess.Expires))
}

// ForgetSession implements SessionStore with one EVAL of the script of
// TouchSession.
func (s *RedisStore) ForgetSession(ctx context.Context, userID, sessionID string) error {
	if s.closed.Load() {
		return redis.ErrClosed
	}
	return s.writeSessions(ctx, "forget session", userID, sessionID, "forget")
}

// ForgetSessions implements SessionStore with one DEL of the user's two
// session keys, which share the user's hash slot.
func (s *RedisStore) ForgetSessions(ctx context.Context, userID string) error {
	if s.closed.Load() {
		return redis.ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Del(ctx, s.sessionKeys(userID)...).Err(); err != nil {
		return fmt.Errorf("simplejwt: redis forget sessions: %w", err)
	}
	return nil
}

// writeSessions runs sessionWriteScript on the keys of user with args
// after now and the leeway; op names the call in errors.
func (s *RedisStore) writeSessions(ctx context.Context, op, user string, args ...any) error {
	argv := make([]any, 0, 2+len(args))
	argv = append(argv, s.now().UnixMilli(), (s.leeway+time.Millisecond-1)/time.Millisecond)
	argv = append(argv, args...)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := sessionWriteScript.Eval(ctx, s.client, s.sessionKeys(user), argv...).Err(); err != nil {
		return fmt.Errorf("simplejwt: redis %s: %w", op, err)
	}
	return nil
}

// Sessions implements SessionStore with one EVAL of a script that reads
// the sessions whose score is after the store's clock, with their info.
// A session whose info is missing or malformed, which the store never
// writes, is an error rather than a guess.
func (s *RedisStore) Sessions(ctx context.Context, userID string) ([]Session, error) {
	if s.closed.Load() {
		return nil, redis.ErrClosed
	}
	keys := s.sessionKeys(userID)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	vals, err := sessionListScript.Eval(ctx, s.client, keys, s.now().UnixMilli()).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("simplejwt: redis sessions: %w", err)
	}
	if len(vals)%2 != 0 {
		return nil, fmt.Errorf("simplejwt: redis sessions: script returned %d values, want pairs", len(vals))
	}
	list := make([]Session, 0, len(vals)/2)
	for i := 0; i < len(vals); i += 2 {
		sess, ok := parseSessInfo(vals[i+1])
		if !ok {
			return nil, fmt.Errorf("simplejwt: redis sessions: %s field %q holds %q, not <created-ms>:<last-ms>:<expires-ms>",
				keys[1], vals[i], vals[i+1])
		}
		sess.ID, sess.UserID = vals[i], userID
		list = append(list, sess)
	}
	sortSessions(list)
	return list, nil
}

// parseSessInfo parses a sessinfo value, "<created-ms>:<last-ms>:<expires-ms>".
func parseSessInfo(v string) (Session, bool) {
	var ms [3]int64
	for i := range ms {
		field, rest, found := strings.Cut(v, ":")
		if found == (i == len(ms)-1) {
			return Session{}, false
		}
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return Session{}, false
		}
		ms[i], v = n, rest
	}
	return Session{Created: fromMilli(ms[0]), LastRefreshed: fromMilli(ms[1]), Expires: fromMilli(ms[2])}, true
}

// unixMilliOrZero returns t in Unix milliseconds, truncated, and 0 for the
// zero time.
func unixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMilli is the inverse of unixMilliOrZero and ceilMilli: 0 is the zero
// time.
func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
