package lang

import "testing"

// Server finds servers by its index, and stays right on a copy of the
// cluster whose servers were replaced, reordered or added to.
func TestServerIndex(t *testing.T) {
	c := &Cluster{Servers: []*Server{{Name: "s1"}, {Name: "s2"}, {Name: "s3"}}}
	c.indexServers()
	for _, n := range []string{"s1", "s2", "s3"} {
		if s := c.Server(n); s == nil || s.Name != n {
			t.Errorf("Server(%q) = %v", n, s)
		}
	}
	if c.Server("s4") != nil {
		t.Error("Server of an unknown name is not nil")
	}
	copied := *c
	copied.Servers = []*Server{{Name: "s3", Address: "new"}, c.Servers[1], {Name: "s1", Address: "new"}, {Name: "s4"}}
	for _, n := range []string{"s1", "s3", "s4"} {
		if s := copied.Server(n); s == nil || s.Name != n || (n != "s4" && s.Address != "new") {
			t.Errorf("copy: Server(%q) = %+v", n, s)
		}
	}
	if s := c.Server("s1"); s.Address != "" {
		t.Errorf("the original's s1 changed: %+v", s)
	}
	hand := &Cluster{Servers: []*Server{{Name: "a"}}} // never indexed
	if hand.Server("a") == nil {
		t.Error("a cluster built by hand finds no server")
	}
}
