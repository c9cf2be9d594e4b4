package simplejwtprom_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	simplejwtprom "github.com/gosimplejwt/simplejwt/metrics/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const secret = "0123456789abcdef0123456789abcdef"

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// allOutcomes lists every outcome label, sorted as the exposition sorts them.
var allOutcomes = []simplejwt.Outcome{
	simplejwt.OutcomeBadSignature,
	simplejwt.OutcomeCSRF,
	simplejwt.OutcomeExpired,
	simplejwt.OutcomeInvalid,
	simplejwt.OutcomeMalformed,
	simplejwt.OutcomeMissing,
	simplejwt.OutcomeOK,
	simplejwt.OutcomeRevoked,
	simplejwt.OutcomeStoreUnavailable,
	simplejwt.OutcomeWrongType,
}

// failingStore is a Store whose backend is down.
type failingStore struct{ simplejwt.Store }

var errDown = errors.New("connection refused")

func (failingStore) Lookup(context.Context, simplejwt.TokenRef) (simplejwt.Status, error) {
	return simplejwt.Status{}, errDown
}

// fixture is a real Auth whose hooks feed m, with a clock the test moves
// and a test server routing to its guards.
type fixture struct {
	m   *simplejwtprom.Metrics
	a   *simplejwt.Auth
	now time.Time
	url string
}

func newFixture(t *testing.T, opts ...simplejwt.Option) *fixture {
	t.Helper()
	f := &fixture{m: simplejwtprom.New(), now: t0}
	a, err := simplejwt.New(append([]simplejwt.Option{
		simplejwt.WithHMACSecret([]byte(secret)),
		simplejwt.WithClock(func() time.Time { return f.now }),
		simplejwt.WithHooks(f.m.Hooks()),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	f.a = a
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux := http.NewServeMux()
	mux.Handle("/access", a.MustGuard(simplejwt.Accept(simplejwt.Access)).Middleware(ok))
	mux.Handle("/sliding", a.MustGuard(simplejwt.Accept(simplejwt.Sliding)).Middleware(ok))
	mux.Handle("/optional", a.MustGuard(simplejwt.Accept(simplejwt.Access), simplejwt.Optional()).Middleware(ok))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fixture) pair(t *testing.T) simplejwt.Pair {
	t.Helper()
	p, err := f.a.ObtainPair(context.Background(), simplejwt.User{ID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// send sends the request "METHOD /route" with header h and returns the
// status.
func (f *fixture) send(t *testing.T, req string, h http.Header) int {
	t.Helper()
	method, route, _ := strings.Cut(req, " ")
	r, err := http.NewRequest(method, f.url+route, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		r.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// counters is what the counters of Metrics should read.
type counters struct {
	outcome  simplejwt.Outcome // the one outcome at 1; every other at 0
	renewals int
	errors   int
	failOpen int
}

// authExposition returns the text exposition of the authentications
// counter holding n, every outcome missing from n at 0.
func authExposition(n map[simplejwt.Outcome]int) string {
	var b strings.Builder
	b.WriteString("# HELP simplejwt_authentications_total Requests checked by a simplejwt guard, by outcome.\n")
	b.WriteString("# TYPE simplejwt_authentications_total counter\n")
	for _, o := range allOutcomes {
		fmt.Fprintf(&b, "simplejwt_authentications_total{outcome=%q} %d\n", o, n[o])
	}
	return b.String()
}

// exposition returns the text exposition of the counters in c.
func (c counters) exposition() string {
	return authExposition(map[simplejwt.Outcome]int{c.outcome: 1}) + fmt.Sprintf(`# HELP simplejwt_fail_open_total Requests accepted although the revocation store failed (fail-open).
# TYPE simplejwt_fail_open_total counter
simplejwt_fail_open_total %d
# HELP simplejwt_renewals_total Sliding tokens re-issued by the middleware.
# TYPE simplejwt_renewals_total counter
simplejwt_renewals_total %d
# HELP simplejwt_store_lookup_errors_total Revocation store lookups made by the middleware that failed.
# TYPE simplejwt_store_lookup_errors_total counter
simplejwt_store_lookup_errors_total %d
`, c.failOpen, c.renewals, c.errors)
}

// lookups returns the number of observations of the store lookup histogram,
// gathered through a pedantic registry, which also checks that Describe and
// Collect agree.
func lookups(t *testing.T, m *simplejwtprom.Metrics) uint64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(m); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "simplejwt_store_lookup_duration_seconds" {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatal("no simplejwt_store_lookup_duration_seconds")
	return 0
}

var counterNames = []string{
	"simplejwt_authentications_total",
	"simplejwt_renewals_total",
	"simplejwt_store_lookup_errors_total",
	"simplejwt_fail_open_total",
}

// TestOutcomes sends one request per case through the real middleware and
// checks that exactly its outcome's counter is 1, every other 0, and that
// the renewal, store and fail-open metrics moved as they should.
func TestOutcomes(t *testing.T) {
	none := func(*testing.T, *fixture) http.Header { return nil }
	cases := []struct {
		name   string
		opts   []simplejwt.Option
		req    string // "METHOD /route"
		status int
		header func(t *testing.T, f *fixture) http.Header
		want   counters
		looked uint64 // store lookups
	}{
		{"ok", nil, "GET /access", 200,
			func(t *testing.T, f *fixture) http.Header { return bearer(f.pair(t).Access) },
			counters{outcome: simplejwt.OutcomeOK}, 1},
		{"missing", nil, "GET /access", 401, none,
			counters{outcome: simplejwt.OutcomeMissing}, 0},
		{"optional without token", nil, "GET /optional", 200, none,
			counters{outcome: simplejwt.OutcomeMissing}, 0},
		{"malformed header", nil, "GET /access", 401,
			func(*testing.T, *fixture) http.Header { return http.Header{"Authorization": {"Bearer a b"}} },
			counters{outcome: simplejwt.OutcomeMalformed}, 0},
		{"malformed token", nil, "GET /access", 401,
			func(*testing.T, *fixture) http.Header { return bearer("x.y") },
			counters{outcome: simplejwt.OutcomeMalformed}, 0},
		{"bad signature", nil, "GET /access", 401,
			func(t *testing.T, f *fixture) http.Header {
				tok := f.pair(t).Access
				return bearer(tok[:len(tok)-2] + "AA")
			},
			counters{outcome: simplejwt.OutcomeBadSignature}, 0},
		{"expired", nil, "GET /access", 401,
			func(t *testing.T, f *fixture) http.Header {
				tok := f.pair(t).Access
				f.now = f.now.Add(time.Hour)
				return bearer(tok)
			},
			counters{outcome: simplejwt.OutcomeExpired}, 0},
		{"invalid: another issuer", []simplejwt.Option{simplejwt.WithIssuer("https://a.example")}, "GET /access", 401,
			func(t *testing.T, f *fixture) http.Header {
				other, err := simplejwt.New(simplejwt.WithHMACSecret([]byte(secret)),
					simplejwt.WithIssuer("https://b.example"), simplejwt.WithClock(func() time.Time { return f.now }))
				if err != nil {
					t.Fatal(err)
				}
				p, err := other.ObtainPair(context.Background(), simplejwt.User{ID: "42"})
				if err != nil {
					t.Fatal(err)
				}
				return bearer(p.Access)
			},
			counters{outcome: simplejwt.OutcomeInvalid}, 0},
		{"wrong type", nil, "GET /access", 401,
			func(t *testing.T, f *fixture) http.Header { return bearer(f.pair(t).Refresh) },
			counters{outcome: simplejwt.OutcomeWrongType}, 0},
		{"revoked", nil, "GET /access", 401,
			func(t *testing.T, f *fixture) http.Header {
				p := f.pair(t)
				if err := f.a.Blacklist(context.Background(), p.Refresh); err != nil {
					t.Fatal(err)
				}
				return bearer(p.Access)
			},
			counters{outcome: simplejwt.OutcomeRevoked}, 1},
		{"store unavailable", []simplejwt.Option{simplejwt.WithStore(failingStore{})}, "GET /access", 503,
			func(t *testing.T, f *fixture) http.Header { return bearer(f.pair(t).Access) },
			counters{outcome: simplejwt.OutcomeStoreUnavailable, errors: 1}, 1},
		{"csrf: cookie without X-CSRF-Token", []simplejwt.Option{simplejwt.WithCookie("access_token")}, "POST /access", 403,
			func(t *testing.T, f *fixture) http.Header {
				return http.Header{"Cookie": {"access_token=" + f.pair(t).Access}}
			},
			counters{outcome: simplejwt.OutcomeCSRF}, 0},
		{"fail open", []simplejwt.Option{simplejwt.WithStore(failingStore{}),
			simplejwt.WithFailOpen(func(*http.Request, error) {})}, "GET /access", 200,
			func(t *testing.T, f *fixture) http.Header { return bearer(f.pair(t).Access) },
			counters{outcome: simplejwt.OutcomeOK, errors: 1, failOpen: 1}, 1},
		{"sliding renewed", nil, "GET /sliding", 200,
			func(t *testing.T, f *fixture) http.Header {
				tok, err := f.a.ObtainSliding(context.Background(), simplejwt.User{ID: "42"})
				if err != nil {
					t.Fatal(err)
				}
				f.now = f.now.Add(4 * time.Minute) // past half the 5m lifetime
				return bearer(tok)
			},
			counters{outcome: simplejwt.OutcomeOK, renewals: 1}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			if got := f.send(t, tc.req, tc.header(t, f)); got != tc.status {
				t.Errorf("status %d, want %d", got, tc.status)
			}
			if err := testutil.CollectAndCompare(f.m, strings.NewReader(tc.want.exposition()), counterNames...); err != nil {
				t.Error(err)
			}
			if got := lookups(t, f.m); got != tc.looked {
				t.Errorf("store lookups observed %d, want %d", got, tc.looked)
			}
		})
	}
}

// TestLookupsAddUp checks that the histogram observes every lookup of the
// middleware and nothing else, and that the outcomes add up.
func TestLookupsAddUp(t *testing.T) {
	f := newFixture(t)
	tok := bearer(f.pair(t).Access)
	for range 5 {
		if got := f.send(t, "GET /access", tok); got != 200 {
			t.Fatalf("status %d", got)
		}
	}
	if got := f.send(t, "GET /access", nil); got != 401 {
		t.Fatalf("status %d", got)
	}
	if got := lookups(t, f.m); got != 5 {
		t.Errorf("store lookups observed %d, want 5", got)
	}
	want := authExposition(map[simplejwt.Outcome]int{simplejwt.OutcomeOK: 5, simplejwt.OutcomeMissing: 1})
	if err := testutil.CollectAndCompare(f.m, strings.NewReader(want), "simplejwt_authentications_total"); err != nil {
		t.Error(err)
	}
}

// TestEveryOutcomeExported reads the simplejwt package's source for its
// Outcome constants and checks that a new Metrics exports each of them from
// 0, so that an outcome added to the core without being added here fails.
func TestEveryOutcomeExported(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.Dir}}{{range .GoFiles}}{{"\n"}}{{.}}{{end}}`,
		"github.com/gosimplejwt/simplejwt").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	fset := token.NewFileSet()
	var want []simplejwt.Outcome
	for _, name := range lines[1:] {
		f, err := parser.ParseFile(fset, filepath.Join(lines[0], name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Outcome" {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok {
						t.Fatalf("Outcome constant with a value that is not a literal at %v", fset.Position(v.Pos()))
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					want = append(want, simplejwt.Outcome(s))
				}
			}
		}
	}
	slices.Sort(want)
	if !slices.Equal(want, allOutcomes) {
		t.Fatalf("simplejwt declares the outcomes %v; this test knows %v", want, allOutcomes)
	}
	if err := testutil.CollectAndCompare(simplejwtprom.New(), strings.NewReader(authExposition(nil)),
		"simplejwt_authentications_total"); err != nil {
		t.Error(err)
	}
}
