// Package storetest is the conformance suite of simplejwt.Store and of
// simplejwt.SessionStore: every store of the package (MemoryStore,
// RedisStore) passes the same cases, so they keep the same semantics.
package storetest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// Harness is one store under test, fresh for each case, with the means to
// check the expiry of its entries and sessions.
type Harness struct {
	// Store is the store under test. It starts empty, or at least without
	// any entry or session a case writes. When it implements
	// simplejwt.SessionStore, the Sessions cases run too.
	Store simplejwt.Store
	// Now is the clock the store reads: its entries and sessions are
	// judged against it.
	Now func() time.Time
	// Advance moves the fake clock behind Now by d, the one clock the store
	// and its backend go by. It is nil when the backend keeps real time
	// (Redis); TTL is used then.
	Advance func(d time.Duration)
	// AdvanceStore moves Now forward by d, but not the backend's own clock
	// (see BackendNow): for a RedisStore, Now is a fake clock given to
	// WithRedisClock. The store then tells live sessions from ended ones
	// by Now, while the backend keeps expiring keys in real time. It is
	// nil when Advance is set. The Sessions cases need one of the two.
	AdvanceStore func(d time.Duration)
	// BackendNow reads the clock the backend expires keys by, which TTL and
	// SessionTTLs count down against. Nil means Now.
	BackendNow func() time.Time
	// TTL returns the remaining life of an entry and whether it exists; a
	// negative duration means an entry without an expiry. id is ignored for
	// simplejwt.RevokeUser. It is nil when the store has no such notion
	// (memory); Advance is used then.
	TTL func(kind simplejwt.RevocationKind, user, id string) (time.Duration, bool)
	// SessionTTLs returns the remaining life of every backend key that
	// holds user's sessions, present or not. It is nil when the store has
	// no such notion (memory).
	SessionTTLs func(user string) []KeyTTL
	// SessionsHeld returns how many sessions the backend holds for user,
	// live or ended but not yet dropped. A harness may count every user's
	// sessions and entries (the memory harness answers MemoryStore.Len):
	// the cases call it only while user is the only one with sessions and
	// no revocation is recorded. A harness whose backend keeps a user's
	// sessions in several structures (Redis: a sorted set and a hash)
	// fails the test when their counts differ. It must be set when Store
	// implements simplejwt.SessionStore.
	SessionsHeld func(user string) int
}

// KeyTTL is the remaining life of one backend key.
type KeyTTL struct {
	Key    string
	Exists bool
	// TTL is the key's remaining life; negative for a key without expiry.
	TTL time.Duration
}

// TTLSlack is how far a TTL may stray outside the window the suite
// computes from Now before and after asking for it: the millisecond
// rounding of Redis on both ends, plus room for the backend's clock to
// differ a little from Now.
const TTLSlack = 10 * time.Millisecond

// Secret is the HMAC key of the Auths the suite builds.
var Secret = []byte("storetest-secret-0123456789abcdef-0123456789")

// RevokedAccessBody is the body the middleware answers for a revoked access
// token under the default settings: SimpleJWT's "Given token not valid for
// any token type" with the message "Token is blacklisted".
const RevokedAccessBody = `{"detail":"Given token not valid for any token type","code":"token_not_valid",` +
	`"messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is blacklisted"}]}`

// RevokedAccessChallenge is the WWW-Authenticate header sent with
// RevokedAccessBody.
const RevokedAccessChallenge = `Bearer realm="api", error="invalid_token", error_description="Token is blacklisted"`

// UnavailableBody is the body of the middleware's 503 answer when the store
// fails (fail-closed).
const UnavailableBody = `{"detail":"Token revocation state is unavailable","code":"revocation_unavailable"}`

// Run runs the conformance cases, each as a subtest with its own harness
// from newHarness.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, h *Harness)
	}{
		{"RevokeLookup/Token", testRevokeToken},
		{"RevokeLookup/Session", testRevokeSession},
		{"RevokeLookup/Cutoff", testRevokeCutoff},
		{"RevokeLookup/Together", testRevokeTogether},
		{"Expiry/Token", func(t *testing.T, h *Harness) { testExpiry(t, h, simplejwt.RevokeToken) }},
		{"Expiry/Session", func(t *testing.T, h *Harness) { testExpiry(t, h, simplejwt.RevokeSession) }},
		{"Expiry/Cutoff", func(t *testing.T, h *Harness) { testExpiry(t, h, simplejwt.RevokeUser) }},
		{"SlidingRevokedUntilRefreshExp", testSliding},
		{"RefreshSessionRevokesAccess", testRefreshSession},
		{"CutoffThroughMiddleware", testCutoffMiddleware},
		{"KeepsLaterUntil", testKeepsLaterUntil},
		{"ExtendsUntil", testExtendsUntil},
		{"KeepsLaterCutoff", testKeepsLaterCutoff},
		{"PastUntilIsNoop", testPastUntil},
		{"Consume/FirstWins", testConsumeFirstWins},
		{"Consume/AfterRevoke", testConsumeAfterRevoke},
		{"Consume/RevokeAfterConsume", testRevokeAfterConsume},
		{"Consume/PastUntil", testConsumePastUntil},
		{"Consume/Concurrent", testConsumeConcurrent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, checkHarness(t, newHarness(t)))
		})
	}
	t.Run("Sessions", func(t *testing.T) { runSessions(t, newHarness) })
}

// checkHarness fails t when h lacks what every case needs, and returns h.
func checkHarness(t *testing.T, h *Harness) *Harness {
	t.Helper()
	if h == nil || h.Store == nil || h.Now == nil {
		t.Fatal("storetest: harness without Store or Now")
	}
	if h.Advance == nil && h.TTL == nil {
		t.Fatal("storetest: harness needs Advance or TTL to check expiry")
	}
	return h
}

// backendNow reads the clock the backend expires keys by.
func (h *Harness) backendNow() time.Time {
	if h.BackendNow != nil {
		return h.BackendNow()
	}
	return h.Now()
}

// entry names one entry of a store.
type entry struct {
	kind simplejwt.RevocationKind
	user string
	id   string
}

// probeJTI is a jti no case revokes, used to look up sessions and cutoffs.
const probeJTI = "storetest-probe-jti"

// ms returns t truncated to the millisecond, the precision every store
// keeps.
func ms(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

func lookup(t *testing.T, h *Harness, ref simplejwt.TokenRef) simplejwt.Status {
	t.Helper()
	st, err := h.Store.Lookup(context.Background(), ref)
	if err != nil {
		t.Fatalf("Lookup(%+v): %v", ref, err)
	}
	return st
}

func revoke(t *testing.T, h *Harness, revs ...simplejwt.Revocation) {
	t.Helper()
	if err := h.Store.Revoke(context.Background(), revs...); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
}

func consume(t *testing.T, h *Harness, ref simplejwt.TokenRef, at, until time.Time) (bool, time.Time) {
	t.Helper()
	first, firstAt, err := h.Store.Consume(context.Background(), ref, at, until)
	if err != nil {
		t.Fatalf("Consume(%+v): %v", ref, err)
	}
	return first, firstAt
}

// expectStatus looks ref up and compares every field of the answer.
func expectStatus(t *testing.T, h *Harness, ref simplejwt.TokenRef, want simplejwt.Status) {
	t.Helper()
	got := lookup(t, h, ref)
	if got.TokenRevoked != want.TokenRevoked || got.SessionRevoked != want.SessionRevoked || !got.Cutoff.Equal(want.Cutoff) {
		t.Errorf("Lookup(%+v) = %+v, want %+v", ref, got, want)
	}
}

// live reports whether e is in effect.
func live(t *testing.T, h *Harness, e entry) bool {
	t.Helper()
	switch e.kind {
	case simplejwt.RevokeToken:
		return lookup(t, h, simplejwt.TokenRef{UserID: e.user, TokenID: e.id}).TokenRevoked
	case simplejwt.RevokeSession:
		return lookup(t, h, simplejwt.TokenRef{UserID: e.user, TokenID: probeJTI, SessionID: e.id}).SessionRevoked
	default:
		return !lookup(t, h, simplejwt.TokenRef{UserID: e.user, TokenID: probeJTI}).Cutoff.IsZero()
	}
}

// expectExpiry checks that every entry is live and expires at an instant in
// [lo, hi]: with Advance, that it is live at lo-1ns and gone at hi; with
// TTL, that its remaining life fits the window measured around the call.
func expectExpiry(t *testing.T, h *Harness, lo, hi time.Time, entries ...entry) {
	t.Helper()
	for _, e := range entries {
		if !live(t, h, e) {
			t.Fatalf("%+v is not in effect before its expiry", e)
		}
	}
	if h.TTL != nil {
		for _, e := range entries {
			before := h.backendNow()
			ttl, ok := h.TTL(e.kind, e.user, e.id)
			after := h.backendNow()
			if !ok {
				t.Fatalf("%+v: no entry in the backend", e)
			}
			if ttl < 0 {
				t.Fatalf("%+v: entry has no expiry", e)
			}
			least, most := lo.Sub(after)-TTLSlack, hi.Sub(before)+TTLSlack
			if ttl < least || ttl > most {
				t.Errorf("%+v: TTL %v, want within [%v, %v] (expiry in [%v, %v])", e, ttl, least, most, lo, hi)
			}
		}
	}
	if h.Advance != nil {
		h.Advance(lo.Sub(h.Now()) - time.Nanosecond)
		for _, e := range entries {
			if !live(t, h, e) {
				t.Errorf("%+v: gone at %v, 1ns before its expiry", e, h.Now())
			}
		}
		h.Advance(hi.Sub(h.Now()))
		for _, e := range entries {
			if live(t, h, e) {
				t.Errorf("%+v: still in effect at its expiry %v", e, h.Now())
			}
		}
	}
}

// expectAbsent checks that the backend holds no entry e, as far as the
// harness can tell.
func expectAbsent(t *testing.T, h *Harness, e entry) {
	t.Helper()
	if live(t, h, e) {
		t.Errorf("%+v is in effect, want no entry", e)
	}
	if h.TTL != nil {
		if ttl, ok := h.TTL(e.kind, e.user, e.id); ok {
			t.Errorf("%+v: backend holds an entry (TTL %v), want none", e, ttl)
		}
	}
}

func testRevokeToken(t *testing.T, h *Harness) {
	until := h.Now().Add(time.Hour)
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: until})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}, simplejwt.Status{TokenRevoked: true})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1", SessionID: "s1"}, simplejwt.Status{TokenRevoked: true})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j2"}, simplejwt.Status{})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u2", TokenID: "j1"}, simplejwt.Status{})
}

func testRevokeSession(t *testing.T, h *Harness) {
	until := h.Now().Add(time.Hour)
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: "u1", ID: "s1", Until: until})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1", SessionID: "s1"}, simplejwt.Status{SessionRevoked: true})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j2", SessionID: "s1"}, simplejwt.Status{SessionRevoked: true})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}, simplejwt.Status{})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1", SessionID: "s2"}, simplejwt.Status{})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u2", TokenID: "j1", SessionID: "s1"}, simplejwt.Status{})
	// A session id is not a jti.
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "s1"}, simplejwt.Status{})
}

func testRevokeCutoff(t *testing.T, h *Harness) {
	now := h.Now()
	cutoff := ms(now.Add(-time.Minute))
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u1", Cutoff: cutoff, Until: now.Add(time.Hour)})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}, simplejwt.Status{Cutoff: cutoff})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j2", SessionID: "s1"}, simplejwt.Status{Cutoff: cutoff})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u2", TokenID: "j1"}, simplejwt.Status{})
}

func testRevokeTogether(t *testing.T, h *Harness) {
	now := h.Now()
	cutoff := ms(now)
	until := now.Add(time.Hour)
	revoke(t, h,
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: "u1", ID: "s1", Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u1", Cutoff: cutoff, Until: until},
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u3", ID: "j3", Until: until},
	)
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1", SessionID: "s1"},
		simplejwt.Status{TokenRevoked: true, SessionRevoked: true, Cutoff: cutoff})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j2", SessionID: "s2"}, simplejwt.Status{Cutoff: cutoff})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u2", TokenID: "j1", SessionID: "s1"}, simplejwt.Status{})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u3", TokenID: "j3"}, simplejwt.Status{TokenRevoked: true})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u3", TokenID: "j1", SessionID: "s1"}, simplejwt.Status{})
}

func testExpiry(t *testing.T, h *Harness, kind simplejwt.RevocationKind) {
	now := h.Now()
	until := now.Add(90 * time.Second)
	r := simplejwt.Revocation{Kind: kind, UserID: "u1", ID: "x1", Until: until}
	e := entry{kind, "u1", "x1"}
	if kind == simplejwt.RevokeUser {
		r.ID, e.id = "", ""
		r.Cutoff = ms(now)
	}
	revoke(t, h, r)
	expectExpiry(t, h, until, until, e)
}

// testSliding revokes a sliding token through an Auth: its jti and session
// entries must live until refresh_exp, when no renewal of it can be used
// any more, not merely until exp.
func testSliding(t *testing.T, h *Harness) {
	ctx := context.Background()
	a := newAuth(t, h, h.Now)
	tok, err := a.ObtainSliding(ctx, simplejwt.User{ID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.SessionID == "" || !c.RefreshExpiresAt.After(c.ExpiresAt.Add(time.Hour)) {
		t.Fatalf("sliding claims: session %q, exp %v, refresh_exp %v", c.SessionID, c.ExpiresAt, c.RefreshExpiresAt)
	}
	if err := a.Blacklist(ctx, tok); err != nil {
		t.Fatalf("Blacklist: %v", err)
	}
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: c.ID, SessionID: c.SessionID},
		simplejwt.Status{TokenRevoked: true, SessionRevoked: true})
	// exp is a day earlier than refresh_exp: a window around refresh_exp
	// tells the two apart.
	expectExpiry(t, h, c.RefreshExpiresAt, c.RefreshExpiresAt,
		entry{simplejwt.RevokeToken, "u1", c.ID},
		entry{simplejwt.RevokeSession, "u1", c.SessionID})
}

// testRefreshSession blacklists the refresh token of one login: that
// login's access token is refused at once, another login's is not, and the
// session entry lives until the last token of the session could expire:
// the refresh token's exp plus one access lifetime.
func testRefreshSession(t *testing.T, h *Harness) {
	ctx := context.Background()
	a := newAuth(t, h, h.Now)
	p1, err := a.ObtainPair(ctx, simplejwt.User{ID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := a.ObtainPair(ctx, simplejwt.User{ID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := a.Verify(ctx, p1.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Blacklist(ctx, p1.Refresh); err != nil {
		t.Fatalf("Blacklist: %v", err)
	}
	if _, err := a.Verify(ctx, p1.Access); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Fatalf("access token of the blacklisted login: %v, want ErrTokenRevoked", err)
	}
	if _, err := a.Verify(ctx, p2.Access); err != nil {
		t.Fatalf("access token of another login: %v", err)
	}
	// The earlier expiry first: on a fake clock each check moves time on.
	expectExpiry(t, h, rc.ExpiresAt, rc.ExpiresAt, entry{simplejwt.RevokeToken, "u1", rc.ID})
	end := rc.ExpiresAt.Add(5 * time.Minute)
	expectExpiry(t, h, end, end, entry{simplejwt.RevokeSession, "u1", rc.SessionID})
}

// testCutoffMiddleware logs a user out everywhere: through the middleware
// their tokens issued before are refused, tokens issued after and other
// users' tokens are accepted. The Auth's clock runs ahead of h.Now by a
// shift, so that whole-second iat values can fall on both sides of the
// cutoff without waiting.
func testCutoffMiddleware(t *testing.T, h *Harness) {
	ctx := context.Background()
	var shift atomic.Int64
	clock := func() time.Time { return h.Now().Add(time.Duration(shift.Load())) }
	a := newAuth(t, h, clock)
	handler := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := simplejwt.ClaimsFrom(r.Context())
		if !ok {
			http.Error(w, "no claims", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "hello "+c.UserID)
	}))

	old1, err := a.ObtainPair(ctx, simplejwt.User{ID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	old2, err := a.ObtainPair(ctx, simplejwt.User{ID: "u2"})
	if err != nil {
		t.Fatal(err)
	}
	expectOK(t, handler, old1.Access, "hello u1")

	shift.Store(int64(time.Second))
	if err := a.LogoutAll(ctx, "u1"); err != nil {
		t.Fatalf("LogoutAll: %v", err)
	}
	shift.Store(int64(3 * time.Second))
	new1, err := a.ObtainPair(ctx, simplejwt.User{ID: "u1"})
	if err != nil {
		t.Fatal(err)
	}

	expectRevoked(t, handler, old1.Access)
	expectOK(t, handler, new1.Access, "hello u1")
	expectOK(t, handler, old2.Access, "hello u2")
	if _, err := a.Refresh(ctx, old1.Refresh); !errors.Is(err, simplejwt.ErrTokenRevoked) {
		t.Errorf("Refresh with a refresh token issued before the cutoff: %v, want ErrTokenRevoked", err)
	}
}

func testKeepsLaterUntil(t *testing.T, h *Harness) {
	now := h.Now()
	early, late := now.Add(time.Minute), now.Add(2*time.Hour)
	for _, kind := range []simplejwt.RevocationKind{simplejwt.RevokeToken, simplejwt.RevokeSession, simplejwt.RevokeUser} {
		revoke(t, h, simplejwt.Revocation{Kind: kind, UserID: "u1", ID: kindID(kind), Cutoff: ms(now), Until: late})
		revoke(t, h, simplejwt.Revocation{Kind: kind, UserID: "u1", ID: kindID(kind), Cutoff: ms(now), Until: early})
	}
	expectExpiry(t, h, late, late,
		entry{simplejwt.RevokeToken, "u1", "j1"},
		entry{simplejwt.RevokeSession, "u1", "s1"},
		entry{simplejwt.RevokeUser, "u1", ""})
}

func testExtendsUntil(t *testing.T, h *Harness) {
	now := h.Now()
	early, late := now.Add(time.Minute), now.Add(2*time.Hour)
	for _, kind := range []simplejwt.RevocationKind{simplejwt.RevokeToken, simplejwt.RevokeSession, simplejwt.RevokeUser} {
		revoke(t, h, simplejwt.Revocation{Kind: kind, UserID: "u1", ID: kindID(kind), Cutoff: ms(now), Until: early})
		revoke(t, h, simplejwt.Revocation{Kind: kind, UserID: "u1", ID: kindID(kind), Cutoff: ms(now), Until: late})
	}
	expectExpiry(t, h, late, late,
		entry{simplejwt.RevokeToken, "u1", "j1"},
		entry{simplejwt.RevokeSession, "u1", "s1"},
		entry{simplejwt.RevokeUser, "u1", ""})
}

func kindID(kind simplejwt.RevocationKind) string {
	switch kind {
	case simplejwt.RevokeToken:
		return "j1"
	case simplejwt.RevokeSession:
		return "s1"
	}
	return ""
}

// testKeepsLaterCutoff checks that the later cutoff and the later expiry
// are kept independently of each other, in either order.
func testKeepsLaterCutoff(t *testing.T, h *Harness) {
	now := h.Now()
	c1, c2 := ms(now.Add(-time.Hour)), ms(now.Add(-time.Minute))
	u1, u2 := now.Add(time.Hour), now.Add(3*time.Hour)
	// u1: the later cutoff comes first, with the earlier expiry.
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u1", Cutoff: c2, Until: u1})
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u1", Cutoff: c1, Until: u2})
	// u2: the earlier cutoff comes first, with the later expiry.
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u2", Cutoff: c1, Until: u2})
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u2", Cutoff: c2, Until: u1})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}, simplejwt.Status{Cutoff: c2})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u2", TokenID: "j1"}, simplejwt.Status{Cutoff: c2})
	expectExpiry(t, h, u2, u2, entry{simplejwt.RevokeUser, "u1", ""}, entry{simplejwt.RevokeUser, "u2", ""})
}

func testPastUntil(t *testing.T, h *Harness) {
	now := h.Now()
	revoke(t, h,
		simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: now.Add(-time.Second)},
		simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: "u1", ID: "s1", Until: now},
		simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: "u1", Cutoff: ms(now), Until: now.Add(-time.Millisecond)},
	)
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j1", SessionID: "s1"}, simplejwt.Status{})
	expectAbsent(t, h, entry{simplejwt.RevokeToken, "u1", "j1"})
	expectAbsent(t, h, entry{simplejwt.RevokeSession, "u1", "s1"})
	expectAbsent(t, h, entry{simplejwt.RevokeUser, "u1", ""})

	// Nor does a past Until shorten or remove a live entry.
	until := now.Add(time.Hour)
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j2", Until: until})
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j2", Until: now.Add(-time.Second)})
	expectExpiry(t, h, until, until, entry{simplejwt.RevokeToken, "u1", "j2"})
}

func testConsumeFirstWins(t *testing.T, h *Harness) {
	now := h.Now()
	ref := simplejwt.TokenRef{UserID: "u1", TokenID: "j1", SessionID: "s1"}
	at1, at2 := ms(now), ms(now.Add(time.Second))
	until := now.Add(time.Hour)
	if first, firstAt := consume(t, h, ref, at1, until); !first || !firstAt.IsZero() {
		t.Fatalf("first Consume = %v, %v; want true, zero time", first, firstAt)
	}
	if first, firstAt := consume(t, h, ref, at2, until.Add(time.Hour)); first || !firstAt.Equal(at1) {
		t.Fatalf("second Consume = %v, %v; want false, %v", first, firstAt, at1)
	}
	// A consumed token is no longer usable; its session is untouched. The
	// second Consume did not extend the entry.
	expectStatus(t, h, ref, simplejwt.Status{TokenRevoked: true})
	expectStatus(t, h, simplejwt.TokenRef{UserID: "u1", TokenID: "j2", SessionID: "s1"}, simplejwt.Status{})
	expectExpiry(t, h, until, until, entry{simplejwt.RevokeToken, "u1", "j1"})
}

func testConsumeAfterRevoke(t *testing.T, h *Harness) {
	now := h.Now()
	ref := simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: now.Add(time.Hour)})
	if first, firstAt := consume(t, h, ref, ms(now), now.Add(time.Hour)); first || !firstAt.IsZero() {
		t.Fatalf("Consume of a revoked token = %v, %v; want false, zero time", first, firstAt)
	}
}

// testRevokeAfterConsume revokes a consumed token with an earlier Until:
// the entry becomes a revocation (Consume reports no time any more) and
// keeps its later expiry.
func testRevokeAfterConsume(t *testing.T, h *Harness) {
	now := h.Now()
	ref := simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}
	until := now.Add(2 * time.Hour)
	if first, _ := consume(t, h, ref, ms(now), until); !first {
		t.Fatal("first Consume was not first")
	}
	revoke(t, h, simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: "u1", ID: "j1", Until: now.Add(time.Hour)})
	if first, firstAt := consume(t, h, ref, ms(now.Add(time.Second)), until); first || !firstAt.IsZero() {
		t.Fatalf("Consume after Revoke = %v, %v; want false, zero time", first, firstAt)
	}
	expectExpiry(t, h, until, until, entry{simplejwt.RevokeToken, "u1", "j1"})
}

// testConsumePastUntil consumes with an Until already past: the entry still
// lives for one second, so that a concurrent second use is refused.
func testConsumePastUntil(t *testing.T, h *Harness) {
	ref := simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}
	before := h.Now()
	if first, _ := consume(t, h, ref, ms(before), before.Add(-time.Minute)); !first {
		t.Fatal("Consume was not first")
	}
	after := h.Now()
	expectExpiry(t, h, before.Add(time.Second), after.Add(time.Second), entry{simplejwt.RevokeToken, "u1", "j1"})
}

// testConsumeConcurrent races many consumers of one token: exactly one
// wins, and every other one reports the time the winner recorded.
func testConsumeConcurrent(t *testing.T, h *Harness) {
	const n = 64
	now := h.Now()
	ref := simplejwt.TokenRef{UserID: "u1", TokenID: "j1"}
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		firsts  atomic.Int32
		mu      sync.Mutex
		winner  time.Time
		reports []time.Time
		errs    []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := ms(now).Add(time.Duration(i) * time.Millisecond)
			<-start
			first, firstAt, err := h.Store.Consume(context.Background(), ref, at, now.Add(time.Hour))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case first:
				firsts.Add(1)
				winner = at
			default:
				reports = append(reports, firstAt)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d Consume calls failed, first: %v", len(errs), n, errs[0])
	}
	if got := firsts.Load(); got != 1 {
		t.Fatalf("%d of %d concurrent Consume calls were first, want exactly 1", got, n)
	}
	if len(reports) != n-1 {
		t.Fatalf("%d losers, want %d", len(reports), n-1)
	}
	for _, at := range reports {
		if !at.Equal(winner) {
			t.Errorf("a loser reported %v, want the winner's %v", at, winner)
		}
	}
}

func newAuth(t *testing.T, h *Harness, clock func() time.Time) *simplejwt.Auth {
	t.Helper()
	a, err := simplejwt.New(
		simplejwt.WithHMACSecret(Secret),
		simplejwt.WithStore(h.Store),
		simplejwt.WithClock(clock),
	)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func serve(handler http.Handler, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec
}

func expectOK(t *testing.T, handler http.Handler, token, body string) {
	t.Helper()
	rec := serve(handler, token)
	if rec.Code != http.StatusOK || rec.Body.String() != body {
		t.Errorf("got %d %q, want 200 %q", rec.Code, rec.Body.String(), body)
	}
}

func expectRevoked(t *testing.T, handler http.Handler, token string) {
	t.Helper()
	rec := serve(handler, token)
	if rec.Code != http.StatusUnauthorized || rec.Body.String() != RevokedAccessBody {
		t.Errorf("got %d %s, want 401 %s", rec.Code, rec.Body.String(), RevokedAccessBody)
	}
	if got := rec.Header().Get("WWW-Authenticate"); got != RevokedAccessChallenge {
		t.Errorf("WWW-Authenticate = %q, want %q", got, RevokedAccessChallenge)
	}
}
