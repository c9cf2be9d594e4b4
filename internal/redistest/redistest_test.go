package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestServerSetGet(t *testing.T) {
	s := New(t)
	ctx := testContext(t)

	if s.Addr != "127.0.0.1:"+strconv.Itoa(s.Port) {
		t.Fatalf("Addr = %q, Port = %d", s.Addr, s.Port)
	}
	if s.Port == 6379 {
		t.Fatalf("private server must not use the shared port 6379")
	}
	if want := "redis://" + s.Addr + "/0"; s.URL() != want {
		t.Fatalf("URL() = %q, want %q", s.URL(), want)
	}
	if s.PID() <= 0 {
		t.Fatalf("PID() = %d", s.PID())
	}

	c := s.Client()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	got, err := c.Get(ctx, "k").Result()
	if err != nil || got != "v" {
		t.Fatalf("GET = %q, %v; want \"v\"", got, err)
	}

	// The client really talks to the process we started.
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		t.Fatalf("INFO: %v", err)
	}
	if pid := infoFields(info)["process_id"]; pid != strconv.Itoa(s.PID()) {
		t.Fatalf("server process_id = %s, want %d", pid, s.PID())
	}

	// The URL form works too.
	opt, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatalf("ParseURL: %v", err)
	}
	uc := redis.NewClient(opt)
	defer uc.Close()
	if got, err := uc.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET via URL = %q, %v", got, err)
	}
}

func TestServerExtraArgs(t *testing.T) {
	s := New(t, "--maxmemory", "1mb", "--maxmemory-policy", "noeviction")
	ctx := testContext(t)
	got, err := s.Client().ConfigGet(ctx, "maxmemory").Result()
	if err != nil {
		t.Fatalf("CONFIG GET: %v", err)
	}
	if got["maxmemory"] != "1048576" {
		t.Fatalf("maxmemory = %q, want 1048576", got["maxmemory"])
	}
}

func TestCommandStats(t *testing.T) {
	s := New(t)
	ctx := testContext(t)
	c := s.Client()

	if err := c.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if err := ResetStats(ctx, c); err != nil {
		t.Fatalf("ResetStats: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := c.Get(ctx, "a").Err(); err != nil {
			t.Fatalf("GET: %v", err)
		}
	}
	stats, err := CommandStats(ctx, c)
	if err != nil {
		t.Fatalf("CommandStats: %v", err)
	}
	if stats["get"] != 3 {
		t.Fatalf("get calls = %d, want 3 (stats %v)", stats["get"], stats)
	}
	if stats["set"] != 0 {
		t.Fatalf("set calls = %d after reset, want 0 (stats %v)", stats["set"], stats)
	}
}

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\n" +
		"cmdstat_get:calls=3,usec=10,usec_per_call=3.33,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_client|setinfo:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_SET:calls=12,usec=5\r\n"
	got, err := parseCommandStats(info)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"get": 3, "client|setinfo": 2, "set": 12}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("parseCommandStats = %v, want %v", got, want)
	}
	if _, err := parseCommandStats("cmdstat_get:usec=1\r\n"); err == nil {
		t.Fatal("line without calls: want error")
	}
}

func TestKillRestart(t *testing.T) {
	s := New(t)
	ctx := testContext(t)
	c := s.Client()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	addr, oldPID := s.Addr, s.PID()

	if err := s.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if s.PID() != 0 {
		t.Fatalf("PID() after Kill = %d, want 0", s.PID())
	}
	if err := syscall.Kill(oldPID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists after Kill: %v", oldPID, err)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING after Kill succeeded")
	}
	if err := s.Kill(); err != nil {
		t.Fatalf("second Kill: %v", err)
	}

	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if s.Addr != addr {
		t.Fatalf("Addr after Restart = %q, want %q", s.Addr, addr)
	}
	if s.PID() == 0 || s.PID() == oldPID {
		t.Fatalf("PID() after Restart = %d (old %d)", s.PID(), oldPID)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
}

func TestStopCloseIdempotent(t *testing.T) {
	s := New(t)
	ctx := testContext(t)
	pid, dir := s.PID(), s.Dir()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists after Stop: %v", pid, err)
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart after Stop: %v", err)
	}
	if err := s.Client().Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	pid = s.PID()
	s.Close()
	s.Close()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d still exists after Close: %v", pid, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("temp dir %s still exists after Close: %v", dir, err)
	}
	if err := s.Restart(); err == nil {
		t.Fatal("Restart after Close succeeded")
	}
}

func TestStartFailureIncludesLog(t *testing.T) {
	if !requireBinaries(t, "redis-server") {
		return
	}
	_, err := Start("--no-such-option", "x")
	if err == nil {
		t.Fatal("Start with a bad option succeeded")
	}
	if !strings.Contains(err.Error(), "no-such-option") {
		t.Fatalf("error does not include the log tail: %v", err)
	}
}

func TestURLOrNew(t *testing.T) {
	t.Setenv("REDIS_URL", "redis://example.invalid:1/2")
	if got := URLOrNew(t); got != "redis://example.invalid:1/2" {
		t.Fatalf("URLOrNew with REDIS_URL = %q", got)
	}
	t.Setenv("REDIS_URL", "")
	u := URLOrNew(t)
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", u, err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(testContext(t)).Err(); err != nil {
		t.Fatalf("PING %s: %v", u, err)
	}
}

// fakeTB records Skip and Fatalf calls instead of stopping the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func TestRequireBinariesMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())

	t.Setenv("CI", "")
	f := &fakeTB{}
	if requireBinaries(f, "redis-server") {
		t.Fatal("requireBinaries = true with an empty PATH")
	}
	if f.failed != "" || !strings.Contains(f.skipped, "redis-server not found") {
		t.Fatalf("without CI: skipped %q, failed %q; want a skip", f.skipped, f.failed)
	}

	t.Setenv("CI", "true")
	f = &fakeTB{}
	if requireBinaries(f, "redis-server") {
		t.Fatal("requireBinaries = true with an empty PATH")
	}
	if f.skipped != "" || !strings.Contains(f.failed, "redis-server not found") {
		t.Fatalf("with CI=true: skipped %q, failed %q; want a failure", f.skipped, f.failed)
	}
}

func TestCluster(t *testing.T) {
	begin := time.Now()
	cl := NewCluster(t, 3)
	t.Logf("cluster of %d nodes ready in %v", len(cl.Nodes), time.Since(begin).Round(time.Millisecond))
	ctx := testContext(t)

	if len(cl.Addrs) != 3 || len(cl.Nodes) != 3 {
		t.Fatalf("Addrs %v, %d nodes", cl.Addrs, len(cl.Nodes))
	}
	c := cl.Client()
	if err := ResetStats(ctx, c); err != nil {
		t.Fatalf("ResetStats: %v", err)
	}
	for i := 0; i < 100; i++ {
		if err := c.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET key:%d: %v", i, err)
		}
	}

	// The keys are spread over every master.
	var total int64
	for _, s := range cl.Nodes {
		n, err := s.Client().DBSize(ctx).Result()
		if err != nil {
			t.Fatalf("DBSIZE %s: %v", s.Addr, err)
		}
		if n == 0 {
			t.Errorf("node %s holds no keys", s.Addr)
		}
		total += n
	}
	if total != 100 {
		t.Fatalf("keys over all nodes = %d, want 100", total)
	}
	stats, err := CommandStats(ctx, c)
	if err != nil {
		t.Fatalf("CommandStats: %v", err)
	}
	if stats["set"] != 100 {
		t.Fatalf("set calls over all masters = %d, want 100", stats["set"])
	}

	// Keys with the same hash tag share a slot and a node.
	slotA, err := c.ClusterKeySlot(ctx, "{user1}:a").Result()
	if err != nil {
		t.Fatalf("CLUSTER KEYSLOT: %v", err)
	}
	slotB, err := c.ClusterKeySlot(ctx, "{user1}:b").Result()
	if err != nil {
		t.Fatalf("CLUSTER KEYSLOT: %v", err)
	}
	if slotA != slotB {
		t.Fatalf("slots differ: %d vs %d", slotA, slotB)
	}
	nodeA, err := c.MasterForKey(ctx, "{user1}:a")
	if err != nil {
		t.Fatalf("MasterForKey: %v", err)
	}
	nodeB, err := c.MasterForKey(ctx, "{user1}:b")
	if err != nil {
		t.Fatalf("MasterForKey: %v", err)
	}
	if nodeA.Options().Addr != nodeB.Options().Addr {
		t.Fatalf("nodes differ: %s vs %s", nodeA.Options().Addr, nodeB.Options().Addr)
	}
	if err := c.MSet(ctx, "{user1}:a", "A", "{user1}:b", "B").Err(); err != nil {
		t.Fatalf("MSET: %v", err)
	}
	vals, err := c.MGet(ctx, "{user1}:a", "{user1}:b").Result()
	if err != nil {
		t.Fatalf("MGET: %v", err)
	}
	if len(vals) != 2 || vals[0] != "A" || vals[1] != "B" {
		t.Fatalf("MGET = %v, want [A B]", vals)
	}

	// Closing the cluster kills every node.
	pids := make([]int, len(cl.Nodes))
	for i, s := range cl.Nodes {
		pids[i] = s.PID()
	}
	cl.Close()
	cl.Close()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("node process %d still exists after Close: %v", pid, err)
		}
	}
}

func TestStartClusterTooSmall(t *testing.T) {
	if _, err := StartCluster(2); err == nil {
		t.Fatal("StartCluster(2) succeeded")
	}
}
