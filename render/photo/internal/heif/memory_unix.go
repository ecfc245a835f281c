//go:build unix

package heif

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// memoryAllocator backs each module instance's linear memory with an
// anonymous mapping of its own.
func memoryAllocator() experimental.MemoryAllocator { return mappedAllocator{} }

// maxReserve bounds the address space reserved for one instance (wasm32
// cannot address more).
const maxReserve = 4 << 30

// mappedAllocator reserves the memory's largest size as inaccessible
// address space and makes pages readable and writable as the module grows
// its memory: it grows in place, never copied, untouched pages cost
// nothing, and Free unmaps it all at once.
type mappedAllocator struct{}

func (mappedAllocator) Allocate(_, max uint64) experimental.LinearMemory {
	return &mappedMemory{max: min(max, maxReserve)}
}

type mappedMemory struct {
	max       uint64
	buf       []byte // the whole reservation; nil until the first Reallocate
	committed uint64 // bytes made readable and writable
}

// Reallocate makes the first size bytes usable and returns them. They are
// zero where never written: fresh anonymous pages are. It returns nil when
// size is over the reservation or the system refuses.
func (m *mappedMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if m.buf == nil {
		b, err := syscall.Mmap(-1, 0, int(max(m.max, 1)), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
		if err != nil {
			return nil
		}
		m.buf = b
	}
	if size > m.committed {
		page := uint64(syscall.Getpagesize())
		end := min((size+page-1)/page*page, m.max)
		if err := syscall.Mprotect(m.buf[m.committed:end], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
			return nil
		}
		m.committed = end
	}
	return m.buf[:size:size]
}

// Free unmaps the memory: its pages leave the resident set at once.
func (m *mappedMemory) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}
