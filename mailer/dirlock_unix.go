//go:build unix

package mailer

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on the file path (made if missing, but
// not its folder), waiting for it; unlock releases it. Each call opens the
// file anew, so goroutines of one process take turns too.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
