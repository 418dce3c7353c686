package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/drover/drover/runner/transport"
)

// embeddedHelpers are the release builds of drover-helper, gzip -9n
// compressed, for linux/amd64 and linux/arm64: `make build` regenerates
// them reproducibly (-trimpath, fixed ldflags, no build ID, no VCS
// stamp) and `make check-helpers` (part of `make test`) fails when the
// committed ones differ from a fresh build. They make a `go install`ed
// drover able to apply, with nothing next to it.
//
//go:embed helper/drover-helper-linux-*.gz
var embeddedHelpers embed.FS

// helperCache finds the drover-helper build for a host architecture —
// $DROVER_HELPER_DIR, else the folder of the drover executable, holding
// drover-helper-linux-ARCH as `make` builds them, else the build embedded
// in drover — and reads and hashes each build once per run, however many
// hosts use it.
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
			b := transport.Binary{Arch: arch, Data: data, SHA256: sha256Hex(data)}
			b.Gzip = sync.OnceValues(func() ([]byte, error) { return transport.GzipData(data) })
			return b, nil
		}
	}
	if b, err := embeddedHelper(arch); err == nil {
		return b, nil
	}
	return transport.Binary{}, fmt.Errorf("no helper for linux/%s: build it with `make` (looked for %s in %v, and this drover embeds none for %s)", arch, name, dirs, arch)
}

// embeddedHelper decompresses the helper embedded for arch; the
// compressed form is what is uploaded.
func embeddedHelper(arch string) (transport.Binary, error) {
	gz, err := embeddedHelpers.ReadFile("helper/drover-helper-linux-" + arch + ".gz")
	if err != nil {
		return transport.Binary{}, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return transport.Binary{}, fmt.Errorf("embedded helper for %s: %w", arch, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return transport.Binary{}, fmt.Errorf("embedded helper for %s: %w", arch, err)
	}
	return transport.Binary{Arch: arch, Data: data, SHA256: sha256Hex(data),
		Gzip: func() ([]byte, error) { return gz, nil }}, nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// helperBinary is the helper lookup of one command run.
func helperBinary() func(arch string) (transport.Binary, error) {
	return (&helperCache{}).binary
}
