package files

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
)

// tlsKind provides a TLS certificate and key on the host for a daemon:
// either files the operator put there, or a self-signed pair generated on
// the host itself, so that the private key never leaves it. Optionally it
// also writes a bundle (certificate then key, in one file) for daemons that
// want them together (haproxy).
//
// Name: the certificate's name (used in file names). Attributes:
//   - cert: path of the certificate (PEM)
//   - key: path of the private key (PEM)
//   - self_signed: "true" to generate cert and key when they are missing
//     or do not cover names; "false": the files must exist (default "false")
//   - names: comma-separated DNS names or IP addresses the certificate is
//     for (self-signed only; the first is the subject's common name)
//   - bundle: path of the certificate+key bundle to write, "" = none
//
// Read reports names as the certificate covers them (self-signed), and
// bundle only while the bundle holds the current certificate and key, so a
// renewed certificate rewrites it. Delete removes the bundle and, for a
// self-signed pair, the generated files; given files are left alone.
type tlsKind struct{}

// selfSignedValidity is how long a generated certificate is valid.
const selfSignedValidity = 10 * 365 * 24 * time.Hour

func (tlsKind) ReplaceOn() []string { return []string{"cert", "key"} }

func (tlsKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "self_signed", "false")
	return r
}

func (tlsKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	certPEM, err := host.ReadFile(r.Attrs["cert"])
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	keyPEM, err := host.ReadFile(r.Attrs["key"])
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	actual := map[string]string{"cert": r.Attrs["cert"], "key": r.Attrs["key"], "self_signed": r.Attrs["self_signed"]}
	if r.Attrs["self_signed"] == "true" {
		names, err := certNames(certPEM)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", r.Attrs["cert"], err)
		}
		actual["names"] = names
	}
	if path := r.Attrs["bundle"]; path != "" {
		have, err := host.ReadFile(path)
		if err == nil && bytes.Equal(have, bundleOf(certPEM, keyPEM)) {
			actual["bundle"] = path
		} else {
			actual["bundle"] = ""
		}
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (tlsKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	certPath, keyPath := r.Attrs["cert"], r.Attrs["key"]
	if !filepath.IsAbs(certPath) || !filepath.IsAbs(keyPath) {
		return nil, fmt.Errorf("cert %q and key %q must be absolute paths", certPath, keyPath)
	}
	if r.Attrs["self_signed"] == "true" {
		if err := ensureSelfSigned(certPath, keyPath, host.SplitList(r.Attrs["names"])); err != nil {
			return nil, err
		}
	}
	certPEM, err := host.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	keyPEM, err := host.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	if path := r.Attrs["bundle"]; path != "" {
		if err := host.Mkdirs(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := host.WriteFileAtomic(path, bundleOf(certPEM, keyPEM), host.RootFile(0o600)); err != nil {
			return nil, fmt.Errorf("bundle %s: %w", path, err)
		}
	}
	return nil, nil
}

func (tlsKind) Delete(r core.Resource, _ map[string]string) error {
	paths := []string{r.Attrs["bundle"]}
	if r.Attrs["self_signed"] == "true" {
		paths = append(paths, r.Attrs["cert"], r.Attrs["key"])
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if err := safefs.Remove(p); err != nil {
			return err
		}
	}
	return nil
}

// ensureSelfSigned keeps an existing pair that covers names, else makes a
// new ECDSA P-256 key and certificate.
func ensureSelfSigned(certPath, keyPath string, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("a self-signed certificate needs at least one name")
	}
	if certPEM, err := host.ReadFile(certPath); err == nil {
		if have, err := certNames(certPEM); err == nil && have == strings.Join(names, ",") {
			if _, err := os.Stat(keyPath); err == nil {
				return nil
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"drover self-signed"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(selfSignedValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	for _, dir := range []string{filepath.Dir(certPath), filepath.Dir(keyPath)} {
		if err := host.Mkdirs(dir, 0o755); err != nil {
			return err
		}
	}
	if err := host.WriteFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), host.RootFile(0o600)); err != nil {
		return fmt.Errorf("key %s: %w", keyPath, err)
	}
	if err := host.WriteFileAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), host.RootFile(0o644)); err != nil {
		return fmt.Errorf("certificate %s: %w", certPath, err)
	}
	return nil
}

// certNames lists the names a PEM certificate covers, DNS names then IP
// addresses as they were generated, comma-separated.
func certNames(certPEM []byte) (string, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", fmt.Errorf("no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	// Generated certificates list names in the order given, with the
	// common name first; keep that order so it compares equal.
	if i := slices.Index(names, cert.Subject.CommonName); i > 0 {
		names = append([]string{names[i]}, slices.Delete(names, i, i+1)...)
	}
	return strings.Join(names, ","), nil
}

func bundleOf(certPEM, keyPEM []byte) []byte {
	out := append([]byte{}, certPEM...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, keyPEM...)
}
