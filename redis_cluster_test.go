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
			return rdsHarness(t, client, simplejwt.WithRedisTimeout(2*time.Second))
		})
	})

	t.Run("OneSlotPerUser", func(t *testing.T) {
		s, prefix := rdsNewStore(t, client, simplejwt.WithRedisTimeout(2*time.Second))
		until := time.Now().Add(time.Hour)
		slots := map[int64]bool{}
		for i := range 20 {
			user := "user" + strconv.Itoa(i)
			keys := []string{
				rdsKey(prefix, simplejwt.RevokeToken, user, "j1"),
				rdsKey(prefix, simplejwt.RevokeSession, user, "s1"),
				rdsKey(prefix, simplejwt.RevokeUser, user, ""),
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
		}
	})

	t.Run("Middleware", func(t *testing.T) {
		s, _ := rdsNewStore(t, client, simplejwt.WithRedisTimeout(2*time.Second))
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
