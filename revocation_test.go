package simplejwt_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/storetest"
)

// MemoryStore keeps session lists.
var _ simplejwt.SessionStore = (*simplejwt.MemoryStore)(nil)

// storeT0 is where the memory stores' fake clocks start: not a whole
// second, so no case passes by rounding luck.
var storeT0 = time.Date(2026, 12, 4, 12, 0, 0, 123456789, time.UTC)

// storeMemory returns a MemoryStore on a fake clock starting at storeT0.
func storeMemory() (*simplejwt.MemoryStore, *fakeClock) {
	clock := newFakeClock(storeT0)
	return simplejwt.NewMemoryStore(clock.Now), clock
}

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *storetest.Harness {
		s, clock := storeMemory()
		return &storetest.Harness{
			Store:   s,
			Now:     clock.Now,
			Advance: clock.Advance,
			// Len counts every user's sessions and entries: the cases
			// ask while only the user asked about has any.
			SessionsHeld: func(string) int { return s.Len() },
		}
	})
}

// TestMemoryStoreConcurrent revokes, looks up and consumes from many
// goroutines at once; run under -race it also checks the locking. Every
// goroutine sees its own revocations at once.
func TestMemoryStoreConcurrent(t *testing.T) {
	const (
		workers = 8
		each    = 500
	)
	ctx := context.Background()
	s, clock := storeMemory()
	until := clock.Now().Add(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan string, workers*each)
	for w := range workers {
		user := "u" + strconv.Itoa(w)
		wg.Add(2)
		go func() { // writer: revoke, then read back
			defer wg.Done()
			for i := range each {
				jti := "j" + strconv.Itoa(i)
				if err := s.Revoke(ctx, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: user, ID: jti, Until: until}); err != nil {
					errs <- err.Error()
					return
				}
				st, err := s.Lookup(ctx, simplejwt.TokenRef{UserID: user, TokenID: jti})
				if err != nil || !st.TokenRevoked {
					errs <- user + "/" + jti + ": not revoked right after Revoke"
				}
			}
		}()
		go func() { // reader and consumer of another user's tokens
			defer wg.Done()
			other := "c" + strconv.Itoa(w)
			for i := range each {
				ref := simplejwt.TokenRef{UserID: other, TokenID: "j" + strconv.Itoa(i)}
				if _, err := s.Lookup(ctx, ref); err != nil {
					errs <- err.Error()
				}
				first, _, err := s.Consume(ctx, ref, clock.Now(), until)
				if err != nil || !first {
					errs <- other + ": Consume of a fresh token was not first"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got, want := s.Len(), 2*workers*each; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

// TestMemoryStoreReclaim checks that expired entries are dropped as new ones
// are written, so memory is bounded by the live entries, and that an
// entry whose expiry was extended survives its first expiry.
func TestMemoryStoreReclaim(t *testing.T) {
	ctx := context.Background()
	s, clock := storeMemory()
	revokeOne := func(user, id string, until time.Time) {
		t.Helper()
		if err := s.Revoke(ctx, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: user, ID: id, Until: until}); err != nil {
			t.Fatal(err)
		}
	}

	until := clock.Now().Add(time.Minute)
	revs := make([]simplejwt.Revocation, 0, 10000)
	for i := range 10000 {
		revs = append(revs, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u" + strconv.Itoa(i%7), ID: strconv.Itoa(i), Until: until})
	}
	if err := s.Revoke(ctx, revs...); err != nil {
		t.Fatal(err)
	}
	if got := s.Len(); got != 10000 {
		t.Fatalf("Len() = %d after 10000 revocations", got)
	}
	clock.Advance(time.Minute)
	revokeOne("u1", "new", clock.Now().Add(time.Minute))
	if got := s.Len(); got != 1 {
		t.Fatalf("Len() = %d after the 10000 expired and one more, want 1", got)
	}

	// An entry extended by a later revocation outlives its first expiry.
	revokeOne("u2", "ext", clock.Now().Add(time.Minute))
	revokeOne("u2", "ext", clock.Now().Add(2*time.Minute))
	clock.Advance(time.Minute)
	revokeOne("u3", "later", clock.Now().Add(time.Minute))
	if got := s.Len(); got != 2 {
		t.Errorf("Len() = %d, want 2 (the extended entry and the last one)", got)
	}
	if st, err := s.Lookup(ctx, simplejwt.TokenRef{UserID: "u2", TokenID: "ext"}); err != nil || !st.TokenRevoked {
		t.Errorf("extended entry: Lookup = %+v, %v; want revoked", st, err)
	}

	// Consume reclaims too.
	clock.Advance(2 * time.Minute)
	if _, _, err := s.Consume(ctx, simplejwt.TokenRef{UserID: "u4", TokenID: "c"}, clock.Now(), clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := s.Len(); got != 1 {
		t.Errorf("Len() = %d after Consume, want 1", got)
	}
}

// storeSession returns a session of user created and last refreshed at
// the clock's now, that ends after d.
func storeSession(clock *fakeClock, user, id string, d time.Duration) simplejwt.Session {
	now := clock.Now()
	return simplejwt.Session{ID: id, UserID: user, Created: now, LastRefreshed: now, Expires: now.Add(d)}
}

// TestMemoryStoreSessionsReclaim checks that ended sessions are dropped,
// with their users' lists, at the next write of any kind, not only a write
// for their user; that a session extended by a later touch outlives its
// first Expires; and that a session forgotten and touched again lives as
// long as its new record says.
func TestMemoryStoreSessionsReclaim(t *testing.T) {
	ctx := context.Background()
	s, clock := storeMemory()
	touch := func(sess simplejwt.Session) {
		t.Helper()
		if err := s.TouchSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	listed := func(user string) []string {
		t.Helper()
		list, err := s.Sessions(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(list))
		for i, sess := range list {
			ids[i] = sess.ID
		}
		return ids
	}
	expectLen := func(want int, what string) {
		t.Helper()
		if got := s.Len(); got != want {
			t.Fatalf("Len() = %d %s, want %d", got, what, want)
		}
	}
	// write is a write for a user with no sessions: a revocation.
	write := func() {
		t.Helper()
		err := s.Revoke(ctx, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "other", ID: strconv.FormatInt(clock.Now().UnixNano(), 10), Until: clock.Now().Add(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
	}

	const users, each = 1000, 3
	for u := range users {
		for i := range each {
			touch(storeSession(clock, "u"+strconv.Itoa(u), "s"+strconv.Itoa(i), time.Minute))
		}
	}
	expectLen(users*each, "after touching")
	clock.Advance(time.Minute)
	write()
	expectLen(1, "after every session ended and one revocation")

	// Extended: the first Expires passes, the session stays.
	touch(storeSession(clock, "x", "s1", time.Minute))
	touch(storeSession(clock, "x", "s1", 3*time.Minute))
	// Forgotten, then touched again with a later Expires: the old
	// record's time does not end the new one.
	touch(storeSession(clock, "y", "s1", time.Minute))
	if err := s.ForgetSession(ctx, "y", "s1"); err != nil {
		t.Fatal(err)
	}
	touch(storeSession(clock, "y", "s1", 2*time.Minute))
	clock.Advance(time.Minute)
	write() // the first revocation ends now too
	expectLen(3, "one minute on")
	if got := listed("x"); len(got) != 1 {
		t.Errorf("x: sessions %q a minute on, want s1 (extended to 3 minutes)", got)
	}
	if got := listed("y"); len(got) != 1 {
		t.Errorf("y: sessions %q a minute on, want s1 (touched again for 2 minutes)", got)
	}
	clock.Advance(time.Minute)
	write()
	expectLen(2, "two minutes on")
	if got := listed("y"); len(got) != 0 {
		t.Errorf("y: sessions %q two minutes on, want none", got)
	}
	clock.Advance(time.Minute)
	write()
	expectLen(1, "three minutes on")
	if got := listed("x"); len(got) != 0 {
		t.Errorf("x: sessions %q three minutes on, want none", got)
	}
}

// TestMemoryStoreSessionsConcurrent touches, forgets and lists sessions
// from many goroutines at once; run under -race it also checks the
// locking.
func TestMemoryStoreSessionsConcurrent(t *testing.T) {
	const (
		workers = 8
		each    = 200
	)
	ctx := context.Background()
	s, clock := storeMemory()
	var wg sync.WaitGroup
	errs := make(chan string, 2*workers*each)
	for w := range workers {
		user := "u" + strconv.Itoa(w)
		wg.Add(2)
		go func() { // writer: touch every session, forget the odd ones
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("s%03d", i)
				if err := s.TouchSession(ctx, storeSession(clock, user, id, time.Hour)); err != nil {
					errs <- err.Error()
					return
				}
				if i%2 == 1 {
					if err := s.ForgetSession(ctx, user, id); err != nil {
						errs <- err.Error()
						return
					}
				}
			}
		}()
		go func() { // reader
			defer wg.Done()
			for range each {
				list, err := s.Sessions(ctx, user)
				if err != nil {
					errs <- err.Error()
					return
				}
				if len(list) > each/2+1 {
					errs <- fmt.Sprintf("%s: %d sessions listed, more than ever live", user, len(list))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for w := range workers {
		list, err := s.Sessions(ctx, "u"+strconv.Itoa(w))
		if err != nil || len(list) != each/2 {
			t.Errorf("u%d: %d sessions, %v; want %d", w, len(list), err, each/2)
		}
	}
	if got, want := s.Len(), workers*each/2; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}
