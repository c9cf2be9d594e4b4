package adaptertest

import (
	"net/http"
	"testing"

	"github.com/gosimplejwt/simplejwt/internal/demo"
)

// TestNetHTTP runs the table against the net/http middleware itself, so
// that the expectations of the table are checked in the root module.
func TestNetHTTP(t *testing.T) {
	f := NewFixture(t)
	Run(t, f, f.NetHTTP())
}

// TestRunDetectsDifferences checks that Run compares what it should: an
// adapter that answers differently must fail.
func TestRunDetectsDifferences(t *testing.T) {
	f := NewFixture(t)
	ref := f.NetHTTP()
	tests := []struct {
		name    string
		adapter http.HandlerFunc
	}{
		{"extra header", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Extra", "1")
			ref.ServeHTTP(w, r)
		}},
		{"other status", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
		}},
		{"other body", func(w http.ResponseWriter, r *http.Request) {
			ref.ServeHTTP(w, r)
			w.Write([]byte(" "))
		}},
	}
	for _, tc := range tests {
		for _, c := range f.Cases() {
			want, _ := Serve(ref, c.Request())
			got, _ := Serve(tc.adapter, c.Request())
			same := got.Status == want.Status && got.Body == want.Body && diffHeaders(got.Header, want.Header) == ""
			if same {
				t.Errorf("%s: case %q: answers compare equal", tc.name, c.Name)
			}
		}
	}
}

// TestNetHTTPMount runs the endpoint table against Auth.Mount itself.
func TestNetHTTPMount(t *testing.T) {
	f := NewFixture(t)
	mux := http.NewServeMux()
	f.Auth.Mount(mux, "/api/token/")
	RunMount(t, f, mux)
}

// TestNetHTTPWalkthrough runs RunWalkthrough on the net/http app itself.
func TestNetHTTPWalkthrough(t *testing.T) {
	RunWalkthrough(t, demo.NewMux)
}
