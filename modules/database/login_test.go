package database

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// TestLoginChecks: the allowed login runs where an allowed address and
// the password meet (the database's own server over its bridge address
// with the generated password's file; another allowed server with a
// declared password, sensitive); the refusal runs on the database's
// server when its own address is outside allow; a generated password
// never leaves its server.
func TestLoginChecks(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}
server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["s1", "s2"]
}
database "mariadb" {
  server = "s1"
  name   = "gen"
}
database "mariadb" {
  server = "s1"
  name   = "overlay"
  allow  = "100.64.10.0/24"
}
database "postgresql" {
  server   = "s1"
  name     = "given"
  password = "pw-given-1"
  allow    = "198.51.100.0/24"
}
database "mariadb" {
  server   = "s1"
  name     = "remote"
  password = "pw-remote-1"
  allow    = "198.51.100.3/32"
}
database "postgresql" {
  server = "s1"
  name   = "hidden"
  allow  = "198.51.100.2/32"
}
`)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	type want struct{ server, expect, host, password, file, peer string }
	cases := map[string][]want{
		"gen": {
			{"s1", "login", "100.65.1.1", "", "/etc/drover/mariadb-s1-gen.password", ""},
			{"s1", "refused", "198.51.100.1", "", "/etc/drover/mariadb-s1-gen.password", ""},
		},
		"given": {
			{"s1", "login", "198.51.100.1", "pw-given-1", "", ""},
			{"s1", "refused", "100.65.1.1", "pw-given-1", "", ""}, // its bridge is outside allow
		},
		"remote": {{"s3", "login", "198.51.100.1", "pw-remote-1", "", "s1"}, {"s1", "refused", "198.51.100.1", "pw-remote-1", "", ""}},
		"overlay": {
			{"s1", "login", "100.64.10.1", "", "/etc/drover/mariadb-s1-overlay.password", ""},
			{"s1", "refused", "198.51.100.1", "", "/etc/drover/mariadb-s1-overlay.password", ""},
		},
		"hidden": {{"s1", "refused", "198.51.100.1", "", "/etc/drover/postgresql-s1-hidden.password", ""}},
	}
	for _, d := range lang.DeclsOf[*Decl](c) {
		sets := LoginChecks(d, c)
		var got []want
		for _, server := range slices.Sorted(maps.Keys(sets)) {
			for _, ch := range sets[server].Checks {
				if ch.Kind != "sqllogin" || ch.Owner != Owner(d) || !ch.IsSensitive("password") {
					t.Errorf("%s: check %+v", d.Name, ch)
				}
				a := ch.Attrs
				if a["database"] != d.Name || a["user"] != d.User || a["engine"] != d.Engine || a["port"] == "" {
					t.Errorf("%s: attrs %v", d.Name, a)
				}
				if strings.Contains(ch.Title, "pw-") {
					t.Errorf("%s: the title shows the password: %s", d.Name, ch.Title)
				}
				got = append(got, want{server, a["expect"], a["host"], a["password"], a["password_file"], ch.Peer})
			}
		}
		slices.SortFunc(got, func(a, b want) int { return strings.Compare(a.expect, b.expect) })
		if !slices.Equal(got, cases[d.Name]) {
			t.Errorf("%s: checks\n got %+v\nwant %+v", d.Name, got, cases[d.Name])
		}
	}
}

// A login check's password never shows in its redacted copy, and the
// check itself keeps it.
func TestLoginCheckRedacted(t *testing.T) {
	c := core.Check{Kind: "sqllogin", Attrs: map[string]string{"password": "pw-x", "user": "u"}, Sensitive: []string{"password"}}
	r := c.Redacted()
	if r.Attrs["password"] != core.Sensitive || r.Attrs["user"] != "u" || c.Attrs["password"] != "pw-x" {
		t.Errorf("redacted %v, original %v", r.Attrs, c.Attrs)
	}
}
