package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/drover/drover/lab"
	"github.com/drover/drover/lab/fingerprint"
)

var update = flag.Bool("update", false, "rewrite the golden files of testscripts (cmp with files in the archive)")

// TestMain lets testscripts run drover as a command in the same binary.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DROVER_SIM_SERVE"); dir != "" { // the fleet benchmark's servers (bench_fleet_test.go)
		os.Exit(serveSim(dir))
	}
	testscript.Main(m, map[string]func(){
		"drover": func() {
			os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
		},
		"jsonschema": func() { os.Exit(jsonschemaMain(os.Args[1:])) },
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
			e.Values[scriptT{}] = e.T()
			e.Setenv("DROVER_HELPER_DIR", hd)
			e.Setenv("PLAYBOOKS", filepath.Join(root, "playbooks"))
			e.Setenv("DROVER_SCHEMAS", filepath.Join(root, "docs", "json"))
			// The VM lab's settings reach the scripts' drover (TestLabVM
			// builds the image where they say).
			for _, k := range []string{"DROVER_LAB_VM_CACHE", "DROVER_LAB_ACCEL", "DROVER_LAB_MIRROR"} {
				if v := os.Getenv(k); v != "" {
					e.Setenv(k, v)
				}
			}
			// Whatever a script leaves up, its lab goes down (lab/ is
			// where realservers and address-names keep theirs).
			e.Defer(func() {
				for _, d := range []string{e.WorkDir, filepath.Join(e.WorkDir, "cluster"), filepath.Join(e.WorkDir, "lab")} {
					lab.Down(filepath.Join(d, ".drover", "lab"), nil)
				}
			})
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"need": cmdNeed,
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
//
// It also proves the lab sealed: it fingerprints the machine (the files of
// /etc, /opt, /srv, /usr and /var, every kernel setting: fingerprint.Machine)
// before the suites and again once all of them ended, and fails on any
// difference. Nothing else may change the machine meanwhile: `make test`
// runs TestLab on its own, after the other packages' tests (some of which
// run daemons on the machine). DROVER_LAB_NO_FINGERPRINT=1 skips the check
// where something else must (a shared development machine), but not in CI
// (CI=true).
func TestLab(t *testing.T) {
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("the lab suites need root and are skipped with -short")
	}
	if os.Getenv("DROVER_LAB_NO_FINGERPRINT") != "1" || os.Getenv("CI") == "true" {
		checkSealed(t)
	}
	testscript.Run(t, params(t, "lab"))
}

// checkSealed fingerprints the machine now and, once the test and all its
// subtests ended, again, and fails the test on any difference.
func checkSealed(t *testing.T) {
	start := time.Now()
	before, err := fingerprint.Take(fingerprint.Machine(), nil)
	if err != nil {
		t.Fatalf("fingerprint of the machine: %v", err)
	}
	t.Logf("machine fingerprint: %d files, %d kernel settings in %s",
		len(before.Files), len(before.Sysctl), time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		after, err := fingerprint.Take(fingerprint.Machine(), before)
		if err != nil {
			t.Fatalf("fingerprint of the machine after the lab suites: %v", err)
		}
		if diff := fingerprint.Diff(before, after); len(diff) > 0 {
			const show = 50
			if len(diff) > show {
				diff = append(diff[:show], fmt.Sprintf("... and %d more", len(diff)-show))
			}
			t.Errorf("the lab suites changed the machine:\n%s", strings.Join(diff, "\n"))
		}
	})
}

// TestLabConsul runs playbooks/consul with a real consul binary
// (testscripts/lab-consul). Consul is not in Debian, so no machine of this
// project has one: it runs only when asked (DROVER_TEST_CONSUL=1, with a
// consul on PATH), and `make test` leaves it out by name rather than
// skipping it; consul-fake in the lab suites covers the rest.
func TestLabConsul(t *testing.T) {
	if os.Getenv("DROVER_TEST_CONSUL") != "1" {
		t.Skip("runs with DROVER_TEST_CONSUL=1 and a consul binary on PATH")
	}
	testscript.Run(t, params(t, "lab-consul"))
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
	p := params(t, "lab-vm")
	hostTest := buildHostTest(t)
	setup := p.Setup
	p.Setup = func(e *testscript.Env) error {
		e.Setenv("HOST_TEST", hostTest)
		return setup(e)
	}
	testscript.Run(t, p)
}

// buildHostTest builds runner/host/network's test binary (static) for the VM
// suites that run a kernel-dependent unit test inside a VM
// (lab-vm/tunnel: TestTunnelLinkLifecycle needs GRE and IPIP).
func buildHostTest(t *testing.T) string {
	out := filepath.Join(t.TempDir(), "host.test")
	cmd := exec.Command("go", "test", "-c", "-vet=off", "-o", out, "../../runner/host/network")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building runner/host/network's tests: %v\n%s", err, b)
	}
	return out
}
