package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/drover/drover/runner/host/lab"
)

var update = flag.Bool("update", false, "rewrite the golden files of testscripts (cmp with files in the archive)")

// TestMain lets testscripts run drover as a command in the same binary.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"drover": func() {
			os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
		},
	})
}

// helperDir returns a folder holding drover-helper-linux-ARCH: the one
// make built (DROVER_HELPER_DIR), else a fresh build.
func helperDir(t *testing.T) string {
	if d := os.Getenv("DROVER_HELPER_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "drover-helper-linux-"+runtime.GOARCH)); err == nil {
			return d
		}
	}
	d := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o",
		filepath.Join(d, "drover-helper-linux-"+runtime.GOARCH), "github.com/drover/drover/cmd/drover-helper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the helper: %v\n%s", err, out)
	}
	return d
}

func params(t *testing.T, dir string) testscript.Params {
	root, _ := filepath.Abs("../..")
	hd := helperDir(t)
	return testscript.Params{
		Dir:           filepath.Join(root, "testscripts", dir),
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("DROVER_HELPER_DIR", hd)
			e.Setenv("PLAYBOOKS", filepath.Join(root, "playbooks"))
			// Whatever a script leaves up, its lab goes down.
			e.Defer(func() {
				for _, d := range []string{e.WorkDir, filepath.Join(e.WorkDir, "cluster")} {
					lab.Down(filepath.Join(d, ".drover", "lab"), nil)
				}
			})
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "short":
				return testing.Short(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	}
}

func TestCLI(t *testing.T)      { testscript.Run(t, params(t, "cli")) }
func TestValidate(t *testing.T) { testscript.Run(t, params(t, "validate")) }
func TestPlan(t *testing.T)     { testscript.Run(t, params(t, "plan")) }

// TestLab runs the end-to-end suites: real lab hosts, real SSH, real
// kernel state. Root only; skipped with -short.
func TestLab(t *testing.T) {
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("the lab suites need root and are skipped with -short")
	}
	testscript.Run(t, params(t, "lab"))
}

// TestLabVM runs the VM lab suites (testscripts/lab-vm): the playbooks on
// qemu VMs with Debian's kernel and systemd (`drover lab up -vm`). They
// take minutes, so they run only when asked (DROVER_TEST_VM=1, as
// `make test-vm` does), as root, with qemu installed, and not with -short.
// The image is built (or found in the cache) once before the suites start.
func TestLabVM(t *testing.T) {
	switch {
	case os.Geteuid() != 0 || testing.Short():
		t.Skip("the VM lab suites need root and are skipped with -short")
	case os.Getenv("DROVER_TEST_VM") != "1":
		t.Skip("the VM lab suites run with DROVER_TEST_VM=1 (make test-vm)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("the VM lab suites need qemu-system-x86 (make deps-vm)")
	}
	start := time.Now()
	img, err := lab.EnsureImage(context.Background(), lab.ImageCacheDir(), false, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM image %s ready in %s", img.Hash, time.Since(start).Round(time.Second))
	testscript.Run(t, params(t, "lab-vm"))
}
