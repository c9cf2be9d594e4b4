package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Step is one request of the README walk-through.
type Step struct {
	Name   string
	Method string
	Path   string
	// Bearer names a saved token sent as "Authorization: Bearer <token>".
	// No Authorization header is sent when it is empty or names no token.
	Bearer string
	// Body is the JSON request body; each {NAME} in it is replaced by the
	// saved token NAME. Empty sends no body.
	Body string
	// Save maps a string field of a 200 response body to the name it is
	// saved under.
	Save map[string]string
}

// WalkthroughSteps returns the steps of the README walk-through, which
// scripts/walkthrough.sh runs with curl: log in as alice, call whoami,
// refresh, blacklist the refresh token, fail to refresh with it again; log
// in with a sliding token and call whoami-sliding.
func WalkthroughSteps() []Step {
	return []Step{
		{Name: "health", Method: "GET", Path: "/healthz"},
		{Name: "whoami without a token", Method: "GET", Path: "/api/whoami/"},
		{Name: "login bob (inactive)", Method: "POST", Path: "/api/token/",
			Body: `{"username":"bob","password":"builder"}`},
		{Name: "login alice", Method: "POST", Path: "/api/token/",
			Body: `{"username":"alice","password":"wonderland"}`,
			Save: map[string]string{"access": "ACCESS", "refresh": "REFRESH"}},
		{Name: "whoami", Method: "GET", Path: "/api/whoami/", Bearer: "ACCESS"},
		{Name: "verify the access token", Method: "POST", Path: "/api/token/verify/",
			Body: `{"token":"{ACCESS}"}`},
		{Name: "refresh", Method: "POST", Path: "/api/token/refresh/",
			Body: `{"refresh":"{REFRESH}"}`},
		{Name: "blacklist the refresh token", Method: "POST", Path: "/api/token/blacklist/",
			Body: `{"refresh":"{REFRESH}"}`},
		{Name: "refresh again", Method: "POST", Path: "/api/token/refresh/",
			Body: `{"refresh":"{REFRESH}"}`},
		{Name: "whoami after logout", Method: "GET", Path: "/api/whoami/", Bearer: "ACCESS"},
		{Name: "login alice (sliding)", Method: "POST", Path: "/api/token/sliding/",
			Body: `{"username":"alice","password":"wonderland"}`,
			Save: map[string]string{"token": "SLIDING"}},
		{Name: "whoami-sliding", Method: "GET", Path: "/api/whoami-sliding/", Bearer: "SLIDING"},
		{Name: "sliding token on whoami", Method: "GET", Path: "/api/whoami/", Bearer: "SLIDING"},
	}
}

var (
	tokenPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	jtiPattern   = regexp.MustCompile(`"jti":"[0-9a-f]{32}"`)
)

// Normalize replaces what differs between two runs of the walk-through in a
// response body: every JWT becomes <token> and every jti <jti>. Trailing
// newlines are dropped. scripts/walkthrough.sh applies the same rules.
func Normalize(body string) string {
	body = strings.TrimRight(body, "\n")
	body = tokenPattern.ReplaceAllString(body, "<token>")
	return jtiPattern.ReplaceAllString(body, `"jti":"<jti>"`)
}

// RunWalkthrough runs WalkthroughSteps against the app at baseURL and
// returns one line per step, "NAME: METHOD PATH -> STATUS BODY", with the
// body normalized. The lines of two apps serving the same routes are equal.
func RunWalkthrough(client *http.Client, baseURL string) ([]string, error) {
	baseURL = strings.TrimSuffix(baseURL, "/")
	saved := map[string]string{}
	var lines []string
	for _, s := range WalkthroughSteps() {
		var body io.Reader
		if s.Body != "" {
			b := s.Body
			for name, tok := range saved {
				b = strings.ReplaceAll(b, "{"+name+"}", tok)
			}
			body = strings.NewReader(b)
		}
		req, err := http.NewRequest(s.Method, baseURL+s.Path, body)
		if err != nil {
			return lines, fmt.Errorf("%s: %w", s.Name, err)
		}
		if s.Body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tok := saved[s.Bearer]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			return lines, fmt.Errorf("%s: %w", s.Name, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return lines, fmt.Errorf("%s: %w", s.Name, err)
		}
		if resp.StatusCode == http.StatusOK && len(s.Save) > 0 {
			var fields map[string]any
			if err := json.Unmarshal(got, &fields); err != nil {
				return lines, fmt.Errorf("%s: response body: %w", s.Name, err)
			}
			for field, name := range s.Save {
				if v, ok := fields[field].(string); ok {
					saved[name] = v
				}
			}
		}
		lines = append(lines, fmt.Sprintf("%s: %s %s -> %d %s",
			s.Name, s.Method, s.Path, resp.StatusCode, Normalize(string(got))))
	}
	return lines, nil
}

// TB is the part of testing.TB that Walkthrough uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Walkthrough runs RunWalkthrough for a test and fails it on a transport
// error. It returns the normalized lines.
func Walkthrough(t TB, baseURL string) []string {
	t.Helper()
	lines, err := RunWalkthrough(&http.Client{Timeout: 10 * time.Second}, baseURL)
	if err != nil {
		t.Fatalf("walkthrough against %s: %v", baseURL, err)
	}
	return lines
}
