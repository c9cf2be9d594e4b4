package simplejwt

import (
	"context"
	"errors"
	"time"
)

// Pair is an access token and, from ObtainPair or a rotating Refresh, a
// refresh token.
type Pair struct {
	Access  string
	Refresh string // empty when Refresh did not rotate
}

// ErrNoRefreshExp means a sliding token has no refresh_exp claim, so it can
// never be renewed.
var ErrNoRefreshExp = errors.New("simplejwt: token has no refresh_exp")

func (a *Auth) now() time.Time { return a.cfg.now() }

// ObtainPair mints a refresh token for u and an access token from it, both
// of a new session. (SimpleJWT: TokenObtainPairView.)
func (a *Auth) ObtainPair(ctx context.Context, u User) (Pair, error) {
	if u.ID == "" {
		return Pair{}, errors.New("simplejwt: ObtainPair: user has no ID")
	}
	now := a.now()
	refresh, rc, err := a.sign(&mint{
		typ:       Refresh,
		iat:       now,
		exp:       now.Add(a.cfg.refreshLifetime),
		jti:       newJTI(),
		userID:    u.ID,
		sessionID: a.newSession(),
		custom:    u.Claims,
	})
	if err != nil {
		return Pair{}, err
	}
	access, err := a.accessFrom(rc, now)
	if err != nil {
		return Pair{}, err
	}
	a.touchSession(ctx, rc, now, true)
	return Pair{Access: access, Refresh: refresh}, nil
}

// ObtainSliding mints a sliding token for u, its own session. (SimpleJWT:
// TokenObtainSlidingView.)
func (a *Auth) ObtainSliding(ctx context.Context, u User) (string, error) {
	if u.ID == "" {
		return "", errors.New("simplejwt: ObtainSliding: user has no ID")
	}
	now := a.now()
	tok, c, err := a.sign(&mint{
		typ:        Sliding,
		iat:        now,
		exp:        now.Add(a.cfg.slidingLifetime),
		refreshExp: now.Add(a.cfg.slidingRefreshLifetime),
		jti:        newJTI(),
		userID:     u.ID,
		sessionID:  a.newSession(),
		custom:     u.Claims,
	})
	if err != nil {
		return "", err
	}
	a.touchSession(ctx, c, now, true)
	return tok, nil
}

func (a *Auth) newSession() string {
	if a.cfg.sessionClaim == "" {
		return ""
	}
	return newSessionID()
}

// accessFrom mints an access token copying the claims of a refresh token,
// with its own jti, iat and exp.
func (a *Auth) accessFrom(rc *Claims, now time.Time) (string, error) {
	tok, _, err := a.sign(&mint{
		typ:  Access,
		iat:  now,
		exp:  now.Add(a.cfg.accessLifetime),
		jti:  newJTI(),
		from: rc,
	})
	return tok, err
}

// verifyStored parses and validates token as one of the given types (any
// type when accept is nil) and checks the revocation store.
func (a *Auth) verifyStored(ctx context.Context, token string, accept []TokenType) (*Claims, time.Time, error) {
	now := a.now()
	c, err := a.parse(ctx, token)
	if err != nil {
		return nil, now, err
	}
	if err := a.validate(c, now, accept, false); err != nil {
		return nil, now, err
	}
	if c.UserID == "" {
		return nil, now, tokenErr(ErrTokenNoUser, nil)
	}
	if err := a.checkRevoked(ctx, c, nil); err != nil {
		return c, now, err
	}
	return c, now, nil
}

// Refresh exchanges a refresh token for a new access token. With
// WithRotateRefreshTokens it also returns a new refresh token of the same
// session. With WithBlacklistAfterRotation the old one is consumed
// atomically, so that of concurrent refreshes with one token exactly one
// succeeds, and a rotated token presented again revokes its whole session
// (reuse detection; see WithRotationGracePeriod). (SimpleJWT:
// TokenRefreshView.)
func (a *Auth) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	c, now, err := a.verifyStored(ctx, refreshToken, []TokenType{Refresh})
	if err != nil {
		if a.detectsReuse() && errors.Is(err, errJTIRevoked) {
			return a.reused(ctx, c, now, time.Time{}, false)
		}
		return Pair{}, err
	}
	if !a.cfg.rotateRefresh {
		access, err := a.accessFrom(c, now)
		if err != nil {
			return Pair{}, err
		}
		a.touchSession(ctx, c, now, false)
		return Pair{Access: access}, nil
	}
	if a.detectsReuse() {
		first, firstAt, err := a.store.Consume(ctx, c.ref(), now, a.tokenEnd(c))
		if err != nil {
			return Pair{}, &StoreError{Err: err}
		}
		if !first {
			return a.reused(ctx, c, now, firstAt, true)
		}
	}
	return a.rotate(ctx, c, now)
}

func (a *Auth) detectsReuse() bool { return a.cfg.rotateRefresh && a.cfg.blacklistAfterRotation }

// rotate mints a new refresh token copying c's claims (session included)
// and an access token from it.
func (a *Auth) rotate(ctx context.Context, c *Claims, now time.Time) (Pair, error) {
	refresh, rc, err := a.sign(&mint{
		typ:  Refresh,
		iat:  now,
		exp:  now.Add(a.cfg.refreshLifetime),
		jti:  newJTI(),
		from: c,
	})
	if err != nil {
		return Pair{}, err
	}
	access, err := a.accessFrom(rc, now)
	if err != nil {
		return Pair{}, err
	}
	a.touchSession(ctx, rc, now, false)
	return Pair{Access: access, Refresh: refresh}, nil
}

// reused handles a refresh token whose jti is already consumed or revoked.
// A token revoked by rotation within the grace period may be retried once;
// otherwise the token is taken as stolen and its session is revoked. known
// says whether firstAt, the time of the rotation, is already known.
func (a *Auth) reused(ctx context.Context, c *Claims, now, firstAt time.Time, known bool) (Pair, error) {
	if !known {
		// The entry exists, so this consume only reads it.
		first, at, err := a.store.Consume(ctx, c.ref(), now, a.tokenEnd(c))
		if err != nil {
			return Pair{}, &StoreError{Err: err}
		}
		if first {
			// It expired between the two reads: nothing was rotated.
			return Pair{}, tokenErr(ErrTokenRevoked, errJTIRevoked)
		}
		firstAt = at
	}
	if firstAt.IsZero() {
		// Blacklisted, not rotated: the session was revoked with it.
		return Pair{}, tokenErr(ErrTokenRevoked, errJTIRevoked)
	}
	if g := a.cfg.rotationGrace; g > 0 && now.Sub(firstAt) <= g {
		retry := c.ref()
		retry.TokenID += ":retry"
		first, _, err := a.store.Consume(ctx, retry, now, a.tokenEnd(c))
		if err != nil {
			return Pair{}, &StoreError{Err: err}
		}
		if first {
			return a.rotate(ctx, c, now)
		}
	}
	if c.SessionID != "" {
		if err := a.revokeSession(ctx, c.UserID, c.SessionID, a.sessionEnd(c, now)); err != nil {
			return Pair{}, err
		}
		a.cfg.logger.Warn("simplejwt: rotated refresh token presented again; session revoked",
			"user", c.UserID, "sid", c.SessionID, "jti", c.ID)
	}
	return Pair{}, tokenErr(ErrTokenRevoked, errReused)
}

// RefreshSliding renews a sliding token that is still valid and whose
// refresh_exp has not passed: same jti, refresh_exp and custom claims, new
// iat and exp. (SimpleJWT: TokenRefreshSlidingView.)
func (a *Auth) RefreshSliding(ctx context.Context, token string) (string, error) {
	tok, _, err := a.refreshSliding(ctx, token)
	return tok, err
}

// refreshSliding is RefreshSliding, also returning the renewed claims.
func (a *Auth) refreshSliding(ctx context.Context, token string) (string, *Claims, error) {
	c, now, err := a.verifyStored(ctx, token, []TokenType{Sliding})
	if err != nil {
		return "", nil, err
	}
	if c.RefreshExpiresAt.IsZero() {
		return "", nil, tokenErr(ErrNoRefreshExp, nil)
	}
	if a.expired(c.RefreshExpiresAt, now) {
		return "", nil, tokenErr(ErrRefreshExpired, nil)
	}
	tok, nc, err := a.renew(c, now)
	if err != nil {
		return "", nil, err
	}
	a.touchSession(ctx, c, now, false)
	return tok, nc, nil
}

// Verify reports whether token is valid, whatever its type, and not revoked.
// (SimpleJWT: TokenVerifyView, which accepts any token_type.)
func (a *Auth) Verify(ctx context.Context, token string) (*Claims, error) {
	now := a.now()
	c, err := a.parse(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := a.validate(c, now, nil, false); err != nil {
		return nil, err
	}
	if c.UserID != "" {
		if err := a.checkRevoked(ctx, c, nil); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Blacklist revokes a refresh or sliding token and, when it has one, its
// whole session, so that the access tokens of that login stop working too.
// A token already revoked yields ErrTokenRevoked. (SimpleJWT:
// TokenBlacklistView, which takes refresh tokens only.)
func (a *Auth) Blacklist(ctx context.Context, token string) error {
	c, now, err := a.verifyStored(ctx, token, []TokenType{Refresh, Sliding})
	if err != nil {
		return err
	}
	return a.revoke(ctx, c, now)
}

// Revoke revokes the token whose verified claims are c (of any type) and,
// for refresh and sliding tokens, its session.
func (a *Auth) Revoke(ctx context.Context, c *Claims) error {
	return a.revoke(ctx, c, a.now())
}

func (a *Auth) revoke(ctx context.Context, c *Claims, now time.Time) error {
	revs := []Revocation{{Kind: RevokeToken, UserID: c.UserID, ID: c.ID, Until: a.tokenEnd(c)}}
	if c.SessionID != "" && c.Type != Access {
		revs = append(revs, Revocation{Kind: RevokeSession, UserID: c.UserID, ID: c.SessionID, Until: a.sessionEnd(c, now)})
	}
	if err := a.store.Revoke(ctx, revs...); err != nil {
		return &StoreError{Err: err}
	}
	if len(revs) > 1 {
		return a.forgetSession(ctx, c.UserID, c.SessionID)
	}
	return nil
}

// revokeSession revokes every token of one session until `until` and drops
// it from the user's session list.
func (a *Auth) revokeSession(ctx context.Context, userID, sessionID string, until time.Time) error {
	err := a.store.Revoke(ctx, Revocation{Kind: RevokeSession, UserID: userID, ID: sessionID, Until: until})
	if err != nil {
		return &StoreError{Err: err}
	}
	return a.forgetSession(ctx, userID, sessionID)
}

// LogoutAll revokes every token of the user issued before now, on every
// device. The entry expires when the longest-lived of those tokens would
// have.
func (a *Auth) LogoutAll(ctx context.Context, userID string) error {
	if userID == "" {
		return errors.New("simplejwt: LogoutAll: empty user id")
	}
	now := a.now()
	err := a.store.Revoke(ctx, Revocation{
		Kind:   RevokeUser,
		UserID: userID,
		Cutoff: now,
		Until:  now.Add(a.longestLifetime() + a.cfg.leeway + time.Second),
	})
	if err != nil {
		return &StoreError{Err: err}
	}
	if ss, ok := a.store.(SessionStore); ok {
		if err := ss.ForgetSessions(ctx, userID); err != nil {
			return &StoreError{Err: err}
		}
	}
	return nil
}

// tokenEnd is when a revocation of c's jti may be forgotten: when c can no
// longer be used anyway. Every renewal of a sliding token keeps its jti, so
// for sliding tokens that is refresh_exp, not exp.
func (a *Auth) tokenEnd(c *Claims) time.Time {
	end := c.ExpiresAt
	if c.Type == Sliding && c.RefreshExpiresAt.After(end) {
		end = c.RefreshExpiresAt
	}
	return end.Add(a.cfg.leeway)
}

// sessionEnd is when the last token of c's session could expire: for a
// sliding session its refresh_exp; for a refresh session the exp of its
// last refresh token (with rotation, one rotated just now), plus the life of
// an access token minted at that last moment.
func (a *Auth) sessionEnd(c *Claims, now time.Time) time.Time {
	if c.Type == Sliding {
		return a.tokenEnd(c)
	}
	end := c.ExpiresAt
	if a.cfg.rotateRefresh && now.Add(a.cfg.refreshLifetime).After(end) {
		end = now.Add(a.cfg.refreshLifetime)
	}
	return end.Add(a.cfg.accessLifetime + a.cfg.leeway)
}

func (c *Claims) ref() TokenRef {
	return TokenRef{UserID: c.UserID, TokenID: c.ID, SessionID: c.SessionID}
}

// ErrSessionsUnsupported means the Store keeps no session list (it does not
// implement SessionStore).
var ErrSessionsUnsupported = errors.New("simplejwt: the store keeps no session list")

// touchSession records c's session in the store's session list, when the
// store keeps one and the token has a session. The list only informs
// Sessions and RevokeSession; revocation never depends on it, so a store
// failure here is logged and does not fail the call that minted the token.
func (a *Auth) touchSession(ctx context.Context, c *Claims, now time.Time, created bool) {
	ss, ok := a.store.(SessionStore)
	if !ok || c.SessionID == "" {
		return
	}
	s := Session{ID: c.SessionID, UserID: c.UserID, Created: now, LastRefreshed: now, Expires: a.sessionEnd(c, now)}
	if !created {
		// The store keeps the first Created.
		s.Created = time.Time{}
	}
	if err := ss.TouchSession(ctx, s); err != nil {
		a.cfg.logger.Warn("simplejwt: session list not updated", "user", c.UserID, "sid", c.SessionID, "err", err)
	}
}

func (a *Auth) forgetSession(ctx context.Context, userID, sessionID string) error {
	if ss, ok := a.store.(SessionStore); ok {
		if err := ss.ForgetSession(ctx, userID, sessionID); err != nil {
			return &StoreError{Err: err}
		}
	}
	return nil
}

// Sessions lists the user's live sessions (logins), oldest first.
func (a *Auth) Sessions(ctx context.Context, userID string) ([]Session, error) {
	ss, ok := a.store.(SessionStore)
	if !ok {
		return nil, ErrSessionsUnsupported
	}
	list, err := ss.Sessions(ctx, userID)
	if err != nil {
		return nil, &StoreError{Err: err}
	}
	return list, nil
}

// RevokeSession revokes every token of one of the user's sessions, access
// tokens included, and drops it from the session list. Revoking an unknown
// session is not an error: its entry lives as long as the longest token
// could.
func (a *Auth) RevokeSession(ctx context.Context, userID, sessionID string) error {
	if userID == "" || sessionID == "" {
		return errors.New("simplejwt: RevokeSession: empty user or session id")
	}
	now := a.now()
	until := now.Add(a.longestLifetime() + a.cfg.leeway + time.Second)
	if ss, ok := a.store.(SessionStore); ok {
		list, err := ss.Sessions(ctx, userID)
		if err != nil {
			return &StoreError{Err: err}
		}
		for _, s := range list {
			if s.ID == sessionID {
				until = s.Expires
			}
		}
	}
	return a.revokeSession(ctx, userID, sessionID, until)
}

// longestLifetime is how long after its minting any token can still be
// used, renewals and access tokens from the last refresh included.
func (a *Auth) longestLifetime() time.Duration {
	return max(a.cfg.refreshLifetime+a.cfg.accessLifetime, a.cfg.slidingRefreshLifetime, a.cfg.accessLifetime)
}
