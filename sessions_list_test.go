package simplejwt_test

import (
	"context"
	"testing"
	"time"
)

// TestSessionList: two logins are listed; revoking one by id kills its
// tokens and drops it from the list.
func TestSessionList(t *testing.T) {
	for _, st := range sessStores {
		t.Run(st.name, func(t *testing.T) {
			a, clock, h := sessAuth(t, st)
			ctx := context.Background()
			access1, refresh1 := sessLogin(t, h)
			clock.Advance(time.Second)
			access2, _ := sessLogin(t, h)
			clock.Advance(time.Second)
			if rec, _, _ := sessRefresh(h, refresh1); rec.Code != 200 {
				t.Fatalf("refresh: %d", rec.Code)
			}
			list, err := a.Sessions(ctx, "1")
			if err != nil {
				t.Fatal(err)
			}
			c1, _ := a.Verify(ctx, access1)
			c2, _ := a.Verify(ctx, access2)
			if len(list) != 2 || list[0].ID != c1.SessionID || list[1].ID != c2.SessionID {
				t.Fatalf("sessions %+v, want %s then %s", list, c1.SessionID, c2.SessionID)
			}
			start := clock.Now().Add(-2 * time.Second)
			if !list[0].Created.Equal(start) || !list[0].LastRefreshed.Equal(start.Add(2*time.Second)) ||
				!list[0].Expires.Equal(start.Add(2*time.Second+24*time.Hour+5*time.Minute)) {
				t.Errorf("session 1: %+v", list[0])
			}
			if err := a.RevokeSession(ctx, "1", c2.SessionID); err != nil {
				t.Fatal(err)
			}
			if sessWhoami(h, access2) != 401 || sessWhoami(h, access1) != 200 {
				t.Fatal("RevokeSession did not revoke exactly its session")
			}
			if list, _ := a.Sessions(ctx, "1"); len(list) != 1 || list[0].ID != c1.SessionID {
				t.Fatalf("sessions after revoking one: %+v", list)
			}
			if err := a.LogoutAll(ctx, "1"); err != nil {
				t.Fatal(err)
			}
			if list, _ := a.Sessions(ctx, "1"); len(list) != 0 {
				t.Fatalf("sessions after log out everywhere: %+v", list)
			}
		})
	}
}
