//go:build linux

package redistest

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// sysProcAttr returns the process attributes for a redis-server child: the
// kernel sends it SIGKILL when the thread that started it exits.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// startReq asks the starter goroutine to start cmd.
type startReq struct {
	cmd  *exec.Cmd
	errc chan error
}

var (
	starterOnce sync.Once
	starterCh   chan startReq
)

// startCmd starts cmd from a goroutine that stays locked to one OS thread
// for the life of the process. The parent-death signal is tied to the
// thread that forked the child, so this makes the child die exactly when
// the test binary exits, and not earlier when an arbitrary runtime thread
// goes away.
func startCmd(cmd *exec.Cmd) error {
	starterOnce.Do(func() {
		starterCh = make(chan startReq)
		go func() {
			runtime.LockOSThread()
			for req := range starterCh {
				req.errc <- req.cmd.Start()
			}
		}()
	})
	errc := make(chan error, 1)
	starterCh <- startReq{cmd: cmd, errc: errc}
	return <-errc
}
