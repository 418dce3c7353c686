package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/lab"
)

// installVersion is the version the test publishes the checkout as.
const installVersion = "v0.99.0"

// TestInstallFromModuleProxy follows the README's Install section: it
// publishes the committed checkout (HEAD) as a module version on a local
// file:// module proxy (its dependencies come from this machine's module
// download cache, so nothing leaves the machine), runs `go install
// github.com/drover/drover/cmd/drover@VERSION` with a clean GOPATH and
// GOBIN, and then the installed binary, with no variable but PATH set
// (no DROVER_HELPER_DIR, no helper next to it), brings up a namespace lab,
// applies playbooks/vxlan twice (the second changes nothing) and takes the
// lab down.
func TestInstallFromModuleProxy(t *testing.T) {
	testkit.NeedRoot(t)
	testkit.NeedProgram(t, "git", "git")
	testkit.NeedProgram(t, "sshd", "openssh-server")
	root, _ := filepath.Abs("../..")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	tmp := t.TempDir()
	proxy := publish(t, root, filepath.Join(tmp, "proxy"))

	gopath, gobin := filepath.Join(tmp, "gopath"), filepath.Join(tmp, "bin")
	modCache := strings.TrimSpace(run1(t, exec.Command(goBin, "env", "GOMODCACHE")))
	goCache := strings.TrimSpace(run1(t, exec.Command(goBin, "env", "GOCACHE")))
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "GOPATH=" + gopath, "GOBIN=" + gobin, "GOCACHE=" + goCache,
		"GOPROXY=file://" + proxy + ",file://" + filepath.Join(modCache, "cache", "download"),
		"GOSUMDB=off", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0",
	}
	t.Cleanup(func() { // the module cache is read-only
		c := exec.Command(goBin, "clean", "-modcache")
		c.Env = env
		c.Run()
	})
	install := exec.Command(goBin, "install", "github.com/drover/drover/cmd/drover@"+installVersion)
	install.Env, install.Dir = env, tmp
	start := time.Now()
	run1(t, install)
	t.Logf("go install from the local proxy: %s", time.Since(start).Round(time.Second))
	drover := filepath.Join(gobin, "drover")
	if entries, _ := os.ReadDir(gobin); len(entries) != 1 {
		t.Fatalf("GOBIN holds %d files, want drover alone", len(entries))
	}

	work := filepath.Join(tmp, "cluster")
	os.MkdirAll(work, 0o755)
	hcl, err := os.ReadFile(filepath.Join(root, "playbooks", "vxlan", "cluster.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(work, "cluster.hcl"), hcl, 0o644)
	t.Cleanup(func() { lab.Down(filepath.Join(work, ".drover", "lab"), nil) })
	bare := []string{"PATH=" + os.Getenv("PATH")}
	droverCmd := func(args ...string) string {
		c := exec.Command(drover, args...)
		c.Env, c.Dir = bare, work
		return run1(t, c)
	}
	if out := droverCmd("version"); out != "drover "+installVersion+"\n" {
		t.Fatalf("drover version = %q, want the module version %s", out, installVersion)
	}
	droverCmd("lab", "up")
	first := droverCmd("apply", "-auto-approve")
	if !strings.Contains(first, "Apply complete") || strings.Contains(first, "Apply complete: 0 changed") {
		t.Fatalf("first apply:\n%s", first)
	}
	second := droverCmd("apply", "-auto-approve")
	if !regexp.MustCompile(`Apply complete: 0 changed, 0 host\(s\) failed\.`).MatchString(second) {
		t.Fatalf("second apply changed something:\n%s", second)
	}
	t.Logf("installed drover applied twice:\n%s\n%s", lastLine(first), lastLine(second))
	droverCmd("lab", "down")
}

// publish writes the checkout's HEAD as module version installVersion into
// a file:// module proxy at dir.
func publish(t *testing.T, root, dir string) string {
	t.Helper()
	m := module.Version{Path: "github.com/drover/drover", Version: installVersion}
	vdir := filepath.Join(dir, "github.com", "drover", "drover", "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The committed tree, as git archive exports it (a worktree has no
	// .git folder for CreateFromVCS).
	src := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(src, 0o755)
	run1(t, exec.Command("sh", "-c", "git -C \"$1\" archive --format=tar HEAD | tar -x -C \"$2\"", "sh", root, src))
	var zip bytes.Buffer
	if err := modzip.CreateFromDir(&zip, m, src); err != nil {
		t.Fatalf("zipping the checkout: %v", err)
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"list":                   []byte(installVersion + "\n"),
		installVersion + ".info": []byte(`{"Version":"` + installVersion + `","Time":"2026-01-01T00:00:00Z"}`),
		installVersion + ".mod":  gomod,
		installVersion + ".zip":  zip.Bytes(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run1 runs c and returns its stdout; a failure fails the test with both
// outputs.
func run1(t *testing.T, c *exec.Cmd) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(c.Args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
