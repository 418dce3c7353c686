package lab

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/runner/host/network"
)

// Tests of the pure parts; they need no root.

func TestCheckServers(t *testing.T) {
	ok, err := checkServers([]Server{{Name: "s1", Address: "198.51.100.1"}, {Name: "web_2", Address: "203.0.113.2", Port: 2222}})
	if err != nil {
		t.Fatal(err)
	}
	if ok[0].Port != 22 || ok[1].Port != 2222 {
		t.Errorf("ports: %+v", ok)
	}
	bad := []struct {
		servers []Server
		want    string
	}{
		{nil, "no servers"},
		{[]Server{{Name: "", Address: "198.51.100.1"}}, "server name"},
		{[]Server{{Name: "a/b", Address: "198.51.100.1"}}, "server name"},
		{[]Server{{Name: strings.Repeat("x", 64), Address: "198.51.100.1"}}, "server name"},
		{[]Server{{Name: "a", Address: "198.51.100.1"}, {Name: "a", Address: "198.51.100.2"}}, "listed twice"},
		{[]Server{{Name: "a", Address: "198.51.100.1"}, {Name: "b", Address: "198.51.100.1"}}, "same address"},
		{[]Server{{Name: "a", Address: "2001:db8::1"}}, "IPv4 only"},
		{[]Server{{Name: "a", Address: "s1.example"}}, "not an IPv4"},
		{[]Server{{Name: "a", Address: "198.51.100.0"}}, "cannot be a host address"},
		{[]Server{{Name: "a", Address: "198.51.100.255"}}, "cannot be a host address"},
		{[]Server{{Name: "a", Address: "198.51.100.1", Port: 70000}}, "port"},
	}
	for _, c := range bad {
		_, err := checkServers(c.servers)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error with %q", c.servers, err, c.want)
		}
	}
}

func TestGateways(t *testing.T) {
	gws, err := gateways([]Server{
		{Name: "a", Address: "198.51.100.1"},
		{Name: "b", Address: "203.0.113.9"},
		{Name: "c", Address: "198.51.100.254"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(gws); got != "[198.51.100.253/24 203.0.113.254/24]" {
		t.Errorf("gateways %s", got)
	}
	gw, err := gatewayFor("203.0.113.9", gws)
	if err != nil || gw.String() != "203.0.113.254" {
		t.Errorf("gatewayFor: %v %v", gw, err)
	}
	var full []Server
	for i := 1; i <= 254; i++ {
		full = append(full, Server{Name: fmt.Sprint("h", i), Address: fmt.Sprint("198.51.100.", i)})
	}
	if _, err := gateways(full); err == nil || !strings.Contains(err.Error(), "no free address") {
		t.Errorf("full /24: %v", err)
	}
}

func TestNames(t *testing.T) {
	if got := vethName("s1"); got != "v-s1" {
		t.Errorf("vethName(s1) = %q", got)
	}
	long := vethName("a-very-long-server-name")
	if len(long) > 15 || !strings.HasPrefix(long, "v-") || long == vethName("a-very-long-server-namf") {
		t.Errorf("vethName(long) = %q", long)
	}
	p, err := newLabPaths("/tmp/x/.drover/lab")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.id) != 8 || p.outerNetns() != "drv-"+p.id || p.hostNetns("s1") != "drv-"+p.id+"-s1" {
		t.Errorf("names: %s %s", p.outerNetns(), p.hostNetns("s1"))
	}
	if NamespaceID("/a") == NamespaceID("/b") {
		t.Errorf("IDs collide")
	}
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, mk := range []bool{false, true} {
		if mk {
			os.Mkdir(filepath.Join(real, "state"), 0o755)
		}
		a, _ := newLabPaths(filepath.Join(link, "state"))
		b, _ := newLabPaths(filepath.Join(real, "state"))
		if a != b {
			t.Errorf("symlinked state dir (exists %v): %+v != %+v", mk, a, b)
		}
	}
	if _, err := newLabPaths(""); err == nil {
		t.Errorf("empty state dir accepted")
	}
}

func TestParseMountinfo(t *testing.T) {
	line := `36 35 98:0 / /mnt/with\040space rw,noatime master:1 - ext4 /dev/root rw,errors=continue`
	m, ok := parseMountinfoLine(line)
	if !ok || m.point != "/mnt/with space" || m.fstype != "ext4" || m.super != "rw,errors=continue" {
		t.Errorf("parsed %+v %v", m, ok)
	}
	if _, ok := parseMountinfoLine("garbage"); ok {
		t.Errorf("garbage parsed")
	}
}

func TestCgroupSpecs(t *testing.T) {
	enabled := []string{"cpuset", "cpu", "cpuacct", "memory", "pids"}
	hybrid := []mountEntry{
		{point: "/sys/fs/cgroup", fstype: "tmpfs", super: "rw"},
		{point: "/sys/fs/cgroup/cpu,cpuacct", fstype: "cgroup", super: "rw,cpu,cpuacct"},
		{point: "/sys/fs/cgroup/memory", fstype: "cgroup", super: "rw,memory"},
		{point: "/sys/fs/cgroup/systemd", fstype: "cgroup", super: "rw,xattr,name=systemd"},
		{point: "/sys/fs/cgroup/unified", fstype: "cgroup2", super: "rw,nsdelegate"},
		{point: "/sys/fs/cgroup/memory/deep", fstype: "cgroup", super: "rw,memory"},
	}
	want := []string{"cpu,cpuacct:cgroup:cpu,cpuacct", "memory:cgroup:memory", "systemd:cgroup:none,name=systemd", "unified:cgroup2:rw"}
	if got := cgroupSpecs(hybrid, enabled); !reflect.DeepEqual(got, want) {
		t.Errorf("hybrid: %q", got)
	}
	unified := []mountEntry{{point: "/sys/fs/cgroup", fstype: "cgroup2", super: "rw"}}
	want = []string{".:cgroup2:rw", "systemd:cgroup:none,name=systemd"}
	if got := cgroupSpecs(unified, enabled); !reflect.DeepEqual(got, want) {
		t.Errorf("unified: %q", got)
	}
	want = []string{"cpuset:cgroup:cpuset", "cpu:cgroup:cpu", "cpuacct:cgroup:cpuacct", "memory:cgroup:memory", "pids:cgroup:pids", "systemd:cgroup:none,name=systemd"}
	if got := cgroupSpecs(nil, enabled); !reflect.DeepEqual(got, want) {
		t.Errorf("none: %q", got)
	}
}

func TestResolverConfig(t *testing.T) {
	gws := []netip.Prefix{netip.MustParsePrefix("198.51.100.254/24"), netip.MustParsePrefix("203.0.113.254/24")}
	hosts := []HostState{{Name: "s1", Address: "198.51.100.1"}, {Name: "db", Address: "203.0.113.5"}}
	conf := resolverConfig(hosts, gws)
	for _, want := range []string{"\nno-resolv\n", "\nno-hosts\n", "\nlocal=/#/\n", "\npid-file=\n",
		"\nlisten-address=198.51.100.254\n", "\nlisten-address=203.0.113.254\n",
		"\nhost-record=s1,s1.lab,198.51.100.1\n", "\nhost-record=db,db.lab,203.0.113.5\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("resolver config lacks %q:\n%s", want, conf)
		}
	}
	if rc := resolvConf(gws[1].Addr()); !strings.Contains(rc, "\nnameserver 203.0.113.254\n") || !strings.HasPrefix(rc, labFileHeader) {
		t.Errorf("resolv.conf:\n%s", rc)
	}
}

func TestWriteLabFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	if err := writeLabFile(path, labFileHeader+"\nnameserver 1\n"); err != nil {
		t.Fatal(err)
	}
	if err := writeLabFile(path, labFileHeader+"\nnameserver 2\n"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !strings.Contains(string(got), "nameserver 2") {
		t.Errorf("lab's own file not rewritten: %q", got)
	}
	os.WriteFile(path, []byte("nameserver 9\n"), 0o644)
	if err := writeLabFile(path, labFileHeader+"\nnameserver 3\n"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "nameserver 9\n" {
		t.Errorf("the host's own file was replaced: %q", got)
	}
}

func TestMountOptions(t *testing.T) {
	for opts, want := range map[string]string{"rw": "", "rw,cpu": "cpu", "none,name=systemd": "none,name=systemd"} {
		if flags, data := mountOptions(opts); flags != 0 || data != want {
			t.Errorf("%q: %d %q", opts, flags, data)
		}
	}
	if flags, _ := mountOptions("ro,cpu"); flags == 0 {
		t.Errorf("ro lost")
	}
}

func TestKeysAndKnownHosts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "host_s1")
	k1, created1, err := loadOrCreateKey(path, "root@s1")
	if err != nil {
		t.Fatal(err)
	}
	k2, created2, err := loadOrCreateKey(path, "root@s1")
	if err != nil {
		t.Fatal(err)
	}
	if k1.authorizedLine() != k2.authorizedLine() || !created1 || created2 {
		t.Errorf("key regenerated (created %v, %v)", created1, created2)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode())
	}
	hosts := []HostState{{Name: "s1", Address: "198.51.100.1", Port: 22}, {Name: "s2", Address: "198.51.100.2", Port: 2222}}
	kh := string(knownHostsFile(hosts, map[string]keyPair{"s1": k1, "s2": k1}))
	if !strings.HasPrefix(kh, "198.51.100.1 ssh-ed25519 ") || !strings.Contains(kh, "\n[198.51.100.2]:2222 ssh-ed25519 ") {
		t.Errorf("known_hosts:\n%s", kh)
	}
	cfg := sshdConfig(hosts[1])
	for _, want := range []string{"ListenAddress 198.51.100.2:2222", "PermitRootLogin prohibit-password", "UsePAM no", "PidFile /run/sshd.pid"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("sshd config lacks %q", want)
		}
	}
}

// The keys a lab host may write are those drover's sysctl kind accepts in
// a lab, and the lab's marker is the file the kind looks for.
func TestSysctlsAgreeWithHost(t *testing.T) {
	if labMarker != network.LabMarker {
		t.Errorf("lab marker %s, the sysctl kind reads %s", labMarker, network.LabMarker)
	}
	for _, k := range hostSysctlRW {
		key := strings.ReplaceAll(k, "/", ".")
		if k == "net" || k == "fs/mqueue" {
			key += ".x"
		}
		if !network.PerNamespaceSysctl(key) {
			t.Errorf("%s is writable in lab hosts but refused by the sysctl kind", key)
		}
	}
	for _, key := range []string{"kernel.core_pattern", "vm.swappiness", "kernel.pid_max"} {
		if network.PerNamespaceSysctl(key) {
			t.Errorf("%s accepted by the sysctl kind in a lab", key)
		}
	}
}

func TestDiskSubmounts(t *testing.T) {
	ms := []mountEntry{
		{point: "/", fstype: "ext4"}, {point: "/proc", fstype: "proc"}, {point: "/var/lib/docker", fstype: "xfs"},
		{point: "/var", fstype: "ext4"}, {point: "/home", fstype: "btrfs"}, {point: "/dev/shm", fstype: "tmpfs"},
		{point: "/run/netns", fstype: "ext4"}, {point: "/tmp/x", fstype: "ext4"}, {point: "/srv/a,b", fstype: "ext4"},
		{point: "/work/lab/hosts", fstype: "tmpfs"}, {point: "/mnt/ro", fstype: "tmpfs"}, {point: "/home", fstype: "btrfs"},
	}
	got := diskSubmounts(ms)
	if want := []string{"/var", "/home", "/var/lib/docker"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
