package main

import (
	"os"
	"os/exec"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/drover/drover/internal/testkit"
)

// cmdNeed is the testscript command `need root|PROGRAM...`: a script that
// lacks one of them is skipped on a developer's machine and fails in CI
// (CI=true), where `make deps` installs every program the suites run, so
// that a green CI run has skipped nothing.
func cmdNeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("need does not take !")
	}
	var missing []string
	for _, a := range args {
		if a == "root" {
			if os.Geteuid() != 0 {
				missing = append(missing, "root")
			}
			continue
		}
		if _, err := exec.LookPath(a); err != nil {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return
	}
	what := "needs " + strings.Join(missing, ", ")
	if testkit.InCI() {
		ts.Fatalf("%s, and CI skips nothing: install it in the Makefile's deps", what)
	}
	ts.Value(scriptT{}).(testscript.T).Skip(what)
}

// scriptT is the key under which params' Setup keeps the script's T, the
// only way a custom command can skip its script.
type scriptT struct{}
