// Package database expands `database "mariadb"|"postgresql"` declarations
// (the seed's adddb) into host resources. Every engine runs once per
// server (the instance ENGINE-SERVER, shared by that server's databases):
// the package, the data directory initialised on the host (dbdata), the
// config from templates/, and the service. Each declaration then owns one
// sql resource: its database, its user, the user's rights, and the client
// range (a MariaDB user's host; a PostgreSQL pg_hba.conf line). Passwords
// not given are generated on the host and kept there in a root-only file;
// they never reach the controller.
package database

import (
	"fmt"
	"strconv"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/templates"
)

// Paths of an instance on its host.
const (
	ConfigDir  = "/etc/drover"
	DataDir    = "/var/lib/drover"
	RunDir     = "/run/drover"
	SecretsDir = "/etc/drover"
	// PostgresBin is the link to the installed PostgreSQL's programs.
	PostgresBin = "/usr/local/lib/drover/postgresql/bin"
)

// Owner is the declaration name resources of d belong to.
func Owner(d *Decl) string { return "database." + d.Instance + "." + d.Name }

// PasswordFile is where a generated password of d is kept on its server.
func PasswordFile(d *Decl) string {
	return SecretsDir + "/" + d.Instance + "-" + d.Name + ".password"
}

// Socket is how clients on the server reach the instance of d: MariaDB's
// socket, or PostgreSQL's socket folder.
func Socket(d *Decl) string {
	if d.Engine == MariaDB {
		return RunDir + "/" + d.Instance + "/mysqld.sock"
	}
	return RunDir + "/" + d.Instance
}

// Expand returns, per server name, what d wants there: its instance and
// database on its server, and the login checks that prove its client
// range (LoginChecks).
func (d *Decl) Expand(c *lang.Cluster, _ map[string]*core.Facts) (map[string]*blocks.Set, error) {
	set, err := Expand(d, lang.DeclsOf[*Decl](c))
	if err != nil {
		return nil, err
	}
	out := LoginChecks(d, c)
	if out == nil {
		out = map[string]*blocks.Set{}
	}
	if login := out[d.Server]; login != nil {
		set.Resources = append(set.Resources, login.Resources...)
		set.Checks = append(set.Checks, login.Checks...)
	}
	out[d.Server] = set
	return out, nil
}

// Expand returns what d wants on its server; all is every database
// declaration of the cluster (the instance's config covers all of its
// databases).
func Expand(d *Decl, all []*Decl) (*blocks.Set, error) {
	set := &blocks.Set{Owner: Owner(d)}
	var siblings []*Decl
	for _, o := range all {
		if o.Instance == d.Instance {
			siblings = append(siblings, o)
		}
	}
	owners := make([]string, 0, len(siblings))
	for _, o := range siblings {
		owners = append(owners, Owner(o))
	}
	var service string
	var err error
	if d.Engine == MariaDB {
		service, err = mariadb(set, d)
	} else {
		service, err = postgresql(set, d, siblings)
	}
	if err != nil {
		return nil, fmt.Errorf("database %s on %s: %w", d.Name, d.Server, err)
	}
	// The instance is every sibling's: one resource, many owners, so
	// removing one database keeps the server running for the others.
	for i := range set.Resources {
		set.Resources[i].Owners = owners
	}
	attrs := map[string]string{
		"engine": d.Engine, "socket": Socket(d), "database": d.Name, "user": d.User, "grant": "all",
	}
	if d.Engine == MariaDB {
		attrs["allow"] = d.Allow
	} else {
		attrs["port"], attrs["bin"] = strconv.Itoa(d.Port), PostgresBin
	}
	attrs["password"] = d.Password
	if d.Password == "" {
		// Generated on the host; plans show only that there is one.
		attrs["password"], attrs["password_file"] = "(generated)", PasswordFile(d)
	}
	set.Add("sql", d.Engine+"/"+d.Name, attrs, service)
	set.Resources[len(set.Resources)-1].Sensitive = []string{"password"}
	set.Check("service", d.Instance+" is running", map[string]string{"name": d.Instance})
	return set, nil
}

func mariadb(set *blocks.Set, d *Decl) (string, error) {
	data := DataDir + "/" + d.Instance
	run := RunDir + "/" + d.Instance
	pkg := set.Add("package", "mariadb-server", map[string]string{"name": "mariadb-server"})
	dir := set.Add("dbdata", data, map[string]string{"engine": d.Engine, "path": data, "user": "mysql", "rundir": run}, pkg)
	conf, err := templates.Render("mariadb.cnf.tmpl", map[string]any{
		"Owner": "database." + d.Instance, "DataDir": data, "Socket": Socket(d), "PIDFile": run + "/mysqld.pid",
		"Port": d.Port, "Listen": d.Listen,
	})
	if err != nil {
		return "", err
	}
	path := ConfigDir + "/" + d.Instance + ".cnf"
	file := set.Add("file", path, map[string]string{"path": path, "content": conf, "mode": "0644"}, dir)
	return set.Add("service", d.Instance, map[string]string{
		"command": "mariadbd --defaults-file=" + path, "restart_key": blocks.Hash(conf),
	}, file), nil
}

func postgresql(set *blocks.Set, d *Decl, siblings []*Decl) (string, error) {
	data := DataDir + "/" + d.Instance
	pkg := set.Add("package", "postgresql", map[string]string{"name": "postgresql"})
	dir := set.Add("dbdata", data, map[string]string{
		"engine": d.Engine, "path": data, "user": "postgres", "rundir": Socket(d), "bin": PostgresBin,
	}, pkg)
	hbaPath := ConfigDir + "/" + d.Instance + ".hba.conf"
	hba, err := templates.Render("pg_hba.conf.tmpl", map[string]any{"Owner": "database." + d.Instance, "Databases": siblings})
	if err != nil {
		return "", err
	}
	conf, err := templates.Render("postgresql.conf.tmpl", map[string]any{
		"Owner": "database." + d.Instance, "SocketDir": Socket(d), "HBAFile": hbaPath, "DataDir": data,
	})
	if err != nil {
		return "", err
	}
	path := ConfigDir + "/" + d.Instance + ".conf"
	file := set.Add("file", path, map[string]string{"path": path, "content": conf, "mode": "0644"}, dir)
	hbaFile := set.Add("file", hbaPath, map[string]string{"path": hbaPath, "content": hba, "mode": "0644"}, dir)
	return set.Add("service", d.Instance, map[string]string{
		"command": fmt.Sprintf("%s/postgres -D %s -c config_file=%s -c listen_addresses=%s -p %d",
			PostgresBin, data, path, d.Listen, d.Port),
		"user": "postgres", "reload": "SIGHUP", "restart_key": blocks.Hash(conf, hba),
	}, file, hbaFile), nil
}
