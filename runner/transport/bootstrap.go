package transport

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/runner/helper"
)

// needHelperMarker is what the bootstrap snippet prints, followed by the
// server's `uname -m`, when the helper binary is missing or different.
const needHelperMarker = "DROVER-NEED-HELPER"

// magicPrefix is helper.Magic without its version: "\x00DROVER-HELPER/".
var magicPrefix = helper.Magic[:strings.LastIndex(helper.Magic, "/")+1]

// helperSetup is where and how helpers run on one server.
type helperSetup struct {
	dir   string
	sudo  bool
	stats *Stats
	// password is the sudo password when sudo asks for one (see
	// checkSudo); "" runs sudo -n. Never logged.
	password string
	// log receives the helper start's steps; nil = none.
	log *slog.Logger
}

func (s helperSetup) debug(msg string, args ...any) {
	if s.log != nil {
		s.log.Debug(msg, args...)
	}
}

// helperPath is the server path of bin: DIR/drover-helper-<16 hex>.
func (s helperSetup) helperPath(bin Binary) string {
	return strings.TrimRight(s.dir, "/") + "/drover-helper-" + bin.Hash()[:16]
}

// wrap runs a shell script as root through sudo when needed.
func (s helperSetup) wrap(script string) string {
	if s.sudo {
		return sudoPrefix(s.password != "") + "sh -c " + shellQuote(script)
	}
	return script
}

// sudoPassword is the password line to send sudo, or "".
func (s helperSetup) sudoPassword() string {
	if !s.sudo {
		return ""
	}
	return s.password
}

// stampPath is the server path of the stamp that records the identity of
// bin's file when its hash was last verified: DIR/.verified-<16 hex>.
func (s helperSetup) stampPath(bin Binary) string {
	return strings.TrimRight(s.dir, "/") + "/.verified-" + bin.Hash()[:16]
}

// fileIdentity is the shell command that prints a file's identity: device,
// inode, size, and modification and change times to the nanosecond. Any
// write, truncation, chmod, chown or replacement changes it, and user space
// cannot set a change time back.
const fileIdentity = `stat -c '%d %i %s %y %z'`

// startScript execs the helper when the server has this exact build, owned
// by the user it runs as (root), and otherwise prints the marker and the
// machine type. Hashing a multi-megabyte helper costs tens of milliseconds
// of server CPU on every run, so the hash is checked only when the file's
// identity differs from the one recorded, root-owned, in its stamp after
// the last check that passed (or after the upload).
func (s helperSetup) startScript(bin Binary) string {
	return verifyChainScript(s.dir, "echo \""+needHelperMarker+" $(uname -m)\"; exit 0") + fmt.Sprintf(`f=%s
s=%s
if [ -f "$f" ] && [ ! -L "$f" ] && [ -O "$f" ]; then
id=$(%s "$f" 2>/dev/null)
if [ -n "$id" ] && [ -f "$s" ] && [ -O "$s" ] && read -r v < "$s" && [ "$v" = "$id" ]; then exec "$f" serve; fi
if h=$(sha256sum "$f" 2>/dev/null) && [ "${h%%%% *}" = %s ]; then
[ -z "$id" ] || { printf '%%s\n' "$id" > "$s.$$" && mv -f "$s.$$" "$s"; } 2>/dev/null
exec "$f" serve
fi
fi
echo "%s $(uname -m)"
`, shellQuote(s.helperPath(bin)), shellQuote(s.stampPath(bin)), fileIdentity, bin.Hash(), needHelperMarker)
}

// uploadScript decompresses stdin (gzip) into a temporary file next to
// the helper, checks the hash of the result, makes it executable, renames it into place and records its
// identity in the stamp; then it removes helpers (and stamps) of other
// builds.
func (s helperSetup) uploadScript(bin Binary) string {
	hash := bin.Hash()
	return "set -e\n" + makeChainScript(s.dir) + fmt.Sprintf(`d=%s
f=%s
s=%s
t="$f.tmp.$$"
rm -f "$t"
trap 'rm -f "$t"' EXIT
set -C
gzip -dc > "$t"
set +C
h=$(sha256sum "$t")
h=${h%%%% *}
if [ "$h" != %s ]; then echo "the uploaded helper is corrupt: sha256 $h, want %s" >&2; exit 1; fi
chmod 755 "$t"
mv -f "$t" "$f"
trap - EXIT
rm -f "$s"
{ id=$(%s "$f") && printf '%%s\n' "$id" > "$s.$$" && mv -f "$s.$$" "$s"; } 2>/dev/null || rm -f "$s.$$"
for o in "$d"/drover-helper-???????????????? "$d"/.verified-????????????????; do [ "$o" = "$f" ] || [ "$o" = "$s" ] || rm -f "$o"; done
`, shellQuote(s.dir), shellQuote(s.helperPath(bin)), shellQuote(s.stampPath(bin)), hash, hash, fileIdentity)
}

// helperCache serialises helper starts on one connection, so that
// concurrent starts upload a missing binary once.
type helperCache struct {
	mu sync.Mutex
}

// start starts bin on the server of s, uploading it first if the server
// does not have it.
// first are requests sent right behind the start command, before the
// helper answers (see Conn.StartHelper).
func (hc *helperCache) start(ctx context.Context, s starter, setup helperSetup, bin Binary, first []helper.Request) (*HelperClient, error) {
	if len(bin.Data) == 0 {
		return nil, fmt.Errorf("%s: no helper binary to start (arch %q)", s.label(), bin.Arch)
	}
	if err := checkHelperDir(setup.dir); err != nil {
		return nil, fmt.Errorf("%s: %w", s.label(), err)
	}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	for attempt := 0; ; attempt++ {
		start := time.Now()
		client, machine, err := launch(ctx, s, setup, bin, first)
		if err != nil {
			return nil, err
		}
		if client != nil {
			setup.stats.addHelperStart()
			setup.debug("helper running", "path", setup.helperPath(bin), "sudo", setup.sudo, "elapsed", time.Since(start))
			return client, nil
		}
		setup.debug("helper not on the server (or another build): uploading it", "path", setup.helperPath(bin), "machine", machine)
		if attempt > 0 {
			return nil, fmt.Errorf("%s: the helper is still missing from %s right after uploading it", s.label(), setup.dir)
		}
		if err := checkArch(s.label(), bin, machine); err != nil {
			return nil, err
		}
		gz, err := bin.compressed()
		if err != nil {
			return nil, fmt.Errorf("%s: compressing the helper: %w", s.label(), err)
		}
		stdin := passwordLine(setup.sudoPassword(), bytes.NewReader(gz))
		start = time.Now()
		if _, _, err := run(ctx, s, setup.wrap(setup.uploadScript(bin)), stdin); err != nil {
			return nil, fmt.Errorf("uploading the helper: %w", err)
		}
		setup.stats.addUpload()
		setup.debug("helper uploaded", "bytes_gzip", len(gz), "elapsed", time.Since(start))
	}
}

// launch runs the start script. It returns a client when the helper
// answered with the magic line, or the server's machine type when the
// helper must be uploaded first.
func launch(ctx context.Context, s starter, setup helperSetup, bin Binary, first []helper.Request) (*HelperClient, string, error) {
	var primed []primedRequest
	seed := maphash.MakeSeed()
	var pipelined net.Buffers // each line once: a plan request may be megabytes
	for _, req := range first {
		line, err := encodeRequest(req)
		if err != nil {
			return nil, "", fmt.Errorf("%s: encoding the %q request: %w", s.label(), req.Op, err)
		}
		primed = append(primed, primedOf(seed, line))
		pipelined = append(pipelined, line, []byte{'\n'})
	}
	stderr := &tailBuffer{max: 8 << 10}
	p, err := s.start(setup.wrap(setup.startScript(bin)), promptFilter{stderr})
	if err != nil {
		return nil, "", err
	}
	if pw := setup.sudoPassword(); pw != "" {
		if _, err := io.WriteString(p.stdin, pw+"\n"); err != nil {
			p.kill()
			return nil, "", fmt.Errorf("%s: starting the helper: %w", s.label(), err)
		}
	}
	// The first requests go out with the start, in the same round trip;
	// the start script does not read stdin, so when it asks for an upload
	// instead they are discarded with it. It may also have exited and
	// closed its stdin before they arrive (the helper is missing): a
	// failed write then only matters if the helper says it is running.
	var writeErr error
	if len(pipelined) > 0 {
		_, writeErr = writeLines(p.stdin, pipelined)
	}
	c := newHelperClient(s.label(), p, stderr)
	c.primed, c.seed = primed, seed
	stop := context.AfterFunc(ctx, c.kill)
	defer stop()
	machine, err := c.awaitMagic(ctx)
	if err != nil {
		c.kill()
		return nil, "", err
	}
	if machine != "" {
		c.Close()
		return nil, machine, nil
	}
	if writeErr != nil {
		c.kill()
		return nil, "", fmt.Errorf("%s: starting the helper: sending the first requests: %w", s.label(), writeErr)
	}
	return c, "", nil
}

// checkArch refuses to upload a helper built for another machine type.
func checkArch(server string, bin Binary, machine string) error {
	if bin.Arch == "" || machine == "" {
		return nil
	}
	if goarch := GOARCH(machine); goarch != bin.Arch {
		return fmt.Errorf("%s: the helper binary is built for %s but the server is %s (uname -m: %s)", server, bin.Arch, goarch, machine)
	}
	return nil
}

// GOARCH maps a `uname -m` machine type to Go's name for it ("x86_64" ->
// "amd64"); unknown names are returned unchanged.
func GOARCH(machine string) string {
	switch machine {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64", "armv8l":
		return "arm64"
	case "i386", "i486", "i586", "i686":
		return "386"
	case "armv5l", "armv6l", "armv7l":
		return "arm"
	case "ppc64le":
		return "ppc64le"
	case "loongarch64":
		return "loong64"
	}
	return machine
}

// Arch returns the server's architecture as a GOARCH ("amd64"), to pick
// the helper Binary to start.
func Arch(ctx context.Context, c Conn) (string, error) {
	out, _, err := c.Run(ctx, "uname -m", nil)
	if err != nil {
		return "", err
	}
	return GOARCH(strings.TrimSpace(string(out))), nil
}

// writeLines writes the pipelined lines in one write (one SSH packet for
// the usual facts and lock requests) unless they are large: a large one
// goes as it is, not copied into a second buffer.
func writeLines(w io.Writer, lines net.Buffers) (int64, error) {
	size := 0
	for _, b := range lines {
		size += len(b)
	}
	if size > 64<<10 {
		return lines.WriteTo(w)
	}
	n, err := w.Write(bytes.Join(lines, nil))
	return int64(n), err
}
