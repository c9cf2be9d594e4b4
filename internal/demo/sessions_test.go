package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

func sessCall(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSessionsRoutes(t *testing.T) {
	srv := newApp(t, nil)
	login := func() string {
		code, body := sessCall(t, "POST", srv.URL+"/api/token/", "", `{"username":"alice","password":"wonderland"}`)
		var p struct{ Access string }
		if code != 200 || json.Unmarshal([]byte(body), &p) != nil {
			t.Fatalf("login: %d %s", code, body)
		}
		return p.Access
	}
	mine, other := login(), login()
	code, body := sessCall(t, "GET", srv.URL+"/api/sessions/", mine, "")
	var got struct {
		Sessions []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got.Sessions) != 2 {
		t.Fatalf("GET /api/sessions/: %d %s", code, body)
	}
	var otherID string
	currents := 0
	for _, s := range got.Sessions {
		if s.Current {
			currents++
		} else {
			otherID = s.ID
		}
	}
	if currents != 1 || otherID == "" {
		t.Fatalf("sessions %s: want exactly one current", body)
	}
	if code, body := sessCall(t, "DELETE", srv.URL+"/api/sessions/"+otherID+"/", mine, ""); code != 200 || body != `{}` {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if code, _ := sessCall(t, "GET", srv.URL+"/api/whoami/", other, ""); code != 401 {
		t.Fatalf("whoami with the revoked session's token: %d", code)
	}
	if code, _ := sessCall(t, "GET", srv.URL+"/api/whoami/", mine, ""); code != 200 {
		t.Fatalf("whoami with the remaining session's token: %d", code)
	}
	if code, body := sessCall(t, "DELETE", srv.URL+"/api/sessions/0123456789abcdef0123456789abcdef/", mine, ""); code != 404 ||
		body != `{"detail":"Not found."}` {
		t.Fatalf("DELETE of an unknown session: %d %s", code, body)
	}
	if code, _ := sessCall(t, "GET", srv.URL+"/api/sessions/", "", ""); code != 401 {
		t.Fatalf("GET without a token: %d", code)
	}
	if code, body := sessCall(t, "POST", srv.URL+"/api/token/logout-all/", mine, ""); code != 200 || body != `{}` {
		t.Fatalf("logout-all: %d %s", code, body)
	}
	if code, _ := sessCall(t, "GET", srv.URL+"/api/whoami/", mine, ""); code != 401 {
		t.Fatalf("whoami after logout-all: %d", code)
	}
}

// TestCookieModeApp runs the example app with JWT_COOKIES=1: login sets the
// cookies, a cookie-authenticated POST needs the CSRF header, GET does not.
func TestCookieModeApp(t *testing.T) {
	srv := newApp(t, map[string]string{"JWT_COOKIES": "1", "JWT_COOKIES_INSECURE": "1"})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Post(srv.URL+"/api/token/", "application/json", strings.NewReader(`{"username":"alice","password":"wonderland"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{}` {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	names := map[string]string{}
	for _, c := range resp.Cookies() {
		names[c.Name] = c.Value
		if c.Secure {
			t.Errorf("cookie %s is Secure with JWT_COOKIES_INSECURE=1", c.Name)
		}
	}
	if names["access_token"] == "" || names["refresh_token"] == "" || names["csrf_token"] == "" {
		t.Fatalf("cookies %v", resp.Cookies())
	}
	resp, err = client.Get(srv.URL + "/api/whoami/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET whoami with the cookie: %d", resp.StatusCode)
	}
	post := func(csrf string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/token/logout-all/", nil)
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != 403 {
		t.Fatalf("logout-all from the cookie without CSRF: %d", code)
	}
	if code := post(names["csrf_token"]); code != 200 {
		t.Fatalf("logout-all from the cookie with CSRF: %d", code)
	}
}
