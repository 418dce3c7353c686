package database

import (
	"fmt"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Database engines: `database "ENGINE" { ... }`.
const (
	MariaDB    = "mariadb"
	PostgreSQL = "postgresql"
)

// Decl is one `database "mariadb"|"postgresql" { ... }` block (adddb): a
// database and its user on the server's instance of Engine.
type Decl struct {
	Engine string
	Server string
	// Instance names the engine's server process on Server: ENGINE-SERVER.
	Instance string
	Name     string // the database
	User     string // default: Name
	// Password is the user's password; "" = generated on the host and
	// kept there in a root-only file (PasswordFile), never printed.
	Password string
	// Allow is the client address range (CIDR); default the server's
	// container subnet.
	Allow  string
	Port   int    // default 3306 / 5432
	Listen string // listen address, default "0.0.0.0"

	DeclRange hcl.Range
}

// DeclName is the owner of d's resources on the hosts.
func (d *Decl) DeclName() string { return Owner(d) }

// defaultPorts are the engines' ports, as numbers and as HCL examples.
var (
	defaultPorts   = map[string]int{MariaDB: 3306, PostgreSQL: 5432}
	defaultExample = map[string]string{MariaDB: "3306", PostgreSQL: "5432"}
)

// labelAliases are other names people use for the engines.
var labelAliases = map[string]string{
	"mysql": MariaDB, "postgres": PostgreSQL, "pg": PostgreSQL, "pgsql": PostgreSQL,
}

// Kind describes the `database` block to lang.
func Kind() lang.BlockKind {
	return lang.BlockKind{
		Type:         "database",
		Label:        "engine",
		LabelValues:  []string{MariaDB, PostgreSQL},
		LabelAliases: labelAliases,
		LabelWhat:    "database engine",
		Noun:         "database",
		DrawRank:     1,
		Attrs: []lang.Attr{
			{Name: "server", Type: cty.String, Required: true, Example: `"s1"`, Grammar: "server-ref"},
			{Name: "name", Type: cty.String, Required: true, Example: `"wordpress"`, Grammar: "sql-name"},
			{Name: "user", Type: cty.String, Default: cty.StringVal(""), Example: `"wordpress"`, Grammar: "sql-name"},
			{Name: "password", Type: cty.String, Default: cty.StringVal(""), Example: `var.db_password`, Grammar: "password"},
			{Name: "allow", Type: cty.String, Default: cty.StringVal(""), Example: `"100.65.1.0/24"`, Grammar: "cidr"},
			{Name: "port", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "3306"},
			{Name: "listen", Type: cty.String, Default: cty.StringVal("0.0.0.0"), Example: `"0.0.0.0"`, Grammar: "ip"},
		},
		Assemble: assemble,
		Validate: validateAll,
		Show:     showKind(),
	}
}

func assemble(d *lang.BlockDecl) lang.Decl {
	db := &Decl{Engine: d.Label(), DeclRange: d.Range()}
	db.Server = d.String("server")
	db.Name = d.String("name")
	db.User = d.String("user")
	if db.User == "" {
		db.User = db.Name
	}
	db.Password = d.String("password")
	db.Allow = d.String("allow")
	if s := d.Cluster().Server(db.Server); db.Allow == "" && s != nil {
		db.Allow = s.Subnet
	}
	db.Port = d.Int("port")
	if db.Port == 0 {
		db.Port = defaultPorts[db.Engine]
	}
	db.Listen = d.String("listen")
	db.Instance = db.Engine + "-" + db.Server
	return db
}

func validateAll(ds []*lang.BlockDecl, decls []lang.Decl, _ *lang.Cluster) {
	seen := map[string]*Decl{}
	for i, d := range ds {
		db := decls[i].(*Decl)
		validate(d, db)
		checkClash(d, db, seen)
	}
}

func validate(d *lang.BlockDecl, db *Decl) {
	serverOK := d.CheckServer("server")
	for _, key := range []string{"name", "user"} {
		s, ok := d.StringOK(key)
		if ok && s != "" && !lang.IsSQLName(s) {
			d.Problem(key, "Invalid "+key, fmt.Sprintf(
				"%q is not a plain SQL name: use letters, digits and '_', starting with a letter or '_' (at most 63 characters), for example %s = %q.", s, key, sqlSuggest(s)))
		}
	}
	if s, ok := d.StringOK("allow"); ok && s != "" {
		if p, ok := d.CIDR("allow"); ok && !p.Addr().Is4() {
			d.Problem("allow", "Invalid allow", fmt.Sprintf("%s is not IPv4; write for example allow = \"100.65.1.0/24\".", p))
		}
	} else if ok && serverOK && db.Allow == "" {
		d.BlockProblem("No client range", fmt.Sprintf(
			"Server %q has no container subnet, so there is no default range of clients for this database. Set allow, for example allow = \"198.51.100.0/24\".", db.Server))
	}
	if p, ok := d.IntOK("port"); ok && (p != 0 || d.IsSet("port")) {
		d.CheckPort("port", defaultExample[db.Engine])
	}
	d.CheckIPv4("listen", false)
}

// checkClash reports a database or user declared twice on one instance,
// and two declarations of one instance that disagree on its port.
func checkClash(d *lang.BlockDecl, db *Decl, seen map[string]*Decl) {
	if db.Server == "" || db.Name == "" {
		return
	}
	for _, other := range seen {
		if other.Instance != db.Instance {
			continue
		}
		switch {
		case other.Name == db.Name:
			d.Problem("name", "Duplicate database", fmt.Sprintf(
				"Database %q on %s is already declared at %s. Declare each database once.", db.Name, db.Instance, lang.ShortPos(other.DeclRange)))
		case other.User == db.User:
			d.BlockProblem("User shared by two databases", fmt.Sprintf(
				"User %q on %s already belongs to database %q (%s); drover gives each database its own user. Set user = %q.", db.User, db.Instance, other.Name, lang.ShortPos(other.DeclRange), db.Name))
		case other.Port != db.Port || other.Listen != db.Listen:
			d.BlockProblem("Conflicting instance settings", fmt.Sprintf(
				"The databases of %s share one server process, and %s sets port %d listen %s: write the same port and listen here as there.", db.Instance, lang.ShortPos(other.DeclRange), other.Port, other.Listen))
		}
	}
	seen[db.Instance+"/"+db.Name] = db
}

// sqlSuggest turns s into a plain SQL name.
func sqlSuggest(s string) string {
	out := strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "db_" + out
	}
	if len(out) > 63 {
		out = out[:63]
	}
	return out
}
