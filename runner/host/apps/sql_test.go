package apps

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/probe"
)

func TestCIDRHost(t *testing.T) {
	for cidr, host := range map[string]string{
		"100.65.1.0/24": "100.65.1.0/255.255.255.0", "198.51.100.2/32": "198.51.100.2",
		"0.0.0.0/0": "%", "10.0.0.0/8": "10.0.0.0/255.0.0.0",
	} {
		if got := cidrToHost(cidr); got != host {
			t.Errorf("cidrToHost(%s) = %q, want %q", cidr, got, host)
		}
		if got := hostToCIDR(host); got != cidr {
			t.Errorf("hostToCIDR(%s) = %q, want %q", host, got, cidr)
		}
	}
	if got := cidrToHost("2001:db8::/32"); got != "" {
		t.Errorf("IPv6 range = %q", got)
	}
}

// TestMariaDBScript: a new range renames the user (keeping password and
// grants); nothing else is touched.
func TestMariaDBScript(t *testing.T) {
	r := core.Resource{Attrs: map[string]string{"database": "wp", "user": "wp", "allow": "198.51.100.0/24"}}
	create, _ := mariadbScript(r, sqlState{}, "p'w\\", false)
	for _, want := range []string{"CREATE DATABASE IF NOT EXISTS `wp`;", `CREATE USER 'wp'@'198.51.100.0/255.255.255.0' IDENTIFIED BY 'p''w\\';`,
		"GRANT ALL PRIVILEGES ON `wp`.* TO 'wp'@'198.51.100.0/255.255.255.0';"} {
		if !strings.Contains(create, want) {
			t.Errorf("create script lacks %q:\n%s", want, create)
		}
	}
	moved, _ := mariadbScript(r, sqlState{dbExists: true, hosts: []string{"198.51.100.2"}, granted: true}, "pw", false)
	if moved != "RENAME USER 'wp'@'198.51.100.2' TO 'wp'@'198.51.100.0/255.255.255.0';\n" {
		t.Errorf("new range script = %q", moved)
	}
	same, _ := mariadbScript(r, sqlState{dbExists: true, hosts: []string{"198.51.100.0/255.255.255.0"}, granted: true}, "pw", false)
	if same != "" {
		t.Errorf("nothing to do, but script = %q", same)
	}
}

func TestPostgresScript(t *testing.T) {
	r := core.Resource{Attrs: map[string]string{"database": "d", "user": "u"}}
	if got := postgresScript(r, sqlState{}, "it's", false); got != "CREATE ROLE \"u\" LOGIN PASSWORD 'it''s';\nCREATE DATABASE \"d\" OWNER \"u\";\n" {
		t.Errorf("create = %q", got)
	}
	if got := postgresScript(r, sqlState{dbExists: true, hosts: []string{"u"}, granted: true}, "x", false); got != "" {
		t.Errorf("nothing to do, but script = %q", got)
	}
	if got := postgresScript(r, sqlState{dbExists: true, hosts: []string{"u"}, granted: true}, "x", true); got != "ALTER ROLE \"u\" PASSWORD 'x';\n" {
		t.Errorf("new password = %q", got)
	}
}

func TestSQLNames(t *testing.T) {
	for _, bad := range []string{"", "1a", "a-b", "a;drop", strings.Repeat("a", 64)} {
		if probe.SQLIdentifier(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	r := core.Resource{Attrs: map[string]string{"engine": "mariadb", "database": "a`b", "user": "u"}}
	if err := checkSQLNames(r); err == nil {
		t.Error("a database name with a backquote is accepted")
	}
}

// TestSQLReadWhileServerDown: a database whose server is down reads as it
// was last applied, so a changed allow (or password) is still planned.
func TestSQLReadWhileServerDown(t *testing.T) {
	r := core.Resource{Kind: "sql", Name: "app", Attrs: map[string]string{
		"engine": "mariadb", "socket": "/nonexistent/mysqld.sock", "database": "app", "user": "app",
		"allow": "100.65.1.0/24", "grant": "all", "password": "pw1"}}
	saved := map[string]string{"applied": "true", "password_digest": host.SealSecret("pw1")}
	for _, key := range sqlRecorded {
		if v, ok := r.Attrs[key]; ok {
			saved["was."+key] = v
		}
	}
	k := sqlKind{}
	actual, exists, err := k.Read(r, saved)
	if err != nil || !exists || len(host.Diff(r.Attrs, actual)) != 0 {
		t.Fatalf("unchanged: %v %v %v", host.Diff(r.Attrs, actual), exists, err)
	}
	changed := core.Resource{Kind: "sql", Name: "app", Attrs: host.CopyAttrs(r.Attrs)}
	changed.Attrs["allow"] = "100.65.2.0/24"
	changed.Attrs["password"] = "pw2"
	actual, _, _ = k.Read(changed, saved)
	fields := host.Diff(changed.Attrs, actual)
	if len(fields) != 2 || fields[0].Name != "allow" || fields[0].Old != "100.65.1.0/24" || fields[1].Name != "password" {
		t.Fatalf("a changed allow and password while the server is down: %+v", fields)
	}
}
