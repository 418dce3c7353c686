package host

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"

	"github.com/drover/drover/core"
)

// A secret that drover must remember having applied (a database password
// given in the HCL, a sensitive attribute) is kept in the host's manifest
// only as a salted, stretched digest: enough to tell later whether the
// declared value changed, useless for reading it back from a backup of
// /var/lib/drover.

// digestPrefix starts every sealed value: "pbkdf2-sha256$ITER$SALT$KEY".
const digestPrefix = "pbkdf2-sha256$"

// digestIterations is PBKDF2's work factor: about 2 ms per check on a
// small server, paid once per sensitive attribute per plan.
const digestIterations = 4096

// SealSecret returns a fresh salted digest of value.
func SealSecret(value string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return digestPrefix + "4096$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(derive(value, salt))
}

func derive(value string, salt []byte) []byte {
	key, err := pbkdf2.Key(sha256.New, value, salt, digestIterations, 32)
	if err != nil {
		panic(err) // only for invalid lengths, which are constant here
	}
	return key
}

// SecretMatches reports whether digest (from SealSecret) is a digest of
// value.
func SecretMatches(digest, value string) bool {
	rest, ok := strings.CutPrefix(digest, digestPrefix+"4096$")
	if !ok {
		return false
	}
	saltHex, keyHex, ok := strings.Cut(rest, "$")
	salt, err1 := hex.DecodeString(saltHex)
	key, err2 := hex.DecodeString(keyHex)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	return subtle.ConstantTimeCompare(key, derive(value, salt)) == 1
}

// ResealSecret keeps digest when it still matches value (so an unchanged
// secret does not rewrite the manifest), else seals value afresh.
func ResealSecret(digest, value string) string {
	if SecretMatches(digest, value) {
		return digest
	}
	return SealSecret(value)
}

// IsSealed reports whether a value is a digest made by SealSecret.
func IsSealed(value string) bool { return strings.HasPrefix(value, digestPrefix) }

// sealed returns r with its sensitive attributes replaced by digests,
// reusing those of prev (the resource as last recorded) that still match.
func sealed(r core.Resource, prev core.Resource) core.Resource {
	if len(r.Sensitive) == 0 {
		return r
	}
	attrs := make(map[string]string, len(r.Attrs))
	for k, v := range r.Attrs {
		if r.IsSensitive(k) && v != "" && v != core.Unknown && !IsSealed(v) {
			v = ResealSecret(prev.Attrs[k], v)
		}
		attrs[k] = v
	}
	r.Attrs = attrs
	return r
}

// SHA256Hex is the hex SHA-256 of s.
func SHA256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
