package services

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/checks"
	"github.com/drover/drover/runner/host/hosttest"
)

// killOnCleanup kills the process named by pidfile at the end of the test,
// if it still runs: the tests never leave daemons behind.
func killOnCleanup(t *testing.T, pidfile string) {
	t.Cleanup(func() {
		if pid := readPidfile(pidfile); pid > 0 && processAlive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("PID %d from %s was still running", pid, pidfile)
		}
	})
}

func TestServicePidfileForeground(t *testing.T) {
	hosttest.RequireRoot(t)
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	pidfile := filepath.Join(dir, "run", "h2t-sleep.pid")
	killOnCleanup(t, pidfile)
	svc := func(key string) []core.Resource {
		return []core.Resource{hosttest.Res("service", "h2t-sleep", map[string]string{"command": "sleep 1001", "restart_key": key})}
	}
	hosttest.Converge(t, kinds, m, svc("k1"), core.Create)
	pid1 := readPidfile(pidfile)
	if pid1 == 0 || !processAlive(pid1) || !cmdlineMatches(pid1, "sleep 1001") {
		t.Fatalf("not running: pid %d", pid1)
	}
	// A new restart_key restarts (reload=restart is the default).
	hosttest.Converge(t, kinds, m, svc("k2"), core.Update)
	pid2 := readPidfile(pidfile)
	if pid2 == pid1 || processAlive(pid1) || !processAlive(pid2) {
		t.Errorf("not restarted: %d -> %d", pid1, pid2)
	}
	// A daemon that died shows as an update that starts it.
	if err := terminate(pid2); err != nil {
		t.Fatal(err)
	}
	changes := hosttest.Converge(t, kinds, m, svc("k2"), core.Update)
	if f := changes[0].Fields; len(f) != 1 || f[0].Name != "running" || f[0].Old != "false" {
		t.Errorf("fields = %+v", f)
	}
	pid3 := readPidfile(pidfile)
	if !processAlive(pid3) {
		t.Errorf("not started again")
	}
	results := host.RunChecks(kinds, checks.All(), m, []core.Check{{Kind: "service", Attrs: map[string]string{"name": "h2t-sleep"}}})
	if !results[0].OK {
		t.Errorf("service check: %+v", results[0])
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if processAlive(pid3) {
		t.Errorf("PID %d survived delete", pid3)
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pidfile left: %v", err)
	}
	results = host.RunChecks(kinds, checks.All(), m, []core.Check{{Kind: "service", Attrs: map[string]string{"name": "h2t-sleep"}}})
	if results[0].OK {
		t.Errorf("service check after delete: %+v", results[0])
	}
}

func TestServiceFailsToStart(t *testing.T) {
	hosttest.RequireRoot(t)
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	changes, _, _ := host.Plan(kinds, []core.Resource{hosttest.Res("service", "h2t-bad", map[string]string{"command": "ls /h2t-does-not-exist"})}, m, nil)
	err := host.ApplyChange(kinds, changes[0], m)
	if err == nil || !strings.Contains(err.Error(), "service/h2t-bad") || !strings.Contains(err.Error(), "No such file") {
		t.Errorf("error = %v", err)
	}
}

// TestServiceForkingDnsmasq runs a forking daemon that writes its own
// pidfile, reloads it with SIGHUP and restarts it on a command change.
func TestServiceForkingDnsmasq(t *testing.T) {
	hosttest.EnterNetns(t, "svc")
	if _, err := exec.LookPath("dnsmasq"); err != nil {
		testkit.Skip(t, "dnsmasq not installed")
	}
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	pidfile := filepath.Join(dir, "dnsmasq.pid")
	killOnCleanup(t, pidfile)
	svc := func(port, key string) []core.Resource {
		cmd := fmt.Sprintf("dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --listen-address=127.0.0.1 --bind-interfaces --port=%s --pid-file=%s", port, pidfile)
		return []core.Resource{hosttest.Res("service", "h2t-dns", map[string]string{"command": cmd, "pidfile": pidfile, "reload": "SIGHUP", "restart_key": key})}
	}
	hosttest.Converge(t, kinds, m, svc("5353", "a"), core.Create)
	pid1 := readPidfile(pidfile)
	if !processAlive(pid1) {
		t.Fatalf("dnsmasq not running")
	}
	hosttest.Converge(t, kinds, m, svc("5353", "b"), core.Update)
	if pid := readPidfile(pidfile); pid != pid1 || !processAlive(pid) {
		t.Errorf("SIGHUP reload changed the PID %d -> %d", pid1, pid)
	}
	hosttest.Converge(t, kinds, m, svc("5354", "b"), core.Update)
	pid2 := readPidfile(pidfile)
	if pid2 == pid1 || !processAlive(pid2) {
		t.Errorf("command change did not restart: %d -> %d", pid1, pid2)
	}
	if out := hosttest.MustRun(t, "ss", "-lun"); !strings.Contains(out, "127.0.0.1:5354") {
		t.Errorf("dnsmasq not on 5354: %s", out)
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if waitGone(pid2, time.Second); processAlive(pid2) {
		t.Errorf("dnsmasq survived delete")
	}
}

// TestServiceSystemdUnit drives the systemd backend against a fake
// systemctl that records its calls.
func TestServiceSystemdUnit(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	active := filepath.Join(dir, "active")
	fake := filepath.Join(dir, "systemctl")
	script := fmt.Sprintf(`#!/bin/sh
echo "$*" >> %[1]s
case "$1" in
is-active) test -e %[2]s ;;
show) echo 4242 ;;
enable|start|restart) touch %[2]s ;;
stop|disable) rm -f %[2]s ;;
esac
`, calls, active)
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	kinds := Kinds(host.Env{UnitDir: filepath.Join(dir, "units"), RunDir: "/run/drover", Systemd: true, Systemctl: fake})
	m := hosttest.NewManifest(t)
	svc := func(cmd, key string) []core.Resource {
		return []core.Resource{hosttest.Res("service", "web", map[string]string{"command": cmd, "pidfile": "/run/nginx.pid", "reload": "SIGHUP", "restart_key": key})}
	}
	hosttest.Converge(t, kinds, m, svc("nginx -c /etc/nginx/nginx.conf", "1"), core.Create)
	unit, err := os.ReadFile(filepath.Join(dir, "units", "drover-web.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=forking", "PIDFile=/run/nginx.pid", "ExecStartPre=+/bin/mkdir -p /run/drover /run\n", "ExecStartPre=+/bin/rm -f /run/nginx.pid",
		`ExecStart=/usr/bin/setsid -f "nginx" "-c" "/etc/nginx/nginx.conf"`, `# Command: "nginx -c /etc/nginx/nginx.conf"`, "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	hosttest.Converge(t, kinds, m, svc("nginx -c /etc/nginx/nginx.conf", "2"), core.Update)
	hosttest.Converge(t, kinds, m, svc("nginx -c /etc/nginx/other.conf", "2"), core.Update)
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	log, _ := os.ReadFile(calls)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		if !strings.HasPrefix(line, "is-active") && !strings.HasPrefix(line, "show") {
			got = append(got, line)
		}
	}
	want := []string{"daemon-reload", "reset-failed drover-web.service", "enable --now drover-web.service", "reload drover-web.service",
		"daemon-reload", "stop drover-web.service", "reset-failed drover-web.service", "enable --now drover-web.service",
		"stop drover-web.service", "disable drover-web.service", "daemon-reload"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("systemctl calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "units", "drover-web.service")); !os.IsNotExist(err) {
		t.Errorf("unit left: %v", err)
	}
}
