package transport

import (
	"fmt"
	"path"
	"strings"
)

// The helper's directory is where drover uploads a binary and then runs
// it as root, before any of drover's own code runs on the server; only a
// shell is there to check it. A user who could write any directory on the
// way (an 0777 /var/lib/drover, say) could plant links that make the
// upload overwrite a root-only file, or swap the binary that root then
// runs. So every directory from / down to the helper directory must be a
// real directory (no symbolic link), owned by root or by the user the
// helper runs as, and not writable by group or others, unless it has the
// sticky bit (as /tmp: nobody else can then replace the next directory,
// whose owner is checked in turn). Missing directories are created 0755,
// each only after its parent passed.

// dirChain lists dir and every directory above it, from "/" down.
func dirChain(dir string) []string {
	chain := []string{"/"}
	cur := "/"
	for _, name := range strings.Split(strings.Trim(dir, "/"), "/") {
		if name == "" {
			continue
		}
		cur = path.Join(cur, name)
		chain = append(chain, cur)
	}
	return chain
}

// checkHelperDir refuses a helper directory that is not absolute and
// clean: the chain check must see the very path the shell then uses.
func checkHelperDir(dir string) error {
	if !strings.HasPrefix(dir, "/") || path.Clean(dir) != dir {
		return fmt.Errorf("helper directory %q must be an absolute, clean path (such as %s)", dir, DefaultHelperDir)
	}
	return nil
}

// chainCheckScript is shell that checks one directory, $p, whose status
// (uid:mode from one stat) is in $e, and exits 1 with the fix when it is
// unsafe.
const chainCheckScript = `u=${e%%%%:*}; m=${e#*:}
if [ -L "$p" ] || [ ! -d "$p" ]; then echo "drover: $p must be a directory, not a symbolic link or a file: move it away, then run drover again" >&2; exit 1; fi
if [ "$u" != 0 ] && [ ! -O "$p" ]; then echo "drover: $p is owned by uid $u; drover uploads and runs its helper beneath it as root and needs it owned by root: check its content, then run: chown root:root $p" >&2; exit 1; fi
o=${m#"${m%%?}"}; g=${m%%?}; g=${g#"${g%%?}"}; k=${m%%???}
case "$g$o" in *[2367]*) case "$k" in [1357]) ;; *) echo "drover: $p is writable by group or others (mode $m); drover uploads and runs its helper beneath it as root: check its content, then run: chmod go-w $p" >&2; exit 1;; esac;; esac
`

// verifyChainScript checks every directory of the chain with one stat;
// when one is missing it runs missing (shell) instead.
func verifyChainScript(dir, missing string) string {
	var quoted []string
	for _, p := range dirChain(dir) {
		quoted = append(quoted, shellQuote(p))
	}
	list := strings.Join(quoted, " ")
	return fmt.Sprintf(`if s=$(stat -c '%%u:%%a' -- %s 2>/dev/null); then
set -- $s
for p in %s; do e=$1; shift
%sdone
else %s
fi
`, list, list, fmt.Sprintf(chainCheckScript), missing)
}

// makeChainScript creates the missing directories of the chain, checking
// each directory before anything is created beneath it.
func makeChainScript(dir string) string {
	var b strings.Builder
	b.WriteString("umask 022\n")
	for _, p := range dirChain(dir) {
		q := shellQuote(p)
		fmt.Fprintf(&b, "p=%s\n[ -e \"$p\" ] || [ -L \"$p\" ] || mkdir -m 0755 \"$p\"\ne=$(stat -c '%%u:%%a' -- \"$p\")\n%s", q, fmt.Sprintf(chainCheckScript))
	}
	return b.String()
}
