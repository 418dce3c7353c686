// Package transport connects drover to its servers: one SSH connection per
// host (optionally through a jump host), or the local machine, over which it
// runs small commands and starts drover-helper, uploading the helper binary
// only when the server does not have this exact build yet. HelperClient then
// speaks the line protocol of runner/helper with the running helper.
//
// Every error names the server and its address, and says what to do when
// there is something to do (a changed host key, an unknown one, a key that
// needs a passphrase, a command's stderr).
package transport

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/drover/drover/runner/helper"
)

// DefaultHelperDir is where helper binaries live on a server.
const DefaultHelperDir = "/var/lib/drover/bin"

// Conn is a connection to one server, reused for the whole run. It is safe
// for concurrent use.
type Conn interface {
	// Run runs a small shell command with stdin (nil for none) and returns
	// its output. A non-zero exit is an *ExitError carrying stderr.
	Run(ctx context.Context, cmd string, stdin io.Reader) (stdout, stderr []byte, err error)
	// StartHelper makes sure the server has bin (uploading it if not) and
	// starts it; the helper runs until HelperClient.Close. The first
	// requests are sent with the start command, before the helper answers
	// (pipelined: the same round trip); the caller then Calls them, in
	// order, first, and gets their answers without another round trip.
	StartHelper(ctx context.Context, bin Binary, first ...helper.Request) (*HelperClient, error)
	// Close ends the connection, and with it any helper still running.
	Close() error
}

// Config says how to reach one server over SSH.
type Config struct {
	Host         string // server name, for messages
	Address      string
	Port         int    // default 22
	User         string // default root
	IdentityFile string // "" = none; ~ is expanded
	// IdentityFiles are further keys (from ssh_config), tried after
	// IdentityFile; a missing one is skipped, as ssh does.
	IdentityFiles []string
	// IdentitiesOnly offers only the keys of the identity files, also
	// when they are in the agent (ssh_config IdentitiesOnly).
	IdentitiesOnly bool
	// Agent uses the ssh-agent at $SSH_AUTH_SOCK, when set, after
	// IdentityFile.
	Agent bool
	// KnownHosts is the known_hosts file; ~ is expanded. Default
	// ~/.ssh/known_hosts. A missing file knows no hosts.
	KnownHosts string
	// GlobalKnownHosts are further known_hosts files, read but never
	// written; nil = /etc/ssh/ssh_known_hosts and ssh_known_hosts2.
	GlobalKnownHosts []string
	// TrustOnFirstUse accepts an unknown host key and appends it to
	// KnownHosts. A CHANGED key is always an error.
	TrustOnFirstUse bool
	// Jump is a bastion to reach the server through; nil dials directly.
	// Its Dial, Timeout, Stats and KnownHosts default to this Config's.
	Jump *Config
	// Become runs the helper (bootstrap and upload included) with sudo
	// when User is not root: `sudo -n` when sudo needs no password, else
	// `sudo -S` given BecomePassword. Run never escalates.
	Become bool
	// Timeout bounds connecting and the SSH handshake; default 10s.
	Timeout time.Duration
	// Dial opens the TCP connection; nil uses a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// HelperDir is the server directory for helper binaries; default
	// DefaultHelperDir.
	HelperDir string
	// KeepAlive is the interval of SSH keepalive requests that detect a
	// dead server; default 15s, negative disables them. The connection is
	// closed after three unanswered intervals.
	KeepAlive time.Duration
	// Stats, when set, counts dials and uploads (it may be shared by many
	// connections).
	Stats *Stats
	// SSHConfig, when set, fills the settings not in Explicit from the
	// OpenSSH client configuration for the alias Address (HostName, User,
	// Port, IdentityFile, ProxyJump, ...), for jump hosts too.
	SSHConfig *SSHConfig
	// Explicit names the settings (Set* constants) written in drover's
	// configuration: ssh_config does not override them.
	Explicit map[string]bool
	// BecomePassword answers sudo's password prompt when sudo asks for
	// one; "" = sudo must not ask (sudo -n). It is never logged.
	BecomePassword string
	// Log receives debug records: the effective settings and where each
	// came from. nil = none.
	Log *slog.Logger
	// KnownHostsCache, when set, shares parsed known_hosts files with the
	// run's other connections; nil parses them for this one.
	KnownHostsCache *KnownHostsCache
	// KeyFiles, when set, shares the identity files read with the run's
	// other connections; nil reads them for this one.
	KeyFiles *KeyFiles
}

// DefaultGlobalKnownHosts are the system-wide known_hosts files.
var DefaultGlobalKnownHosts = []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}

// DefaultIdentityFiles are OpenSSH's default keys, tried when neither an
// identity file nor an agent gives one.
var DefaultIdentityFiles = []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"}

// Stats counts the expensive things a run does, for tests and benchmarks.
type Stats struct {
	Dials        atomic.Int64 // SSH connections established (jump hosts included)
	Uploads      atomic.Int64 // helper binaries uploaded
	HelperStarts atomic.Int64 // helpers started and answering
}

func (s *Stats) addDial() {
	if s != nil {
		s.Dials.Add(1)
	}
}

func (s *Stats) addUpload() {
	if s != nil {
		s.Uploads.Add(1)
	}
}

func (s *Stats) addHelperStart() {
	if s != nil {
		s.HelperStarts.Add(1)
	}
}

// Binary is a drover-helper build for one architecture.
type Binary struct {
	Arch string // GOARCH: amd64, arm64; "" skips the architecture check
	Data []byte
	// SHA256 is the hex SHA-256 of Data when the caller already knows it
	// (a binary shared by many hosts is hashed once); "" = compute it.
	SHA256 string
	// Gzip returns Data gzip-compressed, as uploaded (the server
	// decompresses it and checks the hash of the result); nil = compress
	// Data at each upload. A caller shares one across hosts so that a
	// binary is compressed once.
	Gzip func() ([]byte, error)
}

// compressed is what is uploaded for b: its gzip stream.
func (b Binary) compressed() ([]byte, error) {
	if b.Gzip != nil {
		return b.Gzip()
	}
	return GzipData(b.Data)
}

// GzipData compresses data (best speed: the upload is what is slow, and
// released helpers come compressed already).
func GzipData(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Hash is the hex SHA-256 of Data.
func (b Binary) Hash() string {
	if b.SHA256 != "" {
		return b.SHA256
	}
	sum := sha256.Sum256(b.Data)
	return hex.EncodeToString(sum[:])
}

// withDefaults fills in the documented defaults; jump configurations inherit
// the target's dialer, timeout, stats and known_hosts.
func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = 22
	}
	if c.User == "" {
		c.User = "root"
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.HelperDir == "" {
		c.HelperDir = DefaultHelperDir
	}
	if c.Host == "" {
		c.Host = c.Address
	}
	if c.KnownHosts == "" {
		c.KnownHosts = "~/.ssh/known_hosts"
	}
	c.KnownHosts = expandHome(c.KnownHosts)
	c.IdentityFile = expandHome(c.IdentityFile)
	if c.GlobalKnownHosts == nil {
		c.GlobalKnownHosts = DefaultGlobalKnownHosts
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Jump != nil {
		j := *c.Jump
		if j.Dial == nil {
			j.Dial = c.Dial
		}
		if j.Timeout <= 0 {
			j.Timeout = c.Timeout
		}
		if j.Stats == nil {
			j.Stats = c.Stats
		}
		if j.KnownHosts == "" {
			j.KnownHosts = c.KnownHosts
		}
		if j.Log == nil {
			j.Log = c.Log
		}
		c.Jump = &j
	}
	return c
}

// addr is host:port of the server.
func (c Config) addr() string {
	return net.JoinHostPort(c.Address, strconv.Itoa(c.Port))
}

// label names the server in messages: "s2 (198.51.100.2:22)".
func (c Config) label() string {
	if c.Host == c.Address {
		return c.addr()
	}
	return c.Host + " (" + c.addr() + ")"
}

// needsSudo reports whether the helper must be wrapped in sudo.
func (c Config) needsSudo() bool { return c.Become && c.User != "root" }

// expandHome replaces a leading ~ with the home directory.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, p[1:])
}

// shortenHome writes a path under the home directory as ~/..., for messages.
func shortenHome(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return p
	}
	if rest, ok := strings.CutPrefix(p, home+"/"); ok {
		return "~/" + rest
	}
	return p
}
