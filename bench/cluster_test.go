package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

func TestLargeLoadsAndExpands(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Large()); err != nil {
		t.Fatal(err)
	}
	c, diags := lang.Load(dir, lang.Options{Kinds: modules.Kinds()})
	if len(diags) > 0 {
		t.Fatalf("generated cluster has diagnostics:\n%s", diags.Error())
	}
	if len(c.Servers) != Large().Servers || len(c.Networks) != Large().Networks {
		t.Fatalf("%d servers, %d networks; want %d, %d", len(c.Servers), len(c.Networks), Large().Servers, Large().Networks)
	}
	for _, n := range c.Networks {
		if len(n.Members()) != Large().Members {
			t.Errorf("network %s has %d members, want %d", n.Name, len(n.Members()), Large().Members)
		}
	}
	if s := c.Server("s1000"); s == nil || s.Subnet != "100.83.231.0/24" || s.Labels["rack"] != "r19" {
		t.Errorf("s1000 = %+v", s)
	}
	d, err := modules.Expand(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Hosts) != Large().Servers {
		t.Fatalf("expanded %d hosts, want %d", len(d.Hosts), Large().Servers)
	}
	// s0041 is in vx1 and vx2: in each network's device, per peer, the
	// flood entry and the entry for the peer's bridge MAC (knownPeer).
	fdbs := 0
	for _, r := range d.Hosts["s0041"].Resources {
		if r.Kind == "fdb" {
			fdbs++
		}
	}
	if want := 2 * 2 * (Large().Members - 1); fdbs != want {
		t.Errorf("s0041 has %d fdb entries, want %d", fdbs, want)
	}
	checkPacked(t, d.Hosts["s0041"].Resources, 2)
}

// checkPacked holds the packed encoding of a VXLAN member's plan request
// (core.AppendPackedJSON) to what it is for: its FDB and neighbour
// entries (three kinds of entry per network, interleaved peer by peer)
// share three heads per network, and the request is well under half
// the plain encoding's bytes.
func checkPacked(t *testing.T, rs []core.Resource, networks int) {
	t.Helper()
	line := core.AppendPackedJSON(nil, rs)
	var p core.Packed
	if err := json.Unmarshal(line, &p); err != nil {
		t.Fatal(err)
	}
	entries := 0
	for _, r := range rs {
		if r.Kind == "fdb" || r.Kind == "neigh" {
			entries++
		}
	}
	heads := len(p.Heads)
	if most := len(rs) - entries + 3*networks; heads > most {
		t.Errorf("%d resources (%d FDB and neighbour entries) packed under %d heads, want at most %d", len(rs), entries, heads, most)
	}
	if plain := len(core.AppendResourcesJSON(nil, rs)); 5*len(line) > 2*plain {
		t.Errorf("packed %d bytes, plain %d: want at most 40%%", len(line), plain)
	}
}

func TestFilesAreCanonical(t *testing.T) {
	files, err := Files(Spec{Servers: 600, Networks: 3, Members: 10})
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		out, diags := lang.Format(src, name)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
		if string(out) != string(src) {
			t.Errorf("%s is not in canonical style (drover fmt would rewrite it)", name)
		}
	}
}

func TestFilesAreSplit(t *testing.T) {
	files, err := Files(Spec{Servers: 250, Networks: 1, Members: 3, PerFile: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"variables.hcl", "servers-00.hcl", "servers-01.hcl", "servers-02.hcl", "networks.hcl"} {
		if _, ok := files[name]; !ok {
			t.Errorf("no %s among %d files", name, len(files))
		}
	}
	if len(files) != 5 {
		t.Errorf("%d files, want 5", len(files))
	}
}

func TestAddresses(t *testing.T) {
	for i, want := range map[int]string{
		0: "198.51.100.1", 253: "198.51.100.254", 254: "203.0.113.1", 507: "203.0.113.254",
		508: "2001:db8::1", 999: "2001:db8::1ec",
	} {
		if got := ServerAddress(i); got != want {
			t.Errorf("ServerAddress(%d) = %s, want %s", i, got, want)
		}
	}
}

func TestCheckRefusesImpossibleSpecs(t *testing.T) {
	for _, s := range []Spec{
		{Servers: 0},
		{Servers: 5000},
		{Servers: 10, Networks: 1, Members: 11},
		{Servers: 1000, Networks: 1, Members: 300},
		{Servers: 10, Networks: 1, Members: 1},
		{Servers: 10, Networks: -1},
	} {
		if err := s.Check(); err == nil {
			t.Errorf("Check(%+v) = nil, want an error", s)
		}
		if err := Write(filepath.Join(os.TempDir(), "never-written"), s); err == nil {
			t.Errorf("Write(%+v) = nil, want an error", s)
		}
	}
}

// TestFleetSpec checks the 10,000-server fleet's shape on a slice of it:
// 20 generic host declarations per server, /26 container subnets past the
// /24s' 4,096 limit, and 200 networks of 50 members.
func TestFleetSpec(t *testing.T) {
	s := Fleet()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if err := (Spec{Servers: 5000}).Check(); err == nil {
		t.Error("5,000 servers with /24 container subnets passed Check")
	}
	s.Servers, s.Networks = 600, 10
	dir := t.TempDir()
	if err := Write(dir, s); err != nil {
		t.Fatal(err)
	}
	c, diags := lang.Load(dir, lang.Options{Kinds: modules.Kinds()})
	if len(diags) > 0 {
		t.Fatalf("generated cluster has diagnostics:\n%s", diags.Error())
	}
	if srv := c.Server("s0600"); srv == nil || srv.Subnet != "100.80.149.192/26" {
		t.Errorf("s0600 = %+v", srv)
	}
	d, err := modules.Expand(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"s0001", "s0600"} {
		generic := 0
		for _, r := range d.Hosts[name].Resources {
			for _, o := range r.Owners {
				if !strings.HasPrefix(o, "server.") && !strings.HasPrefix(o, "network.") {
					generic++
					break
				}
			}
		}
		if generic != 20 {
			t.Errorf("%s has %d generic host resources, want 20", name, generic)
		}
	}
}
