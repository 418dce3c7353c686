package lab

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/drover/drover/third_party/xcrypto/ssh"
	"github.com/drover/drover/third_party/xcrypto/ssh/knownhosts"
)

// keyPair is an ed25519 key in the files PATH (private, OpenSSH format,
// mode 0600) and PATH.pub (authorized_keys format).
type keyPair struct {
	private []byte // file content of PATH
	public  ssh.PublicKey
}

// authorizedLine is the key as one authorized_keys line.
func (k keyPair) authorizedLine() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.public)))
}

// loadOrCreateKey reads the key pair at path, generating it the first time
// (and then reporting created). A key is never regenerated while its file
// exists: host keys must stay stable so that known_hosts stays right
// across lab rebuilds.
func loadOrCreateKey(path, comment string) (k keyPair, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err := createKey(path, comment)
		return k, err == nil, err
	}
	if err != nil {
		return keyPair{}, false, fmt.Errorf("lab: read key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return keyPair{}, false, fmt.Errorf("lab: key %s: %w (remove it to generate a new one)", path, err)
	}
	k = keyPair{private: data, public: signer.PublicKey()}
	if err := writeFileIfChanged(path+".pub", []byte(k.authorizedLine()+" "+comment+"\n"), 0o644); err != nil {
		return keyPair{}, false, err
	}
	return k, false, nil
}

func createKey(path, comment string) (keyPair, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("lab: generate key %s: %w", path, err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return keyPair{}, fmt.Errorf("lab: encode key %s: %w", path, err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return keyPair{}, fmt.Errorf("lab: encode key %s: %w", path, err)
	}
	k := keyPair{private: pem.EncodeToMemory(block), public: sshPub}
	if err := writeFileIfChanged(path, k.private, 0o600); err != nil {
		return keyPair{}, err
	}
	if err := writeFileIfChanged(path+".pub", []byte(k.authorizedLine()+" "+comment+"\n"), 0o644); err != nil {
		return keyPair{}, err
	}
	return k, nil
}

// knownHostsFile is the known_hosts content naming each host's key under
// its address (and port, when not 22).
func knownHostsFile(hosts []HostState, keys map[string]keyPair) []byte {
	var b strings.Builder
	for _, h := range hosts {
		b.WriteString(knownhosts.Line([]string{h.SSHAddr()}, keys[h.Name].public))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
