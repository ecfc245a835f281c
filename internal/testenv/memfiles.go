package testenv

import (
	"context"
	"sync"
	"time"

	"oshigoods"
)

// MemFiles is a file store (orders.FileStore) in memory, for tests that are
// not about the file store. Put keeps a copy of the bytes; Get of a missing
// key is ENOTFOUND; Delete of one is no error; PresignGet gives
// http://files.invalid/<key>, an address that never resolves.
type MemFiles struct {
	mu   sync.Mutex
	objs map[string][]byte
}

// NewMemFiles returns an empty MemFiles.
func NewMemFiles() *MemFiles { return &MemFiles{objs: map[string][]byte{}} }

func (m *MemFiles) Put(_ context.Context, key string, data []byte, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = append([]byte(nil), data...)
	return nil
}

func (m *MemFiles) Get(_ context.Context, key string) ([]byte, error) {
	if d, ok := m.Object(key); ok {
		return d, nil
	}
	return nil, oshigoods.Errorf(oshigoods.ENOTFOUND, "no such object.")
}

func (m *MemFiles) Exists(_ context.Context, key string) (bool, error) {
	_, ok := m.Object(key)
	return ok, nil
}

func (m *MemFiles) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

func (m *MemFiles) PresignGet(_ context.Context, key, _ string, _ time.Duration) (string, error) {
	return "http://files.invalid/" + key, nil
}

func (m *MemFiles) Ping(context.Context) error { return nil }

// Object returns the bytes stored under key and whether there are any.
func (m *MemFiles) Object(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.objs[key]
	return d, ok
}

// Len returns how many objects are stored.
func (m *MemFiles) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.objs)
}
