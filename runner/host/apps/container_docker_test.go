package apps

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeDockerHost answers the docker, iptables, ip and systemctl commands
// the driver runs, from its own little state, and logs them.
type fakeDockerHost struct {
	containers map[string]bool // name -> running
	networks   map[string]string
	images     map[string]bool
	iptables   map[string]string // table -> `iptables -S` listing
	log        []string
	stdin      map[string]string // command line -> its stdin
}

func newFakeDockerHost() *fakeDockerHost {
	return &fakeDockerHost{containers: map[string]bool{}, networks: map[string]string{}, images: map[string]bool{},
		iptables: map[string]string{}, stdin: map[string]string{}}
}

func (f *fakeDockerHost) run(stdin, name string, args ...string) (string, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	if stdin != "" {
		f.stdin[line] = stdin
	}
	noSuch := errors.New(line + ": exit status 1: Error: No such object")
	switch {
	case name == "iptables" && len(args) == 4 && args[3] == "-S":
		return f.iptables[args[2]], nil
	case name == "ip6tables":
		return "", errors.New("ip6tables: not found")
	case line == "docker container inspect --format {{.State.Running}} "+args[len(args)-1]:
		running, ok := f.containers[args[len(args)-1]]
		if !ok {
			return "", noSuch
		}
		if running {
			return "true\n", nil
		}
		return "false\n", nil
	case strings.HasPrefix(line, "docker network inspect"):
		cfg, ok := f.networks[args[len(args)-1]]
		if !ok {
			return "", noSuch
		}
		return cfg + "\n", nil
	case strings.HasPrefix(line, "docker image inspect"):
		if !f.images[args[len(args)-1]] {
			return "", noSuch
		}
		return "sha256:1\n", nil
	case strings.HasPrefix(line, "docker network ls"):
		var names []string
		for n := range f.networks {
			names = append(names, n)
		}
		return strings.Join(names, "\n"), nil
	case strings.HasPrefix(line, "docker ps"):
		if len(f.containers) > 0 {
			return "abc\n", nil
		}
		return "", nil
	}
	f.log = append(f.log, line)
	switch {
	case strings.HasPrefix(line, "docker network create"):
		for i, a := range args {
			if strings.HasPrefix(a, "drover.config=") && i > 0 {
				f.networks[args[len(args)-1]] = strings.TrimPrefix(a, "drover.config=")
			}
		}
	case strings.HasPrefix(line, "docker network rm"):
		delete(f.networks, args[len(args)-1])
	case strings.HasPrefix(line, "docker import"):
		f.images[args[len(args)-1]] = true
	case strings.HasPrefix(line, "docker image rm"):
		delete(f.images, args[len(args)-1])
	case strings.HasPrefix(line, "docker create"):
		for i, a := range args {
			if a == "--name" {
				f.containers[args[i+1]] = false
			}
		}
	case strings.HasPrefix(line, "docker rename"):
		f.containers[args[2]] = f.containers[args[1]]
		delete(f.containers, args[1])
	case strings.HasPrefix(line, "docker start"):
		f.containers[args[len(args)-1]] = true
	case strings.HasPrefix(line, "docker rm"):
		delete(f.containers, args[len(args)-1])
	}
	return "", nil
}

func testDockerDriver(t *testing.T, f *fakeDockerHost) dockerDriver {
	dir := t.TempDir()
	return dockerDriver{run: f.run, stateDir: filepath.Join(dir, "state"), daemonCfg: filepath.Join(dir, "etc/docker/daemon.json"),
		systemctl: "systemctl", sysNet: filepath.Join(dir, "sys"),
		bridge: func(name string) (dockerBridge, error) {
			switch name {
			case "vxl0":
				return dockerBridge{MTU: 1450, Addrs: []netip.Prefix{netip.MustParsePrefix("100.64.10.2/24")}}, nil
			case "cbr0":
				return dockerBridge{MTU: 1500, Addrs: []netip.Prefix{netip.MustParsePrefix("100.65.1.1/24")}}, nil
			}
			return dockerBridge{}, errors.New("bridge " + name + ": Link not found")
		}}
}

// dockerIPTables is what dockerd 20.10 with its defaults leaves in filter
// (as on the VM tier after boot), beside a rule of the administrator's.
const dockerIPTables = `-P INPUT ACCEPT
-P FORWARD DROP
-P OUTPUT ACCEPT
-N DOCKER
-N DOCKER-ISOLATION-STAGE-1
-N DOCKER-ISOLATION-STAGE-2
-N DOCKER-USER
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A FORWARD -s 192.0.2.0/24 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
`

const dockerNAT = `-P PREROUTING ACCEPT
-P INPUT ACCEPT
-P OUTPUT ACCEPT
-P POSTROUTING ACCEPT
-N DOCKER
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
`

func TestDockerRuleCommands(t *testing.T) {
	var got []string
	for _, c := range dockerRuleCommands("filter", dockerIPTables) {
		got = append(got, strings.Join(c, " "))
	}
	want := []string{
		"-D FORWARD -j DOCKER-USER",
		"-D FORWARD -j DOCKER-ISOLATION-STAGE-1",
		"-D FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
		"-D FORWARD -o docker0 -j DOCKER",
		"-D FORWARD -i docker0 ! -o docker0 -j ACCEPT",
		"-D FORWARD -i docker0 -o docker0 -j ACCEPT",
		"-F DOCKER", "-F DOCKER-ISOLATION-STAGE-1", "-F DOCKER-ISOLATION-STAGE-2", "-F DOCKER-USER",
		"-X DOCKER", "-X DOCKER-ISOLATION-STAGE-1", "-X DOCKER-ISOLATION-STAGE-2", "-X DOCKER-USER",
		"-P FORWARD ACCEPT",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("filter commands:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = nil
	for _, c := range dockerRuleCommands("nat", dockerNAT) {
		got = append(got, strings.Join(c, " "))
	}
	want = []string{
		"-D PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
		"-D OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER",
		"-D POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
		"-F DOCKER", "-X DOCKER",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nat commands:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A FORWARD DROP policy of the administrator's, without Docker's
	// chains, and their own rules stay.
	mine := "-P INPUT ACCEPT\n-P FORWARD DROP\n-A FORWARD -s 192.0.2.0/24 -j ACCEPT\n"
	if cmds := dockerRuleCommands("filter", mine); len(cmds) != 0 {
		t.Errorf("commands on a ruleset without Docker's: %v", cmds)
	}
}

func TestMergeDaemonConfig(t *testing.T) {
	out, changed, err := mergeDaemonConfig([]byte(`{"registry-mirrors": ["http://192.0.2.1:5000"], "iptables": true}`))
	if err != nil || !changed {
		t.Fatalf("changed %v, %v", changed, err)
	}
	for _, want := range []string{`"iptables": false`, `"ip-masq": false`, `"ip-forward": false`, `"live-restore": true`,
		`"bridge": "none"`, `"registry-mirrors": [`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("daemon.json lacks %s:\n%s", want, out)
		}
	}
	again, changed, err := mergeDaemonConfig(out)
	if err != nil || changed || !bytes.Equal(again, out) {
		t.Errorf("second merge: changed %v, %v\n%s", changed, err, again)
	}
	if _, _, err := mergeDaemonConfig([]byte("iptables=false")); err == nil {
		t.Error("a daemon.json that is not JSON was accepted")
	}
}

func dockerSpec(version string) map[string]string {
	return map[string]string{
		"runtime": "docker", "image": "localhost/web:1", "rootfs": "/srv/web.tar", "version": version,
		"command": `/bin/busybox httpd -f -p 80 -h "/www"`, "memory": "64M", "nameserver": "100.64.10.1",
		"net.0": "vxl0 100.64.10.33/24", "net.1": "cbr0 100.65.1.10/24 100.65.1.1",
		"file:/www/index.html": "hello from web-1\n",
	}
}

// TestDockerBuild: the first container configures the daemon (one
// restart), removes Docker's rules and docker0, creates the networks on
// drover's bridges, imports the image and creates the container; the
// next one reuses all of that; destroying the last one removes the
// networks and the image.
func TestDockerBuild(t *testing.T) {
	f := newFakeDockerHost()
	f.iptables["filter"], f.iptables["nat"] = dockerIPTables, dockerNAT
	d := testDockerDriver(t, f)
	os.MkdirAll(filepath.Join(d.sysNet, "docker0", "bridge"), 0o755)
	if err := d.Build("web-1", "web-1", dockerSpec("1")); err != nil {
		t.Fatal(err)
	}
	log := strings.Join(f.log, "\n")
	for _, want := range []string{
		"systemctl restart docker.service",
		"iptables -w -t filter -D FORWARD -j DOCKER-USER",
		"iptables -w -t filter -P FORWARD ACCEPT",
		"iptables -w -t nat -D POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
		"ip link delete docker0",
		"docker network create --driver bridge --subnet 100.64.10.0/24 --gateway 100.64.10.2 --ip-range 100.64.10.2/32 " +
			"-o com.docker.network.bridge.name=vxl0 -o com.docker.network.bridge.inhibit_ipv4=true " +
			"-o com.docker.network.bridge.enable_ip_masquerade=false -o com.docker.network.driver.mtu=1450 " +
			"--label drover.bridge=vxl0 --label drover.config=100.64.10.0/24,100.64.10.2/32,100.64.10.2,1450 drover-vxl0",
		"--gateway 100.65.1.1 --ip-range 100.65.1.1/32 -o com.docker.network.bridge.name=cbr0",
		"docker import /srv/web.tar localhost/web:1",
		"docker create --name web-1 --hostname web-1 --label drover.instance=web-1 --restart unless-stopped " +
			"--network drover-vxl0 --ip 100.64.10.33 --mac-address " + stableMAC("web-1", 0) +
			" --dns 100.64.10.1 --memory 64M localhost/web:1 /bin/busybox httpd -f -p 80 -h /www",
		"docker network connect --ip 100.65.1.10 drover-cbr0 web-1",
		"docker cp - web-1:/",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in\n%s", want, log)
		}
	}
	cfg, err := os.ReadFile(d.daemonCfg)
	if err != nil || !strings.Contains(string(cfg), `"live-restore": true`) {
		t.Errorf("daemon.json: %s %v", cfg, err)
	}
	checkFilesTar(t, f.stdin["docker cp - web-1:/"])

	// Docker's rules are gone now; a second container changes nothing
	// of the daemon, networks or image.
	f.iptables["filter"], f.iptables["nat"] = "-P FORWARD ACCEPT\n", "-P POSTROUTING ACCEPT\n"
	os.RemoveAll(filepath.Join(d.sysNet, "docker0"))
	f.log = nil
	spec := dockerSpec("1")
	spec["net.0"], spec["net.1"] = "vxl0 100.64.10.34/24", "cbr0 100.65.1.11/24 100.65.1.1"
	if err := d.Build("web-2", "web-2", spec); err != nil {
		t.Fatal(err)
	}
	if len(f.log) != 3 || !strings.HasPrefix(f.log[0], "docker create --name web-2") {
		t.Errorf("second build ran:\n%s", strings.Join(f.log, "\n"))
	}
	if exists, running, got, err := d.State("web-2"); !exists || running || got["net.0"] != spec["net.0"] || err != nil {
		t.Errorf("state of web-2: %v %v %v %v", exists, running, got, err)
	}

	// Rename carries the record; destroying both removes networks and
	// the image (and the record of it).
	if err := d.Rename("web-2", "web-2-prev"); err != nil || d.readSpec("web-2-prev") == nil || d.readSpec("web-2") != nil {
		t.Errorf("rename: %v", err)
	}
	f.log = nil
	for _, n := range []string{"web-1", "web-2-prev"} {
		if err := d.Destroy(n); err != nil {
			t.Fatal(err)
		}
	}
	log = strings.Join(f.log, "\n")
	for _, want := range []string{"docker rm --force web-1", "docker network rm drover-vxl0", "docker network rm drover-cbr0", "docker image rm localhost/web:1"} {
		if !strings.Contains(log, want) {
			t.Errorf("destroy: no %q in\n%s", want, log)
		}
	}
	if len(f.networks) != 0 || len(f.images) != 0 || len(d.images()) != 0 {
		t.Errorf("left: networks %v images %v remembered %v", f.networks, f.images, d.images())
	}
	if entries, _ := os.ReadDir(d.stateDir); len(entries) != 0 {
		t.Errorf("state left: %v", entries)
	}
}

func checkFilesTar(t *testing.T, data string) {
	t.Helper()
	tr := tar.NewReader(strings.NewReader(data))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name == "www/index.html" {
			b, _ := io.ReadAll(tr)
			if string(b) != "hello from web-1\n" {
				t.Errorf("index.html = %q", b)
			}
		}
	}
	if strings.Join(names, " ") != "www/ www/index.html" {
		t.Errorf("tar holds %v", names)
	}
}

// TestDockerChangedNetworkIsReplaced: a bridge whose MTU changed gets its
// Docker network replaced.
func TestDockerChangedNetworkIsReplaced(t *testing.T) {
	f := newFakeDockerHost()
	d := testDockerDriver(t, f)
	f.networks["drover-vxl0"] = "100.64.10.0/24,100.64.10.2/32,100.64.10.2,1500"
	n, err := d.network(dockerIface{Bridge: "vxl0", Subnet: netip.MustParsePrefix("100.64.10.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ensureNetwork(n); err != nil {
		t.Fatal(err)
	}
	if len(f.log) != 2 || f.log[0] != "docker network rm drover-vxl0" || f.networks["drover-vxl0"] != "100.64.10.0/24,100.64.10.2/32,100.64.10.2,1450" {
		t.Errorf("ran %v, networks %v", f.log, f.networks)
	}
}

func TestDockerRefusesWhatItCannotRun(t *testing.T) {
	d := testDockerDriver(t, newFakeDockerHost())
	for _, c := range []struct {
		change map[string]string
		want   string
	}{
		{map[string]string{"net.0": "vxl0 dhcp"}, "net.0 has no address: a docker container's interfaces take static addresses"},
		{map[string]string{"image": ""}, "needs an image"},
		{map[string]string{"command": `/bin/sh -c "unterminated`}, "unterminated"},
		{map[string]string{"net.0": "br9 100.66.0.5/24"}, "bridge br9: Link not found"},
		{map[string]string{"net.1": "cbr0 100.65.1.10/24 100.65.2.1"}, "gateway \"100.65.2.1\" is not an address of 100.65.1.0/24"},
	} {
		spec := dockerSpec("1")
		for k, v := range c.change {
			spec[k] = v
		}
		if err := d.Build("web-1", "web-1", spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.change, err, c.want)
		}
	}
}

// TestDockerNotInstalled: before the package is installed (a first plan)
// a container simply does not exist yet.
func TestDockerNotInstalled(t *testing.T) {
	d := testDockerDriver(t, newFakeDockerHost())
	d.run = func(string, string, ...string) (string, error) {
		return "", errors.New(`docker container inspect: exec: "docker": executable file not found in $PATH`)
	}
	if exists, _, _, err := d.State("web-1"); exists || err != nil {
		t.Errorf("exists %v, err %v", exists, err)
	}
}

// TestDockerImageFromArchive: an image archive is loaded once; one that
// does not hold the declared image is an error naming both.
func TestDockerImageFromArchive(t *testing.T) {
	f := newFakeDockerHost()
	d := testDockerDriver(t, f)
	spec := map[string]string{"image": "localhost/web:2", "archive": "/srv/web.tar"}
	if err := d.ensureImage(spec); err == nil || !strings.Contains(err.Error(), "image archive /srv/web.tar does not hold image localhost/web:2") {
		t.Errorf("archive without the image: %v", err)
	}
	loads := func() int { return strings.Count(strings.Join(f.log, "\n"), "docker load --input /srv/web.tar") }
	f.images["localhost/web:2"] = false
	d.run = func(stdin, name string, args ...string) (string, error) {
		out, err := f.run(stdin, name, args...)
		if strings.Join(args, " ") == "load --input /srv/web.tar" {
			f.images["localhost/web:2"] = true
		}
		return out, err
	}
	for range 2 {
		if err := d.ensureImage(spec); err != nil {
			t.Fatal(err)
		}
	}
	if loads() != 2 || d.images()[0] != "localhost/web:2" { // one failed above, one now
		t.Errorf("loads %d, remembered %v\n%s", loads(), d.images(), strings.Join(f.log, "\n"))
	}
}

// TestDockerSliceAddress: an interface from the server's slice gets the
// first address no container on the network has, and a new version of an
// instance (built aside while the old one runs) keeps the instance's.
func TestDockerSliceAddress(t *testing.T) {
	f := newFakeDockerHost()
	d := testDockerDriver(t, f)
	nets := map[string]string{ // container -> its Networks JSON
		"web-1": `{"drover-vxl0":{"IPAddress":"100.64.10.64","IPAMConfig":{"IPv4Address":""}}}`,
		"web-2": `{"drover-vxl0":{"IPAddress":"","IPAMConfig":{"IPv4Address":"100.64.10.65"}}}`,
	}
	d.run = func(stdin, name string, args ...string) (string, error) {
		line := strings.Join(args, " ")
		switch {
		case strings.HasPrefix(line, "container inspect --format {{json .NetworkSettings.Networks}}"):
			if j, ok := nets[args[len(args)-1]]; ok {
				return j, nil
			}
			return "", errors.New("Error: No such container")
		case line == "ps --all --quiet --filter network=drover-vxl0":
			return "web-1\nweb-2\n", nil
		}
		return f.run(stdin, name, args...)
	}
	spec := dockerSpec("1")
	delete(spec, "net.1")
	spec["net.0"] = "vxl0 slice 100.64.10.64/28 100.64.10.0/24"
	if err := d.Build("web-3", "web-3", spec); err != nil {
		t.Fatal(err)
	}
	if log := strings.Join(f.log, "\n"); !strings.Contains(log, "--network drover-vxl0 --ip 100.64.10.66 ") {
		t.Errorf("web-3 did not get .66:\n%s", log)
	}
	f.log = nil
	if err := d.Build("web-1-next", "web-1", spec); err != nil {
		t.Fatal(err)
	}
	if log := strings.Join(f.log, "\n"); !strings.Contains(log, "--name web-1-next --hostname web-1 ") || !strings.Contains(log, "--ip 100.64.10.64 ") {
		t.Errorf("web-1's new version did not keep .64:\n%s", log)
	}
	for _, bad := range []string{"vxl0 slice 100.64.10.64/28", "vxl0 slice 100.64.11.0/28 100.64.10.0/24"} {
		spec["net.0"] = bad
		if err := d.Build("web-4", "web-4", spec); err == nil || !strings.Contains(err.Error(), "is not \"BRIDGE slice SLICE SUBNET [GATEWAY]\"") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
