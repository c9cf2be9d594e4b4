package demo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/gosimplejwt/simplejwt"
)

// account is one user of the example apps.
type account struct {
	id     string
	hash   [sha256.Size]byte
	active bool
}

// users checks the passwords of the example apps' fixed users. It is safe
// for concurrent use.
type users struct {
	byName map[string]account
	// dummy is what an unknown username is compared against, so that it
	// costs the same work as a known one. It is the hash of random bytes:
	// no password matches it.
	dummy [sha256.Size]byte
}

// Users returns the authenticator of the example apps, which knows two
// users: alice (password "wonderland", id "1", active) and bob (password
// "builder", id "2", inactive, so refused with simplejwt.ErrUserInactive).
// Passwords are compared in constant time, and an unknown username costs
// the same work as a known one.
//
// It stores SHA-256 hashes to stay within the standard library; a real
// application stores a slow, salted password hash (bcrypt, scrypt,
// Argon2id).
func Users() simplejwt.Authenticator {
	var noise [32]byte
	rand.Read(noise[:])
	return &users{
		byName: map[string]account{
			"alice": {id: "1", hash: sha256.Sum256([]byte("wonderland")), active: true},
			"bob":   {id: "2", hash: sha256.Sum256([]byte("builder")), active: false},
		},
		dummy: sha256.Sum256(noise[:]),
	}
}

// Authenticate implements simplejwt.Authenticator.
func (u *users) Authenticate(_ context.Context, username, password string) (simplejwt.User, error) {
	acct, known := u.byName[username]
	want := u.dummy
	if known {
		want = acct.hash
	}
	got := sha256.Sum256([]byte(password))
	match := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	switch {
	case !known || !match:
		return simplejwt.User{}, simplejwt.ErrInvalidCredentials
	case !acct.active:
		return simplejwt.User{}, simplejwt.ErrUserInactive
	}
	return simplejwt.User{ID: acct.id}, nil
}
