package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Default OpenSSH client configuration files, read in this order: for each
// setting the first value found wins, as with ssh(1).
const (
	UserSSHConfig   = "~/.ssh/config"
	SystemSSHConfig = "/etc/ssh/ssh_config"
)

// SSHConfig is the OpenSSH client configuration: ~/.ssh/config, then
// /etc/ssh/ssh_config. Its zero value (and nil) has no settings.
type SSHConfig struct {
	files []sshConfigFile
	// Warnings name the Match blocks skipped ("FILE:LINE: why"), for the
	// caller to show once.
	Warnings  []string
	localUser string // for Match localuser
}

type sshConfigFile struct {
	path     string // as shown to people
	sections []sshSection
}

// LoadSSHConfig parses the given files in order of precedence (a missing
// file has no settings). A file that does not parse is an error naming it;
// a Match block drover cannot evaluate is skipped with a warning
// (sshmatch.go).
func LoadSSHConfig(paths ...string) (*SSHConfig, error) {
	sc := &SSHConfig{localUser: currentUser()}
	for _, p := range paths {
		full := expandHome(p)
		text, err := os.ReadFile(full)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", shortenHome(full), err)
		}
		sections, warnings, err := parseSections(shortenHome(full), text)
		if err != nil {
			return nil, err
		}
		sc.files = append(sc.files, sshConfigFile{path: shortenHome(full), sections: sections})
		sc.Warnings = append(sc.Warnings, warnings...)
	}
	return sc, nil
}

// lookup returns the first value of key for q, and the file it came from
// ("" when no file sets it).
func (sc *SSHConfig) lookup(q sshQuery, key string) (string, string) {
	if sc == nil {
		return "", ""
	}
	return sc.lookupUntil(q, key, len(sc.files), 0)
}

// lookupUntil is lookup over the sections before section si of file fi.
func (sc *SSHConfig) lookupUntil(q sshQuery, key string, fi, si int) (string, string) {
	for i, f := range sc.files {
		for j, sec := range f.sections {
			if i > fi || i == fi && j >= si {
				return "", ""
			}
			if sec.match != nil && !sc.matches(i, j, q) {
				continue
			}
			if v, err := sec.cfg.Get(q.alias, key); err == nil && v != "" {
				return v, f.path
			}
		}
	}
	return "", ""
}

// lookupAll returns every value of key for q across the files (for
// IdentityFile, which accumulates), and the first file that set one.
func (sc *SSHConfig) lookupAll(q sshQuery, key string) ([]string, string) {
	if sc == nil {
		return nil, ""
	}
	var all []string
	from := ""
	for i, f := range sc.files {
		for j, sec := range f.sections {
			if sec.match != nil && !sc.matches(i, j, q) {
				continue
			}
			vs, err := sec.cfg.GetAll(q.alias, key)
			if err != nil || len(vs) == 0 {
				continue
			}
			if from == "" {
				from = f.path
			}
			all = append(all, vs...)
		}
	}
	return all, from
}

// Setting names, as the ssh blocks spell them; Config.Explicit holds those
// written in the configuration, which win over ssh_config.
const (
	SetUser         = "user"
	SetPort         = "port"
	SetIdentityFile = "identity_file"
	SetKnownHosts   = "known_hosts"
	SetTrustOnFirst = "trust_on_first_use"
	SetJump         = "jump"
	SetTimeout      = "timeout"
)

// Source records where each effective setting came from, for the debug
// log: "explicit", "default", or an ssh_config file.
type Source map[string]string

// applySSHConfig fills the settings the configuration left open from the
// OpenSSH configuration for the alias c.Address, and turns ProxyJump into
// a chain of jump configurations. It returns where each setting came from.
func (c Config) applySSHConfig() (Config, Source, error) {
	src := Source{}
	sc := c.SSHConfig
	alias := c.Address
	explicit := func(name string) bool { return c.Explicit[name] }
	q := sshQuery{alias: alias, user: c.User, userSet: explicit(SetUser)}
	set := func(name, from string) {
		if explicit(name) {
			src[name] = "explicit"
		} else if from != "" {
			src[name] = from
		} else if _, ok := src[name]; !ok {
			src[name] = "default"
		}
	}
	if v, from := sc.lookup(q, "HostName"); v != "" {
		c.Address = strings.ReplaceAll(v, "%h", alias)
		src["hostname"] = from
	}
	if v, from := sc.lookup(q, "User"); v != "" && !explicit(SetUser) {
		c.User = v
		set(SetUser, from)
	}
	set(SetUser, "")
	if v, from := sc.lookup(q, "Port"); v != "" && !explicit(SetPort) {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return c, src, fmt.Errorf("%s: Port %q for %s is not a port number", from, v, alias)
		}
		c.Port = p
		set(SetPort, from)
	}
	set(SetPort, "")
	if !explicit(SetIdentityFile) {
		if vs, from := sc.lookupAll(q, "IdentityFile"); len(vs) > 0 && strings.ToLower(vs[0]) != "none" {
			for _, v := range vs {
				c.IdentityFiles = append(c.IdentityFiles, expandTokens(v, alias, c.User))
			}
			set(SetIdentityFile, from)
		}
	}
	set(SetIdentityFile, "")
	if v, from := sc.lookup(q, "IdentitiesOnly"); v != "" {
		c.IdentitiesOnly = yes(v)
		src["identities_only"] = from
	}
	if err := c.applyKnownHosts(sc, q, explicit, set, src); err != nil {
		return c, src, err
	}
	if v, from := sc.lookup(q, "ConnectTimeout"); v != "" && !explicit(SetTimeout) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, src, fmt.Errorf("%s: ConnectTimeout %q for %s is not a number of seconds", from, v, alias)
		}
		if n > 0 {
			c.Timeout = time.Duration(n) * time.Second
		}
		set(SetTimeout, from)
	}
	set(SetTimeout, "")
	if v, from := sc.lookup(q, "ServerAliveInterval"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, src, fmt.Errorf("%s: ServerAliveInterval %q for %s is not a number of seconds", from, v, alias)
		}
		c.KeepAlive = time.Duration(n) * time.Second
		if n == 0 {
			c.KeepAlive = -1
		}
		src["keepalive"] = from
	}
	if !explicit(SetJump) && c.Jump == nil && c.Dial == nil {
		if v, from := sc.lookup(q, "ProxyJump"); v != "" {
			jump, err := JumpChain(c, strings.Split(v, ","))
			if err != nil {
				return c, src, fmt.Errorf("%s: ProxyJump for %s: %w", from, alias, err)
			}
			c.Jump = jump
			set(SetJump, from)
		}
	}
	set(SetJump, "")
	return c, src, nil
}

// applyKnownHosts applies UserKnownHostsFile, GlobalKnownHostsFile and
// StrictHostKeyChecking.
func (c *Config) applyKnownHosts(sc *SSHConfig, q sshQuery, explicit func(string) bool, set func(string, string), src Source) error {
	alias := q.alias
	if v, from := sc.lookup(q, "UserKnownHostsFile"); v != "" && !explicit(SetKnownHosts) {
		files := strings.Fields(v)
		c.KnownHosts = expandTokens(files[0], alias, c.User)
		for _, f := range files[1:] {
			c.GlobalKnownHosts = append(c.GlobalKnownHosts, expandTokens(f, alias, c.User))
		}
		set(SetKnownHosts, from)
	}
	set(SetKnownHosts, "")
	if v, from := sc.lookup(q, "GlobalKnownHostsFile"); v != "" {
		c.GlobalKnownHosts = nil
		for _, f := range strings.Fields(v) {
			c.GlobalKnownHosts = append(c.GlobalKnownHosts, expandTokens(f, alias, c.User))
		}
		src["global_known_hosts"] = from
	}
	if v, from := sc.lookup(q, "StrictHostKeyChecking"); v != "" && !explicit(SetTrustOnFirst) {
		switch strings.ToLower(v) {
		case "yes", "ask":
			c.TrustOnFirstUse = false
		case "no", "off", "accept-new":
			c.TrustOnFirstUse = true // a changed key is still refused
		default:
			return fmt.Errorf("%s: StrictHostKeyChecking %q for %s: want yes, ask, accept-new or no", from, v, alias)
		}
		set(SetTrustOnFirst, from)
	}
	set(SetTrustOnFirst, "")
	return nil
}

// JumpChain turns a list of jump hosts, first hop first, each
// "[user@]host[:port]" or an ssh_config alias, into the Jump of target:
// the last hop, which is reached through the one before it, and so on.
// "none" alone means no jump host (nil).
func JumpChain(target Config, hops []string) (*Config, error) {
	if len(hops) == 1 && strings.EqualFold(strings.TrimSpace(hops[0]), "none") {
		return nil, nil
	}
	var prev *Config
	for _, hop := range hops {
		j, err := jumpHop(target, strings.TrimSpace(hop))
		if err != nil {
			return nil, err
		}
		j.Jump = prev
		prev = j
	}
	return prev, nil
}

// jumpHop is the configuration of one bastion: the target's settings
// (key, agent, known_hosts, timeout) with the hop's own address, user and
// port; ssh_config applies to the hop's alias when it is dialled.
func jumpHop(target Config, spec string) (*Config, error) {
	if spec == "" {
		return nil, errors.New("empty jump host")
	}
	cfg := target
	cfg.Jump, cfg.Dial, cfg.Become = nil, nil, false
	cfg.Host = "jump host " + spec
	cfg.Explicit = map[string]bool{}
	hostPort := spec
	if i := strings.LastIndex(spec, "@"); i >= 0 {
		cfg.User, hostPort = spec[:i], spec[i+1:]
		cfg.Explicit[SetUser] = true
	}
	h, p, err := net.SplitHostPort(hostPort)
	if err != nil {
		h, p = hostPort, ""
	}
	cfg.Address, cfg.Port = h, 0
	if p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("jump host %q: port %q is not a port number", spec, p)
		}
		cfg.Port = port
		cfg.Explicit[SetPort] = true
	}
	cfg.IdentityFiles = nil
	if target.IdentityFile != "" {
		cfg.Explicit[SetIdentityFile] = true
	}
	if target.Explicit[SetKnownHosts] {
		cfg.Explicit[SetKnownHosts] = true
	}
	return &cfg, nil
}

// expandTokens expands ~ and the ssh_config tokens %h (host), %r (remote
// user), %u (local user), %d (home) and %% in a file name.
func expandTokens(s, host, user string) string {
	home, _ := os.UserHomeDir()
	local := os.Getenv("USER")
	r := strings.NewReplacer("%%", "%", "%h", host, "%r", user, "%u", local, "%d", home)
	return expandHome(r.Replace(s))
}

func yes(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "on":
		return true
	}
	return false
}

// logSettings writes the effective settings of one connection, and where
// each came from, to the debug log. The become password is never logged,
// only whether there is one.
func (c Config) logSettings(src Source) {
	from := func(name string) string {
		if v, ok := src[name]; ok {
			return v
		}
		return "default"
	}
	jump := ""
	if c.Jump != nil {
		jump = c.Jump.Address
	}
	c.Log.Debug("ssh settings", "server", c.Host,
		"address", c.Address, "address_from", from("hostname"),
		"user", c.User, "user_from", from(SetUser),
		"port", c.Port, "port_from", from(SetPort),
		"identity_file", c.IdentityFile, "identity_files", c.IdentityFiles, "identity_from", from(SetIdentityFile),
		"identities_only", c.IdentitiesOnly, "agent", c.Agent,
		"known_hosts", c.KnownHosts, "known_hosts_from", from(SetKnownHosts),
		"global_known_hosts", c.GlobalKnownHosts,
		"trust_on_first_use", c.TrustOnFirstUse, "trust_on_first_use_from", from(SetTrustOnFirst),
		"timeout", c.Timeout, "timeout_from", from(SetTimeout),
		"keepalive", c.KeepAlive, "keepalive_from", from("keepalive"),
		"jump", jump, "jump_from", from(SetJump),
		"become", c.Become, "become_password", c.BecomePassword != "")
}
