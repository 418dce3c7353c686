package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/drover/drover/third_party/xcrypto/ssh"
	"github.com/drover/drover/third_party/xcrypto/ssh/agent"
)

// authenticator holds the keys offered to one server and remembers what it
// tried, so that a failure can say so.
type authenticator struct {
	keyFiles []string     // identity files loaded, as shown to people
	keys     []ssh.Signer // from the identity files (certificates first)
	names    []string     // keys[i] for the debug log: file, type, fingerprint
	log      *handshakeLog
	// only, when set, limits the agent's keys to these (IdentitiesOnly):
	// the public keys of the identity files, marshalled.
	only  map[string]bool
	agent agent.ExtendedAgent
	conn  net.Conn // to the agent
	note  string   // why the agent is not used, when asked for

	mu         sync.Mutex
	agentCount int // keys the agent offered; -1 before it was asked
	// files reads the identity files, once per run when shared
	// (Config.KeyFiles).
	files *KeyFiles
}

// newAuth loads the identity file and connects to the agent. A key that
// cannot be used is an error; so is having no key at all.
func newAuth(cfg Config) (*authenticator, error) {
	a := &authenticator{agentCount: -1, files: cfg.KeyFiles}
	if cfg.IdentitiesOnly {
		a.only = map[string]bool{}
	}
	if cfg.IdentityFile != "" {
		if err := a.loadKey(cfg.IdentityFile); err != nil {
			return nil, err
		}
	}
	for _, f := range cfg.IdentityFiles {
		a.loadOptionalKey(expandHome(f))
	}
	if cfg.Agent {
		a.connectAgent()
	}
	if cfg.IdentityFile == "" && len(cfg.IdentityFiles) == 0 && a.agent == nil {
		for _, f := range DefaultIdentityFiles {
			a.loadOptionalKey(expandHome(f))
		}
	}
	if len(a.keys) == 0 && a.agent == nil {
		msg := "no SSH key to log in as " + cfg.User + ": set identity_file, or agent = true with a running ssh-agent, or create ~/.ssh/id_ed25519"
		if a.note != "" {
			msg += " (" + a.note + ")"
		}
		return nil, errors.New(msg)
	}
	return a, nil
}

// loadOptionalKey loads a key from ssh_config or a default key: a missing
// file is skipped, as ssh does, and so is one that needs a passphrase (the
// agent may hold it: its public key is then allowed under IdentitiesOnly).
func (a *authenticator) loadOptionalKey(path string) {
	if _, err := os.Stat(path); err != nil {
		return
	}
	if err := a.loadKey(path); err != nil {
		a.allowPublic(path + ".pub")
	}
}

// allowPublic adds the public key in path to the keys IdentitiesOnly
// lets the agent offer.
func (a *authenticator) allowPublic(path string) {
	if a.only == nil {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if pub, _, _, _, err := ssh.ParseAuthorizedKey(data); err == nil {
		a.only[string(pub.Marshal())] = true
	}
}

func (a *authenticator) loadKey(path string) error {
	shown := shortenHome(path)
	pem, err := a.files.read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("identity file %s does not exist", shown)
	}
	if err != nil {
		return fmt.Errorf("identity file: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var needPass *ssh.PassphraseMissingError
	if errors.As(err, &needPass) {
		if a.only != nil && needPass.PublicKey != nil {
			a.only[string(needPass.PublicKey.Marshal())] = true
		}
		return fmt.Errorf("identity file %s is protected by a passphrase: add it to ssh-agent (ssh-add %s) and set agent = true", shown, shown)
	}
	if err != nil {
		return fmt.Errorf("identity file %s: %w", shown, err)
	}
	a.keyFiles = append(a.keyFiles, shown)
	if a.only != nil {
		a.only[string(signer.PublicKey().Marshal())] = true
	}
	if cert, ok := loadCertificate(a.files, path+"-cert.pub"); ok {
		if cs, err := ssh.NewCertSigner(cert, signer); err == nil {
			a.keys = append(a.keys, cs)
			a.names = append(a.names, keyName(shown+"-cert.pub", cs.PublicKey()))
		}
	}
	a.keys = append(a.keys, signer)
	a.names = append(a.names, keyName(shown, signer.PublicKey()))
	return nil
}

// loadCertificate reads an OpenSSH certificate next to the key, as ssh
// does (through files: nil reads it).
func loadCertificate(files *KeyFiles, path string) (*ssh.Certificate, bool) {
	data, err := files.read(path)
	if err != nil {
		return nil, false
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil, false
	}
	cert, ok := pub.(*ssh.Certificate)
	return cert, ok
}

func (a *authenticator) connectAgent() {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		a.note = "SSH_AUTH_SOCK is not set"
		return
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		a.note = "cannot reach the agent at " + sock + ": " + err.Error()
		return
	}
	a.conn = conn
	a.agent = agent.NewClient(conn)
}

// methods are the ssh auth methods: one public-key method offering the
// identity file's key, then the agent's keys (the ssh package tries each
// method kind only once). It is tried first, without the "none" probe,
// and a single key signs without asking the server first: a login takes
// two round trips fewer than OpenSSH's (third_party/x-crypto.patch).
func (a *authenticator) methods() []ssh.AuthMethod {
	return []ssh.AuthMethod{ssh.PublicKeysDirect(a.signers)}
}

func (a *authenticator) signers() ([]ssh.Signer, error) {
	signers := append([]ssh.Signer(nil), a.keys...)
	names := append([]string(nil), a.names...)
	if a.agent != nil {
		fromAgent, err := a.agent.Signers()
		a.mu.Lock()
		a.agentCount = len(fromAgent)
		a.mu.Unlock()
		if err == nil {
			for _, s := range fromAgent {
				if a.only == nil || a.only[string(underlying(s.PublicKey()).Marshal())] {
					signers = append(signers, s)
					names = append(names, keyName("agent", s.PublicKey()))
				}
			}
		} else if a.log != nil {
			a.log.log.Debug("ssh auth: the agent did not list its keys", "err", err)
		}
	}
	if a.log == nil {
		return signers, nil
	}
	a.log.offering(names)
	return logSigners(a.log, signers, names), nil
}

// describe says what was tried: "key ~/.ssh/id, agent (2 keys)".
func (a *authenticator) describe() string {
	var tried []string
	for _, f := range a.keyFiles {
		tried = append(tried, "key "+f)
	}
	switch {
	case a.agent != nil:
		a.mu.Lock()
		n := a.agentCount
		a.mu.Unlock()
		switch n {
		case -1:
			tried = append(tried, "agent")
		case 1:
			tried = append(tried, "agent (1 key)")
		default:
			tried = append(tried, fmt.Sprintf("agent (%d keys)", n))
		}
	case a.note != "":
		tried = append(tried, "not the agent: "+a.note)
	}
	return strings.Join(tried, ", ")
}

// underlying is the key a certificate certifies, or key itself.
func underlying(key ssh.PublicKey) ssh.PublicKey {
	if cert, ok := key.(*ssh.Certificate); ok {
		return cert.Key
	}
	return key
}

// Close ends the agent connection.
func (a *authenticator) Close() error {
	if a.conn != nil {
		return a.conn.Close()
	}
	return nil
}

// isAuthFailure reports whether a handshake error means the server refused
// every key.
func isAuthFailure(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unable to authenticate")
}
