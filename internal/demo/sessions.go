package demo

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gosimplejwt/simplejwt"
)

// sessionJSON is one session as the sessions routes show it.
type sessionJSON struct {
	ID            string    `json:"id"`
	Created       time.Time `json:"created"`
	LastRefreshed time.Time `json:"last_refreshed"`
	Expires       time.Time `json:"expires"`
	Current       bool      `json:"current"`
}

// Sessions serves, behind a guard, the authenticated user's live sessions:
//
//	GET    /api/sessions/        {"sessions":[{"id","created","last_refreshed","expires","current"}]}
//	DELETE /api/sessions/{id}/   {} and every token of that session revoked; 404 for a session the user does not have
//
// It reads the session id from the last path segment, so it mounts the same
// way on net/http, Gin and Echo.
func Sessions(a *simplejwt.Auth) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		c, ok := simplejwt.ClaimsFrom(r.Context())
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"detail":"Authentication credentials were not provided."}`))
			return
		}
		list, err := a.Sessions(r.Context(), c.UserID)
		if err != nil {
			status := http.StatusServiceUnavailable
			if errors.Is(err, simplejwt.ErrSessionsUnsupported) {
				status = http.StatusNotImplemented
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]string{"detail": err.Error()})
			return
		}
		switch r.Method {
		case http.MethodGet:
			out := make([]sessionJSON, 0, len(list))
			for _, s := range list {
				out = append(out, sessionJSON{s.ID, s.Created.UTC(), s.LastRefreshed.UTC(), s.Expires.UTC(), s.ID == c.SessionID})
			}
			json.NewEncoder(w).Encode(map[string]any{"sessions": out})
		case http.MethodDelete:
			id := lastSegment(r.URL.Path)
			for _, s := range list {
				if s.ID == id {
					if err := a.RevokeSession(r.Context(), c.UserID, id); err != nil {
						w.WriteHeader(http.StatusServiceUnavailable)
						json.NewEncoder(w).Encode(map[string]string{"detail": err.Error()})
						return
					}
					w.Write([]byte(`{}`))
					return
				}
			}
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"detail":"Not found."}`))
		default:
			w.Header().Set("Allow", "GET, DELETE")
			w.WriteHeader(http.StatusMethodNotAllowed)
			json.NewEncoder(w).Encode(map[string]string{"detail": `Method "` + r.Method + `" not allowed.`})
		}
	})
}

func lastSegment(p string) string {
	p = strings.TrimSuffix(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}
