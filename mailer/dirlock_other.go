//go:build !unix

package mailer

import (
	"os"
	"sync"
)

// locks serialises the goroutines writing to one index where flock is
// missing: run one process per mail folder.
var locks sync.Map // path -> *sync.Mutex

// lockFile takes an in-process lock named path, checking that the file
// can be made; unlock releases it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	mu, _ := locks.LoadOrStore(path, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock, nil
}
