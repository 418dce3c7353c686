package lang

import (
	"reflect"
	"testing"
)

// TestSelf checks that a host declaration reading self is evaluated once
// per server it targets, with self bound to that server.
func TestSelf(t *testing.T) {
	cases := []struct {
		name, hcl string
		want      map[string]string // item server -> the setting "content" or "path"
		attr      string
	}{
		{"name", `file "motd" {
  path    = "/etc/motd"
  content = "${self.name}\n"
}`, map[string]string{"s1": "s1\n", "s2": "s2\n", "s3": "s3\n"}, "content"},
		{"address and where", `file "addr" {
  path    = "/etc/addr"
  content = "listen ${self.address}:80"
  where   = { role = "web" }
}`, map[string]string{"s1": "listen 198.51.100.1:80", "s3": "listen 198.51.100.3:80"}, "content"},
		{"labels in a path", `directory "role" {
  path    = "/srv/${self.labels.role}"
  servers = ["s2", "s3"]
}`, map[string]string{"s2": "/srv/db", "s3": "/srv/web"}, "path"},
		{"labels index and functions", `line "host" {
  path = "/etc/app.conf"
  line = upper("role=${self.labels["role"]} ${self.name}")
}`, map[string]string{"s1": "ROLE=WEB S1", "s2": "ROLE=DB S2", "s3": "ROLE=WEB S3"}, "line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := loadOK(t, map[string]string{"a.hcl": genericServers + tc.hcl})
			got := map[string]string{}
			for _, it := range c.Items {
				if len(it.Servers) != 1 {
					t.Fatalf("%s targets %v, want one server per item", it.Address(), it.Servers)
				}
				got[it.Servers[0]] = it.Settings[tc.attr]
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSelfWithForEach checks that self and each combine: one item per
// instance and server.
func TestSelfWithForEach(t *testing.T) {
	c := loadOK(t, map[string]string{"a.hcl": genericServers + `
file "f" {
  for_each = ["a", "b"]
  servers  = ["s1", "s2"]
  path     = "/etc/${each.key}"
  content  = "${each.key}@${self.name}"
}
file "plain" {
  path    = "/etc/plain"
  content = "same"
}`})
	var got []string
	for _, it := range c.Items {
		got = append(got, it.Address()+" "+it.Settings["content"]+" "+it.Servers[0]+" "+itoa(len(it.Servers)))
	}
	want := []string{
		`file.f["a"] a@s1 s1 1`, `file.f["a"] a@s2 s2 1`,
		`file.f["b"] b@s1 s1 1`, `file.f["b"] b@s2 s2 1`,
		`file.plain same s1 3`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func itoa(n int) string { return string(rune('0' + n)) }
