// Package testkit holds what drover's tests share so that a green run
// cannot hide a test that did not run: where a test lacks what it needs
// (root, a program), it skips on a developer's machine but fails in CI
// (CI=true), naming what is missing, since CI installs everything the
// tests need (make deps). Tests that run only when asked for (benchmarks,
// the VM tier) are not skipped this way: `make test` leaves them out by
// name, and their own make targets run them.
package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Skip skips the test, or fails it in CI.
func Skip(t testing.TB, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatal(append([]any{"would skip, and CI skips nothing:"}, args...)...)
	}
	t.Skip(args...)
}

// Skipf is Skip with a format.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	Skip(t, fmt.Sprintf(format, args...))
}

// NeedRoot skips (fails in CI) a test that is not run as root.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "needs root")
	}
}

// NeedProgram skips (fails in CI) a test whose program is not installed;
// pkg names the Debian package that has it.
func NeedProgram(t testing.TB, program, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		Skipf(t, "needs %s (apt-get install %s)", program, pkg)
	}
}
