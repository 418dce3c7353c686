package transport

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// A run reads an identity file once: after the first read, its bytes (or
// its absence) come from the cache, whatever happens to the file; without
// a cache every read goes to the file.
func TestKeyFilesReadOncePerRun(t *testing.T) {
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "id"), filepath.Join(dir, "id-cert.pub")
	if err := os.WriteFile(key, []byte("key one"), 0o600); err != nil {
		t.Fatal(err)
	}
	var files KeyFiles
	for _, path := range []string{key, cert} {
		files.read(path)
	}
	if err := os.WriteFile(key, []byte("key two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cert, []byte("a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := files.read(key); err != nil || string(data) != "key one" {
		t.Errorf("second read of the key = %q, %v; want the first read's %q", data, err, "key one")
	}
	if _, err := files.read(cert); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("second read of the certificate: %v; want the first read's not-exist", err)
	}
	var none *KeyFiles
	if data, err := none.read(key); err != nil || string(data) != "key two" {
		t.Errorf("uncached read = %q, %v; want the file's %q", data, err, "key two")
	}
}
