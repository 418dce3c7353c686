package lab

import (
	"archive/tar"
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQemuArgs(t *testing.T) {
	img := Image{Hash: "h", Dir: "/cache/h"}
	args := qemuArgs(vmSpec{
		Marker: "guest=drv-1234abcd-s1", Hostname: "s1", Image: img,
		Disk: "/st/vms/s1/disk.qcow2", Config: "/st/vms/s1/config.tar", Console: "/st/vms/s1/console.log",
		Tap: "t-s1", MAC: "52:54:00:01:02:03", MachineID: strings.Repeat("ab", 16), MemoryMB: 512, Accel: "tcg",
	})
	line := strings.Join(args, " ")
	for _, want := range []string{
		"-name guest=drv-1234abcd-s1 ", "-accel tcg,", "-cpu max", "-m 512", "-kernel /cache/h/vmlinuz", "-initrd /cache/h/initrd.img",
		"systemd.machine_id=" + strings.Repeat("ab", 16), "systemd.hostname=s1", "net.ifnames=0",
		"file=/st/vms/s1/disk.qcow2,if=none,id=root,format=qcow2", "serial=drover-lab-root",
		"file=/st/vms/s1/config.tar,if=none,id=config,format=raw,readonly=on", "serial=drover-lab-config",
		"tap,id=net0,ifname=t-s1,script=no,downscript=no", "mac=52:54:00:01:02:03", "-serial file:/st/vms/s1/console.log",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("qemu args lack %q:\n%s", want, line)
		}
	}
	if name, ok := guestName(args, "guest=drv-1234abcd-"); !ok || name != "s1" {
		t.Errorf("marker read back as %q, %v", name, ok)
	}
	kvm := strings.Join(qemuArgs(vmSpec{Accel: "kvm"}), " ")
	if !strings.Contains(kvm, "-accel kvm -cpu host") {
		t.Errorf("kvm args: %s", kvm)
	}
}

func TestVMIdentitiesAreStableAndDistinct(t *testing.T) {
	if vmMAC("1234abcd", "s1") != vmMAC("1234abcd", "s1") || vmMachineID("1234abcd", "s1") != vmMachineID("1234abcd", "s1") {
		t.Fatal("identities change between calls")
	}
	seen := map[string]bool{}
	for _, id := range []string{"1234abcd", "5678ef01"} {
		for _, n := range []string{"s1", "s2", "s3"} {
			mac, mid := vmMAC(id, n), vmMachineID(id, n)
			if !strings.HasPrefix(mac, "52:54:00:") || len(mac) != 17 || len(mid) != 32 {
				t.Errorf("%s/%s: mac %q machine-id %q", id, n, mac, mid)
			}
			if seen[mac] || seen[mid] {
				t.Errorf("%s/%s: duplicate identity", id, n)
			}
			seen[mac], seen[mid] = true, true
		}
	}
	if got := tapName("s1"); got != "t-s1" {
		t.Errorf("tapName(s1) = %q", got)
	}
	if got := tapName("a-very-long-server-name"); len(got) > 15 || !strings.HasPrefix(got, "t-") {
		t.Errorf("tapName(long) = %q", got)
	}
}

func TestVMConfigTar(t *testing.T) {
	host, err := createKey(filepath.Join(t.TempDir(), "host"), "h")
	if err != nil {
		t.Fatal(err)
	}
	client, err := createKey(filepath.Join(t.TempDir(), "client"), "c")
	if err != nil {
		t.Fatal(err)
	}
	data, err := vmConfigTar(Server{Name: "s2", Address: "198.51.100.2", Port: 2222}, netip.MustParseAddr("198.51.100.254"), host, client)
	if err != nil {
		t.Fatal(err)
	}
	if len(data)%512 != 0 {
		t.Errorf("config disk is %d bytes, not whole sectors", len(data))
	}
	files := map[string]string{}
	modes := map[string]int64{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		files[hdr.Name], modes[hdr.Name] = string(body), hdr.Mode
	}
	checks := map[string]string{
		"etc/hostname": "s2\n",
		"etc/ssh/sshd_config.d/10-drover-lab.conf": "Port 2222",
		"run/drover-lab/ip.batch":                  "addr replace 198.51.100.2/24 dev eth0\nlink set eth0 up\nroute replace default via 198.51.100.254 dev eth0",
		"root/.ssh/authorized_keys":                client.authorizedLine(),
		"etc/ssh/ssh_host_ed25519_key":             "OPENSSH PRIVATE KEY",
	}
	for name, want := range checks {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s = %q, want it to contain %q", name, files[name], want)
		}
	}
	for _, secret := range []string{"etc/ssh/ssh_host_ed25519_key", "root/.ssh/authorized_keys", "root/.ssh/"} {
		if modes[secret] != 0o600 && modes[secret] != 0o700 {
			t.Errorf("%s has mode %o", secret, modes[secret])
		}
	}
}

func TestRecipeHashCoversTheScripts(t *testing.T) {
	r := defaultRecipe()
	h := r.hash()
	if len(h) != 16 || h != defaultRecipe().hash() {
		t.Fatalf("hash %q is not stable", h)
	}
	r.Repo = append(r.Repo, "cowsay")
	if r.hash() == h {
		t.Error("the hash ignores the repository packages")
	}
	saved := vmGuestConfig
	vmGuestConfig += "\n# changed"
	defer func() { vmGuestConfig = saved }()
	if defaultRecipe().hash() == h {
		t.Error("the hash ignores the guest configuration script")
	}
}

func TestMirrorIn(t *testing.T) {
	dir := t.TempDir()
	deb822 := filepath.Join(dir, "debian.sources")
	os.WriteFile(deb822, []byte("Types: deb\nURIs: http://mirror.example/debian-security\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n"), 0o644)
	if got := mirrorIn(deb822); got != "http://mirror.example/debian" {
		t.Errorf("deb822: %q", got)
	}
	list := filepath.Join(dir, "sources.list")
	os.WriteFile(list, []byte("# comment\ndeb [signed-by=/k.gpg] http://ftp.example/debian bookworm main\n"), 0o644)
	if got := mirrorIn(list); got != "http://ftp.example/debian" {
		t.Errorf("one-line: %q", got)
	}
	if got := mirrorIn(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("missing file: %q", got)
	}
}

func TestSSHArgs(t *testing.T) {
	st := &State{Netns: "drv-1234abcd", IdentityFile: "/s/ssh/id_ed25519", KnownHosts: "/s/ssh/known_hosts", User: "root"}
	args := strings.Join(sshArgs(st, HostState{Address: "198.51.100.1", Port: 22}, []string{"sh", "-c", "echo 'hi there'; ip -br a"}, false), " ")
	for _, want := range []string{"--net=/run/netns/drv-1234abcd -- ssh -F /dev/null -T -i /s/ssh/id_ed25519",
		"UserKnownHostsFile=/s/ssh/known_hosts", "StrictHostKeyChecking=yes", "-p 22 -l root 198.51.100.1 -- sh -c 'echo '\\''hi there'\\''; ip -br a'"} {
		if !strings.Contains(args, want) {
			t.Errorf("ssh args lack %q:\n%s", want, args)
		}
	}
	if got := shellQuote(""); got != "''" {
		t.Errorf("shellQuote(\"\") = %s", got)
	}
}
