//go:build unix

package shopclient

import (
	"os"
	"syscall"
)

// lockDir takes an exclusive lock on dir/.lock without waiting; ok is false
// when another client holds it. unlock releases it.
func lockDir(dir string) (unlock func(), ok bool, err error) {
	f, err := os.OpenFile(dir+"/.lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false, nil
	}
	return func() { f.Close() }, true, nil
}
