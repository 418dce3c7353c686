package vip

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/lang"
)

// TestConfigPassesKeepalivedCheck has keepalived check a rendered config,
// as the file kind does before it replaces the live one.
func TestConfigPassesKeepalivedCheck(t *testing.T) {
	if _, err := exec.LookPath("keepalived"); err != nil {
		testkit.Skip(t, "keepalived not installed")
	}
	iface := ""
	ifaces, _ := net.Interfaces()
	for _, i := range ifaces {
		if i.Flags&net.FlagLoopback == 0 && i.Flags&net.FlagMulticast != 0 {
			iface = i.Name
			break
		}
	}
	if iface == "" {
		testkit.Skip(t, "keepalived -t wants an existing multicast interface that is not loopback")
	}
	for _, multicast := range []string{"false", "true"} {
		c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
vip {
  address         = "198.51.100.100/24"
  servers         = ["s1", "s2"]
  track           = "/usr/bin/pgrep -x haproxy"
  advert_interval = "200ms"
  multicast       = ` + multicast + `
}`)}, lang.Options{Kinds: testKinds()})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		facts := map[string]*core.Facts{"s1": {Interfaces: []core.Interface{{Name: iface, Addrs: []string{"198.51.100.1/24"}}}}}
		sets, err := Expand(lang.DeclsOf[*Decl](c)[0], c, facts)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sets["s1"].Resources {
			if r.Kind != "file" {
				continue
			}
			path := filepath.Join(t.TempDir(), "keepalived.conf")
			os.WriteFile(path, []byte(r.Attrs["content"]), 0o644)
			argv := strings.Fields(strings.ReplaceAll(r.Attrs["check"], "{}", path))
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				t.Errorf("keepalived rejects the config (multicast %s): %v\n%s\n%s", multicast, err, out, r.Attrs["content"])
			}
		}
	}
}
