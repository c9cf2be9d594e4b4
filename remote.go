package simplejwt

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Defaults of a remote key set.
const (
	defaultRemoteRefresh  = 15 * time.Minute
	defaultRemoteMiss     = time.Minute
	defaultRemoteMaxBytes = 1 << 20
	// remoteFetchTimeout bounds each fetch, from the request to the end of
	// the body.
	remoteFetchTimeout = 10 * time.Second
)

// RemoteOption configures one remote key set of WithRemoteJWKS.
type RemoteOption func(*remoteConfig) error

type remoteConfig struct {
	refresh   time.Duration
	miss      time.Duration
	allowed   []Algorithm // nil: only keys with an alg
	allowHTTP bool
	maxBytes  int64
	issuer    string
	audience  []string
	tokenType TokenType // for tokens without token_type; "" requires one
	now       func() time.Time
	client    *http.Client
	onError   func(error)
}

// RemoteRefreshInterval sets how often the key set is fetched in the
// background. Default 15 minutes; at least one second.
func RemoteRefreshInterval(d time.Duration) RemoteOption {
	return func(c *remoteConfig) error {
		if d < time.Second {
			return fmt.Errorf("RemoteRefreshInterval: must be at least 1s, got %v", d)
		}
		c.refresh = d
		return nil
	}
}

// RemoteMissRefetchInterval sets how often a token naming a kid the key set
// does not hold may make it fetch the set again: at most once per d, however
// many such tokens arrive, the first such token after New fetching at once.
// The tokens arriving while that fetch runs wait for it and share it; the
// others are refused with ErrTokenUnverifiable. Default 1 minute.
func RemoteMissRefetchInterval(d time.Duration) RemoteOption {
	return func(c *remoteConfig) error {
		if d <= 0 {
			return fmt.Errorf("RemoteMissRefetchInterval: must be positive, got %v", d)
		}
		c.miss = d
		return nil
	}
}

// RemoteAllowedAlgorithms limits the key set to algs. A key of the set whose
// "alg" is not in algs is ignored; a key without "alg" is used for each of
// algs that fits its type. Without this option only keys with an "alg" are
// used, each for that algorithm alone. HMAC algorithms are refused: a
// symmetric key is never taken from a remote set.
func RemoteAllowedAlgorithms(algs ...Algorithm) RemoteOption {
	return func(c *remoteConfig) error {
		if len(algs) == 0 {
			return errors.New("RemoteAllowedAlgorithms: no algorithm")
		}
		for _, a := range algs {
			if _, err := ParseAlgorithm(string(a)); err != nil {
				return fmt.Errorf("RemoteAllowedAlgorithms: %w", err)
			}
			if a.family() == "HS" {
				return fmt.Errorf("RemoteAllowedAlgorithms: %w: %s is symmetric; remote keys are public keys", ErrKey, a)
			}
		}
		c.allowed = slices.Compact(slices.Clone(algs))
		return nil
	}
}

// RemoteAllowHTTP lets the key set be fetched over plain http, which anybody
// on the network path can tamper with. Use it for tests and for a provider
// on the same host. Default: only https, including for redirects.
func RemoteAllowHTTP() RemoteOption {
	return func(c *remoteConfig) error { c.allowHTTP = true; return nil }
}

// RemoteMaxBytes limits the size of the key set's HTTP body; a larger body
// fails the fetch with an *http.MaxBytesError. Default 1 MiB.
func RemoteMaxBytes(n int64) RemoteOption {
	return func(c *remoteConfig) error {
		if n <= 0 {
			return fmt.Errorf("RemoteMaxBytes: must be positive, got %d", n)
		}
		c.maxBytes = n
		return nil
	}
}

// RemoteIssuer requires tokens verified by this key set to carry iss, in
// place of the Auth's WithIssuer. Default: WithIssuer applies. Set it
// whenever the Auth also has keys of its own or other key sets, so that a
// token of one issuer cannot pass as another's.
func RemoteIssuer(iss string) RemoteOption {
	return func(c *remoteConfig) error {
		if iss == "" {
			return errors.New("RemoteIssuer: empty issuer")
		}
		c.issuer = iss
		return nil
	}
}

// RemoteTokenType treats tokens verified by this key set that have no
// token_type claim, as identity providers' access tokens usually have not,
// as tokens of type t (normally Access). A token_type that is present is
// still checked. Default: token_type is required, as for local tokens.
func RemoteTokenType(t TokenType) RemoteOption {
	return func(c *remoteConfig) error {
		if t != Access && t != Sliding {
			return fmt.Errorf("RemoteTokenType: %q cannot authenticate a request (use Access or Sliding)", t)
		}
		c.tokenType = t
		return nil
	}
}

// RemoteAudience requires tokens verified by this key set to name one of
// aud, in place of the Auth's WithAudience. Default: WithAudience applies.
func RemoteAudience(aud ...string) RemoteOption {
	return func(c *remoteConfig) error {
		if len(aud) == 0 || slices.Contains(aud, "") {
			return errors.New("RemoteAudience: audiences must be non-empty strings")
		}
		c.audience = slices.Clone(aud)
		return nil
	}
}

// RemoteClock sets the clock of the refetch rate limit
// (RemoteMissRefetchInterval). Default time.Now; the Auth's WithClock does
// not apply. Tests use it instead of sleeping.
func RemoteClock(now func() time.Time) RemoteOption {
	return func(c *remoteConfig) error {
		if now == nil {
			return errors.New("RemoteClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// RemoteHTTPClient sets the client that fetches the key set, for its
// transport (proxies, TLS roots) and its timeout. The key set uses a copy of
// c whose redirect policy also refuses non-https targets; each fetch is
// bounded to 10 seconds in any case. Default: a client with
// http.DefaultTransport.
func RemoteHTTPClient(c *http.Client) RemoteOption {
	return func(rc *remoteConfig) error {
		if c == nil {
			return errors.New("RemoteHTTPClient: nil client")
		}
		rc.client = c
		return nil
	}
}

// RemoteErrorHandler receives the errors of the key set's fetches after
// start-up (background refreshes and refetches) and the keys of a fetched
// set that are ignored, each error naming the URL. It may be called from
// several goroutines at once and should not block. Default: a warning
// through the Auth's logger (WithLogger).
func RemoteErrorHandler(f func(error)) RemoteOption {
	return func(c *remoteConfig) error {
		if f == nil {
			return errors.New("RemoteErrorHandler: nil function")
		}
		c.onError = f
		return nil
	}
}

// WithRemoteJWKS verifies tokens with the keys of the JWK Set at rawURL,
// such as the JWKS of an identity provider or of another Auth's
// JWKSHandler. The set is fetched when the option is applied, so that New
// fails with an error naming the URL when it cannot be fetched or holds no
// usable key. It is then kept fresh by a jwk.Cache that fetches it every
// RemoteRefreshInterval; when a fetch fails the keys already held stay in
// use. A token naming a kid the set does not hold makes it fetch the set
// again, at most once per RemoteMissRefetchInterval, so that a key the
// provider has just rotated in is found at once while a flood of made-up
// kids costs the provider at most one request per interval. Auth.Close
// stops the background work.
//
// Each key of the set is pinned to its "alg"; a key without one is used
// only with RemoteAllowedAlgorithms. Symmetric ("oct") keys, keys whose
// "use" is not "sig" or whose "key_ops" lack "verify", and keys that do not
// fit their algorithm are ignored and reported to RemoteErrorHandler. Only
// https URLs are fetched unless RemoteAllowHTTP is given, and the body is
// limited by RemoteMaxBytes.
//
// Keys of the Auth's own ring are consulted before remote sets, and remote
// sets in the order of their options: a remote set never shadows a kid of
// the ring. The headers jku, x5u and jwk of a token are never followed.
func WithRemoteJWKS(rawURL string, opts ...RemoteOption) Option {
	return func(c *config) error {
		src, err := newRemoteSource(rawURL, opts)
		if err != nil {
			return fmt.Errorf("WithRemoteJWKS %q: %w", rawURL, err)
		}
		c.keySources = append(c.keySources, src)
		return nil
	}
}

// remoteSource is a keySource over one remote JWK Set. The jwk.Cache
// fetches the set at start-up and in the background; refetches on an
// unknown kid bypass it, because jwk.Cache (httprc v1) schedules one more
// periodic refresh for every forced Refresh, so forced refreshes would
// multiply the background fetches. Both paths hand the parsed set to
// install, which converts it to Keys when it has changed.
type remoteSource struct {
	url     string
	cfg     remoteConfig
	ctx     context.Context
	cancel  context.CancelFunc
	fetcher *remoteFetcher
	cache   *jwk.Cache

	index     atomic.Pointer[remoteIndex]
	logger    atomic.Pointer[slog.Logger] // the Auth's; nil until New sets it
	installMu sync.Mutex                  // serializes install

	wg sync.WaitGroup // the running refetch

	mu       sync.Mutex    // guards the fields below
	inflight chan struct{} // closed when the running refetch ends; nil when none runs
	missed   bool          // a refetch has been started
	nextMiss time.Time     // no refetch starts before this
	closed   bool
}

func newRemoteSource(rawURL string, opts []RemoteOption) (*remoteSource, error) {
	rc := remoteConfig{refresh: defaultRemoteRefresh, miss: defaultRemoteMiss, maxBytes: defaultRemoteMaxBytes, now: time.Now}
	var errs []error
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&rc); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if !schemeAllowed(u.Scheme, rc.allowHTTP) {
		return nil, errors.New("only https URLs are fetched (RemoteAllowHTTP allows http)")
	}
	if u.Host == "" {
		return nil, errors.New("URL has no host")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &remoteSource{url: rawURL, cfg: rc, ctx: ctx, cancel: cancel}
	s.fetcher = &remoteFetcher{ctx: ctx, client: redirectChecked(rc.client, rc.allowHTTP), maxBytes: rc.maxBytes}
	s.cache = jwk.NewCache(ctx, jwk.WithRefreshWindow(refreshWindow(rc.refresh)), jwk.WithErrSink(remoteErrSink{s}))
	err = s.cache.Register(rawURL,
		jwk.WithHTTPClient(s.fetcher),
		jwk.WithRefreshInterval(rc.refresh),
		jwk.WithPostFetcher(jwk.PostFetchFunc(func(_ string, set jwk.Set) (jwk.Set, error) {
			s.install(set)
			return set, nil
		})))
	if err == nil {
		fctx, fcancel := context.WithTimeout(ctx, remoteFetchTimeout)
		_, err = s.cache.Refresh(fctx, rawURL)
		fcancel()
	}
	if err != nil {
		cancel()
		return nil, err
	}
	switch idx := s.index.Load(); {
	case idx == nil:
		cancel()
		return nil, errors.New("the fetched set could not be converted")
	case idx.n == 0:
		cancel()
		return nil, keyErr("no usable key in the set: %w", errors.Join(idx.ignored...))
	}
	return s, nil
}

func schemeAllowed(scheme string, allowHTTP bool) bool {
	return scheme == "https" || (allowHTTP && scheme == "http")
}

// refreshWindow is how often the cache looks for due refreshes: a
// fifteenth of the refresh interval, between 1 second and 1 minute.
func refreshWindow(refresh time.Duration) time.Duration {
	return min(max(refresh/15, time.Second), time.Minute)
}

// redirectChecked returns a copy of c (or a new client) that refuses
// redirects to URLs the key set may not be fetched from.
func redirectChecked(c *http.Client, allowHTTP bool) *http.Client {
	cp := &http.Client{}
	if c != nil {
		*cp = *c
	}
	next := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !schemeAllowed(req.URL.Scheme, allowHTTP) {
			return fmt.Errorf("redirect to %s refused: only https URLs are fetched", req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return cp
}

// remoteIndex is the converted form of one fetched set. It is immutable.
type remoteIndex struct {
	sum     [sha256.Size]byte // of the set's JSON form
	byID    map[kidAlg][]*Key
	kids    map[string]bool // every kid of the set, of usable keys or not
	noKID   map[Algorithm][]*Key
	n       int     // usable keys
	ignored []error // why keys were ignored, in the set's order
}

type kidAlg struct {
	kid string
	alg Algorithm
}

// find returns the keys for a token's alg and kid, and whether the set
// knows the kid (for any algorithm, or for a key it ignored) or, for a
// token without kid, has a key for it. Only an unknown kid is worth a
// refetch.
func (x *remoteIndex) find(alg Algorithm, kid string, hasKID bool) ([]*Key, bool) {
	if hasKID {
		return x.byID[kidAlg{kid, alg}], x.kids[kid]
	}
	ks := x.noKID[alg]
	return ks, len(ks) > 0
}

// install makes set the source of keys, converting it unless it is the
// set already installed.
func (s *remoteSource) install(set jwk.Set) {
	b, err := json.Marshal(set)
	if err != nil {
		s.report(fmt.Errorf("re-encode the fetched set: %w", err))
		return
	}
	sum := sha256.Sum256(b)
	s.installMu.Lock()
	defer s.installMu.Unlock()
	if cur := s.index.Load(); cur != nil && cur.sum == sum {
		return
	}
	x := &remoteIndex{sum: sum, byID: map[kidAlg][]*Key{}, kids: map[string]bool{}, noKID: map[Algorithm][]*Key{}}
	for i := 0; i < set.Len(); i++ {
		jk, _ := set.Key(i)
		if kid := jk.KeyID(); kid != "" {
			x.kids[kid] = true
		}
		keys, err := s.convert(jk)
		if err != nil {
			err = fmt.Errorf("JWK %d (kid %q) ignored: %w", i, jk.KeyID(), err)
			x.ignored = append(x.ignored, err)
			s.report(err)
			continue
		}
		x.n++
		for _, k := range keys {
			if k.id == "" {
				x.noKID[k.alg] = append(x.noKID[k.alg], k)
				continue
			}
			ka := kidAlg{k.id, k.alg}
			x.byID[ka] = append(x.byID[ka], k)
		}
	}
	if x.n == 0 && s.index.Load() != nil {
		s.report(errors.New("the fetched set has no usable key"))
	}
	s.index.Store(x)
}

// convert returns the verification keys one JWK of the set yields: one per
// algorithm it may be used with.
func (s *remoteSource) convert(jk jwk.Key) ([]*Key, error) {
	if jk.KeyType() == jwa.OctetSeq {
		return nil, keyErr("symmetric (oct) keys are never taken from a remote set")
	}
	if use := jk.KeyUsage(); use != "" && use != string(jwk.ForSignature) {
		return nil, keyErr("use is %q, not sig", use)
	}
	if ops := jk.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, keyErr("key_ops %v lack verify", ops)
	}
	algs := s.cfg.allowed
	if a := jk.Algorithm(); a != nil && a.String() != "" {
		alg, err := ParseAlgorithm(a.String())
		switch {
		case err != nil:
			return nil, err
		case alg.family() == "HS":
			return nil, keyErr("%s is symmetric", alg)
		case s.cfg.allowed != nil && !slices.Contains(s.cfg.allowed, alg):
			return nil, keyErr("%s is not in RemoteAllowedAlgorithms", alg)
		}
		algs = []Algorithm{alg}
	} else if algs == nil {
		return nil, keyErr("no alg, and RemoteAllowedAlgorithms is not set")
	}
	pub, err := jk.PublicKey()
	if err != nil {
		return nil, keyErr("%v", err)
	}
	var (
		keys []*Key
		errs []error
	)
	for _, alg := range algs {
		k, err := fromJWK(alg, pub)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if kid := jk.KeyID(); kid != "" {
			k = k.WithID(kid)
		}
		k.issuer, k.audience, k.defaultType = s.cfg.issuer, s.cfg.audience, s.cfg.tokenType
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.Join(errs...)
	}
	return keys, nil
}

// lookup implements keySource. A token whose alg the set may never serve
// (HMAC, or outside RemoteAllowedAlgorithms) is answered at once; an
// unknown kid, or a kid-less token without a kid-less key, makes the set be
// fetched again within the rate limit.
func (s *remoteSource) lookup(ctx context.Context, algName []byte, kid string, hasKID bool) []*Key {
	alg := headerAlgorithm(algName)
	if alg == "" || alg.family() == "HS" || (s.cfg.allowed != nil && !slices.Contains(s.cfg.allowed, alg)) {
		return nil
	}
	if ks, known := s.index.Load().find(alg, kid, hasKID); known {
		return ks
	}
	s.refetch(ctx)
	ks, _ := s.index.Load().find(alg, kid, hasKID)
	return ks
}

// algorithms lists every supported Algorithm.
var algorithms = []Algorithm{HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}

// headerAlgorithm returns the Algorithm named exactly b, or "".
func headerAlgorithm(b []byte) Algorithm {
	for _, a := range algorithms {
		if string(a) == string(b) {
			return a
		}
	}
	return ""
}

// refetch fetches the set again unless one was started less than the miss
// interval ago, and waits for the fetch running, if any, or until ctx ends.
// Concurrent callers share one fetch.
func (s *remoteSource) refetch(ctx context.Context) {
	s.mu.Lock()
	ch := s.inflight
	if ch == nil {
		now := s.cfg.now()
		if s.closed || (s.missed && now.Before(s.nextMiss)) {
			s.mu.Unlock()
			return
		}
		s.missed, s.nextMiss = true, now.Add(s.cfg.miss)
		ch = make(chan struct{})
		s.inflight = ch
		s.wg.Add(1)
		go s.runRefetch(ch)
	}
	s.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

func (s *remoteSource) runRefetch(done chan struct{}) {
	defer s.wg.Done()
	set, err := s.fetchSet()
	if err != nil {
		s.report(fmt.Errorf("refetch for an unknown kid: %w", err))
	} else {
		s.install(set)
	}
	s.mu.Lock()
	s.inflight = nil
	s.mu.Unlock()
	close(done)
}

func (s *remoteSource) fetchSet() (jwk.Set, error) {
	res, err := s.fetcher.Get(s.url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return jwk.Parse(b)
}

// report hands err, naming the URL, to the error handler. Errors after
// Close are dropped.
func (s *remoteSource) report(err error) {
	if s.ctx.Err() != nil {
		return
	}
	err = fmt.Errorf("simplejwt: remote JWKS %q: %w", s.url, err)
	if s.cfg.onError != nil {
		s.cfg.onError(err)
		return
	}
	logger := s.logger.Load()
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn(err.Error())
}

// setLogger gives the source the Auth's logger, once New knows it.
func (s *remoteSource) setLogger(l *slog.Logger) { s.logger.Store(l) }

// Close stops the background refreshes and waits for a running refetch.
func (s *remoteSource) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// remoteErrSink passes the errors of the cache's background refreshes on.
type remoteErrSink struct{ s *remoteSource }

func (e remoteErrSink) Error(err error) { e.s.report(err) }

// remoteFetcher is the HTTP client of a remote set: only a 200 answer
// counts, its body is limited, and each fetch is bounded in time and ends
// when the source is closed.
type remoteFetcher struct {
	ctx      context.Context
	client   *http.Client
	maxBytes int64
}

// Get implements jwk.HTTPClient.
func (f *remoteFetcher) Get(u string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(f.ctx, remoteFetchTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	res, err := f.client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET %s: %s", u, res.Status)
	}
	if res.ContentLength > f.maxBytes {
		res.Body.Close()
		cancel()
		return nil, &http.MaxBytesError{Limit: f.maxBytes}
	}
	res.Body = &remoteBody{r: http.MaxBytesReader(nil, res.Body, f.maxBytes), cancel: cancel}
	return res, nil
}

// remoteBody releases the connection and the fetch's context once the
// body has been read to its end or failed, since jwk.Cache does not close
// the bodies it reads.
type remoteBody struct {
	r      io.ReadCloser
	cancel context.CancelFunc
	once   sync.Once
}

func (b *remoteBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil {
		b.Close()
	}
	return n, err
}

func (b *remoteBody) Close() error {
	b.once.Do(func() {
		b.r.Close()
		b.cancel()
	})
	return nil
}
