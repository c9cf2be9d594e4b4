package simplejwt_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosimplejwt/simplejwt"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// ksNewEC returns a new P-256 key.
func ksNewEC(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ksES256 returns a new ES256 signing key with kid.
func ksES256(t testing.TB, kid string) *simplejwt.Key {
	t.Helper()
	return ksMust(simplejwt.NewKey(simplejwt.ES256, ksNewEC(t))).WithID(kid)
}

// ksJWKSOf returns the JWKS of keys as JWKSHandler publishes it.
func ksJWKSOf(t testing.TB, keys ...*simplejwt.Key) []byte {
	t.Helper()
	a := ksMust(simplejwt.New(simplejwt.WithVerificationKeys(keys...)))
	return ksGet(a.JWKSHandler(0), http.MethodGet).Body.Bytes()
}

// ksProvider is a JWKS endpoint the test controls: it serves body with
// status, counts the requests it answers, and can hold a request until
// the test releases it.
type ksProvider struct {
	srv  *httptest.Server
	hits atomic.Int64

	mu     sync.Mutex
	body   []byte
	status int
	hold   chan struct{} // when set, the next request waits for it to close
	held   chan struct{} // closed when that request has arrived
}

// ksNewProvider starts an https provider serving body.
func ksNewProvider(t testing.TB, body []byte) *ksProvider {
	t.Helper()
	p := &ksProvider{body: body, status: http.StatusOK}
	p.srv = httptest.NewTLSServer(p)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *ksProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	body, status, hold, held := p.body, p.status, p.hold, p.held
	p.hold, p.held = nil, nil
	p.mu.Unlock()
	if hold != nil {
		close(held)
		<-hold
	}
	p.hits.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// serve makes the provider answer body with status from now on.
func (p *ksProvider) serve(status int, body []byte) {
	p.mu.Lock()
	p.status, p.body = status, body
	p.mu.Unlock()
}

// holdNext makes the next request wait until release is called; arrived is
// closed once it has arrived.
func (p *ksProvider) holdNext() (arrived <-chan struct{}, release func()) {
	hold, held := make(chan struct{}), make(chan struct{})
	p.mu.Lock()
	p.hold, p.held = hold, held
	p.mu.Unlock()
	return held, func() { close(hold) }
}

// ksErrors collects what a RemoteErrorHandler receives.
type ksErrors struct {
	mu   sync.Mutex
	errs []error
}

func (e *ksErrors) handle(err error) {
	e.mu.Lock()
	e.errs = append(e.errs, err)
	e.mu.Unlock()
}

func (e *ksErrors) list() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// ksConsumer returns an Auth that verifies with p's keys only: the
// provider's TLS client, clock as the Auth's and the rate limit's clock,
// and errors collected in errs (which may be nil).
func ksConsumer(t testing.TB, p *ksProvider, clock *fakeClock, errs *ksErrors, ropts ...simplejwt.RemoteOption) *simplejwt.Auth {
	t.Helper()
	a, err := ksNewConsumer(p, clock, errs, ropts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func ksNewConsumer(p *ksProvider, clock *fakeClock, errs *ksErrors, ropts ...simplejwt.RemoteOption) (*simplejwt.Auth, error) {
	base := []simplejwt.RemoteOption{simplejwt.RemoteHTTPClient(p.srv.Client()), simplejwt.RemoteClock(clock.Now)}
	if errs != nil {
		base = append(base, simplejwt.RemoteErrorHandler(errs.handle))
	}
	return simplejwt.New(simplejwt.WithRemoteJWKS(p.srv.URL+"/jwks.json", append(base, ropts...)...), simplejwt.WithClock(clock.Now))
}

// ksForged returns an ES256-shaped token naming kid, with a valid payload
// and a signature of random bytes: enough to reach the key lookup.
func ksForged(kid string) string {
	sig := make([]byte, 64)
	rand.Read(sig)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"ES256","kid":`+strconv.Quote(kid)+`,"typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"token_type":"access","exp":`+strconv.FormatInt(t0.Add(time.Minute).Unix(), 10)+`,"jti":"j","user_id":"7"}`)) + "." +
		enc.EncodeToString(sig)
}

// ksHits fails t unless p has answered exactly want requests.
func ksHits(t testing.TB, p *ksProvider, want int64, when string) {
	t.Helper()
	if got := p.hits.Load(); got != want {
		t.Fatalf("%s: the provider answered %d requests, want %d", when, got, want)
	}
}

// TestKsRemoteJWKSRotationOnUnknownKid: the provider rotates a key in; the
// first token naming it makes the consumer fetch the set once, and the new
// key verifies at once.
func TestKsRemoteJWKSRotationOnUnknownKid(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	a, b := ksES256(t, "a"), ksES256(t, "b")
	p := ksNewProvider(t, ksJWKSOf(t, a))
	consumer := ksConsumer(t, p, clock, nil)
	ksHits(t, p, 1, "after New")

	tokA := ksMint(t, clock, a)
	if c, err := consumer.Verify(ctx, tokA); err != nil || c.UserID != "7" {
		t.Fatalf("token of a: %+v, %v", c, err)
	}
	ksHits(t, p, 1, "after a known kid")

	p.serve(200, ksJWKSOf(t, a, b))
	tokB := ksMint(t, clock, b)
	if _, err := consumer.Verify(ctx, tokB); err != nil {
		t.Fatalf("token of the rotated-in key b: %v", err)
	}
	ksHits(t, p, 2, "after the first token of b")
	for _, tok := range []string{tokA, tokB, tokB} {
		if _, err := consumer.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	ksHits(t, p, 2, "after more tokens of known kids")
}

// TestKsRemoteJWKSFloodOfUnknownKids sends 1,000 tokens with random kids
// from 16 goroutines: they cause one refetch, not one per token, and
// another one only once the clock has passed the interval.
func TestKsRemoteJWKSFloodOfUnknownKids(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	a := ksES256(t, "a")
	p := ksNewProvider(t, ksJWKSOf(t, a))
	consumer := ksConsumer(t, p, clock, nil, simplejwt.RemoteMissRefetchInterval(time.Minute))
	tokA := ksMint(t, clock, a)
	ksHits(t, p, 1, "after New")

	flood := func(n int) {
		t.Helper()
		toks := make(chan string, n)
		for range n {
			var kid [16]byte
			rand.Read(kid[:])
			toks <- fmt.Sprintf("%x", kid)
		}
		close(toks)
		var wg sync.WaitGroup
		var wrong atomic.Int64
		for range 16 {
			wg.Go(func() {
				for kid := range toks {
					if _, err := consumer.Verify(ctx, ksForged(kid)); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
						wrong.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if wrong.Load() != 0 {
			t.Fatalf("%d tokens with unknown kids were not refused as unverifiable", wrong.Load())
		}
	}

	var counts []int64
	flood(1000)
	counts = append(counts, p.hits.Load())
	ksHits(t, p, 2, "after 1,000 unknown kids")
	if _, err := consumer.Verify(ctx, tokA); err != nil {
		t.Fatalf("known kid during the flood: %v", err)
	}

	clock.Advance(59 * time.Second)
	flood(100)
	counts = append(counts, p.hits.Load())
	ksHits(t, p, 2, "59s later, after 100 more unknown kids")

	clock.Advance(time.Second) // one interval after the refetch
	flood(1)
	counts = append(counts, p.hits.Load())
	ksHits(t, p, 3, "one interval later, after one unknown kid")
	flood(1000)
	counts = append(counts, p.hits.Load())
	ksHits(t, p, 3, "after 1,000 more unknown kids")
	t.Logf("provider requests in total: %d after 1,000 unknown kids, %d after 100 more at +59s, %d after 1 more at +60s, %d after 1,000 more",
		counts[0], counts[1], counts[2], counts[3])
}

// ksSteppingClock advances by step at every reading, so that the refetch
// rate limit never holds a fetch back.
type ksSteppingClock struct{ ns atomic.Int64 }

func (c *ksSteppingClock) Now() time.Time { return time.Unix(0, c.ns.Add(int64(time.Hour))) }

// TestKsRemoteJWKSConcurrentMissesShareOneFetch holds the provider's answer
// to a refetch while 16 goroutines ask for the same new kid. The rate
// limit is out of play (its clock jumps an hour at each reading): only
// the sharing keeps it to one fetch, and every goroutine gets the new key.
func TestKsRemoteJWKSConcurrentMissesShareOneFetch(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	a, b := ksES256(t, "a"), ksES256(t, "b")
	p := ksNewProvider(t, ksJWKSOf(t, a))
	var stepping ksSteppingClock
	consumer := ksConsumer(t, p, clock, nil, simplejwt.RemoteClock(stepping.Now))
	tokB := ksMint(t, clock, b)

	p.serve(200, ksJWKSOf(t, a, b))
	arrived, release := p.holdNext()
	errs := make(chan error, 16)
	started := make(chan struct{}, 16)
	for range 16 {
		go func() {
			started <- struct{}{}
			_, err := consumer.Verify(ctx, tokB)
			errs <- err
		}()
	}
	<-arrived // the first refetch is at the provider
	for range 16 {
		<-started
	}
	release()
	for range 16 {
		if err := <-errs; err != nil {
			t.Errorf("token of b: %v", err)
		}
	}
	ksHits(t, p, 2, "after 16 concurrent tokens of a new kid")
}

// TestKsRemoteJWKSProviderDown: a provider down at start-up fails New with
// an error naming the URL; one that goes down later leaves the keys
// already fetched in use.
func TestKsRemoteJWKSProviderDown(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	a := ksES256(t, "a")

	t.Run("at start-up", func(t *testing.T) {
		p := ksNewProvider(t, []byte(`{"detail":"down"}`))
		p.serve(http.StatusServiceUnavailable, []byte(`{"detail":"down"}`))
		_, err := ksNewConsumer(p, clock, nil)
		if err == nil || !strings.Contains(err.Error(), p.srv.URL+"/jwks.json") || !strings.Contains(err.Error(), "WithRemoteJWKS") {
			t.Fatalf("New = %v, want an error naming WithRemoteJWKS and the URL", err)
		}
		ksHits(t, p, 1, "after New")

		p.srv.Close() // nothing listens any more
		if _, err := ksNewConsumer(p, clock, nil); err == nil || !strings.Contains(err.Error(), p.srv.URL+"/jwks.json") {
			t.Fatalf("New = %v, want an error naming the URL", err)
		}
	})

	t.Run("later", func(t *testing.T) {
		p := ksNewProvider(t, ksJWKSOf(t, a))
		var errs ksErrors
		consumer := ksConsumer(t, p, clock, &errs)
		tokA := ksMint(t, clock, a)
		p.serve(http.StatusServiceUnavailable, []byte(`{"detail":"down"}`))

		if _, err := consumer.Verify(ctx, ksForged("new")); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
			t.Fatalf("unknown kid while the provider is down: %v", err)
		}
		ksHits(t, p, 2, "after the refetch")
		if got := errs.list(); len(got) != 1 || !strings.Contains(got[0].Error(), p.srv.URL) {
			t.Fatalf("errors reported: %v, want the failed refetch naming the URL", got)
		}
		if _, err := consumer.Verify(ctx, tokA); err != nil {
			t.Fatalf("cached key after a failed refetch: %v", err)
		}

		p.serve(200, []byte(`{"keys":[`)) // broken JSON
		clock.Advance(time.Minute)
		if _, err := consumer.Verify(ctx, ksForged("new")); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
			t.Fatal(err)
		}
		ksHits(t, p, 3, "after the second refetch")
		if _, err := consumer.Verify(ctx, tokA); err != nil {
			t.Fatalf("cached key after a broken answer: %v", err)
		}
		if n := len(errs.list()); n != 2 {
			t.Fatalf("%d errors reported, want 2", n)
		}
	})
}

// TestKsRemoteJWKSBackgroundRefresh observes the background refresh: with the
// refetch on unknown kids spent (frozen clock), a rotated-in key can only
// arrive through it, and a failed refresh keeps the keys. It waits for the
// background goroutine, polling against a deadline.
func TestKsRemoteJWKSBackgroundRefresh(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	a, b := ksES256(t, "a"), ksES256(t, "b")
	p := ksNewProvider(t, ksJWKSOf(t, a))
	var errs ksErrors
	consumer := ksConsumer(t, p, clock, &errs, simplejwt.RemoteRefreshInterval(time.Second))
	if _, err := consumer.Verify(ctx, ksForged("spend the refetch")); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Fatal(err)
	}
	tokA, tokB := ksMint(t, clock, a), ksMint(t, clock, b)

	p.serve(200, ksJWKSOf(t, b))
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := consumer.Verify(ctx, tokB)
		if err == nil {
			break
		}
		if !errors.Is(err, simplejwt.ErrTokenUnverifiable) || time.Now().After(deadline) {
			t.Fatalf("token of b: %v (after %d fetches)", err, p.hits.Load())
		}
		<-poll.C
	}
	if _, err := consumer.Verify(ctx, tokA); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Fatalf("token of a, removed by the provider: %v", err)
	}

	p.serve(http.StatusInternalServerError, nil)
	for n := p.hits.Load(); len(errs.list()) == 0; <-poll.C {
		if time.Now().After(deadline) {
			t.Fatalf("no failed background refresh reported (fetches %d, then %d)", n, p.hits.Load())
		}
	}
	if _, err := consumer.Verify(ctx, tokB); err != nil {
		t.Fatalf("token of b after a failed refresh: %v", err)
	}
}

// TestKsRemoteJWKSRefusesHTTP: an http URL, or a redirect to one, is not
// fetched without RemoteAllowHTTP.
func TestKsRemoteJWKSRefusesHTTP(t *testing.T) {
	clock := newFakeClock(t0)
	a := ksES256(t, "a")
	var hits atomic.Int64
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(ksJWKSOf(t, a))
	}))
	defer plain.Close()

	_, err := simplejwt.New(simplejwt.WithRemoteJWKS(plain.URL))
	if err == nil || !strings.Contains(err.Error(), "WithRemoteJWKS") || !strings.Contains(err.Error(), plain.URL) {
		t.Fatalf("http URL: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the http URL was fetched %d times", hits.Load())
	}

	redirect := httptest.NewTLSServer(http.RedirectHandler(plain.URL, http.StatusFound))
	defer redirect.Close()
	if _, err := simplejwt.New(simplejwt.WithRemoteJWKS(redirect.URL, simplejwt.RemoteHTTPClient(redirect.Client()))); err == nil {
		t.Fatal("redirect to http accepted")
	}
	if hits.Load() != 0 {
		t.Fatalf("the http URL was fetched %d times after a redirect", hits.Load())
	}

	consumer, err := simplejwt.New(simplejwt.WithRemoteJWKS(plain.URL, simplejwt.RemoteAllowHTTP()), simplejwt.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	if _, err := consumer.Verify(context.Background(), ksMint(t, clock, a)); err != nil {
		t.Fatalf("with RemoteAllowHTTP: %v", err)
	}
}

// ksJWKJSON returns the public JWK of key with the given members added.
func ksJWKJSON(t testing.TB, key any, members map[string]any) string {
	t.Helper()
	jk := ksMust(jwk.FromRaw(key))
	for k, v := range members {
		if err := jk.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	return string(ksMust(json.Marshal(jk)))
}

// TestKsRemoteJWKSIgnoresUnusableKeys serves a set mixing usable keys with a
// symmetric key, a key without alg, an encryption key and a key whose alg
// does not fit it: only the usable keys verify, the others are reported.
func TestKsRemoteJWKSIgnoresUnusableKeys(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	testKeys(t)
	secret := []byte(strings.Repeat("s", 32))
	good := ksES256(t, "good")
	noAlgEC := ksNewEC(t)
	set := `{"keys":[` + strings.Join([]string{
		`{"kty":"oct","kid":"oct","alg":"HS256","k":"` + b64url(secret) + `"}`,
		ksJWKJSON(t, &noAlgEC.PublicKey, map[string]any{"kid": "noalg-ec"}),
		ksJWKJSON(t, &testRSA.PublicKey, map[string]any{"kid": "noalg-rsa"}),
		ksJWKJSON(t, ksNewEC(t).Public(), map[string]any{"kid": "enc", "alg": "ES256", "use": "enc"}),
		ksJWKJSON(t, ksNewEC(t).Public(), map[string]any{"kid": "wrongalg", "alg": "RS256"}),
		ksJWKJSON(t, ksNewEC(t).Public(), map[string]any{"kid": "ops", "alg": "ES256", "key_ops": []string{"encrypt"}}),
		strings.TrimSuffix(strings.TrimPrefix(string(ksJWKSOf(t, good)), `{"keys":[`), `]}`),
	}, ",") + `]}`
	p := ksNewProvider(t, []byte(set))
	noAlgECKey := ksMust(simplejwt.NewKey(simplejwt.ES256, noAlgEC)).WithID("noalg-ec")
	hsTok := ksMint(t, clock, ksMust(simplejwt.NewHMACKey(simplejwt.HS256, secret)).WithID("oct"))

	t.Run("no allowed list", func(t *testing.T) {
		var errs ksErrors
		consumer := ksConsumer(t, p, clock, &errs)
		got := errs.list()
		if len(got) != 6 {
			t.Fatalf("%d keys reported, want 6: %v", len(got), got)
		}
		for _, err := range got {
			if !errors.Is(err, simplejwt.ErrKey) {
				t.Errorf("report %v does not match ErrKey", err)
			}
		}
		if _, err := consumer.Verify(ctx, ksMint(t, clock, good)); err != nil {
			t.Fatalf("usable key: %v", err)
		}
		for name, tok := range map[string]string{
			"HS256 by the oct key":         hsTok,
			"ES256 by the key without alg": ksMint(t, clock, noAlgECKey),
		} {
			if _, err := consumer.Verify(ctx, tok); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
				t.Errorf("%s: %v, want ErrTokenUnverifiable", name, err)
			}
		}
		// Neither refetched: an HS token is never looked up remotely, and
		// noalg-ec is a kid the set holds.
		ksHits(t, p, 1, "after tokens of ignored keys")
	})

	t.Run("allowed ES256 and RS256", func(t *testing.T) {
		consumer := ksConsumer(t, p, clock, &ksErrors{}, simplejwt.RemoteAllowedAlgorithms(simplejwt.ES256, simplejwt.RS256))
		rsaNoAlg := ksMust(simplejwt.NewKey(simplejwt.RS256, testRSA)).WithID("noalg-rsa")
		psNoAlg := ksMust(simplejwt.NewKey(simplejwt.PS256, testRSA)).WithID("noalg-rsa")
		for name, tok := range map[string]string{
			"ES256 by the EC key without alg":  ksMint(t, clock, noAlgECKey),
			"RS256 by the RSA key without alg": ksMint(t, clock, rsaNoAlg),
			"ES256 by the key with alg":        ksMint(t, clock, good),
		} {
			if _, err := consumer.Verify(ctx, tok); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		for name, tok := range map[string]string{
			"PS256 by the RSA key without alg (not allowed)": ksMint(t, clock, psNoAlg),
			"HS256 by the oct key":                           hsTok,
		} {
			if _, err := consumer.Verify(ctx, tok); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
				t.Errorf("%s: %v, want ErrTokenUnverifiable", name, err)
			}
		}
	})

	t.Run("allowed list without ES256", func(t *testing.T) {
		consumer := ksConsumer(t, p, clock, &ksErrors{}, simplejwt.RemoteAllowedAlgorithms(simplejwt.RS256))
		if _, err := consumer.Verify(ctx, ksMint(t, clock, good)); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
			t.Errorf("ES256 key outside the allowed list: %v", err)
		}
	})

	t.Run("only unusable keys", func(t *testing.T) {
		only := ksNewProvider(t, []byte(`{"keys":[{"kty":"oct","kid":"oct","alg":"HS256","k":"`+b64url(secret)+`"},`+
			ksJWKJSON(t, &noAlgEC.PublicKey, map[string]any{"kid": "noalg-ec"})+`]}`))
		_, err := ksNewConsumer(only, clock, &ksErrors{})
		if !errors.Is(err, simplejwt.ErrKey) || !strings.Contains(err.Error(), only.srv.URL) {
			t.Fatalf("New = %v, want an ErrKey naming the URL", err)
		}
	})
}

// TestKsRemoteJWKSConvertsOnlyChangedSets watches the reports of an ignored
// key, which are made when a fetched set is converted: a refetch that
// brings the same set again converts nothing, a changed set is converted.
func TestKsRemoteJWKSConvertsOnlyChangedSets(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	a, b := ksES256(t, "a"), ksES256(t, "b")
	oct := `{"kty":"oct","kid":"oct","alg":"HS256","k":"` + b64url([]byte(strings.Repeat("s", 32))) + `"}`
	withOct := func(keys ...*simplejwt.Key) []byte {
		return []byte(strings.Replace(string(ksJWKSOf(t, keys...)), `{"keys":[`, `{"keys":[`+oct+`,`, 1))
	}
	p := ksNewProvider(t, withOct(a))
	var errs ksErrors
	consumer := ksConsumer(t, p, clock, &errs)
	if n := len(errs.list()); n != 1 {
		t.Fatalf("%d reports after New, want 1", n)
	}
	if _, err := consumer.Verify(ctx, ksForged("unknown")); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Fatal(err)
	}
	ksHits(t, p, 2, "after a refetch")
	if n := len(errs.list()); n != 1 {
		t.Fatalf("%d reports after refetching the same set, want 1", n)
	}

	p.serve(200, withOct(a, b))
	clock.Advance(time.Minute)
	if _, err := consumer.Verify(ctx, ksMint(t, clock, b)); err != nil {
		t.Fatalf("token of b: %v", err)
	}
	ksHits(t, p, 3, "after the refetch for b")
	if n := len(errs.list()); n != 2 {
		t.Fatalf("%d reports after a changed set, want 2", n)
	}
}

// TestKsRemoteJWKSBodyLimit: a body over RemoteMaxBytes fails the fetch with
// an *http.MaxBytesError, whether its length is announced or not.
func TestKsRemoteJWKSBodyLimit(t *testing.T) {
	clock := newFakeClock(t0)
	body := ksJWKSOf(t, ksES256(t, "a"), ksES256(t, "b"), ksES256(t, "c"))
	limit := int64(len(body) - 1)
	for _, chunked := range []bool{false, true} {
		t.Run("chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.Write(body[:10])
				http.NewResponseController(w).Flush()
				w.Write(body[10:])
			}))
			defer srv.Close()
			_, err := simplejwt.New(simplejwt.WithRemoteJWKS(srv.URL, simplejwt.RemoteHTTPClient(srv.Client()), simplejwt.RemoteMaxBytes(limit)))
			var tooBig *http.MaxBytesError
			if !errors.As(err, &tooBig) || tooBig.Limit != limit || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("New = %v, want an *http.MaxBytesError of limit %d naming the URL", err, limit)
			}
			a, err := simplejwt.New(simplejwt.WithRemoteJWKS(srv.URL, simplejwt.RemoteHTTPClient(srv.Client()), simplejwt.RemoteMaxBytes(limit+1)),
				simplejwt.WithClock(clock.Now))
			if err != nil {
				t.Fatalf("body of exactly the limit: %v", err)
			}
			a.Close()
		})
	}
}

// TestKsRemoteJWKSIssuerAudience gives two remote sets their own issuer and
// audience: each token is held to the iss and aud of the set whose key
// verified it, not to the Auth's.
func TestKsRemoteJWKSIssuerAudience(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	k1, k2 := ksES256(t, "one"), ksES256(t, "two")
	p1, p2 := ksNewProvider(t, ksJWKSOf(t, k1)), ksNewProvider(t, ksJWKSOf(t, k2))
	consumer := ksMust(simplejwt.New(
		simplejwt.WithClock(clock.Now),
		simplejwt.WithIssuer("https://local.example"), simplejwt.WithAudience("local"),
		simplejwt.WithRemoteJWKS(p1.srv.URL, simplejwt.RemoteHTTPClient(p1.srv.Client()),
			simplejwt.RemoteIssuer("https://one.example"), simplejwt.RemoteAudience("api", "api2")),
		simplejwt.WithRemoteJWKS(p2.srv.URL, simplejwt.RemoteHTTPClient(p2.srv.Client()),
			simplejwt.RemoteIssuer("https://two.example")),
	))
	defer consumer.Close()
	iss := func(s string) simplejwt.Option { return simplejwt.WithIssuer(s) }
	aud := func(s ...string) simplejwt.Option { return simplejwt.WithAudience(s...) }
	for _, tc := range []struct {
		name string
		key  *simplejwt.Key
		opts []simplejwt.Option
		want error
	}{
		{"one: its iss and aud", k1, []simplejwt.Option{iss("https://one.example"), aud("api2")}, nil},
		{"one: iss of two", k1, []simplejwt.Option{iss("https://two.example"), aud("api")}, simplejwt.ErrTokenIssuer},
		{"one: the Auth's own iss", k1, []simplejwt.Option{iss("https://local.example"), aud("api")}, simplejwt.ErrTokenIssuer},
		{"one: no iss", k1, []simplejwt.Option{aud("api")}, simplejwt.ErrTokenIssuer},
		{"one: the Auth's own aud", k1, []simplejwt.Option{iss("https://one.example"), aud("local")}, simplejwt.ErrTokenAudience},
		{"two: its iss, the Auth's aud", k2, []simplejwt.Option{iss("https://two.example"), aud("local")}, nil},
		{"two: its iss, another aud", k2, []simplejwt.Option{iss("https://two.example"), aud("api")}, simplejwt.ErrTokenAudience},
		{"two: iss of one", k2, []simplejwt.Option{iss("https://one.example"), aud("local")}, simplejwt.ErrTokenIssuer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := consumer.Verify(ctx, ksMint(t, clock, tc.key, tc.opts...))
			if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestKsRemoteJWKSConfusion sends the key confusion attacks that involve a
// remote set; security_test.go covers them for the static ring.
func TestKsRemoteJWKSConfusion(t *testing.T) {
	clock := newFakeClock(t0)
	ctx := context.Background()
	testKeys(t)
	remote := ksMust(simplejwt.NewKey(simplejwt.RS256, testRSA)).WithID("remote")
	local := ksES256(t, "local")
	providerLocal := ksES256(t, "local") // the provider also publishes a key under kid "local"
	p := ksNewProvider(t, ksJWKSOf(t, remote, providerLocal))
	var attackerHits atomic.Int64
	evilPriv := ksNewEC(t)
	evil := ksMust(simplejwt.NewKey(simplejwt.ES256, evilPriv)).WithID("evil")
	attacker := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		w.Write(ksJWKSOf(t, evil))
	}))
	defer attacker.Close()
	consumer := ksMust(simplejwt.New(simplejwt.WithClock(clock.Now), simplejwt.WithVerificationKeys(local),
		simplejwt.WithRemoteJWKS(p.srv.URL, simplejwt.RemoteHTTPClient(p.srv.Client()), simplejwt.RemoteClock(clock.Now))))
	defer consumer.Close()
	for name, tok := range map[string]string{"remote key": ksMint(t, clock, remote), "local key": ksMint(t, clock, local)} {
		if _, err := consumer.Verify(ctx, tok); err != nil {
			t.Fatalf("control, token of the %s: %v", name, err)
		}
	}

	enc := base64.RawURLEncoding
	payload := `{"token_type":"access","exp":` + strconv.FormatInt(t0.Add(time.Minute).Unix(), 10) + `,"jti":"j","user_id":"7"}`
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ksMust(x509.MarshalPKIXPublicKey(&testRSA.PublicKey))})
	hs := func(secret []byte, header string) string {
		in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(in))
		return in + "." + enc.EncodeToString(m.Sum(nil))
	}
	evilJWK := ksJWKJSON(t, evilPriv.Public(), map[string]any{"kid": "evil", "alg": "ES256"})
	byEvil := func(header string) string { return ksSignES256(t, evilPriv, header, payload) }

	cases := []struct {
		name string
		tok  string
		want error
	}{
		{"HS256 keyed with the remote RSA key's PEM", hs(pubPEM, `{"alg":"HS256","kid":"remote","typ":"JWT"}`), simplejwt.ErrTokenUnverifiable},
		{"HS256 keyed with the remote JWKS JSON", hs(ksJWKSOf(t, remote), `{"alg":"HS256","kid":"remote","typ":"JWT"}`), simplejwt.ErrTokenUnverifiable},
		{"HS256 keyed with the remote RSA modulus, no kid", hs(testRSA.N.Bytes(), `{"alg":"HS256","typ":"JWT"}`), simplejwt.ErrTokenUnverifiable},
		{"PS256 by the remote RSA key, which is pinned to RS256", ksMint(t, clock, ksMust(simplejwt.NewKey(simplejwt.PS256, testRSA)).WithID("remote")), simplejwt.ErrTokenUnverifiable},
		{"ES256 naming the remote RSA key's kid", ksMint(t, clock, ksES256(t, "remote")), simplejwt.ErrTokenUnverifiable},
		{"kid of a local key, signed by the provider's key of that kid", ksMint(t, clock, providerLocal), simplejwt.ErrTokenSignature},
		{"jku to the attacker's JWKS", byEvil(`{"alg":"ES256","kid":"evil","jku":"` + attacker.URL + `","typ":"JWT"}`), simplejwt.ErrTokenUnverifiable},
		{"x5u to the attacker", byEvil(`{"alg":"ES256","kid":"evil","x5u":"` + attacker.URL + `","typ":"JWT"}`), simplejwt.ErrTokenUnverifiable},
		{"embedded jwk of the attacker", byEvil(`{"alg":"ES256","jwk":` + evilJWK + `,"kid":"evil","typ":"JWT"}`), simplejwt.ErrTokenUnverifiable},
		{"embedded jwk of the attacker under the remote kid", byEvil(`{"alg":"RS256","jwk":` + evilJWK + `,"kid":"remote","typ":"JWT"}`), simplejwt.ErrTokenSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := consumer.Verify(ctx, tc.tok); !errors.Is(err, tc.want) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
		})
	}
	if attackerHits.Load() != 0 {
		t.Errorf("the attacker's server was fetched %d times", attackerHits.Load())
	}
	// Only the unknown kid "evil" made the consumer fetch the set again,
	// once: the HS tokens never reach the remote set, the other kids are
	// known.
	ksHits(t, p, 2, "after the attacks")
}

// ksSignES256 signs header and payload JSON, exactly as given, with priv.
func ksSignES256(t testing.TB, priv *ecdsa.PrivateKey, header, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	h := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, priv, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + enc.EncodeToString(sig)
}

// TestKsRemoteJWKSOptionsRefused checks that New refuses bad remote settings
// with an error naming the option, before fetching anything.
func TestKsRemoteJWKSOptionsRefused(t *testing.T) {
	p := ksNewProvider(t, ksJWKSOf(t, ksES256(t, "a")))
	client := simplejwt.RemoteHTTPClient(p.srv.Client())
	cases := []struct {
		name, url, option string
		opts              []simplejwt.RemoteOption
	}{
		{"refresh under a second", "", "RemoteRefreshInterval", []simplejwt.RemoteOption{simplejwt.RemoteRefreshInterval(500 * time.Millisecond)}},
		{"zero miss interval", "", "RemoteMissRefetchInterval", []simplejwt.RemoteOption{simplejwt.RemoteMissRefetchInterval(0)}},
		{"no allowed algorithm", "", "RemoteAllowedAlgorithms", []simplejwt.RemoteOption{simplejwt.RemoteAllowedAlgorithms()}},
		{"HS256 allowed", "", "RemoteAllowedAlgorithms", []simplejwt.RemoteOption{simplejwt.RemoteAllowedAlgorithms(simplejwt.RS256, simplejwt.HS256)}},
		{"none allowed", "", "RemoteAllowedAlgorithms", []simplejwt.RemoteOption{simplejwt.RemoteAllowedAlgorithms("none")}},
		{"zero body limit", "", "RemoteMaxBytes", []simplejwt.RemoteOption{simplejwt.RemoteMaxBytes(0)}},
		{"empty issuer", "", "RemoteIssuer", []simplejwt.RemoteOption{simplejwt.RemoteIssuer("")}},
		{"no audience", "", "RemoteAudience", []simplejwt.RemoteOption{simplejwt.RemoteAudience()}},
		{"empty audience", "", "RemoteAudience", []simplejwt.RemoteOption{simplejwt.RemoteAudience("api", "")}},
		{"nil clock", "", "RemoteClock", []simplejwt.RemoteOption{simplejwt.RemoteClock(nil)}},
		{"nil client", "", "RemoteHTTPClient", []simplejwt.RemoteOption{simplejwt.RemoteHTTPClient(nil)}},
		{"nil error handler", "", "RemoteErrorHandler", []simplejwt.RemoteOption{simplejwt.RemoteErrorHandler(nil)}},
		{"URL without host", "https:///jwks.json", "WithRemoteJWKS", nil},
		{"URL of another scheme", "file:///etc/jwks.json", "WithRemoteJWKS", nil},
		{"unparsable URL", "https://[::1", "WithRemoteJWKS", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.url
			if u == "" {
				u = p.srv.URL
			}
			_, err := simplejwt.New(simplejwt.WithRemoteJWKS(u, append([]simplejwt.RemoteOption{client}, tc.opts...)...))
			if err == nil || !strings.Contains(err.Error(), tc.option) || !strings.Contains(err.Error(), "WithRemoteJWKS") {
				t.Fatalf("New = %v; want an error naming %s", err, tc.option)
			}
		})
	}
	ksHits(t, p, 0, "after refused options")
}

// TestKsRemoteJWKSClose checks that a closed Auth no longer fetches.
func TestKsRemoteJWKSClose(t *testing.T) {
	clock := newFakeClock(t0)
	a := ksES256(t, "a")
	p := ksNewProvider(t, ksJWKSOf(t, a))
	consumer, err := ksNewConsumer(p, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := consumer.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := consumer.Verify(context.Background(), ksForged("new")); !errors.Is(err, simplejwt.ErrTokenUnverifiable) {
		t.Fatalf("unknown kid after Close: %v", err)
	}
	if _, err := consumer.Verify(context.Background(), ksMint(t, clock, a)); err != nil {
		t.Fatalf("known kid after Close: %v", err)
	}
	ksHits(t, p, 1, "after Close")
}

// TestKsRemoteErrorsGoToTheAuthLogger: without a RemoteErrorHandler, a
// failed refetch is a warning through the Auth's WithLogger logger.
func TestKsRemoteErrorsGoToTheAuthLogger(t *testing.T) {
	key := ksES256(t, "k1")
	p := ksNewProvider(t, ksJWKSOf(t, key))
	clock := newFakeClock(t0)
	var logged bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(ksLockedWriter{&mu, &logged}, nil))
	a, err := simplejwt.New(
		simplejwt.WithRemoteJWKS(p.srv.URL+"/jwks.json", simplejwt.RemoteHTTPClient(p.srv.Client()), simplejwt.RemoteClock(clock.Now)),
		simplejwt.WithClock(clock.Now), simplejwt.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p.serve(http.StatusServiceUnavailable, []byte(`down`))
	if _, err := a.Verify(context.Background(), ksForged("unknown")); err == nil {
		t.Fatal("a token with an unknown kid verified")
	}
	mu.Lock()
	out := logged.String()
	mu.Unlock()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, p.srv.URL) {
		t.Fatalf("logger got %q, want a warning naming the URL", out)
	}
}

type ksLockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w ksLockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}
