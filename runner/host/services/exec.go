package services

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// execKind runs a shell command for the rare imperative step. drover
// cannot know what a command does, so its plan says only that it will run;
// guards decide whether it must.
//
// Name: the declaration's key ("init_db"). Attributes:
//   - command: the command, run with /bin/sh -c as root, in dir
//   - creates: optional path; while it exists the command does not run
//   - unless: optional command; while it exits 0 the command does not run
//     (it runs at every plan, so keep it cheap)
//   - dir: working directory (default "/"). Not compared.
//   - undo: optional command run by Delete (when the declaration is
//     removed), to take back what command made. Not compared.
//
// Without a guard the command runs once, and again whenever its text
// changes. Read back: command (for a satisfied guard, or the text of the
// last run). A command that must run plans a create.
//
// Saved: "command", the text of the last run.
type execKind struct{}

func (execKind) ReplaceOn() []string { return nil }

func (execKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "dir", "/")
	return r
}

func (execKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	done, err := guardSatisfied(r, saved)
	if err != nil || !done {
		return nil, false, err
	}
	return map[string]string{"command": r.Attrs["command"]}, true, nil
}

// guardSatisfied tells whether the command need not run.
func guardSatisfied(r core.Resource, saved map[string]string) (bool, error) {
	creates, unless := r.Attrs["creates"], r.Attrs["unless"]
	if creates != "" {
		if _, err := os.Lstat(creates); err == nil {
			return true, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return false, err
		}
	}
	if unless != "" {
		cmd := exec.Command("/bin/sh", "-c", unless)
		cmd.Dir = r.Attrs["dir"]
		if err := cmd.Run(); err == nil {
			return true, nil
		} else if _, exited := err.(*exec.ExitError); !exited {
			return false, fmt.Errorf("unless %q: %w", unless, err)
		}
	}
	if creates == "" && unless == "" {
		return saved != nil && saved["command"] == r.Attrs["command"], nil
	}
	return false, nil
}

func (execKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	if err := runShell(r.Attrs["command"], r.Attrs["dir"]); err != nil {
		return nil, err
	}
	if c := r.Attrs["creates"]; c != "" {
		if _, err := os.Lstat(c); err != nil {
			return nil, fmt.Errorf("the command succeeded but did not create %s (creates); it would run again at every apply", c)
		}
	}
	return map[string]string{"command": r.Attrs["command"]}, nil
}

func (execKind) Delete(r core.Resource, _ map[string]string) error {
	if r.Attrs["undo"] == "" {
		return nil
	}
	dir := r.Attrs["dir"]
	if dir == "" {
		dir = "/"
	}
	return runShell(r.Attrs["undo"], dir)
}

// runShell runs line with /bin/sh -c in dir; a failure carries the exit
// status and the output's tail.
func runShell(line, dir string) error {
	if line == "" {
		return fmt.Errorf("empty command")
	}
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return host.CommandError(cmd, err, out.String())
	}
	return nil
}
