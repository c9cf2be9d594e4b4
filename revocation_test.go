package simplejwt_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/storetest"
)

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
		return &storetest.Harness{Store: s, Now: clock.Now, Advance: clock.Advance}
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
