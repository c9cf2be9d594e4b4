package simplejwt

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// DefaultJWKSMaxAge is the Cache-Control max-age the JWKS endpoint usually
// sends: long enough to spare the endpoint, short enough for a newly
// published key to reach other services' caches within minutes.
const DefaultJWKSMaxAge = 5 * time.Minute

// PublicKeys returns the keys that JWKSHandler publishes: the signing key,
// then the verification keys in the order they were configured, each once,
// leaving out HMAC keys, which have no public part. Keys from remote key
// sets (WithRemoteJWKS) belong to another issuer and are not included.
func (a *Auth) PublicKeys() []*Key {
	var keys []*Key
	for _, k := range a.keys.all {
		if k.public != nil {
			keys = append(keys, k)
		}
	}
	return keys
}

// JWKSHandler serves the public keys of PublicKeys as a JWK Set (RFC 7517),
// {"keys":[...]}, in that order, for services that verify this Auth's
// tokens (WithRemoteJWKS or any JWKS consumer). Each key carries "alg" and
// "use":"sig", and "kid" when it has one; private and symmetric key material
// is never published. An Auth with only HMAC keys serves {"keys":[]}.
//
// The answer carries Cache-Control "public, max-age=N", N being maxAge in
// whole seconds (DefaultJWKSMaxAge is the usual value; less than a second
// sends 0). Only GET and HEAD are allowed; other methods get 405 with a JSON
// body, as the token endpoints do. The body is computed once: the key ring
// of an Auth never changes.
func (a *Auth) JWKSHandler(maxAge time.Duration) http.Handler {
	body := []byte(`{"keys":[`)
	for i, k := range a.PublicKeys() {
		if i > 0 {
			body = append(body, ',')
		}
		// A public JWK made by jwk.FromRaw always marshals.
		b, _ := json.Marshal(k.public)
		body = append(body, b...)
	}
	body = append(body, "]}"...)
	return &jwksHandler{
		body:         body,
		cacheControl: "public, max-age=" + strconv.FormatInt(int64(max(maxAge, 0)/time.Second), 10),
	}
}

type jwksHandler struct {
	body         []byte
	cacheControl string
}

func (h *jwksHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed,
			Body: detailBody(`Method "`+r.Method+`" not allowed.`, "")})
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", h.cacheControl)
	hdr.Set("Content-Length", strconv.Itoa(len(h.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(h.body)
	}
}
