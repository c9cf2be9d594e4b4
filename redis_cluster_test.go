package simplejwt_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosimplejwt/simplejwt"
	"github.com/gosimplejwt/simplejwt/internal/redistest"
	"github.com/gosimplejwt/simplejwt/internal/storetest"
)

// TestRedisCluster runs the store against a three-node Redis Cluster,
// started once for all its subtests.
func TestRedisCluster(t *testing.T) {
	cluster := redistest.NewCluster(t, 3)
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { client.Close() })
	ctx := context.Background()
	// Load the slot map and reach every master before timing anything.
	if err := client.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	}); err != nil {
		t.Fatal(err)
	}

	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *storetest.Harness {
			return rdsHarness(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
		})
	})

	t.Run("OneSlotPerUser", func(t *testing.T) {
		s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
		until := time.Now().Add(time.Hour)
		slots := map[int64]bool{}
		for i := range 20 {
			user := "user" + strconv.Itoa(i)
			sessionKeys := rdsSessionKeys(prefix, user)
			keys := []string{
				rdsKey(prefix, simplejwt.RevokeToken, user, "j1"),
				rdsKey(prefix, simplejwt.RevokeSession, user, "s1"),
				rdsKey(prefix, simplejwt.RevokeUser, user, ""),
				sessionKeys[0],
				sessionKeys[1],
			}
			var slot int64 = -1
			for _, key := range keys {
				got, err := client.ClusterKeySlot(ctx, key).Result()
				if err != nil {
					t.Fatal(err)
				}
				if slot >= 0 && got != slot {
					t.Errorf("user %s: %s is in slot %d, the user's other keys in %d", user, key, got, slot)
				}
				slot = got
			}
			slots[slot] = true
			// All three at once: one pipeline, then one MGET of three
			// keys, which Redis Cluster refuses across slots.
			err := s.Revoke(ctx,
				simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: user, ID: "j1", Until: until},
				simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: user, ID: "s1", Until: until},
				simplejwt.Revocation{Kind: simplejwt.RevokeUser, UserID: user, Cutoff: time.Now(), Until: until},
			)
			if err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			st, err := s.Lookup(ctx, simplejwt.TokenRef{UserID: user, TokenID: "j1", SessionID: "s1"})
			if err != nil || !st.TokenRevoked || !st.SessionRevoked || st.Cutoff.IsZero() {
				t.Errorf("user %s: Lookup = %+v, %v; want all three revoked", user, st, err)
			}
			// Each session call is one script on both session keys,
			// which Redis Cluster refuses across slots.
			rdsClusterSessions(t, s, user, until)
		}
		if len(slots) < 2 {
			t.Errorf("20 users share %d slot(s): the hash tag is not the user id", len(slots))
		}
		// Awkward user ids keep one slot too: the encoding keeps the tag
		// non-empty and closed by the store's own brace.
		for _, user := range []string{"", "a}b", "{x", "%"} {
			err := s.Revoke(ctx,
				simplejwt.Revocation{Kind: simplejwt.RevokeToken, UserID: user, ID: "j1", Until: until},
				simplejwt.Revocation{Kind: simplejwt.RevokeSession, UserID: user, ID: "s1", Until: until},
			)
			if err != nil {
				t.Fatalf("user %q: Revoke: %v", user, err)
			}
			st, err := s.Lookup(ctx, simplejwt.TokenRef{UserID: user, TokenID: "j1", SessionID: "s1"})
			if err != nil || !st.TokenRevoked || !st.SessionRevoked {
				t.Errorf("user %q: Lookup = %+v, %v; want token and session revoked", user, st, err)
			}
			rdsClusterSessions(t, s, user, until)
		}
	})

	t.Run("SessionRoundTrips", func(t *testing.T) {
		s, _ := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
		until := time.Now().Add(time.Hour)
		if err := redistest.ResetStats(ctx, client); err != nil {
			t.Fatal(err)
		}
		const users = 10
		for i := range users {
			rdsClusterSessions(t, s, "user"+strconv.Itoa(i), until)
		}
		stats, err := redistest.CommandStats(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		// Per user: TouchSession, Sessions, ForgetSession, Sessions.
		if stats["eval"] != 4*users || stats["evalsha"] != 0 {
			t.Errorf("commands %v, want %d EVAL (four calls for each of %d users) and no EVALSHA", stats, 4*users, users)
		}
	})

	t.Run("Middleware", func(t *testing.T) {
		s, _ := rdsNewStore(t, client, simplejwt.WithRedisTimeout(rdsTimeout))
		a := rdsAuth(t, s)
		h := rdsHandler(a)
		pairs := map[string]simplejwt.Pair{}
		for _, user := range []string{"1", "2", "3", "4"} {
			p, err := a.ObtainPair(ctx, simplejwt.User{ID: user})
			if err != nil {
				t.Fatal(err)
			}
			pairs[user] = p
			rdsExpect(t, rdsGet(h, p.Access), http.StatusOK, "user="+user)
		}
		if err := a.Blacklist(ctx, pairs["2"].Refresh); err != nil {
			t.Fatalf("Blacklist: %v", err)
		}
		if err := a.Revoke(ctx, rdsClaims(t, a, pairs["3"].Access)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		for user, code := range map[string]int{"1": http.StatusOK, "2": http.StatusUnauthorized, "3": http.StatusUnauthorized, "4": http.StatusOK} {
			body := "user=" + user
			if code != http.StatusOK {
				body = storetest.RevokedAccessBody
			}
			rdsExpect(t, rdsGet(h, pairs[user].Access), code, body)
		}
	})
}

// rdsClusterSessions touches, lists and forgets one session of user.
func rdsClusterSessions(t *testing.T, s *simplejwt.RedisStore, user string, until time.Time) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	if err := s.TouchSession(ctx, simplejwt.Session{ID: "s1", UserID: user, Created: now, LastRefreshed: now, Expires: until}); err != nil {
		t.Fatalf("user %q: TouchSession: %v", user, err)
	}
	if list, err := s.Sessions(ctx, user); err != nil || len(list) != 1 || list[0].ID != "s1" {
		t.Errorf("user %q: Sessions = %+v, %v; want s1", user, list, err)
	}
	if err := s.ForgetSession(ctx, user, "s1"); err != nil {
		t.Fatalf("user %q: ForgetSession: %v", user, err)
	}
	if list, err := s.Sessions(ctx, user); err != nil || len(list) != 0 {
		t.Errorf("user %q: Sessions after ForgetSession = %+v, %v; want none", user, list, err)
	}
}
