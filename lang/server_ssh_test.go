package lang

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestServerSSHBlock(t *testing.T) {
	c := load(t, Options{}, map[string]string{"a.hcl": `
ssh {
  user = "ops"
  jump = "admin@203.0.113.9"
}
server "s1" {
  address = "198.51.100.1"
  ssh {
    host          = "web1"
    jump          = ["bastion1", "ops@bastion2:2222"]
    identity_file = "~/.ssh/web"
    become        = false
    timeout       = "3s"
  }
}
server "s2" { address = "198.51.100.2" }
`})
	s1, s2 := c.Servers[0].SSH, c.Servers[1].SSH
	if s1.Host != "web1" || !reflect.DeepEqual(s1.Jumps, []string{"bastion1", "ops@bastion2:2222"}) ||
		s1.IdentityFile != "~/.ssh/web" || s1.Become || s1.Timeout != 3*time.Second || s1.User != "ops" {
		t.Errorf("s1 ssh = %+v", s1)
	}
	for _, name := range []string{"user", "jump", "identity_file", "become", "timeout", "host"} {
		if !s1.Explicit[name] {
			t.Errorf("s1: %s not explicit", name)
		}
	}
	if s1.Explicit["port"] || s1.Explicit["known_hosts"] {
		t.Errorf("s1: defaults marked explicit: %v", s1.Explicit)
	}
	if s2.Host != "" || !reflect.DeepEqual(s2.Jumps, []string{"admin@203.0.113.9"}) || !s2.Become || !s2.Explicit["user"] {
		t.Errorf("s2 ssh = %+v", s2)
	}
}

func TestServerSSHBlockErrors(t *testing.T) {
	for _, tc := range []struct{ attr, want string }{
		{`host = "user@web1"`, "host"},
		{`host = "web 1"`, "host"},
		{`jump = ["a b"]`, "jump"},
		{`timeout = "soon"`, "duration"},
	} {
		diags := loadErrors(t, Options{}, map[string]string{"a.hcl": `
server "s1" {
  address = "198.51.100.1"
  ssh { ` + tc.attr + ` }
}
`})
		if !strings.Contains(strings.ToLower(diags.Error()), tc.want) {
			t.Errorf("%s: diagnostics %v lack %q", tc.attr, diags, tc.want)
		}
	}
}
