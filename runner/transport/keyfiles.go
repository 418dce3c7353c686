package transport

import (
	"os"
	"sync"
)

// KeyFiles shares the identity files (keys and the certificates beside
// them) read by the connections of one run: each connection used to read
// the same key and look for its certificate, 20,000 file reads for a
// 10,000-host plan. A run reads each path once; a key changed during a
// run is seen by the next run.
type KeyFiles struct {
	mu    sync.Mutex
	files map[string]keyFile
}

// keyFile is one read of a file: its bytes or the error.
type keyFile struct {
	data []byte
	err  error
}

// read returns path's contents, read once per run. A nil KeyFiles reads
// every time.
func (k *KeyFiles) read(path string) ([]byte, error) {
	if k == nil {
		return os.ReadFile(path)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if f, ok := k.files[path]; ok {
		return f.data, f.err
	}
	data, err := os.ReadFile(path)
	if k.files == nil {
		k.files = map[string]keyFile{}
	}
	k.files[path] = keyFile{data, err}
	return data, err
}
