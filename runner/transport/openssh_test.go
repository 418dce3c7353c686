package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/helper"
	"github.com/drover/drover/third_party/xcrypto/ssh"
)

// startOpenSSH runs the system's sshd on 127.0.0.1 in private mount and PID
// namespaces (it needs /run/sshd, which the machine may lack, and we do not
// touch the real /run). It skips the test when that is not possible.
func startOpenSSH(t *testing.T) (port int, keyFile string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root to run sshd")
	}
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		if sshd, err = exec.LookPath("/usr/sbin/sshd"); err != nil {
			testkit.Skip(t, "sshd is not installed")
		}
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		testkit.Skip(t, "unshare is not installed")
	}
	dir := t.TempDir()
	if err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, "host_key")).Run(); err != nil {
		testkit.Skipf(t, "ssh-keygen: %v", err)
	}
	_, pub, keyFile := newClientKey(t, dir, "id_ed25519")
	os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(pub), 0o600)
	port = closedPort(t)
	config := fmt.Sprintf(`ListenAddress 127.0.0.1:%d
HostKey %s/host_key
AuthorizedKeysFile %s/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
PermitRootLogin prohibit-password
PidFile none
`, port, dir, dir)
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(config), 0o600)
	script := `mount -t tmpfs tmpfs /run && mkdir -m 755 /run/sshd && exec "$0" -D -e -f "$1"`
	// A PID namespace too, so that killing unshare (and with it sshd, the
	// namespace's init) also ends the commands sshd still runs.
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc",
		"sh", "-c", script, sshd, filepath.Join(dir, "sshd_config"))
	sshdLog := &lockedBuffer{}
	cmd.Stderr = sshdLog
	if err := cmd.Start(); err != nil {
		testkit.Skipf(t, "starting sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			c.Close()
			return port, keyFile
		}
		select {
		case <-exited:
			testkit.Skipf(t, "sshd exited: %s", sshdLog.Bytes())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen: %s", sshdLog.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRealOpenSSH checks the transport against the system's sshd: exit
// statuses, signals on cancel, keepalive answers, the helper bootstrap.
func TestRealOpenSSH(t *testing.T) {
	port, keyFile := startOpenSSH(t)
	dir := t.TempDir()
	cfg := Config{
		Host: "real", Address: "127.0.0.1", Port: port, IdentityFile: keyFile,
		KnownHosts: filepath.Join(dir, "known_hosts"), TrustOnFirstUse: true,
		HelperDir: filepath.Join(dir, "bin"), KeepAlive: 100 * time.Millisecond, Stats: &Stats{},
	}
	conn := dial(t, cfg)
	ctx := context.Background()

	_, _, err := conn.Run(ctx, "echo oops >&2; exit 7", nil)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 || ee.Stderr != "oops\n" {
		t.Fatalf("Run = %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, _, err := conn.Run(short, "sleep 30", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled Run = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancelled Run returned after %s", d)
	}

	bin := fakeBinary(t, "ok")
	for range 2 {
		hc, err := conn.StartHelper(ctx, bin)
		if err != nil {
			t.Fatal(err)
		}
		var events int
		changes := []core.Change{{Action: core.Create, Resource: core.Resource{Kind: "link", Name: "vx0"}}}
		if _, err := hc.Call(ctx, helper.Request{Op: helper.OpApply, Changes: changes}, func(helper.Event) { events++ }); err != nil || events != 1 {
			t.Fatalf("apply: %v, %d events", err, events)
		}
		if err := hc.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Keepalives are answered: the connection outlives several intervals.
	time.Sleep(500 * time.Millisecond)
	if out, _, err := conn.Run(ctx, "echo alive", nil); err != nil || string(out) != "alive\n" {
		t.Fatalf("Run after keepalives = %q, %v", out, err)
	}
	if cfg.Stats.Uploads.Load() != 1 || cfg.Stats.Dials.Load() != 1 {
		t.Fatalf("uploads = %d, dials = %d", cfg.Stats.Uploads.Load(), cfg.Stats.Dials.Load())
	}
}
