package wireguard

import (
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

func cluster(topology, hub string) (*lang.Cluster, *lang.Network) {
	c := &lang.Cluster{}
	for i, a := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		name := "s" + string(rune('1'+i))
		c.Servers = append(c.Servers, &lang.Server{Name: name, Address: a, Subnet: "100.65." + string(rune('1'+i)) + ".0/24"})
	}
	n := &lang.Network{Name: "wirex", Kind: Name, Spec: &Network{
		Subnet: "100.64.20.0/24", Interface: "wg0", Port: 51820, Keepalive: 25, MTU: 1420,
		Topology: topology, Hub: hub, ContainerSubnets: true,
		Members: []lang.Member{{Server: "s1"}, {Server: "s2"}, {Server: "s3"}},
	}}
	c.Networks = []*lang.Network{n}
	return c, n
}

func peer(t *testing.T, rs []core.Resource, name string) core.Resource {
	t.Helper()
	for _, r := range rs {
		if r.ID() == "wgpeer/wg0/"+name {
			return r
		}
	}
	t.Fatalf("no peer %s", name)
	return core.Resource{}
}

func peerNames(rs []core.Resource) string {
	var out []string
	for _, r := range rs {
		if r.Kind == "wgpeer" {
			out = append(out, r.Name)
		}
	}
	return strings.Join(out, " ")
}

func TestHubAndSpoke(t *testing.T) {
	c, n := cluster(TopologyHub, "s1")
	sets, err := Expand(n, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := peerNames(sets["s1"].Resources); got != "wg0/s2 wg0/s3" {
		t.Errorf("hub peers: %s", got)
	}
	if got := peerNames(sets["s2"].Resources); got != "wg0/s1" {
		t.Errorf("client peers: %s", got)
	}
	hub := peer(t, sets["s2"].Resources, "s1")
	if hub.Attrs["allowed_ips"] != "100.64.20.0/24,100.65.1.0/24,100.65.3.0/24" || hub.Attrs["endpoint"] != "198.51.100.1:51820" {
		t.Errorf("client's hub peer: %v", hub.Attrs)
	}
	client := peer(t, sets["s1"].Resources, "s2")
	if client.Attrs["allowed_ips"] != "100.64.20.2/32,100.65.2.0/24" || client.Attrs["endpoint"] != "" {
		t.Errorf("hub's client peer: %v", client.Attrs)
	}
	if client.Attrs["public_key"] != core.Unknown || client.Refs["public_key"] != "s2:wireguard/wg0#public_key" {
		t.Errorf("an unmade key must be unknown with a reference: %v %v", client.Attrs["public_key"], client.Refs)
	}
	if !strings.Contains(strings.Join(client.After, " "), "s2:wireguard/wg0") {
		t.Errorf("the peer must wait for s2's interface: %v", client.After)
	}
}

func TestMeshKeysFromFacts(t *testing.T) {
	c, n := cluster(TopologyMesh, "")
	key := "8khI+vPJdqZ+UNWAZtdVHeyN2I+iTrolHfH/HR23ZBA="
	facts := map[string]*core.Facts{"s3": {Outputs: map[string]map[string]string{"wireguard/wg0": {"public_key": key, "rotation": "0"}}}}
	sets, err := Expand(n, c, facts)
	if err != nil {
		t.Fatal(err)
	}
	if got := peerNames(sets["s2"].Resources); got != "wg0/s1 wg0/s3" {
		t.Errorf("mesh peers: %s", got)
	}
	p := peer(t, sets["s2"].Resources, "s3")
	if p.Attrs["public_key"] != key || p.Refs != nil || p.Attrs["allowed_ips"] != "100.64.20.3/32,100.65.3.0/24" {
		t.Errorf("s2's peer s3: %v %v", p.Attrs, p.Refs)
	}
	n.Spec.(*Network).RotateKeys = 1
	sets, _ = Expand(n, c, facts)
	if p := peer(t, sets["s2"].Resources, "s3"); p.Attrs["public_key"] != core.Unknown {
		t.Errorf("a key being rotated is not known yet: %v", p.Attrs["public_key"])
	}
}

func TestHubNotMember(t *testing.T) {
	c, n := cluster(TopologyHub, "s1")
	n.Spec.(*Network).Members = n.Spec.(*Network).Members[1:]
	if _, err := Expand(n, c, nil); err == nil || !strings.Contains(err.Error(), "main server s1 is not a member, but clients s2, s3 are") {
		t.Fatalf("want the main server error, got %v", err)
	}
}

// TestOneInitiatorPerPair: of every pair, exactly one side starts the first
// handshake (the later member in a mesh, the client with the hub), and its
// entry comes after the other side's entry for it, so that the peer knows
// it when its initiation arrives and the two sides' initiations cannot
// cross.
func TestOneInitiatorPerPair(t *testing.T) {
	for _, tc := range []struct{ topology, hub, want string }{
		{TopologyMesh, "", "s2>s1 s3>s1 s3>s2"},
		{TopologyHub, "s1", "s2>s1 s3>s1"},
	} {
		c, n := cluster(tc.topology, tc.hub)
		sets, err := Expand(n, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, me := range []string{"s1", "s2", "s3"} {
			for _, r := range sets[me].Resources {
				if r.Kind != "wgpeer" {
					continue
				}
				other := strings.TrimPrefix(r.Name, "wg0/")
				after := slices.Contains(r.After, other+":wgpeer/wg0/"+me)
				if (r.Attrs["initiator"] == "true") != after {
					t.Errorf("%s: %s's peer %s: initiator=%q but ordered after the peer's entry: %v", tc.topology, me, other, r.Attrs["initiator"], after)
				}
				if after {
					got = append(got, me+">"+other)
				}
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: initiators %q, want %q", tc.topology, strings.Join(got, " "), tc.want)
		}
	}
}
