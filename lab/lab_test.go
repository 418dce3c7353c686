package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/internal/testkit"
)

// These tests build real labs and need root; each uses a state directory
// under its own temp dir, so its namespaces are its own.

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root")
	}
	for _, tool := range []string{"/usr/sbin/sshd", "ssh", "nsenter", "ping", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			testkit.Skipf(t, "needs %s", tool)
		}
	}
}

func threeServers() []Server {
	return []Server{
		{Name: "s1", Address: "198.51.100.1"},
		{Name: "s2", Address: "198.51.100.2"},
		{Name: "s3", Address: "198.51.100.3"},
	}
}

// upLab builds a lab in a fresh temp state dir and removes it when the
// test ends, failed or not, checking that nothing is left.
func upLab(t *testing.T, servers []Server) (*State, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	return upLabAt(t, dir, servers), dir
}

func upLabAt(t *testing.T, dir string, servers []Server) *State {
	t.Helper()
	t.Cleanup(func() {
		if err := Down(dir, nil); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		assertGone(t, dir, nil)
	})
	start := time.Now()
	var log bytes.Buffer
	st, err := Up(context.Background(), dir, servers, &log)
	if err != nil {
		t.Fatalf("Up: %v\nlog:\n%s", err, log.String())
	}
	t.Logf("up %d hosts: %s", len(servers), time.Since(start))
	return st
}

// assertGone checks that no namespace, recorded process or mount of the
// lab of dir is left.
func assertGone(t *testing.T, dir string, pids []int) {
	t.Helper()
	p, err := newLabPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v: %s", err, out)
	}
	if strings.Contains(string(out), p.outerNetns()) {
		t.Errorf("namespaces left:\n%s", out)
	}
	for _, pid := range pids {
		if alive, _ := procStatus(pid); alive {
			t.Errorf("process %d still runs", pid)
		}
	}
	ms, err := readMountinfo()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.point == p.dir || strings.HasPrefix(m.point, p.dir+"/") || strings.HasPrefix(m.point, netnsPath(p.outerNetns())) {
			t.Errorf("mount left: %s (%s)", m.point, m.fstype)
		}
	}
}

// sshRun runs a command on a lab host with the system ssh client, from
// inside the lab's outer namespace, verifying the host key strictly
// against the lab's known_hosts.
func sshRun(t *testing.T, st *State, host, command string) (string, error) {
	t.Helper()
	h, ok := st.Host(host)
	if !ok {
		t.Fatalf("no host %s", host)
	}
	cmd := exec.Command("nsenter", "--net="+netnsPath(st.Netns), "--",
		"ssh", "-F", "/dev/null", "-i", st.IdentityFile,
		"-o", "UserKnownHostsFile="+st.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
		"-o", "LogLevel=ERROR", "-p", fmt.Sprint(h.Port),
		st.User+"@"+h.Address, command)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func mustSSH(t *testing.T, st *State, host, command string) string {
	t.Helper()
	out, err := sshRun(t, st, host, command)
	if err != nil {
		t.Fatalf("ssh %s %q: %v: %s", host, command, err, out)
	}
	return out
}

func mustExec(t *testing.T, st *State, host string, argv ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := st.Exec(context.Background(), host, argv, nil, &out, &errb); err != nil {
		t.Fatalf("Exec %s %v: %v: %s", host, argv, err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func hostPIDs(st *State) map[string]int {
	m := map[string]int{}
	for _, h := range st.Hosts {
		m[h.Name] = h.PID
	}
	return m
}

func TestLabLifecycle(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	st, dir := upLab(t, threeServers())
	if len(st.Hosts) != 3 || st.Gateways[0] != "198.51.100.254/24" {
		t.Fatalf("state: %+v", st)
	}
	for _, h := range st.Hosts {
		if !h.Up || h.PID == 0 {
			t.Fatalf("host not up: %+v", h)
		}
	}

	t.Run("ssh", func(t *testing.T) {
		var wg sync.WaitGroup
		for _, h := range st.Hosts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				out, err := sshRun(t, st, h.Name, "hostname; cat /etc/hostname; cat /proc/1/comm")
				if err != nil {
					t.Errorf("ssh %s: %v: %s", h.Name, err, out)
					return
				}
				if want := h.Name + "\n" + h.Name + "\nsshd"; out != want {
					t.Errorf("ssh %s: got %q, want %q", h.Name, out, want)
				}
				t.Logf("ssh login to %s: %s", h.Name, time.Since(start))
			}()
		}
		wg.Wait()
	})

	t.Run("private dirs", func(t *testing.T) {
		mustSSH(t, st, "s1", "echo s1 > /etc/drover-lab-test && echo s1 > /var/lib/drover-lab-test && touch /run/x /tmp/x")
		for _, f := range []string{"/etc/drover-lab-test", "/var/lib/drover-lab-test"} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s leaked to the machine", f)
			}
			if out, err := sshRun(t, st, "s2", "test ! -e "+f+" && test ! -e /run/x && test ! -e /tmp/x"); err != nil {
				t.Errorf("s1's %s visible on s2: %v %s", f, err, out)
			}
		}
		if got := mustExec(t, st, "s1", "cat", "/etc/drover-lab-test"); got != "s1" {
			t.Errorf("Exec sees %q on s1", got)
		}
	})

	t.Run("network", func(t *testing.T) {
		mustSSH(t, st, "s1", "ping -c1 -W2 198.51.100.2 && ping -c1 -W2 198.51.100.254")
		route := mustExec(t, st, "s3", "ip", "route", "show", "default")
		if !strings.Contains(route, "via 198.51.100.254 dev eth0") {
			t.Errorf("s3 default route: %q", route)
		}
		// /sys belongs to the host's network namespace.
		if got := mustExec(t, st, "s3", "ls", "/sys/class/net"); got != "eth0\nlo" {
			t.Errorf("s3 /sys/class/net: %q", got)
		}
	})

	t.Run("namespaces", func(t *testing.T) {
		if got := mustExec(t, st, "s2", "hostname"); got != "s2" {
			t.Errorf("Exec hostname: %q", got)
		}
		if got := mustExec(t, st, "s2", "pwd"); got != "/root" {
			t.Errorf("Exec pwd: %q", got)
		}
		// The host's PID namespace holds only its own processes.
		ps := mustExec(t, st, "s2", "sh", "-c", "ls -d /proc/[0-9]* | wc -l")
		if ps == "" || len(ps) > 1 {
			t.Errorf("s2 sees %s processes", ps)
		}
		mounts := mustExec(t, st, "s2", "cat", "/proc/self/mountinfo")
		for _, want := range []string{" / / rw,relatime - overlay drover-lab ", " /sys/fs/cgroup rw", " /sys/fs/cgroup/systemd ",
			" /run rw", " /tmp rw", " /dev rw", " /dev/pts rw", " /proc/sys ro,", " /proc/sys/net rw,", " /sys ro,"} {
			if !strings.Contains(mounts, want) {
				t.Errorf("s2 lacks mount %q", want)
			}
		}
		// Nothing of the machine's mounts but the root's files.
		if strings.Contains(mounts, netnsDir) || strings.Contains(mounts, dir) {
			t.Errorf("s2 sees the machine's mounts:\n%s", mounts)
		}
	})

	t.Run("sealed", func(t *testing.T) {
		files := []string{"/opt/drover-lab-test", "/usr/local/bin/drover-lab-test", "/var/tmp/drover-lab-test", "/srv/drover-lab-test"}
		for _, f := range files {
			if _, err := os.Stat(f); err == nil {
				t.Fatalf("%s exists on the machine before the test", f)
			}
		}
		mustSSH(t, st, "s1", "for f in "+strings.Join(files, " ")+"; do echo s1 > $f; done")
		for _, f := range files {
			if _, err := os.Stat(f); err == nil {
				os.Remove(f)
				t.Errorf("%s leaked to the machine", f)
			}
			if out, err := sshRun(t, st, "s2", "test ! -e "+f); err != nil {
				t.Errorf("s1's %s visible on s2: %v %s", f, err, out)
			}
		}
		// The lab's own files are out of the hosts' sight.
		if out, err := sshRun(t, st, "s2", "test ! -e "+filepath.Join(dir, hostsDir, "s1", "upper")); err != nil {
			t.Errorf("s2 sees s1's layer: %v %s", err, out)
		}
		// Kernel settings: the host's network namespace's are its own,
		// the machine's are read-only.
		mustSSH(t, st, "s1", "echo 1 > /proc/sys/net/ipv4/ip_forward && echo lab > /proc/sys/kernel/domainname")
		for _, key := range []string{"kernel/core_pattern", "vm/swappiness", "fs/file-max"} {
			if out, err := sshRun(t, st, "s1", "cat /proc/sys/"+key+" > /tmp/v && cat /tmp/v > /proc/sys/"+key); err == nil || !strings.Contains(out, "Read-only file system") {
				t.Errorf("s1 could write /proc/sys/%s: %v %s", key, err, out)
			}
		}
		if got := mustSSH(t, st, "s1", "head -1 "+labMarker+"; grep -c tier=namespace "+labMarker); !strings.Contains(got, "namespace lab host s1") || !strings.HasSuffix(got, "\n1") {
			t.Errorf("marker: %q", got)
		}
		if out, err := sshRun(t, st, "s1", "echo 1 > /proc/sysrq-trigger"); err == nil {
			t.Errorf("s1 could write /proc/sysrq-trigger: %s", out)
		}
	})

	t.Run("names", func(t *testing.T) {
		if got := mustSSH(t, st, "s1", "getent hosts s2 s3.lab"); !strings.Contains(got, "198.51.100.2") || !strings.Contains(got, "198.51.100.3") {
			t.Errorf("s1 resolves the lab's hosts as %q", got)
		}
		start := time.Now()
		if out, err := sshRun(t, st, "s1", "getent ahosts drover.example.com"); err == nil {
			t.Errorf("s1 resolves a name outside the lab: %s", out)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("a lookup the lab cannot answer took %s", d)
		}
	})

	t.Run("dial", func(t *testing.T) {
		conn, err := st.Dial(context.Background(), "tcp", "198.51.100.3:22")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, err := conn.Read(buf)
		if err != nil || !strings.HasPrefix(string(buf[:n]), "SSH-2.0-") {
			t.Fatalf("banner %q, %v", buf[:n], err)
		}
	})

	t.Run("exec errors", func(t *testing.T) {
		err := st.Exec(context.Background(), "s1", []string{"false"}, nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "lab host s1: false") {
			t.Errorf("Exec false: %v", err)
		}
		if err := st.Exec(context.Background(), "nope", []string{"true"}, nil, nil, nil); err == nil {
			t.Errorf("Exec on unknown host succeeded")
		}
	})

	t.Run("status", func(t *testing.T) {
		got, err := Status(dir)
		if err != nil || got == nil {
			t.Fatalf("Status: %v %v", got, err)
		}
		for _, h := range got.Hosts {
			if !h.Up || h.PID != hostPIDs(st)[h.Name] {
				t.Errorf("Status host %+v", h)
			}
		}
	})

	knownHosts, err := os.ReadFile(st.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	stateInfo, _ := os.Stat(filepath.Join(dir, stateFile))

	t.Run("up again is a no-op", func(t *testing.T) {
		var log bytes.Buffer
		start := time.Now()
		again, err := Up(context.Background(), dir, threeServers(), &log)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("no-op up: %s", time.Since(start))
		if fmt.Sprint(hostPIDs(again)) != fmt.Sprint(hostPIDs(st)) {
			t.Errorf("PIDs changed: %v -> %v", hostPIDs(st), hostPIDs(again))
		}
		if !strings.Contains(log.String(), "(0 started)") || strings.Contains(log.String(), "removed") {
			t.Errorf("log: %s", log.String())
		}
		if fi, _ := os.Stat(filepath.Join(dir, stateFile)); !fi.ModTime().Equal(stateInfo.ModTime()) {
			t.Errorf("state.json rewritten")
		}
	})

	t.Run("dead host restarts", func(t *testing.T) {
		mustSSH(t, st, "s2", "echo kept > /etc/drover-lab-kept")
		old := hostPIDs(st)
		syscall.Kill(old["s2"], syscall.SIGKILL)
		waitDead(t, old["s2"])
		if got, _ := Status(dir); got.Hosts[1].Up {
			t.Errorf("Status says killed s2 is up")
		}
		again, err := Up(context.Background(), dir, threeServers(), nil)
		if err != nil {
			t.Fatal(err)
		}
		now := hostPIDs(again)
		if now["s2"] == old["s2"] || now["s1"] != old["s1"] || now["s3"] != old["s3"] {
			t.Errorf("PIDs %v -> %v", old, now)
		}
		st = again
		if got := mustSSH(t, st, "s2", "cat /etc/drover-lab-kept; hostname"); got != "kept\ns2" {
			t.Errorf("restarted s2: %q", got)
		}
	})

	t.Run("down", func(t *testing.T) {
		pids := []int{}
		for _, pid := range hostPIDs(st) {
			pids = append(pids, pid)
		}
		var log bytes.Buffer
		start := time.Now()
		if err := Down(dir, &log); err != nil {
			t.Fatal(err)
		}
		t.Logf("down: %s (%s)", time.Since(start), strings.TrimSpace(log.String()))
		assertGone(t, dir, pids)
		for _, gone := range []string{hostsDir, stateFile} {
			if _, err := os.Stat(filepath.Join(dir, gone)); err == nil {
				t.Errorf("%s left", gone)
			}
		}
		if _, err := os.Stat(st.IdentityFile); err != nil {
			t.Errorf("client key removed: %v", err)
		}
		if got, err := Status(dir); got != nil || err != nil {
			t.Errorf("Status after Down: %v %v", got, err)
		}
		if err := Down(dir, nil); err != nil {
			t.Errorf("second Down: %v", err)
		}
	})

	t.Run("up after down keeps host keys", func(t *testing.T) {
		again, err := Up(context.Background(), dir, threeServers(), nil)
		if err != nil {
			t.Fatal(err)
		}
		st = again
		if kh, _ := os.ReadFile(st.KnownHosts); !bytes.Equal(kh, knownHosts) {
			t.Errorf("known_hosts changed:\n%s\n%s", knownHosts, kh)
		}
		if got := mustSSH(t, st, "s1", "hostname; test ! -e /etc/drover-lab-test && echo fresh"); got != "s1\nfresh" {
			t.Errorf("rebuilt s1: %q", got)
		}
	})
}

func waitDead(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if alive, _ := procStatus(pid); !alive {
			return
		}
	}
	t.Fatalf("pid %d does not die", pid)
}

func TestTwoLabsSameAddresses(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	servers := []Server{{Name: "a", Address: "198.51.100.1"}, {Name: "b", Address: "198.51.100.2"}}
	labA, _ := upLab(t, servers)
	labB, dirB := upLab(t, servers)
	if labA.Netns == labB.Netns {
		t.Fatalf("same namespace %s", labA.Netns)
	}
	mustSSH(t, labA, "a", "echo A > /etc/which-lab")
	mustSSH(t, labB, "a", "echo B > /etc/which-lab")
	if a, b := mustSSH(t, labA, "a", "cat /etc/which-lab"), mustExec(t, labB, "a", "cat", "/etc/which-lab"); a != "A" || b != "B" {
		t.Errorf("lab A sees %q, lab B sees %q", a, b)
	}
	// Each lab's known_hosts holds its own host keys: crossing them fails.
	crossed := *labA
	crossed.KnownHosts = labB.KnownHosts
	if out, err := sshRun(t, &crossed, "a", "true"); err == nil {
		t.Errorf("lab A accepted with lab B's known_hosts: %s", out)
	}
	mustSSH(t, labA, "b", "ping -c1 -W2 198.51.100.1")
	if err := Down(dirB, nil); err != nil {
		t.Fatal(err)
	}
	mustSSH(t, labA, "a", "true")
}

func TestDownWithBrokenState(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	st, dir := upLab(t, []Server{{Name: "solo", Address: "203.0.113.7"}})
	pid := st.Hosts[0].PID
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(`{"id": "trunc`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Status(dir); err == nil {
		t.Errorf("Status accepted a broken state.json")
	}
	if err := Down(dir, nil); err != nil {
		t.Fatal(err)
	}
	assertGone(t, dir, []int{pid})

	// Down of labs that never were.
	if err := Down(filepath.Join(t.TempDir(), "never"), nil); err != nil {
		t.Errorf("Down of a missing dir: %v", err)
	}
	if err := Down(t.TempDir(), nil); err != nil {
		t.Errorf("Down of an empty dir: %v", err)
	}
}

func TestUpChangesServers(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	st, dir := upLab(t, []Server{
		{Name: "keep", Address: "198.51.100.10"},
		{Name: "gone", Address: "198.51.100.11"},
		{Name: "moved", Address: "198.51.100.12"},
	})
	keepPID := hostPIDs(st)["keep"]
	var log bytes.Buffer
	st, err := Up(context.Background(), dir, []Server{
		{Name: "keep", Address: "198.51.100.10"},
		{Name: "moved", Address: "203.0.113.12", Port: 2222},
		{Name: "new-with-a-long-name", Address: "198.51.100.254"},
	}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Log(log.String())
	if hostPIDs(st)["keep"] != keepPID {
		t.Errorf("keep was restarted")
	}
	if netnsExists(st.Netns + "-gone") {
		t.Errorf("host gone still has its namespace")
	}
	if _, err := os.Stat(filepath.Join(dir, hostsDir, "gone")); err == nil {
		t.Errorf("host gone still has its files")
	}
	// .254 is a server now, so the gateway moved to .253; a second /24.
	if fmt.Sprint(st.Gateways) != "[198.51.100.253/24 203.0.113.254/24]" {
		t.Errorf("gateways %v", st.Gateways)
	}
	if got := mustSSH(t, st, "moved", "hostname -I"); got != "203.0.113.12" {
		t.Errorf("moved has %q", got)
	}
	// Between the /24s through the lab's gateways.
	mustSSH(t, st, "new-with-a-long-name", "ping -c1 -W2 203.0.113.12")
	mustSSH(t, st, "keep", "ip route show default | grep -q 'via 198.51.100.253'")
}

func TestStateOnOverlay(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	base := t.TempDir()
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	merged := filepath.Join(base, "merged")
	opts := fmt.Sprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", base, base, base)
	if err := syscall.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		testkit.Skipf(t, "cannot mount an overlay: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(merged, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", merged, err)
		}
	})
	st := upLabAt(t, filepath.Join(merged, "state"), []Server{{Name: "ov", Address: "198.51.100.9"}})
	if !st.HostsTmpfs {
		t.Errorf("no tmpfs on STATE/hosts for a state dir on overlayfs")
	}
	if got := mustSSH(t, st, "ov", "hostname"); got != "ov" {
		t.Errorf("hostname %q", got)
	}
}

func TestUpAfterKeysLost(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	st, dir := upLab(t, []Server{{Name: "k1", Address: "198.51.100.21"}, {Name: "k2", Address: "198.51.100.22"}})
	old := hostPIDs(st)
	if err := os.RemoveAll(filepath.Join(dir, sshDir)); err != nil {
		t.Fatal(err)
	}
	st, err := Up(context.Background(), dir, []Server{{Name: "k1", Address: "198.51.100.21"}, {Name: "k2", Address: "198.51.100.22"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if now := hostPIDs(st); now["k1"] == old["k1"] || now["k2"] == old["k2"] {
		t.Errorf("hosts kept their lost keys: %v -> %v", old, now)
	}
	mustSSH(t, st, "k2", "true")
}

// A file system mounted below / on the machine (a /var or /home of its
// own; here a bind mount below /var/tmp) is seen in every host through an
// overlay of its own: its files are there, what a host writes stays in
// that host.
func TestSubmountOverlay(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	base, err := os.MkdirTemp("/var/tmp", "drover-lab-submount-")
	if err != nil {
		t.Fatal(err)
	}
	src, mnt := filepath.Join(base, "src"), filepath.Join(base, "mnt")
	for _, d := range []string{src, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "file"), []byte("machine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(src, mnt, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
		os.RemoveAll(base)
	})
	st, _ := upLab(t, []Server{{Name: "m1", Address: "198.51.100.31"}, {Name: "m2", Address: "198.51.100.32"}})
	if got := mustSSH(t, st, "m1", "cat "+mnt+"/file && echo m1 > "+mnt+"/file && echo new > "+mnt+"/new && cat "+mnt+"/file"); got != "machine\nm1" {
		t.Errorf("m1 sees %q", got)
	}
	if got := mustSSH(t, st, "m2", "cat "+mnt+"/file; ls "+mnt); got != "machine\nfile" {
		t.Errorf("m2 sees %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(src, "file")); string(got) != "machine\n" {
		t.Errorf("the machine's file is now %q", got)
	}
	if _, err := os.Stat(filepath.Join(src, "new")); err == nil {
		t.Errorf("a host's new file landed on the machine")
	}
}

// A package installed in a host (dpkg -i of a local .deb: the lab has no
// mirror) is in that host only: its files and its dpkg record. The
// machine's dpkg database and /usr do not change.
func TestPackageStaysInHost(t *testing.T) {
	requireRoot(t)
	for _, tool := range []string{"dpkg", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			testkit.Skipf(t, "needs %s (Debian)", tool)
		}
	}
	t.Parallel()
	const pkg, bin = "drover-lab-test-pkg", "/usr/bin/drover-lab-test-pkg"
	if _, err := os.Stat(bin); err == nil {
		t.Fatalf("%s exists on the machine before the test", bin)
	}
	// The .deb in /var/tmp, which the hosts see through their lower layer.
	base, err := os.MkdirTemp("/var/tmp", "drover-lab-deb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	root := filepath.Join(base, "pkg")
	for path, content := range map[string]string{
		"DEBIAN/control": "Package: " + pkg + "\nVersion: 1.0\nArchitecture: all\nMaintainer: drover <drover@example.test>\nDescription: drover lab test package\n",
		"usr/bin/" + pkg: "#!/bin/sh\necho installed\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	deb := filepath.Join(base, pkg+".deb")
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", root, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v: %s", err, out)
	}
	machineStatus, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}

	st, _ := upLab(t, []Server{{Name: "p1", Address: "198.51.100.41"}, {Name: "p2", Address: "198.51.100.42"}})
	mustSSH(t, st, "p1", "dpkg -i "+deb+" >/dev/null")
	if got := mustSSH(t, st, "p1", pkg+"; dpkg-query -W -f '${Status}' "+pkg); got != "installed\ninstall ok installed" {
		t.Errorf("p1: %q", got)
	}
	if out, err := sshRun(t, st, "p2", "test ! -e "+bin+" && ! dpkg-query -W "+pkg); err != nil {
		t.Errorf("p1's package visible on p2: %v %s", err, out)
	}
	if _, err := os.Stat(bin); err == nil {
		t.Errorf("%s landed on the machine", bin)
	}
	if now, _ := os.ReadFile("/var/lib/dpkg/status"); !bytes.Equal(now, machineStatus) {
		t.Errorf("the machine's dpkg database changed")
	}
}

// A state directory the hosts' tree has (here below /var/tmp, which they
// see through their lower layer) is hidden from them: they do not read the
// lab's keys.
func TestStateDirHidden(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	base, err := os.MkdirTemp("/var/tmp", "drover-lab-state-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	dir := filepath.Join(base, "state")
	st := upLabAt(t, dir, []Server{{Name: "h1", Address: "198.51.100.51"}})
	if _, err := os.Stat(st.IdentityFile); err != nil {
		t.Fatal(err)
	}
	if got := mustSSH(t, st, "h1", "ls -A "+dir+" | wc -l; touch "+dir+"/x 2>&1 || echo read-only"); !strings.HasPrefix(got, "0\n") || !strings.HasSuffix(got, "read-only") {
		t.Errorf("h1 sees the state directory as %q", got)
	}
}
