package lang

import (
	"fmt"
	"strconv"
)

// A grammar is the named syntax a string attribute's value must have. Every
// string attribute of every block has exactly one, given by attrGrammars
// (attrgrammar.go): whatever reaches a config file, a unit file, a sysctl
// file, an nftables ruleset, SQL, an argv or a path is checked here, in
// lang, before any module renders it. A value that does not match is
// reported at the attribute (file:line:col) with an example of a valid
// value, once every other check has run, unless one of those reported an
// error at the same place already (grammar_check.go).
type grammar struct {
	name    string // what the value is: "host name", "absolute clean path"
	example string // a valid value, quoted as HCL
	// exempt says why the value is free-form and never checked (a file's
	// content, a template's variables): it is data, written as bytes.
	exempt string
	// check tells why s does not match ("" when it does). The empty
	// string is never checked: it means "not set".
	check func(s string) string
	// full, when set, replaces check with a complete problem (summary and
	// detail), for grammars whose messages lang had before the table.
	full func(s, attr, example string) problem
	// summary is the diagnostic's summary; "Invalid ATTR" when empty.
	summary string
	// keys is the grammar of a map attribute's keys (values use the
	// grammar itself).
	keys *grammar
}

// problemOf checks s, returning the problem to report.
func (g *grammar) problemOf(s, attr, example string) problem {
	if g == nil || g.exempt != "" || s == "" {
		return problem{}
	}
	if example == "" {
		example = g.example
	}
	if g.full != nil {
		return g.full(s, attr, example)
	}
	why := g.check(s)
	if why == "" {
		return problem{}
	}
	summary := g.summary
	if summary == "" {
		summary = "Invalid " + attr
	}
	return problem{summary, fmt.Sprintf("%s = %s is not a valid %s: %s. Write for example %s = %s.",
		attr, strconv.Quote(s), g.name, why, attr, example)}
}

// accepts tells, without building a message, that s matches g; false
// means "ask problemOf" (a grammar with full checks only there).
func (g *grammar) accepts(s string) bool {
	return g == nil || g.exempt != "" || s == "" || g.full == nil && g.check(s) == ""
}

// The named grammars. Each is strict enough that no value it accepts can
// end a directive, open or close a block, start a comment, quote, or
// (where it names a file) leave its directory in the daemon's grammar it
// is rendered into.
var (
	gFreeContent = &grammar{name: "free-form content", exempt: "file content is written as bytes, never interpreted by drover"}
	gTemplateVar = &grammar{name: "template data", exempt: "template variables are data for the user's own template"}

	gIP     = &grammar{name: "IP address", example: `"198.51.100.1"`, full: ipProblem}
	gIPv4OK = &grammar{name: "IP address or CIDR", example: `"198.51.100.100/24"`, check: addrOrPrefix}
	gCIDR   = &grammar{name: "CIDR", example: `"100.65.1.0/24"`, full: cidrProblem}
	gIfname = &grammar{name: "interface name", example: `"eth0"`, full: plainIfname}
	gDomain = &grammar{name: "DNS domain", example: `"app"`, full: domainProblem}
	gHost   = &grammar{name: "host name", example: `"mywordpress.org"`, check: hostName}

	gURLPath = &grammar{name: "URL path", example: `"/healthz"`, check: urlPath}
	gHTTPURL = &grammar{name: "http URL", example: `"http://100.65.1.20:9000/"`, check: httpURL}

	gAbsPath     = &grammar{name: "absolute clean path", example: `"/var/lib/app"`, check: cleanAbsPath}
	gManagedPath = &grammar{name: "managed path", example: `"/etc/motd"`, check: managedPath}
	gConfigPath  = &grammar{name: "absolute clean path of plain characters", example: `"/etc/ssl/certs/web.pem"`, check: configPath}
	gLocalPath   = &grammar{name: "local file name", example: `"files/motd"`, check: localPath}
	gLinkTarget  = &grammar{name: "symlink target", example: `"/opt/app/releases/1"`, check: linkTarget}

	gIdent      = &grammar{name: "daemon identifier", example: `"web1"`, check: identifier}
	gServerRef  = &grammar{name: "server name", example: `"s1"`, check: serverRef}
	gMember     = &grammar{name: "network member (SERVER or SERVER:INTERFACE)", example: `"s2:eth1"`, check: memberRef}
	gUnitName   = &grammar{name: "service name", example: `"nginx"`, check: unitName}
	gPackage    = &grammar{name: "package name", example: `"nginx"`, check: packageName}
	gAccount    = &grammar{name: "user or group name", example: `"www-data"`, check: accountName}
	gOwner      = &grammar{name: "owner (USER or USER:GROUP)", example: `"www-data:www-data"`, check: ownerSpec, summary: "Invalid owner"}
	gLogin      = &grammar{name: "login name", full: func(s, _, _ string) problem { return userProblem(s) }}
	gJump       = &grammar{name: "jump host", example: `"admin@203.0.113.9:22"`, full: plainJump}
	gServerAddr = &grammar{name: "server address (IP address, host name or ssh_config alias)", example: `"198.51.100.1"`, full: serverAddressProblem}
	gSSHHost    = &grammar{name: "SSH host (address, host name or ssh_config alias)", example: `"web1.example.com"`, check: sshHost}
	gSQLName    = &grammar{name: "SQL name", example: `"wordpress"`, check: sqlIdent}
	gPassword   = &grammar{name: "password (printable ASCII without quotes or backslashes)", example: `var.db_password`, check: password}
	gKeyword    = &grammar{name: "keyword", example: `"present"`, check: keyword}
	gLabel      = &grammar{name: "label value", exempt: "labels are data, only compared with where and constraints or read by the user's templates", keys: gLabelKey}
	gLabelKey   = &grammar{name: "label name", example: `"role"`, check: identifier}
	gFiles      = &grammar{name: "file content", exempt: "a container file's content is written as bytes", keys: gAbsPath}

	gSysctlKey   = &grammar{name: "sysctl key", example: `"net.ipv4.ip_forward"`, check: sysctlKey, summary: "Invalid sysctl key"}
	gSysctlValue = &grammar{name: "sysctl value", example: `"1"`, check: sysctlValue}

	gArgv  = &grammar{name: "shell-free command line", example: `"/usr/bin/pgrep -x haproxy"`, check: argvLine}
	gWords = &grammar{name: "command of shell words (quotes, no expansion)", example: `"sh -c 'exec busybox httpd -f -p 8080'"`, check: wordsLine}
	gShell = &grammar{name: "single-line shell command", example: `"test -e /var/lib/app/db"`, check: shellLine}
	gLine  = &grammar{name: "single line", example: `"PermitRootLogin no"`, check: singleLine, summary: "Invalid line"}
	gRegex = &grammar{name: "regular expression", example: `"^#?PermitRootLogin "`, check: regexpLine, summary: "Invalid regular expression"}

	gBackend  = &grammar{name: "backend ([NAME:]ADDRESS:PORT)", example: `"web1:100.64.10.2:8080"`, check: backendAddr}
	gHostPort = &grammar{name: "backend address (HOST:PORT)", example: `"100.64.10.2:9000"`, check: hostPort}
	gPublish  = &grammar{name: "published port (PORT or SERVERPORT:PORT)", example: `"8080:80"`, check: portSpec}

	gDuration = &grammar{name: "duration", example: `"10s"`, check: durationWord, summary: "Invalid duration"}
	gMode     = &grammar{name: "octal mode", example: `"0644"`, check: octalMode, summary: "Invalid mode"}
	gSize     = &grammar{name: "size (a number with K, M or G)", example: `"64M"`, check: size}
	gVersion  = &grammar{name: "version", example: `"2"`, check: version}
	gImageRef = &grammar{name: "container image reference ([REGISTRY/]NAME[:TAG][@DIGEST])", example: `"localhost/web:1"`, check: imageRef}
)

// Grammars lists every named grammar, for the documentation and tests.
func grammars() []*grammar {
	return []*grammar{gFreeContent, gTemplateVar, gIP, gIPv4OK, gCIDR, gIfname, gDomain, gHost, gURLPath, gHTTPURL,
		gAbsPath, gManagedPath, gConfigPath, gLocalPath, gLinkTarget, gIdent, gServerRef, gMember, gUnitName,
		gPackage, gAccount, gOwner, gLogin, gJump, gSQLName, gPassword, gKeyword, gLabel, gLabelKey, gFiles,
		gSysctlKey, gSysctlValue, gArgv, gWords, gShell, gLine, gRegex, gBackend, gHostPort, gPublish, gDuration,
		gMode, gSize, gVersion, gImageRef, gSSHHost, gServerAddr}
}

// grammarKeys names every grammar by a short key, the Grammar of a
// registered kind's Attr ("ip", "cidr", "ifname", "server-ref", ...).
func grammarKeys() map[string]*grammar {
	return map[string]*grammar{
		"free-content": gFreeContent,
		"template-var": gTemplateVar,
		"ip":           gIP,
		"ip-or-cidr":   gIPv4OK,
		"cidr":         gCIDR,
		"ifname":       gIfname,
		"domain":       gDomain,
		"host":         gHost,
		"url-path":     gURLPath,
		"http-url":     gHTTPURL,
		"abs-path":     gAbsPath,
		"managed-path": gManagedPath,
		"config-path":  gConfigPath,
		"state-path":   gStatePath,
		"pid-path":     gStatePathOK,
		"local-path":   gLocalPath,
		"link-target":  gLinkTarget,
		"ident":        gIdent,
		"server-ref":   gServerRef,
		"member":       gMember,
		"unit-name":    gUnitName,
		"package":      gPackage,
		"account":      gAccount,
		"owner":        gOwner,
		"login":        gLogin,
		"jump":         gJump,
		"sql-name":     gSQLName,
		"password":     gPassword,
		"keyword":      gKeyword,
		"label":        gLabel,
		"label-key":    gLabelKey,
		"files":        gFiles,
		"sysctl-key":   gSysctlKey,
		"sysctl-value": gSysctlValue,
		"argv":         gArgv,
		"words":        gWords,
		"shell":        gShell,
		"line":         gLine,
		"regex":        gRegex,
		"backend":      gBackend,
		"host-port":    gHostPort,
		"publish":      gPublish,
		"duration":     gDuration,
		"mode":         gMode,
		"size":         gSize,
		"version":      gVersion,
		"image-ref":    gImageRef,
		"ssh-host":     gSSHHost,
	}
}
