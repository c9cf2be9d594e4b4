package simplejwt

import (
	"container/heap"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
)

// TokenRef names what a Store is asked about: one token of one user.
type TokenRef struct {
	UserID    string
	TokenID   string // jti
	SessionID string // "" for tokens without a session claim
}

// Status is what a Store knows about a TokenRef.
type Status struct {
	// TokenRevoked is set when the token's jti was revoked or consumed.
	TokenRevoked bool
	// SessionRevoked is set when the token's session was revoked.
	SessionRevoked bool
	// Cutoff, when not zero, revokes every token of the user issued before
	// it ("log out everywhere").
	Cutoff time.Time
}

// RevocationKind says what a Revocation revokes.
type RevocationKind uint8

// Revocation kinds.
const (
	// RevokeToken revokes one jti.
	RevokeToken RevocationKind = iota + 1
	// RevokeSession revokes every token carrying one session id.
	RevokeSession
	// RevokeUser revokes every token of a user issued before Cutoff.
	RevokeUser
)

// Revocation is one entry to record in a Store. Every entry has an expiry:
// the moment no token it revokes could be used anyway.
type Revocation struct {
	Kind   RevocationKind
	UserID string
	ID     string    // jti for RevokeToken, session id for RevokeSession
	Cutoff time.Time // RevokeUser only
	Until  time.Time // the entry is forgotten at this instant
}

// Store records revocations. Implementations must be safe for concurrent use
// and must answer Lookup in one round trip to their backend: it runs on every
// authenticated request.
type Store interface {
	// Lookup reports the revocation state of ref.
	Lookup(ctx context.Context, ref TokenRef) (Status, error)
	// Revoke records the given revocations. Revoking an entry again keeps the
	// later Until (and, for RevokeUser, the later Cutoff).
	Revoke(ctx context.Context, revs ...Revocation) error
	// Consume atomically marks the token ref.TokenID as used until `until`,
	// recording `at`. Of many concurrent calls for one token exactly one
	// reports first; the others get the time the first recorded, or a zero
	// time when the token had been revoked rather than consumed.
	Consume(ctx context.Context, ref TokenRef, at, until time.Time) (first bool, firstAt time.Time, err error)
}

// MemoryStore is the in-process Store, the default, and a SessionStore. It
// is safe for concurrent use. Expired entries and sessions are reclaimed as
// new ones are written, so its memory is bounded by the entries and
// sessions still live; it starts no goroutine.
type MemoryStore struct {
	now func() time.Time

	mu       sync.RWMutex
	entries  map[memKey]memEntry
	sessions map[string]map[string]memSession // user id, then session id
	// queue holds one item for every entry and every session, at its
	// expiry or earlier (an item is not moved when its entry is extended,
	// but queued again when it comes due), plus the items of forgotten
	// sessions, which go when they come due.
	queue expiryQueue
}

// memSessionKind is the kind of the memKey of a session in the queue.
const memSessionKind RevocationKind = 0

type memKey struct {
	kind RevocationKind
	user string
	id   string
}

type memEntry struct {
	until    time.Time
	at       time.Time // cutoff, or the time a token was consumed
	consumed bool
}

type memSession struct {
	created, last, expires time.Time
	// queued is the time of the session's item in the queue: an item of
	// the same key with another time belongs to a forgotten session.
	queued time.Time
}

// NewMemoryStore returns an empty MemoryStore. now is its clock; nil means
// time.Now.
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, entries: map[memKey]memEntry{}, sessions: map[string]map[string]memSession{}}
}

// Lookup implements Store.
func (s *MemoryStore) Lookup(_ context.Context, ref TokenRef) (Status, error) {
	now := s.now()
	var st Status
	s.mu.RLock()
	if e, ok := s.entries[memKey{RevokeToken, ref.UserID, ref.TokenID}]; ok && now.Before(e.until) {
		st.TokenRevoked = true
	}
	if ref.SessionID != "" {
		if e, ok := s.entries[memKey{RevokeSession, ref.UserID, ref.SessionID}]; ok && now.Before(e.until) {
			st.SessionRevoked = true
		}
	}
	if e, ok := s.entries[memKey{RevokeUser, ref.UserID, ""}]; ok && now.Before(e.until) {
		st.Cutoff = e.at
	}
	s.mu.RUnlock()
	return st, nil
}

// Revoke implements Store.
func (s *MemoryStore) Revoke(_ context.Context, revs ...Revocation) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reclaim(now)
	for _, r := range revs {
		if !now.Before(r.Until) {
			continue // nothing left to revoke
		}
		k := memKey{r.Kind, r.UserID, r.ID}
		if r.Kind == RevokeUser {
			k.id = ""
		}
		// After reclaim, every entry held is live.
		e, ok := s.entries[k]
		if !ok {
			heap.Push(&s.queue, expiryItem{until: r.Until, key: k})
		}
		if r.Until.After(e.until) {
			e.until = r.Until
		}
		if r.Kind == RevokeUser && r.Cutoff.After(e.at) {
			e.at = r.Cutoff
		}
		if r.Kind == RevokeToken {
			e.consumed = false
		}
		s.entries[k] = e
	}
	return nil
}

// Consume implements Store.
func (s *MemoryStore) Consume(_ context.Context, ref TokenRef, at, until time.Time) (bool, time.Time, error) {
	now := s.now()
	k := memKey{RevokeToken, ref.UserID, ref.TokenID}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reclaim(now)
	if e, ok := s.entries[k]; ok {
		if e.consumed {
			return false, e.at, nil
		}
		return false, time.Time{}, nil
	}
	if !now.Before(until) {
		until = now.Add(time.Second)
	}
	s.entries[k] = memEntry{until: until, at: at, consumed: true}
	heap.Push(&s.queue, expiryItem{until: until, key: k})
	return true, time.Time{}, nil
}

// TouchSession implements SessionStore.
func (s *MemoryStore) TouchSession(_ context.Context, sess Session) error {
	if sess.ID == "" {
		return errEmptySessionID
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reclaim(now)
	// After reclaim, every session held is live.
	user := s.sessions[sess.UserID]
	rec, ok := user[sess.ID]
	if !ok {
		rec.created = sess.Created
		if rec.created.IsZero() {
			rec.created = sess.LastRefreshed
		}
		if !now.Before(sess.Expires) {
			return nil // over already: nothing to record
		}
		if user == nil {
			user = map[string]memSession{}
			s.sessions[sess.UserID] = user
		}
		rec.queued = sess.Expires
		heap.Push(&s.queue, expiryItem{until: sess.Expires, key: memKey{memSessionKind, sess.UserID, sess.ID}})
	}
	rec.last = sess.LastRefreshed
	if sess.Expires.After(rec.expires) {
		rec.expires = sess.Expires
	}
	user[sess.ID] = rec
	return nil
}

// Sessions implements SessionStore. The slice is the caller's.
func (s *MemoryStore) Sessions(_ context.Context, userID string) ([]Session, error) {
	now := s.now()
	s.mu.RLock()
	user := s.sessions[userID]
	list := make([]Session, 0, len(user))
	for id, rec := range user {
		if now.Before(rec.expires) {
			list = append(list, Session{ID: id, UserID: userID, Created: rec.created, LastRefreshed: rec.last, Expires: rec.expires})
		}
	}
	s.mu.RUnlock()
	sortSessions(list)
	return list, nil
}

// ForgetSession implements SessionStore.
func (s *MemoryStore) ForgetSession(_ context.Context, userID, sessionID string) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reclaim(now)
	if user, ok := s.sessions[userID]; ok {
		// The session's item stays queued until it comes due.
		delete(user, sessionID)
		if len(user) == 0 {
			delete(s.sessions, userID)
		}
	}
	return nil
}

// ForgetSessions implements SessionStore.
func (s *MemoryStore) ForgetSessions(_ context.Context, userID string) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reclaim(now)
	// The sessions' items stay queued until they come due.
	delete(s.sessions, userID)
	return nil
}

// Len returns the number of entries and sessions held, live or not yet
// reclaimed.
func (s *MemoryStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := len(s.entries)
	for _, user := range s.sessions {
		n += len(user)
	}
	return n
}

// Close releases nothing: a MemoryStore holds no resources beyond memory.
func (s *MemoryStore) Close() error { return nil }

// reclaim drops every entry and session whose time has come. s.mu must be
// held.
func (s *MemoryStore) reclaim(now time.Time) {
	for len(s.queue) > 0 && !now.Before(s.queue[0].until) {
		it := heap.Pop(&s.queue).(expiryItem)
		if it.key.kind == memSessionKind {
			s.reclaimSession(it, now)
			continue
		}
		e, ok := s.entries[it.key]
		switch {
		case !ok:
		case now.Before(e.until): // extended since it was queued
			heap.Push(&s.queue, expiryItem{until: e.until, key: it.key})
		default:
			delete(s.entries, it.key)
		}
	}
}

// reclaimSession handles the queue item of a session that came due.
func (s *MemoryStore) reclaimSession(it expiryItem, now time.Time) {
	user := s.sessions[it.key.user]
	rec, ok := user[it.key.id]
	switch {
	case !ok || !rec.queued.Equal(it.until):
		// The item of a forgotten session.
	case now.Before(rec.expires): // extended since it was queued
		rec.queued = rec.expires
		user[it.key.id] = rec
		heap.Push(&s.queue, expiryItem{until: rec.expires, key: it.key})
	default:
		delete(user, it.key.id)
		if len(user) == 0 {
			delete(s.sessions, it.key.user)
		}
	}
}

type expiryItem struct {
	until time.Time
	key   memKey
}

type expiryQueue []expiryItem

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].until.Before(q[j].until) }
func (q expiryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)        { *q = append(*q, x.(expiryItem)) }
func (q *expiryQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// Session describes one login: the refresh-token family or the sliding
// token that carries one session id.
type Session struct {
	ID            string
	UserID        string
	Created       time.Time
	LastRefreshed time.Time
	// Expires is when the session's last token can no longer be used.
	Expires time.Time
}

// SessionStore is implemented by stores that also keep the list of each
// user's live sessions. It is optional: with a Store that does not
// implement it, Auth.Sessions reports ErrSessionsUnsupported.
// Implementations drop expired sessions as they write, so a user's list
// never grows past the sessions still live.
//
// A session is live while the store's clock reads before its Expires, and
// over from Expires on. Implementations must be safe for concurrent use.
type SessionStore interface {
	// TouchSession records s, creating it or updating its LastRefreshed
	// and Expires (Created is kept from the first record).
	//
	// LastRefreshed is replaced by s.LastRefreshed; of the old and the new
	// Expires the later is kept. A zero Created in the first record is
	// taken as its LastRefreshed. A session not yet recorded whose Expires
	// has passed is not recorded. s.ID must not be empty.
	TouchSession(ctx context.Context, s Session) error
	// Sessions lists the user's live sessions, oldest first.
	//
	// Sessions with the same Created are ordered by ID. The slice is new
	// on every call and belongs to the caller; with no session it is
	// empty, not nil.
	Sessions(ctx context.Context, userID string) ([]Session, error)
	// ForgetSession removes one session from the user's list. Forgetting an
	// unknown session is not an error.
	ForgetSession(ctx context.Context, userID, sessionID string) error
	// ForgetSessions removes every session of the user from the list, as
	// log out everywhere does.
	ForgetSessions(ctx context.Context, userID string) error
}

// errEmptySessionID is returned by TouchSession for a Session without ID.
var errEmptySessionID = errors.New("simplejwt: TouchSession: empty session id")

// sortSessions puts list in the order SessionStore.Sessions promises:
// oldest Created first, then by ID.
func sortSessions(list []Session) {
	slices.SortFunc(list, func(a, b Session) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
