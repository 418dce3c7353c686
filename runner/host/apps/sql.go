package apps

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/probe"
	"github.com/drover/drover/runner/host/safefs"
)

// sqlKind keeps one database, its user and the user's rights on a MariaDB
// or PostgreSQL server of this host, idempotent by meaning: Read queries
// the server's catalog, and Apply does only what differs (a changed client
// range renames the user's host and keeps its password and grants; an
// existing password is never reset).
//
// Name: "ENGINE/DATABASE". Attributes:
//   - engine: "mariadb" or "postgresql" (replace)
//   - socket: MariaDB: the server's socket; PostgreSQL: the socket folder
//   - port: PostgreSQL's port (names the socket, default "5432")
//   - bin: PostgreSQL: the folder of psql
//   - database: the database (replace)
//   - user: the user that owns it / has every right on it
//   - grant: "all" (read back "" while the user lacks it)
//   - allow: MariaDB only: the client address range, CIDR; "0.0.0.0/0" is
//     any host (PostgreSQL's client ranges are in pg_hba.conf)
//   - password: the user's password (mark it sensitive)
//   - password_file: when set, the password is generated on this host
//     and kept in this root-only file (0600), and password is only a
//     placeholder for plans; read back "" while the file is missing, and
//     then a new password is generated and set
//
// The server must be running (the service comes first): Apply waits up to
// sqlWait for it. Read reports a server that is not up as "nothing exists"
// before the first apply, and as "as desired" after it (the plan then
// starts the server, and the next plan reads the catalog again). Saved:
// "applied", and "password_digest", a salted PBKDF2 digest of a given password (never the password itself), so that a new one
// is set while an unchanged one is never set again. Delete drops the
// database and the user, and removes the password file.
type sqlKind struct{}

// sqlWait bounds how long Apply waits for a freshly started server.
const sqlWait = 30 * time.Second

func (sqlKind) ReplaceOn() []string { return []string{"engine", "database"} }

func (sqlKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "grant", "all")
	if r.Attrs["engine"] == "postgresql" {
		host.SetDefault(r.Attrs, "port", "5432")
	}
	return r
}

// sqlState is what the catalog says about one resource.
type sqlState struct {
	dbExists bool
	hosts    []string // MariaDB: the user's hosts; PostgreSQL: the user, when it exists
	granted  bool
}

func (k sqlKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	if !sqlServerUp(r) {
		if saved["applied"] == "true" {
			// Applied before, and its server is down now: the plan
			// starts the server; what it holds is taken as it was
			// last applied, so a declared change still shows.
			return lastApplied(r, saved), true, nil
		}
		return nil, false, nil
	}
	st, err := readSQL(r)
	if err != nil || !st.dbExists {
		return nil, false, err
	}
	actual := map[string]string{}
	for _, key := range []string{"engine", "socket", "port", "bin", "database"} {
		actual[key] = r.Attrs[key]
	}
	actual["user"], actual["grant"] = "", ""
	if len(st.hosts) > 0 {
		actual["user"] = r.Attrs["user"]
		if r.Attrs["engine"] == "mariadb" {
			actual["allow"] = hostToCIDR(st.hosts[0])
		}
	}
	if st.granted {
		actual["grant"] = "all"
	}
	pw := r.Attrs["password"]
	if r.Attrs["password_file"] != "" || passwordApplied(saved, pw) {
		actual["password"] = pw
	} else {
		actual["password"] = ""
	}
	if path := r.Attrs["password_file"]; path != "" {
		actual["password_file"] = ""
		if data, err := host.ReadFile(path); err == nil && len(strings.TrimSpace(string(data))) > 0 {
			actual["password_file"] = path
		}
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (k sqlKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	if err := checkSQLNames(r); err != nil {
		return nil, err
	}
	if err := waitSQLServer(r); err != nil {
		return nil, err
	}
	st, err := readSQL(r)
	if err != nil {
		return nil, err
	}
	pw, fresh, err := sqlPassword(r)
	if err != nil {
		return nil, err
	}
	given := r.Attrs["password_file"] == ""
	setPassword := fresh || (given && !passwordApplied(saved, pw))
	var script string
	if r.Attrs["engine"] == "mariadb" {
		script, err = mariadbScript(r, st, pw, setPassword)
	} else {
		script = postgresScript(r, st, pw, setPassword)
	}
	if err != nil {
		return nil, err
	}
	if script != "" {
		if _, err := runSQL(r, script); err != nil {
			return nil, err
		}
	}
	out := map[string]string{"applied": "true"}
	for _, key := range sqlRecorded {
		if v, ok := r.Attrs[key]; ok {
			out["was."+key] = v
		}
	}
	if given {
		out["password_digest"] = host.ResealSecret(saved["password_digest"], pw)
	}
	return out, nil
}

func (k sqlKind) Delete(r core.Resource, _ map[string]string) error {
	if path := r.Attrs["password_file"]; path != "" {
		if err := safefs.Remove(path); err != nil {
			return err
		}
	}
	if checkSQLNames(r) != nil || !sqlServerUp(r) {
		return nil // no server, nothing of it to drop
	}
	db, user := r.Attrs["database"], r.Attrs["user"]
	var script string
	if r.Attrs["engine"] == "mariadb" {
		st, err := readSQL(r)
		if err != nil {
			return err
		}
		script = fmt.Sprintf("DROP DATABASE IF EXISTS `%s`;\n", db)
		for _, h := range st.hosts {
			script += fmt.Sprintf("DROP USER IF EXISTS '%s'@'%s';\n", user, mariadbString(h))
		}
	} else {
		script = fmt.Sprintf("DROP DATABASE IF EXISTS \"%s\";\nDROP ROLE IF EXISTS \"%s\";\n", db, user)
	}
	_, err := runSQL(r, script)
	return err
}

// checkSQLNames refuses names that are not plain identifiers: they are
// written into SQL text.
func checkSQLNames(r core.Resource) error {
	for _, key := range []string{"database", "user"} {
		if !probe.SQLIdentifier(r.Attrs[key]) {
			return fmt.Errorf("%s %q is not a plain SQL name (letters, digits and '_', starting with a letter or '_', at most 63)", key, r.Attrs[key])
		}
	}
	if e := r.Attrs["engine"]; e != "mariadb" && e != "postgresql" {
		return fmt.Errorf("engine %q is neither mariadb nor postgresql", e)
	}
	return nil
}

// sqlServerUp reports whether the server's socket exists.
func sqlServerUp(r core.Resource) bool {
	path := r.Attrs["socket"]
	if r.Attrs["engine"] == "postgresql" {
		path = filepath.Join(path, ".s.PGSQL."+r.Attrs["port"])
	}
	_, err := os.Stat(path)
	return err == nil
}

func waitSQLServer(r core.Resource) error {
	deadline := time.Now().Add(sqlWait)
	for {
		_, err := runSQL(r, "SELECT 1;")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %s server at %s did not answer within %s: %w", r.Attrs["engine"], r.Attrs["socket"], sqlWait, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// runSQL runs a script as the server's administrator over its socket
// (MariaDB: root by unix_socket; PostgreSQL: postgres by peer) and returns
// its rows, tab-separated. The script goes on stdin, never on a command
// line, because it may hold a password.
func runSQL(r core.Resource, script string) (string, error) {
	if r.Attrs["engine"] == "mariadb" {
		return runAs("root", script, "mariadb", "--socket="+r.Attrs["socket"], "-u", "root", "-N", "-B")
	}
	return runAs("postgres", script, filepath.Join(r.Attrs["bin"], "psql"), "-X", "-q", "-h", r.Attrs["socket"],
		"-p", r.Attrs["port"], "-U", "postgres", "-d", "postgres", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1")
}

func readSQL(r core.Resource) (sqlState, error) {
	db, user := r.Attrs["database"], r.Attrs["user"]
	if err := checkSQLNames(r); err != nil {
		return sqlState{}, err
	}
	var q string
	if r.Attrs["engine"] == "mariadb" {
		q = fmt.Sprintf(`SELECT 'db', SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='%s';
SELECT 'host', Host FROM mysql.user WHERE User='%s' ORDER BY Host;
SELECT 'grant', Host FROM mysql.db WHERE User='%s' AND Db='%s';
`, db, user, user, db)
	} else {
		q = fmt.Sprintf(`SELECT 'db', pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database WHERE datname='%s';
SELECT 'host', rolname FROM pg_catalog.pg_roles WHERE rolname='%s' AND rolcanlogin;
`, db, user)
	}
	out, err := runSQL(r, q)
	if err != nil {
		return sqlState{}, err
	}
	var st sqlState
	var grantHosts []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		tag, value, _ := strings.Cut(line, "\t")
		switch tag {
		case "db":
			st.dbExists = true
			if r.Attrs["engine"] == "postgresql" && value == user {
				st.granted = true
			}
		case "host":
			st.hosts = append(st.hosts, value)
		case "grant":
			grantHosts = append(grantHosts, value)
		}
	}
	if r.Attrs["engine"] == "mariadb" && len(st.hosts) > 0 {
		// The grant of the user's current host: renaming the user for a
		// new client range carries it along.
		st.granted = slices.Contains(grantHosts, st.hosts[0])
	}
	return st, nil
}

// sqlPassword returns the password to use: the given one, else the one in
// password_file, else a new one written there (fresh).
func sqlPassword(r core.Resource) (pw string, fresh bool, err error) {
	path := r.Attrs["password_file"]
	if path == "" {
		if r.Attrs["password"] == "" {
			return "", false, fmt.Errorf("neither password nor password_file is set")
		}
		return r.Attrs["password"], false, nil
	}
	if data, err := host.ReadFile(path); err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data)), false, nil
	}
	buf := make([]byte, 18)
	if _, err := rand.Read(buf); err != nil {
		return "", false, err
	}
	pw = base64.RawURLEncoding.EncodeToString(buf)
	if err := host.Mkdirs(filepath.Dir(path), 0o700); err != nil {
		return "", false, err
	}
	if err := host.WriteFileAtomic(path, []byte(pw+"\n"), host.RootFile(0o600)); err != nil {
		return "", false, fmt.Errorf("password file %s: %w", path, err)
	}
	return pw, true, nil
}

func mariadbScript(r core.Resource, st sqlState, pw string, setPassword bool) (string, error) {
	db, user := r.Attrs["database"], r.Attrs["user"]
	host := cidrToHost(r.Attrs["allow"])
	if host == "" {
		return "", fmt.Errorf("allow %q is not an IPv4 CIDR", r.Attrs["allow"])
	}
	account := fmt.Sprintf("'%s'@'%s'", user, mariadbString(host))
	var b strings.Builder
	if !st.dbExists {
		fmt.Fprintf(&b, "CREATE DATABASE IF NOT EXISTS `%s`;\n", db)
	}
	switch {
	case len(st.hosts) == 0:
		fmt.Fprintf(&b, "CREATE USER %s IDENTIFIED BY '%s';\n", account, mariadbString(pw))
	case st.hosts[0] != host:
		fmt.Fprintf(&b, "RENAME USER '%s'@'%s' TO %s;\n", user, mariadbString(st.hosts[0]), account)
		fallthrough
	default:
		if setPassword {
			fmt.Fprintf(&b, "ALTER USER %s IDENTIFIED BY '%s';\n", account, mariadbString(pw))
		}
	}
	if !st.granted {
		fmt.Fprintf(&b, "GRANT ALL PRIVILEGES ON `%s`.* TO %s;\n", db, account)
	}
	return b.String(), nil
}

func postgresScript(r core.Resource, st sqlState, pw string, setPassword bool) string {
	db, user := r.Attrs["database"], r.Attrs["user"]
	var b strings.Builder
	switch {
	case len(st.hosts) == 0:
		fmt.Fprintf(&b, "CREATE ROLE \"%s\" LOGIN PASSWORD '%s';\n", user, strings.ReplaceAll(pw, "'", "''"))
	case setPassword:
		fmt.Fprintf(&b, "ALTER ROLE \"%s\" PASSWORD '%s';\n", user, strings.ReplaceAll(pw, "'", "''"))
	}
	switch {
	case !st.dbExists:
		fmt.Fprintf(&b, "CREATE DATABASE \"%s\" OWNER \"%s\";\n", db, user)
	case !st.granted:
		fmt.Fprintf(&b, "ALTER DATABASE \"%s\" OWNER TO \"%s\";\n", db, user)
	}
	return b.String()
}

// mariadbString escapes s for a single-quoted MariaDB string literal.
func mariadbString(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s)
}

// cidrToHost is MariaDB's host pattern for an IPv4 range: "%" for any
// host, the address for a /32, else "ADDRESS/NETMASK".
func cidrToHost(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return ""
	}
	p = p.Masked()
	switch p.Bits() {
	case 0:
		return "%"
	case 32:
		return p.Addr().String()
	}
	m := ^uint32(0) << uint(32-p.Bits())
	return fmt.Sprintf("%s/%d.%d.%d.%d", p.Addr(), byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
}

// hostToCIDR reverses cidrToHost; other patterns are returned as they are.
func hostToCIDR(host string) string {
	if host == "%" {
		return "0.0.0.0/0"
	}
	addr, mask, found := strings.Cut(host, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is4() {
		return host
	}
	if !found {
		return a.String() + "/32"
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return host
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	bits := 0
	for v&(1<<31) != 0 {
		bits++
		v <<= 1
	}
	return a.String() + "/" + strconv.Itoa(bits)
}

// passwordApplied reports whether saved records that pw is the password
// drover set: as a salted digest, or as the unsalted SHA-256 that older
// helpers saved (replaced by a digest at the next apply).
func passwordApplied(saved map[string]string, pw string) bool {
	if d, ok := saved["password_digest"]; ok {
		return host.SecretMatches(d, pw)
	}
	return saved["password_sha256"] != "" && saved["password_sha256"] == host.SHA256Hex(pw)
}

// sqlRecorded are the attributes Apply records ("was.KEY" in saved), so
// that Read can tell what the catalog holds while its server is down.
var sqlRecorded = []string{"engine", "socket", "port", "bin", "database", "user", "allow", "grant", "password_file"}

// lastApplied is the resource as drover last applied it: the recorded
// attributes (a manifest from an older helper records none: then the
// declared ones), and the password only when it is the one applied.
func lastApplied(r core.Resource, saved map[string]string) map[string]string {
	actual := host.CopyAttrs(r.Attrs)
	for _, key := range sqlRecorded {
		if v, ok := saved["was."+key]; ok {
			actual[key] = v
		} else if _, recorded := saved["was.database"]; recorded {
			delete(actual, key) // not set when applied
		}
	}
	if r.Attrs["password_file"] == "" && !passwordApplied(saved, r.Attrs["password"]) {
		actual["password"] = ""
	}
	return host.KeepKeys(actual, r.Attrs)
}
