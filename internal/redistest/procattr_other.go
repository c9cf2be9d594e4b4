//go:build !linux

package redistest

import (
	"os/exec"
	"syscall"
)

// sysProcAttr returns the process attributes for a redis-server child. A
// parent-death signal is only available on Linux; elsewhere children are
// stopped by Close.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}

// startCmd starts cmd.
func startCmd(cmd *exec.Cmd) error {
	return cmd.Start()
}
