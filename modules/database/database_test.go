package database

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/vxlan"
)

func TestDatabases(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}
database "mariadb" {
  server = "s1"
  name   = "wp"
}
database "postgresql" {
  server   = "s1"
  name     = "a"
  password = "secret"
}
database "postgresql" {
  server = "s1"
  name   = "b"
  allow  = "198.51.100.0/24"
}
`)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	byID := func(d *Decl) map[string]core.Resource {
		set, err := Expand(d, lang.DeclsOf[*Decl](c))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]core.Resource{}
		for _, r := range set.Resources {
			out[r.ID()] = r
		}
		return out
	}
	m := byID(lang.DeclsOf[*Decl](c)[0])
	sql := m["sql/mariadb/wp"]
	if sql.Attrs["allow"] != "100.65.1.0/24" || sql.Attrs["password_file"] != "/etc/drover/mariadb-s1-wp.password" ||
		sql.Attrs["password"] != "(generated)" || !sql.IsSensitive("password") || sql.Attrs["socket"] != "/run/drover/mariadb-s1/mysqld.sock" {
		t.Errorf("mariadb sql = %v", sql)
	}
	if svc := m["service/mariadb-s1"]; svc.Attrs["command"] != "mariadbd --defaults-file=/etc/drover/mariadb-s1.cnf" {
		t.Errorf("mariadb service = %v", svc.Attrs)
	}

	a, b := byID(lang.DeclsOf[*Decl](c)[1]), byID(lang.DeclsOf[*Decl](c)[2])
	if a["sql/postgresql/a"].Attrs["password"] != "secret" || a["sql/postgresql/a"].Attrs["password_file"] != "" {
		t.Errorf("given password: %v", a["sql/postgresql/a"].Attrs)
	}
	hba := a["file//etc/drover/postgresql-s1.hba.conf"]
	if hba.Attrs["content"] != b["file//etc/drover/postgresql-s1.hba.conf"].Attrs["content"] {
		t.Error("the instance's pg_hba.conf differs between its databases")
	}
	for _, want := range []string{"host\ta\ta\t100.65.1.0/24\tscram-sha-256", "host\tb\tb\t198.51.100.0/24\tscram-sha-256"} {
		if !strings.Contains(hba.Attrs["content"], want) {
			t.Errorf("pg_hba.conf lacks %q:\n%s", want, hba.Attrs["content"])
		}
	}
	svc := a["service/postgresql-s1"]
	if strings.Join(svc.Owners, " ") != "database.postgresql-s1.a database.postgresql-s1.b" || svc.Attrs["user"] != "postgres" {
		t.Errorf("postgres service = %v", svc)
	}
	if _, ok := a["sql/postgresql/b"]; ok {
		t.Error("database a's set holds database b")
	}
}

// testKinds are the kinds this package's tests load with: the network
// kinds their configurations use, and the database.
func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddNetwork(vxlan.Kind())
	k.AddBlock(Kind())
	return k
}
