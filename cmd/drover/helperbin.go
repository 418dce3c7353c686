package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/drover/drover/runner/transport"
)

// helperBinary finds the drover-helper build for a host architecture:
// $DROVER_HELPER_DIR, else the folder of the drover executable, holding
// drover-helper-linux-ARCH (as `make` builds them).
func helperBinary(arch string) (transport.Binary, error) {
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
			return transport.Binary{Arch: arch, Data: data}, nil
		}
	}
	return transport.Binary{}, fmt.Errorf("no helper for linux/%s: build it with `make` (looked for %s in %v)", arch, name, dirs)
}
