//go:build !unix

package heif

import "github.com/tetratelabs/wazero/experimental"

// memoryAllocator is nil here: wazero keeps linear memory in Go slices.
func memoryAllocator() experimental.MemoryAllocator { return nil }
