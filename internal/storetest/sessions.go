package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// runSessions runs the cases of simplejwt.SessionStore, or skips them when
// the store does not implement it.
func runSessions(t *testing.T, newHarness func(t *testing.T) *Harness) {
	probe := checkHarness(t, newHarness(t))
	if _, ok := probe.Store.(simplejwt.SessionStore); !ok {
		if probe.SessionsHeld != nil || probe.SessionTTLs != nil {
			t.Fatalf("storetest: the harness checks sessions, but %T does not implement simplejwt.SessionStore", probe.Store)
		}
		t.Skipf("storetest: %T does not implement simplejwt.SessionStore", probe.Store)
	}
	cases := []struct {
		name string
		run  func(t *testing.T, h *Harness, ss simplejwt.SessionStore)
	}{
		{"TouchListForget", testSessionsTouchListForget},
		{"Update", testSessionsUpdate},
		{"Order", testSessionsOrder},
		{"ExpiresAtExpires", testSessionsExpiry},
		{"StaleDroppedOnWrite", testSessionsStale},
		{"OtherUsers", testSessionsOtherUsers},
		{"ForgetAll", testSessionsForgetAll},
		{"PastExpires", testSessionsPastExpires},
		{"EmptyID", testSessionsEmptyID},
		{"Concurrent", testSessionsConcurrent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := checkHarness(t, newHarness(t))
			ss, ok := h.Store.(simplejwt.SessionStore)
			if !ok {
				t.Fatalf("storetest: %T does not implement simplejwt.SessionStore", h.Store)
			}
			if h.Advance == nil && h.AdvanceStore == nil {
				t.Fatal("storetest: harness needs Advance or AdvanceStore to check sessions")
			}
			if h.SessionsHeld == nil {
				t.Fatal("storetest: harness needs SessionsHeld to check sessions")
			}
			tc.run(t, h, ss)
		})
	}
}

// sess returns a session of user u1.
func sess(id string, created, last, expires time.Time) simplejwt.Session {
	return simplejwt.Session{ID: id, UserID: "u1", Created: created, LastRefreshed: last, Expires: expires}
}

// of returns s as a session of user.
func of(user string, s simplejwt.Session) simplejwt.Session {
	s.UserID = user
	return s
}

func touch(t *testing.T, ss simplejwt.SessionStore, s simplejwt.Session) {
	t.Helper()
	if err := ss.TouchSession(context.Background(), s); err != nil {
		t.Fatalf("TouchSession(%+v): %v", s, err)
	}
}

func forget(t *testing.T, ss simplejwt.SessionStore, user, id string) {
	t.Helper()
	if err := ss.ForgetSession(context.Background(), user, id); err != nil {
		t.Fatalf("ForgetSession(%q, %q): %v", user, id, err)
	}
}

func list(t *testing.T, ss simplejwt.SessionStore, user string) []simplejwt.Session {
	t.Helper()
	got, err := ss.Sessions(context.Background(), user)
	if err != nil {
		t.Fatalf("Sessions(%q): %v", user, err)
	}
	return got
}

// expectSessions lists user's sessions and compares them, in order and
// field by field, with want.
func expectSessions(t *testing.T, ss simplejwt.SessionStore, user string, want ...simplejwt.Session) {
	t.Helper()
	got := list(t, ss, user)
	if got == nil {
		t.Errorf("Sessions(%q) = nil, want an empty or full slice", user)
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		g, w := got[i], want[i]
		same = g.ID == w.ID && g.UserID == w.UserID && g.Created.Equal(w.Created) &&
			g.LastRefreshed.Equal(w.LastRefreshed) && g.Expires.Equal(w.Expires)
	}
	if !same {
		t.Errorf("Sessions(%q) =\n%s\nwant\n%s", user, formatSessions(got), formatSessions(want))
	}
}

func formatSessions(list []simplejwt.Session) string {
	if len(list) == 0 {
		return "\t(none)"
	}
	var out string
	for i, s := range list {
		if i > 0 {
			out += "\n"
		}
		out += fmt.Sprintf("\t%s/%s created %s last %s expires %s", s.UserID, s.ID,
			s.Created.UTC().Format(time.RFC3339Nano), s.LastRefreshed.UTC().Format(time.RFC3339Nano),
			s.Expires.UTC().Format(time.RFC3339Nano))
	}
	return out
}

// moveTo moves the store's clock to at, which must not be in its past.
func moveTo(t *testing.T, h *Harness, at time.Time) {
	t.Helper()
	d := at.Sub(h.Now())
	if d < 0 {
		t.Fatalf("storetest: cannot move the clock back by %v", -d)
	}
	if h.Advance != nil {
		h.Advance(d)
	} else {
		h.AdvanceStore(d)
	}
}

// expectHeld checks that the backend holds exactly n sessions of user.
func expectHeld(t *testing.T, h *Harness, user string, n int) {
	t.Helper()
	if got := h.SessionsHeld(user); got != n {
		t.Errorf("backend holds %d sessions of %s, want %d", got, user, n)
	}
}

// expectSessionKeys checks that every backend key of user's sessions
// exists and expires at end, the latest Expires of its sessions: its
// remaining life fits the window measured around the call.
func expectSessionKeys(t *testing.T, h *Harness, user string, end time.Time) {
	t.Helper()
	if h.SessionTTLs == nil {
		return
	}
	before := h.backendNow()
	keys := h.SessionTTLs(user)
	after := h.backendNow()
	if len(keys) == 0 {
		t.Fatalf("storetest: SessionTTLs(%q) reports no key", user)
	}
	least, most := end.Sub(after)-TTLSlack, end.Sub(before)+TTLSlack
	for _, k := range keys {
		switch {
		case !k.Exists:
			t.Errorf("%s: no such key, want one expiring at %v", k.Key, end)
		case k.TTL < 0:
			t.Errorf("%s: key without expiry, want one expiring at %v", k.Key, end)
		case k.TTL < least || k.TTL > most:
			t.Errorf("%s: TTL %v, want within [%v, %v] (expiry %v)", k.Key, k.TTL, least, most, end)
		}
	}
}

// expectNoSessionKeys checks that the backend holds no key of user's
// sessions.
func expectNoSessionKeys(t *testing.T, h *Harness, user string) {
	t.Helper()
	if h.SessionTTLs == nil {
		return
	}
	for _, k := range h.SessionTTLs(user) {
		if k.Exists {
			t.Errorf("%s: key exists (TTL %v), want none", k.Key, k.TTL)
		}
	}
}

func testSessionsTouchListForget(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	base := ms(h.Now())
	s1 := sess("s1", base, base, base.Add(time.Hour))
	s2 := sess("s2", base.Add(time.Second), base.Add(time.Second), base.Add(2*time.Hour))
	s3 := sess("s3", base.Add(-time.Minute), base, base.Add(30*time.Minute))
	touch(t, ss, s1)
	touch(t, ss, s2)
	touch(t, ss, s3)
	expectSessions(t, ss, "u1", s3, s1, s2)
	expectHeld(t, h, "u1", 3)
	expectSessionKeys(t, h, "u1", s2.Expires)

	// The slice is the caller's.
	got := list(t, ss, "u1")
	got[0].ID, got[1].Expires = "changed", time.Time{}
	expectSessions(t, ss, "u1", s3, s1, s2)

	forget(t, ss, "u1", "s1")
	expectSessions(t, ss, "u1", s3, s2)
	expectHeld(t, h, "u1", 2)
	// Forgetting what is not there changes nothing.
	forget(t, ss, "u1", "s1")
	forget(t, ss, "u1", "unknown")
	forget(t, ss, "u9", "s2")
	expectSessions(t, ss, "u1", s3, s2)
	expectSessions(t, ss, "u9")

	// The keys expire with the latest session left.
	forget(t, ss, "u1", "s2")
	expectSessions(t, ss, "u1", s3)
	expectSessionKeys(t, h, "u1", s3.Expires)
	forget(t, ss, "u1", "s3")
	expectSessions(t, ss, "u1")
	expectHeld(t, h, "u1", 0)
	expectNoSessionKeys(t, h, "u1")
}

// testSessionsUpdate touches one session again and again: Created stays
// the first record's, LastRefreshed is the last one's, and the later
// Expires wins.
func testSessionsUpdate(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	base := ms(h.Now())
	touch(t, ss, sess("s1", base, base, base.Add(2*time.Hour)))
	// A later Created and an earlier Expires.
	touch(t, ss, sess("s1", base.Add(time.Minute), base.Add(time.Minute), base.Add(time.Hour)))
	expectSessions(t, ss, "u1", sess("s1", base, base.Add(time.Minute), base.Add(2*time.Hour)))
	expectSessionKeys(t, h, "u1", base.Add(2*time.Hour))
	// No Created, a later Expires.
	touch(t, ss, sess("s1", time.Time{}, base.Add(2*time.Minute), base.Add(3*time.Hour)))
	expectSessions(t, ss, "u1", sess("s1", base, base.Add(2*time.Minute), base.Add(3*time.Hour)))
	expectSessionKeys(t, h, "u1", base.Add(3*time.Hour))
	// An Expires already past neither shortens nor ends the session.
	touch(t, ss, sess("s1", time.Time{}, base.Add(3*time.Minute), base.Add(-time.Second)))
	expectSessions(t, ss, "u1", sess("s1", base, base.Add(3*time.Minute), base.Add(3*time.Hour)))
	// LastRefreshed is replaced, even by an earlier one.
	touch(t, ss, sess("s1", time.Time{}, base.Add(time.Second), base.Add(3*time.Hour)))
	expectSessions(t, ss, "u1", sess("s1", base, base.Add(time.Second), base.Add(3*time.Hour)))

	// A first record without Created is taken as created when last
	// refreshed.
	touch(t, ss, sess("s2", time.Time{}, base.Add(4*time.Minute), base.Add(time.Hour)))
	expectSessions(t, ss, "u1",
		sess("s1", base, base.Add(time.Second), base.Add(3*time.Hour)),
		sess("s2", base.Add(4*time.Minute), base.Add(4*time.Minute), base.Add(time.Hour)))
	expectHeld(t, h, "u1", 2)
	expectSessionKeys(t, h, "u1", base.Add(3*time.Hour))
}

// testSessionsOrder lists sessions oldest Created first, and those created
// at the same instant by ID, whatever the order they were touched in.
func testSessionsOrder(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	base := ms(h.Now())
	exp := base.Add(time.Hour)
	want := []simplejwt.Session{
		sess("z", base.Add(-time.Hour), base, exp.Add(time.Minute)),
		sess("a", base, base, exp.Add(2*time.Minute)),
		sess("b", base, base.Add(time.Second), exp),
		sess("c", base, base, exp.Add(-time.Minute)),
		sess("y", base.Add(time.Millisecond), base.Add(time.Millisecond), exp),
	}
	for _, i := range []int{2, 4, 3, 0, 1} {
		touch(t, ss, want[i])
	}
	expectSessions(t, ss, "u1", want...)
}

// testSessionsExpiry checks that a session is live until, and over from,
// exactly its Expires, and that the backend drops it at the next write.
func testSessionsExpiry(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	base := ms(h.Now())
	e1, e2 := base.Add(90*time.Second), base.Add(3*time.Minute)
	s1 := sess("s1", base, base, e1)
	s2 := sess("s2", base.Add(time.Millisecond), base, e2)
	touch(t, ss, s1)
	touch(t, ss, s2)
	expectSessionKeys(t, h, "u1", e2)

	moveTo(t, h, e1.Add(-time.Nanosecond))
	expectSessions(t, ss, "u1", s1, s2)
	moveTo(t, h, e1)
	expectSessions(t, ss, "u1", s2)
	forget(t, ss, "u1", "none") // a write
	expectHeld(t, h, "u1", 1)
	expectSessionKeys(t, h, "u1", e2)

	moveTo(t, h, e2.Add(-time.Nanosecond))
	expectSessions(t, ss, "u1", s2)
	moveTo(t, h, e2)
	expectSessions(t, ss, "u1")
	forget(t, ss, "u1", "none")
	expectHeld(t, h, "u1", 0)
	expectNoSessionKeys(t, h, "u1")
}

// testSessionsStale checks that a write drops every session that is over,
// so that the backend never holds more sessions than are live: first 100
// sessions touched at once with staggered expiries, then a rolling window
// where each write ends exactly one session.
func testSessionsStale(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	const n = 100
	base := ms(h.Now())
	for i := range n {
		touch(t, ss, sess(fmt.Sprintf("a%03d", i), base, base, base.Add(time.Duration(i+1)*time.Second)))
	}
	expectHeld(t, h, "u1", n)
	if got := len(list(t, ss, "u1")); got != n {
		t.Fatalf("%d sessions listed, want %d", got, n)
	}

	// At base+40s the sessions a000..a039 are over; a039 exactly now.
	moveTo(t, h, base.Add(40*time.Second))
	if got := list(t, ss, "u1"); len(got) != n-40 || got[0].ID != "a040" {
		t.Fatalf("%d sessions listed, want %d from a040:\n%s", len(got), n-40, formatSessions(got))
	}
	touch(t, ss, sess("a099", time.Time{}, h.Now(), base.Add(n*time.Second)))
	expectHeld(t, h, "u1", n-40)
	expectSessionKeys(t, h, "u1", base.Add(n*time.Second))

	// From base+100s every session above is over. Each second one more
	// session starts, to last 10 seconds: after each write the backend
	// holds exactly the live ones.
	const window = 10
	start := base.Add(n * time.Second)
	var live []simplejwt.Session
	for i := range n {
		now := start.Add(time.Duration(i) * time.Second)
		moveTo(t, h, now)
		s := sess(fmt.Sprintf("r%03d", i), now, now, now.Add(window*time.Second))
		touch(t, ss, s)
		live = append(live, s)
		if len(live) > window {
			live = live[1:]
		}
		if got := h.SessionsHeld("u1"); got != len(live) {
			t.Fatalf("at +%ds: backend holds %d sessions, want the %d live", i, got, len(live))
		}
	}
	expectSessions(t, ss, "u1", live...)
	last := live[len(live)-1].Expires
	expectSessionKeys(t, h, "u1", last)

	moveTo(t, h, last)
	forget(t, ss, "u1", "none")
	expectHeld(t, h, "u1", 0)
	expectNoSessionKeys(t, h, "u1")
}

// testSessionsOtherUsers checks that users' lists are apart: the same
// session id under two users is two sessions, and writes for one user
// neither drop nor expire another's.
func testSessionsOtherUsers(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	base := ms(h.Now())
	a1 := of("u1", sess("s1", base, base, base.Add(time.Minute)))
	b1 := of("u2", sess("s1", base.Add(time.Second), base.Add(time.Second), base.Add(time.Hour)))
	b2 := of("u2", sess("s2", base.Add(2*time.Second), base.Add(2*time.Second), base.Add(2*time.Hour)))
	touch(t, ss, a1)
	touch(t, ss, b1)
	touch(t, ss, b2)
	forget(t, ss, "u1", "s2")
	expectSessions(t, ss, "u1", a1)
	expectSessions(t, ss, "u2", b1, b2)
	expectSessionKeys(t, h, "u1", a1.Expires)
	expectSessionKeys(t, h, "u2", b2.Expires)

	// u1's session ends; a write for u1 leaves u2 alone.
	moveTo(t, h, a1.Expires)
	a3 := of("u1", sess("s3", h.Now(), h.Now(), base.Add(3*time.Hour)))
	touch(t, ss, a3)
	expectSessions(t, ss, "u1", a3)
	expectSessions(t, ss, "u2", b1, b2)
	expectSessionKeys(t, h, "u1", a3.Expires)
	expectSessionKeys(t, h, "u2", b2.Expires)

	forget(t, ss, "u1", "s3")
	forget(t, ss, "u2", "s2")
	expectSessions(t, ss, "u1")
	expectSessions(t, ss, "u2", b1)
	expectNoSessionKeys(t, h, "u1")
	expectSessionKeys(t, h, "u2", b1.Expires)
}

// testSessionsForgetAll forgets every session of one user, leaving another
// user's alone.
func testSessionsForgetAll(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	base := ms(h.Now())
	a1 := of("u1", sess("s1", base, base, base.Add(time.Minute)))
	a2 := of("u1", sess("s2", base, base, base.Add(time.Hour)))
	b1 := of("u2", sess("s1", base, base, base.Add(time.Hour)))
	touch(t, ss, a1)
	touch(t, ss, a2)
	touch(t, ss, b1)
	if err := ss.ForgetSessions(context.Background(), "u1"); err != nil {
		t.Fatalf("ForgetSessions: %v", err)
	}
	expectSessions(t, ss, "u1")
	expectNoSessionKeys(t, h, "u1")
	expectSessions(t, ss, "u2", b1)
	expectSessionKeys(t, h, "u2", b1.Expires)
	if err := ss.ForgetSessions(context.Background(), "u2"); err != nil {
		t.Fatalf("ForgetSessions: %v", err)
	}
	expectSessions(t, ss, "u2")
	expectHeld(t, h, "u1", 0)
	expectHeld(t, h, "u2", 0)
	// Forgetting a user without sessions is not an error.
	if err := ss.ForgetSessions(context.Background(), "nobody"); err != nil {
		t.Fatalf("ForgetSessions of a user without sessions: %v", err)
	}
}

// testSessionsPastExpires touches sessions that are over already: none is
// recorded.
func testSessionsPastExpires(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	now := h.Now()
	touch(t, ss, sess("s1", ms(now), ms(now), ms(now))) // ms(now) is not after now
	touch(t, ss, sess("s2", ms(now), ms(now), now.Add(-time.Hour)))
	touch(t, ss, sess("s3", ms(now), ms(now), time.Time{}))
	expectSessions(t, ss, "u1")
	expectHeld(t, h, "u1", 0)
	expectNoSessionKeys(t, h, "u1")
}

// testSessionsEmptyID refuses a session without id and records nothing.
func testSessionsEmptyID(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	base := ms(h.Now())
	if err := ss.TouchSession(context.Background(), sess("", base, base, base.Add(time.Hour))); err == nil {
		t.Error("TouchSession accepted a session without id")
	}
	expectSessions(t, ss, "u1")
	expectHeld(t, h, "u1", 0)
	expectNoSessionKeys(t, h, "u1")
}

// testSessionsConcurrent touches sessions of one user from many goroutines
// at once: first each its own session, then all the same one, whose later
// Expires must win.
func testSessionsConcurrent(t *testing.T, h *Harness, ss simplejwt.SessionStore) {
	const n = 32
	base := ms(h.Now())
	var (
		mu   sync.Mutex
		errs []error
	)
	race := func(s func(i int) simplejwt.Session) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := ss.TouchSession(context.Background(), s(i)); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d of %d TouchSession calls failed, first: %v", len(errs), n, errs[0])
		}
	}

	own := func(i int) simplejwt.Session {
		at := base.Add(time.Duration(i+1) * time.Millisecond)
		return sess(fmt.Sprintf("s%02d", i), at, at, base.Add(time.Hour+time.Duration(i)*time.Second))
	}
	race(own)
	want := make([]simplejwt.Session, n)
	for i := range n {
		want[i] = own(i)
	}
	expectSessions(t, ss, "u1", want...)
	expectHeld(t, h, "u1", n)
	expectSessionKeys(t, h, "u1", want[n-1].Expires)

	// Every Expires of the shared session is later than the others'.
	sharedEnd := base.Add(2*time.Hour + n*time.Minute)
	race(func(i int) simplejwt.Session {
		return sess("shared", base, base.Add(time.Duration(i)*time.Millisecond), base.Add(2*time.Hour+time.Duration(i+1)*time.Minute))
	})
	got := list(t, ss, "u1")
	if len(got) != n+1 {
		t.Fatalf("%d sessions after touching one more from %d goroutines, want %d", len(got), n, n+1)
	}
	shared := got[0]
	if shared.ID != "shared" || !shared.Created.Equal(base) || !shared.Expires.Equal(sharedEnd) {
		t.Errorf("shared session %+v, want created %v, expiring at the latest Expires %v", shared, base, sharedEnd)
	}
	if d := shared.LastRefreshed.Sub(base); d < 0 || d >= n*time.Millisecond || d%time.Millisecond != 0 {
		t.Errorf("shared session last refreshed %v, want one of the values written", shared.LastRefreshed)
	}
	expectSessions(t, ss, "u1", append([]simplejwt.Session{shared}, want...)...)
	expectHeld(t, h, "u1", n+1)
	expectSessionKeys(t, h, "u1", sharedEnd)
}
