package transport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testkit"
)

// helperDirAttack is a helper directory beneath a folder an unprivileged
// user (nobody) could write, with that user's links already planted where
// the upload writes, pointing at a root-only file.
type helperDirAttack struct {
	dir, victim string
}

func newHelperDirAttack(t *testing.T, bin Binary) helperDirAttack {
	t.Helper()
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root")
	}
	base := t.TempDir()
	victim := filepath.Join(base, "shadow")
	os.WriteFile(victim, []byte("root-only\n"), 0o600)
	lib := filepath.Join(base, "lib", "drover")
	os.MkdirAll(filepath.Join(lib, "bin"), 0o755)
	dir := filepath.Join(lib, "bin")
	helperName := "drover-helper-" + bin.Hash()[:16]
	for i := 0; i < 64; i++ { // the upload's temporary names are PID-based
		os.Symlink(victim, filepath.Join(dir, helperName+".tmp."+string(rune('0'+i%10))))
	}
	os.Symlink(victim, filepath.Join(dir, helperName))
	return helperDirAttack{dir: dir, victim: victim}
}

func (a helperDirAttack) victimIntact(t *testing.T) {
	t.Helper()
	data, _ := os.ReadFile(a.victim)
	fi, _ := os.Stat(a.victim)
	if string(data) != "root-only\n" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the root-only file changed: %q %v", data, fi.Mode())
	}
}

func TestHelperDirWritableByOthersIsRefused(t *testing.T) {
	bin := fakeBinary(t, "ok")
	a := newHelperDirAttack(t, bin)
	os.Chmod(filepath.Dir(a.dir), 0o777) // /var/lib/drover left 0777
	local := &LocalConn{HelperDir: a.dir, Stats: &Stats{}}
	_, err := local.StartHelper(context.Background(), bin)
	if err == nil || !strings.Contains(err.Error(), "writable by group or others") || !strings.Contains(err.Error(), "chmod go-w "+filepath.Dir(a.dir)) {
		t.Fatalf("want a refusal naming the fix, got %v", err)
	}
	a.victimIntact(t)
	if local.Stats.Uploads.Load() != 0 {
		t.Fatal("uploaded into an unsafe directory")
	}
}

func TestHelperDirOwnedByAnotherUserIsRefused(t *testing.T) {
	bin := fakeBinary(t, "ok")
	a := newHelperDirAttack(t, bin)
	os.Chown(a.dir, 65534, 65534)
	local := &LocalConn{HelperDir: a.dir, Stats: &Stats{}}
	_, err := local.StartHelper(context.Background(), bin)
	if err == nil || !strings.Contains(err.Error(), "owned by uid 65534") || !strings.Contains(err.Error(), "chown root:root") {
		t.Fatalf("want a refusal naming the owner, got %v", err)
	}
	a.victimIntact(t)
}

func TestHelperDirThatIsALinkIsRefused(t *testing.T) {
	bin := fakeBinary(t, "ok")
	a := newHelperDirAttack(t, bin)
	link := filepath.Join(filepath.Dir(a.dir), "bin2")
	os.Symlink(a.dir, link)
	local := &LocalConn{HelperDir: link, Stats: &Stats{}}
	_, err := local.StartHelper(context.Background(), bin)
	if err == nil || !strings.Contains(err.Error(), "not a symbolic link") {
		t.Fatalf("want a refusal of the link, got %v", err)
	}
	a.victimIntact(t)
}

// TestPlantedLinksInASafeDirectoryAreReplaced: links left in a directory
// that is safe now (made before it was fixed) are never written through.
func TestPlantedLinksInASafeDirectoryAreReplaced(t *testing.T) {
	bin := fakeBinary(t, "ok")
	a := newHelperDirAttack(t, bin)
	local := &LocalConn{HelperDir: a.dir, Stats: &Stats{}}
	hc, err := local.StartHelper(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	hc.Close()
	a.victimIntact(t)
	fi, err := os.Lstat(filepath.Join(a.dir, "drover-helper-"+bin.Hash()[:16]))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the helper is not a regular file: %v %v", fi, err)
	}
}

func TestHelperDirMustBeClean(t *testing.T) {
	local := &LocalConn{HelperDir: "/var/lib/drover/../tmp/bin", Stats: &Stats{}}
	if _, err := local.StartHelper(context.Background(), fakeBinary(t, "ok")); err == nil || !strings.Contains(err.Error(), "absolute, clean") {
		t.Fatalf("got %v", err)
	}
}
