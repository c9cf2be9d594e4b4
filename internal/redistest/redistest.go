// Package redistest runs private redis-server processes for tests.
//
// Every server started by this package listens on its own free port on
// 127.0.0.1, keeps its data and log in its own temporary directory, and is
// controlled only through the process id of the child that this package
// started. Shared Redis instances (for example one on 127.0.0.1:6379) are
// never contacted or signalled.
//
// On Linux the child processes are started with a parent-death signal, so
// they are killed by the kernel when the test binary exits, even if it is
// killed itself.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// startTimeout bounds how long Start and Restart wait for a new
	// process to answer.
	startTimeout = 10 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	stopTimeout = 5 * time.Second
	// clusterTimeout bounds how long StartCluster waits for the cluster to
	// report cluster_state:ok with every slot assigned on every node.
	clusterTimeout = 20 * time.Second
	// pollInterval is the pause between readiness probes.
	pollInterval = 20 * time.Millisecond
	// portAttempts is how many fresh ports Start tries before giving up.
	portAttempts = 5
	// clusterBusOffset is the distance between a node's client port and
	// its cluster bus port.
	clusterBusOffset = 10000
	// totalSlots is the number of hash slots in a Redis Cluster.
	totalSlots = 16384
	// logName is the name of the log file inside a server's directory.
	logName = "redis.log"
)

// errAddrInUse reports that redis-server could not bind its port.
var errAddrInUse = errors.New("redistest: address already in use")

// Server is one private redis-server process started by this package.
type Server struct {
	// Addr is the address the server listens on, "127.0.0.1:PORT".
	Addr string
	// Port is the TCP port the server listens on.
	Port int

	bin  string
	dir  string
	args []string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	clients []io.Closer
	closed  bool
}

// Start starts a private redis-server on a free port of 127.0.0.1 and waits
// until it answers PING. Extra command-line arguments, such as
// "--maxmemory", "1mb", are appended to the defaults. On failure the
// returned error includes the tail of the server log.
func Start(opts ...string) (*Server, error) {
	return start(nil, opts...)
}

// start is Start with an optional function that derives extra arguments
// from the server's temporary directory.
func start(dirArgs func(dir string) []string, opts ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	dir, err := os.MkdirTemp("", "redistest-*")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	extra := append([]string(nil), opts...)
	if dirArgs != nil {
		extra = append(extra, dirArgs(dir)...)
	}
	needBus := clusterEnabled(extra)

	var lastErr error
	for attempt := 0; attempt < portAttempts; attempt++ {
		port, err := freePort(needBus)
		if err != nil {
			lastErr = err
			continue
		}
		s := &Server{
			Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			Port: port,
			bin:  bin,
			dir:  dir,
		}
		s.args = append([]string{
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--dir", dir,
			"--daemonize", "no",
		}, extra...)
		err = s.launch(time.Now().Add(startTimeout))
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

// New starts a private redis-server for t and stops it when t finishes.
// If redis-server is not installed, New skips t, or fails it when the
// environment variable CI is "true".
func New(t testing.TB, opts ...string) *Server {
	t.Helper()
	if !requireBinaries(t, "redis-server") {
		return nil
	}
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// URLOrNew returns the value of the environment variable REDIS_URL when it
// is set, and otherwise starts a private server with New and returns its
// URL.
func URLOrNew(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	s := New(t)
	if s == nil {
		return ""
	}
	return s.URL()
}

// requireBinaries reports whether every named program is on PATH. When one
// is missing it calls t.Fatalf if CI is "true" and t.Skip otherwise, and
// returns false.
func requireBinaries(t testing.TB, names ...string) bool {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("redistest: %s not found on PATH (CI=true, Redis tests must run): install redis-server and redis-tools", name)
			} else {
				t.Skip("redis-server not found; install redis-server to run Redis tests")
			}
			return false
		}
	}
	return true
}

// PID returns the process id of the running server, or 0 if it is not
// running.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil || exited(s.done) {
		return 0
	}
	return s.cmd.Process.Pid
}

// URL returns the server address as a URL for database 0,
// "redis://127.0.0.1:PORT/0".
func (s *Server) URL() string {
	return "redis://" + s.Addr + "/0"
}

// Dir returns the temporary directory holding the server's data and log.
func (s *Server) Dir() string {
	return s.dir
}

// Client returns a new go-redis client connected to the server. Clients
// returned by Client are closed by Close.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
	return c
}

// Kill sends SIGKILL to the server process and waits until it has exited.
// Killing a server that is not running is not an error.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.killLocked()
}

// killLocked is Kill with s.mu held.
func (s *Server) killLocked() error {
	if s.cmd == nil || exited(s.done) {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil && !exited(s.done) {
		return fmt.Errorf("redistest: kill pid %d: %w", s.cmd.Process.Pid, err)
	}
	<-s.done
	return nil
}

// Stop shuts the server down gracefully: it sends SIGTERM, waits up to five
// seconds for the process to exit, and then sends SIGKILL. Stopping a
// server that is not running is not an error.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

// stopLocked is Stop with s.mu held.
func (s *Server) stopLocked() error {
	if s.cmd == nil || exited(s.done) {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !exited(s.done) {
		return fmt.Errorf("redistest: terminate pid %d: %w", s.cmd.Process.Pid, err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-s.done:
		return nil
	case <-timer.C:
		return s.killLocked()
	}
}

// Restart starts the server again on the same port with the same arguments
// and waits until it answers PING. A server that is still running is
// stopped first.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("redistest: restart of a closed server")
	}
	if err := s.stopLocked(); err != nil {
		return err
	}
	// The port was just released; another process may hold it briefly,
	// so keep trying until the start deadline.
	deadline := time.Now().Add(startTimeout)
	for {
		err := s.launchLocked(deadline)
		if err == nil || !errors.Is(err, errAddrInUse) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pollInterval)
	}
}

// Close stops the server, closes the clients returned by Client and removes
// the temporary directory. Calling Close more than once is safe.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for _, c := range s.clients {
		_ = c.Close()
	}
	s.clients = nil
	_ = s.stopLocked()
	_ = os.RemoveAll(s.dir)
}

// launch is launchLocked with s.mu taken.
func (s *Server) launch(deadline time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.launchLocked(deadline)
}

// launchLocked starts the process with s.args and waits until it answers
// PING and reports its own process id, or until deadline. s.mu must be
// held.
func (s *Server) launchLocked(deadline time.Time) error {
	logPath := filepath.Join(s.dir, logName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	fmt.Fprintf(logFile, "\n### redistest: starting %s on %s\n", s.bin, s.Addr)
	offset, _ := logFile.Seek(0, io.SeekEnd)

	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := startCmd(cmd); err != nil {
		logFile.Close()
		return fmt.Errorf("redistest: start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	pid := cmd.Process.Pid
	for {
		if exited(done) {
			tail := logTail(logPath, offset)
			if bytes.Contains(tail, []byte("Address already in use")) {
				return fmt.Errorf("%w: %s: redis-server exited:\n%s", errAddrInUse, s.Addr, tail)
			}
			return fmt.Errorf("redistest: redis-server on %s exited during startup:\n%s", s.Addr, tail)
		}
		got, err := probe(s.Addr, pollInterval*10)
		if err == nil && got == pid {
			return nil
		}
		if time.Now().After(deadline) {
			_ = s.killLocked()
			if err == nil {
				err = fmt.Errorf("%s answered with process_id %d, want %d", s.Addr, got, pid)
			}
			return fmt.Errorf("redistest: redis-server on %s not ready after %v: %v\n%s",
				s.Addr, startTimeout, err, logTail(logPath, offset))
		}
		time.Sleep(pollInterval)
	}
}

// probe sends PING and INFO server to addr over a plain connection and
// returns the process_id the server reports.
func probe(addr string, timeout time.Duration) (int, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(conn, "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"); err != nil {
		return 0, err
	}
	r := bufio.NewReader(conn)
	pong, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if pong != "+PONG\r\n" {
		return 0, fmt.Errorf("PING: %q", strings.TrimSpace(pong))
	}
	info, err := readBulk(r)
	if err != nil {
		return 0, fmt.Errorf("INFO: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("INFO server without process_id")
}

// readBulk reads one RESP bulk string reply from r.
func readBulk(r *bufio.Reader) (string, error) {
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	head = strings.TrimSpace(head)
	if !strings.HasPrefix(head, "$") {
		return "", fmt.Errorf("unexpected reply %q", head)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 {
		return "", fmt.Errorf("unexpected reply %q", head)
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// freePort returns a port on 127.0.0.1 that was free a moment ago. With
// needBus it also requires the cluster bus port, port+10000, to be free.
func freePort(needBus bool) (int, error) {
	var lastErr error
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("redistest: find free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !needBus {
			return port, nil
		}
		if port+clusterBusOffset > 65535 {
			continue
		}
		bl, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+clusterBusOffset)))
		if err != nil {
			lastErr = err
			continue
		}
		bl.Close()
		return port, nil
	}
	return 0, fmt.Errorf("redistest: no free port with a free cluster bus port: %v", lastErr)
}

// clusterEnabled reports whether args turn on cluster mode.
func clusterEnabled(args []string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--cluster-enabled" && strings.EqualFold(args[i+1], "yes") {
			return true
		}
	}
	return false
}

// exited reports whether done is closed.
func exited(done chan struct{}) bool {
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// logTail returns the last lines of the log file at path written after
// offset.
func logTail(path string, offset int64) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return []byte("(no log: " + err.Error() + ")")
	}
	if offset > 0 && offset <= int64(len(b)) {
		b = b[offset:]
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	const keep = 30
	if len(lines) > keep {
		lines = lines[len(lines)-keep:]
	}
	return bytes.Join(lines, []byte("\n"))
}

// Cluster is a Redis Cluster of private redis-server processes, one master
// per node and no replicas.
type Cluster struct {
	// Addrs holds the address of every node, in the order of Nodes.
	Addrs []string
	// Nodes holds the servers of the cluster.
	Nodes []*Server

	mu      sync.Mutex
	clients []io.Closer
	closed  bool
}

// StartCluster starts n (at least 3) cluster-enabled servers, joins them
// into one cluster with redis-cli --cluster create and waits until every
// node reports cluster_state:ok with all 16384 slots assigned. Use it from
// TestMain to share one cluster between tests, and call Close when done.
func StartCluster(n int) (*Cluster, error) {
	if n < 3 {
		return nil, fmt.Errorf("redistest: a cluster needs at least 3 nodes, got %d", n)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	c := &Cluster{}
	for i := 0; i < n; i++ {
		s, err := start(func(dir string) []string {
			return []string{
				"--cluster-enabled", "yes",
				"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
				"--cluster-node-timeout", "2000",
			}
		})
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.waitReady(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w\nredis-cli output:\n%s", err, out)
	}
	return c, nil
}

// NewCluster starts a cluster of n (at least 3) nodes for t with
// StartCluster and kills every node when t finishes. If redis-server or
// redis-cli is not installed, NewCluster skips t, or fails it when the
// environment variable CI is "true".
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if !requireBinaries(t, "redis-server", "redis-cli") {
		return nil
	}
	c, err := StartCluster(n)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// waitReady polls CLUSTER INFO on every node until each one reports
// cluster_state:ok, all slots assigned and every node known.
func (c *Cluster) waitReady(ctx context.Context) error {
	clients := make([]*redis.Client, len(c.Nodes))
	for i, s := range c.Nodes {
		clients[i] = redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
		defer clients[i].Close()
	}
	var last string
	for {
		ready := true
		for i, cl := range clients {
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil {
				last = fmt.Sprintf("%s: %v", c.Addrs[i], err)
				ready = false
				break
			}
			f := infoFields(info)
			if f["cluster_state"] != "ok" ||
				f["cluster_slots_assigned"] != strconv.Itoa(totalSlots) ||
				f["cluster_slots_ok"] != strconv.Itoa(totalSlots) ||
				f["cluster_known_nodes"] != strconv.Itoa(len(c.Nodes)) {
				last = fmt.Sprintf("%s: state=%s slots_assigned=%s slots_ok=%s known_nodes=%s",
					c.Addrs[i], f["cluster_state"], f["cluster_slots_assigned"],
					f["cluster_slots_ok"], f["cluster_known_nodes"])
				ready = false
				break
			}
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redistest: cluster not ready after %v: %s", clusterTimeout, last)
		case <-time.After(pollInterval):
		}
	}
}

// Client returns a new go-redis cluster client for the cluster. Clients
// returned by Client are closed by Close.
func (c *Cluster) Client() *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	c.mu.Lock()
	c.clients = append(c.clients, cc)
	c.mu.Unlock()
	return cc
}

// Close closes the clients returned by Client, kills every node and removes
// their temporary directories. Calling Close more than once is safe.
func (c *Cluster) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	for _, cl := range c.clients {
		_ = cl.Close()
	}
	c.clients = nil
	for _, s := range c.Nodes {
		_ = s.Kill()
		s.Close()
	}
}

// CommandStats returns the number of calls per command from INFO
// commandstats, keyed by lower-case command name such as "get" or
// "client|setinfo". For a *redis.ClusterClient the counts are summed over
// all masters, and for a *redis.Ring over all shards.
func CommandStats(ctx context.Context, c redis.UniversalClient) (map[string]int64, error) {
	stats := make(map[string]int64)
	var mu sync.Mutex
	collect := func(ctx context.Context, cl *redis.Client) error {
		info, err := cl.Info(ctx, "commandstats").Result()
		if err != nil {
			return err
		}
		parsed, err := parseCommandStats(info)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for k, v := range parsed {
			stats[k] += v
		}
		return nil
	}
	var err error
	switch cc := c.(type) {
	case *redis.ClusterClient:
		err = cc.ForEachMaster(ctx, collect)
	case *redis.Ring:
		err = cc.ForEachShard(ctx, collect)
	default:
		var info string
		info, err = c.Info(ctx, "commandstats").Result()
		if err == nil {
			stats, err = parseCommandStats(info)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("redistest: INFO commandstats: %w", err)
	}
	return stats, nil
}

// ResetStats runs CONFIG RESETSTAT, on every master for a
// *redis.ClusterClient and on every shard for a *redis.Ring.
func ResetStats(ctx context.Context, c redis.UniversalClient) error {
	reset := func(ctx context.Context, cl *redis.Client) error {
		return cl.ConfigResetStat(ctx).Err()
	}
	var err error
	switch cc := c.(type) {
	case *redis.ClusterClient:
		err = cc.ForEachMaster(ctx, reset)
	case *redis.Ring:
		err = cc.ForEachShard(ctx, reset)
	default:
		err = c.ConfigResetStat(ctx).Err()
	}
	if err != nil {
		return fmt.Errorf("redistest: CONFIG RESETSTAT: %w", err)
	}
	return nil
}

// parseCommandStats parses the body of INFO commandstats, lines such as
// "cmdstat_get:calls=3,usec=12,usec_per_call=4.00,...", into command name
// to number of calls.
func parseCommandStats(info string) (map[string]int64, error) {
	stats := make(map[string]int64)
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "cmdstat_")
		if !ok {
			continue
		}
		name, fields, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, fmt.Errorf("malformed commandstats line %q", line)
		}
		found := false
		for _, f := range strings.Split(fields, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("malformed commandstats line %q: %v", line, err)
				}
				stats[strings.ToLower(name)] += n
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("commandstats line without calls: %q", line)
		}
	}
	return stats, nil
}

// infoFields parses "key:value" lines, as returned by INFO and CLUSTER
// INFO, into a map.
func infoFields(info string) map[string]string {
	m := make(map[string]string)
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m
}
