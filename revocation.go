package simplejwt

import (
	"container/heap"
	"context"
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

// MemoryStore is the in-process Store, the default. It is safe for
// concurrent use. Expired entries are reclaimed as new ones are written, so
// its memory is bounded by the entries still live; it starts no goroutine.
type MemoryStore struct {
	now func() time.Time

	mu      sync.RWMutex
	entries map[memKey]memEntry
	queue   expiryQueue
}

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

// NewMemoryStore returns an empty MemoryStore. now is its clock; nil means
// time.Now.
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, entries: map[memKey]memEntry{}}
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
		e, ok := s.entries[k]
		if ok && !now.Before(e.until) {
			ok = false
		}
		if !ok {
			e = memEntry{}
		}
		if r.Until.After(e.until) {
			e.until = r.Until
			heap.Push(&s.queue, expiryItem{until: r.Until, key: k})
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
	if e, ok := s.entries[k]; ok && now.Before(e.until) {
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

// Len returns the number of entries held, live or not yet reclaimed.
func (s *MemoryStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// Close releases nothing: a MemoryStore holds no resources beyond memory.
func (s *MemoryStore) Close() error { return nil }

// reclaim drops every entry whose time has come. s.mu must be held.
func (s *MemoryStore) reclaim(now time.Time) {
	for len(s.queue) > 0 && !now.Before(s.queue[0].until) {
		it := heap.Pop(&s.queue).(expiryItem)
		// A later revocation may have extended the entry; only the
		// queue item matching its current expiry removes it.
		if e, ok := s.entries[it.key]; ok && e.until.Equal(it.until) {
			delete(s.entries, it.key)
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
type SessionStore interface {
	// TouchSession records s, creating it or updating its LastRefreshed
	// and Expires (Created is kept from the first record).
	TouchSession(ctx context.Context, s Session) error
	// Sessions lists the user's live sessions, oldest first.
	Sessions(ctx context.Context, userID string) ([]Session, error)
	// ForgetSession removes one session from the user's list. Forgetting an
	// unknown session is not an error.
	ForgetSession(ctx context.Context, userID, sessionID string) error
}
