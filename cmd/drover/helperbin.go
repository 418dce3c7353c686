package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/drover/drover/runner/transport"
)

// helperCache finds the drover-helper build for a host architecture —
// $DROVER_HELPER_DIR, else the folder of the drover executable, holding
// drover-helper-linux-ARCH as `make` builds them — and reads and hashes
// each build once per run, however many hosts use it.
type helperCache struct {
	mu     sync.Mutex
	byArch map[string]transport.Binary
}

func (h *helperCache) binary(arch string) (transport.Binary, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b, ok := h.byArch[arch]; ok {
		return b, nil
	}
	b, err := readHelper(arch)
	if err != nil {
		return b, err
	}
	if h.byArch == nil {
		h.byArch = map[string]transport.Binary{}
	}
	h.byArch[arch] = b
	return b, nil
}

func readHelper(arch string) (transport.Binary, error) {
	name := "drover-helper-linux-" + arch
	var dirs []string
	if d := os.Getenv("DROVER_HELPER_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, name))
		if err == nil {
			sum := sha256.Sum256(data)
			return transport.Binary{Arch: arch, Data: data, SHA256: hex.EncodeToString(sum[:])}, nil
		}
	}
	return transport.Binary{}, fmt.Errorf("no helper for linux/%s: build it with `make` (looked for %s in %v)", arch, name, dirs)
}

// helperBinary is the helper lookup of one command run.
func helperBinary() func(arch string) (transport.Binary, error) {
	return (&helperCache{}).binary
}
