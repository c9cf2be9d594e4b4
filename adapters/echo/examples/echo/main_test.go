package main

import (
	"testing"

	"github.com/gosimplejwt/simplejwt/internal/demo/adaptertest"
)

// TestWalkthrough runs the README walk-through against this app and the
// net/http app, with the same configuration: the lines must be equal.
func TestWalkthrough(t *testing.T) {
	adaptertest.RunWalkthrough(t, newRouter)
}
