package mesh

import (
	"fmt"
	"strings"
	"testing"

	"github.com/drover/drover/lang"
)

const servers = `server "s1" {
  address = "198.51.100.1"
}
server "s2" {
  address = "198.51.100.2"
}
server "s3" {
  address = "198.51.100.3"
}
server "s4" {
  address = "198.51.100.4"
}
`

func load(t *testing.T, network string) (*lang.Cluster, string) {
	t.Helper()
	kinds := lang.NewKinds()
	kinds.AddNetwork(Kind())
	c, diags := lang.LoadFiles(map[string][]byte{"m.hcl": []byte(servers + network)}, lang.Options{Kinds: kinds})
	var msgs []string
	for _, d := range diags {
		if d.Subject != nil {
			msgs = append(msgs, fmt.Sprintf("%s:%d,%d: %s: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Summary, d.Detail))
		}
	}
	return c, strings.Join(msgs, "\n")
}

// TestModel: defaults (bridge named after the network, the first member
// the root, the full mesh of three, the 802.1D timers) and derived
// member addresses.
func TestModel(t *testing.T) {
	c, errs := load(t, `network "mesh" "m1" {
  subnet  = "100.64.40.0/24"
  servers = ["s1", "s2", "s3"]
}
`)
	if errs != "" {
		t.Fatal(errs)
	}
	m := Model(c.Networks[0].Spec)
	if m.Bridge != "m1" || m.Root != "s1" || m.ForwardDelay != 4 || m.HelloTime != 1 || m.MaxAge != 6 {
		t.Errorf("model = %+v", m)
	}
	if fmt.Sprint(m.Links) != "[[s1 s2] [s1 s3] [s2 s3]]" {
		t.Errorf("links = %v", m.Links)
	}
	if m.Members[2].Address != "100.64.40.3" {
		t.Errorf("members = %+v", m.Members)
	}
	if bridge, subnet := m.AttachBridge(); bridge != "m1" || subnet != "100.64.40.0/24" {
		t.Errorf("AttachBridge = %s %s", bridge, subnet)
	}
	if got := strings.Join(m.Ports("s2"), ","); got != "m1g0,m1g2" {
		t.Errorf("s2's ports = %s", got)
	}
}

// TestValidate: each problem at the place that causes it, with its
// file:line:col.
func TestValidate(t *testing.T) {
	for _, c := range []struct{ hcl, want string }{
		{`servers = ["s1", "s2", "s3", "s4"]`, `m.hcl:14,13: Mesh without links: Network "m" has 4 servers`},
		{`servers = ["s1", "s2", "s3"]
  links = [["s1", "s2"], ["s2", "s9"]]`, `m.hcl:15,33: Unknown server in links: "s9" is not a server of network "m" (s1, s2, s3)`},
		{`servers = ["s1", "s2", "s3"]
  links = [["s1", "s2"], ["s4", "s2"]]`, `m.hcl:15,27: Unknown server in links: "s4" is not a server`},
		{`servers = ["s1", "s2", "s3", "s4"]
  links = [["s1", "s2"], ["s3", "s4"]]`, `m.hcl:15,11: Links leave members out: The links do not connect "s3", "s4" to "s1"`},
		{`servers = ["s1", "s2"]
  links = [["s1", "s2"], ["s2", "s1"]]`, `m.hcl:15,26: Duplicate link: Link 2 joins "s2" and "s1" again (link 1 does)`},
		{`servers = ["s1", "s2"]
  links = [["s1", "s2", "s3"]]`, `m.hcl:15,12: A link joins two servers`},
		{`servers = ["s1", "s2"]
  links = [["s1", "s1"]]`, `m.hcl:15,12: Link to itself`},
		{`servers = ["s1", "s2"]
  root = "s3"`, `m.hcl:15,10: Root is not a member`},
		{`servers = ["s1", "s2"]
  max_age = 8`, `m.hcl:15,13: Spanning tree timers could loop: max_age = 8 with forward_delay = 4`},
		{`servers = ["s1", "s2"]
  forward_delay = 1`, `m.hcl:15,19: Spanning tree timer out of range: forward_delay = 1`},
		{`servers = ["s1", "s2"]
  bridge = "meshbridge0123"`, `m.hcl:15,12: Bridge name too long for its ports`},
	} {
		_, errs := load(t, "network \"mesh\" \"m\" {\n  "+c.hcl+"\n}\n")
		if !strings.Contains(errs, c.want) {
			t.Errorf("%s:\n got %s\nwant %s", c.hcl, errs, c.want)
		}
	}
}
