package simplejwt

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// tokenCache remembers tokens whose signature and claims were verified, so
// that the next request with the same token skips decoding and signature
// checking. It is keyed on the whole token, signature included: a token
// that differs in any byte is a different key and is verified in full.
// Time, type and revocation checks still run on every request; an entry is
// never used at or after its token's exp.
//
// It is split into shards, each a map plus a CLOCK ring of fixed size, so
// memory is bounded by the configured number of entries and concurrent
// readers on different shards do not contend.
type tokenCache struct {
	seed   maphash.Seed
	shards []cacheShard
}

type cacheShard struct {
	mu    sync.RWMutex
	index map[string]int
	slots []cacheSlot
	hand  int
	cap   int
}

type cacheSlot struct {
	token  string
	claims *Claims
	used   atomic.Bool
}

const cacheShards = 16

func newTokenCache(entries int) *tokenCache {
	if entries <= 0 {
		return nil
	}
	per := max(1, (entries+cacheShards-1)/cacheShards)
	c := &tokenCache{seed: maphash.MakeSeed(), shards: make([]cacheShard, cacheShards)}
	for i := range c.shards {
		c.shards[i] = cacheShard{index: make(map[string]int, per), cap: per}
	}
	return c
}

func (c *tokenCache) shard(token string) *cacheShard {
	return &c.shards[maphash.String(c.seed, token)%cacheShards]
}

// get returns a copy of the claims cached for token, if any and if the
// token has not expired at now.
func (c *tokenCache) get(token string, now time.Time) (*Claims, bool) {
	s := c.shard(token)
	s.mu.RLock()
	i, ok := s.index[token]
	var cached *Claims
	if ok {
		slot := &s.slots[i]
		cached = slot.claims
		// Reading first keeps a hot entry's cache line shared between cores.
		if !slot.used.Load() {
			slot.used.Store(true)
		}
	}
	s.mu.RUnlock()
	if !ok || !now.Before(cached.ExpiresAt) {
		return nil, false
	}
	// Handlers get their own copy; the cached one stays as verified.
	cp := *cached
	return &cp, true
}

// put caches the claims of a verified token, evicting with CLOCK when the
// shard is full: expired entries and entries unused since the hand last
// passed go first.
func (c *tokenCache) put(token string, claims *Claims, now time.Time) {
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.index[token]; ok {
		return
	}
	if len(s.slots) < s.cap {
		s.slots = append(s.slots, cacheSlot{token: token, claims: claims})
		s.index[token] = len(s.slots) - 1
		return
	}
	for {
		slot := &s.slots[s.hand]
		if slot.used.Load() && now.Before(slot.claims.ExpiresAt) {
			slot.used.Store(false)
			s.hand = (s.hand + 1) % len(s.slots)
			continue
		}
		delete(s.index, slot.token)
		slot.token, slot.claims = token, claims
		slot.used.Store(false)
		s.index[token] = s.hand
		s.hand = (s.hand + 1) % len(s.slots)
		return
	}
}

// len returns the number of cached tokens.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.index)
		s.mu.RUnlock()
	}
	return n
}
