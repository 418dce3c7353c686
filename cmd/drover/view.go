package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner"
)

// printPlan writes the human view of a plan: host by host, one line per
// change with the declaration that wants it, the fields that change, and a
// unified diff for files.
func printPlan(out io.Writer, p *runner.Plan, pal palette) {
	w := bufio.NewWriterSize(out, 64<<10) // a 1,000-server plan is megabytes
	defer w.Flush()
	for _, hp := range p.Hosts {
		fmt.Fprintf(w, "\n%s\n", pal.bold(fmt.Sprintf("Host %s (%s)", hp.Host, orUnknown(hp.Address))))
		if hp.Error != "" {
			word := "failed"
			if hp.Unreachable {
				word = "unreachable"
			}
			fmt.Fprintf(w, "  %s %s\n", pal.red("! "+word+":"), hp.Error)
			continue
		}
		n := 0
		for _, c := range hp.Changes {
			if c.Action == core.NoOp {
				continue
			}
			n++
			printChange(w, c, pal)
		}
		if n == 0 {
			fmt.Fprintln(w, "  no changes")
		}
	}
	add, change, destroy := p.Counts()
	fmt.Fprint(w, "\n"+pal.bold("Plan:"))
	if r := p.Replaces(); r > 0 {
		fmt.Fprintf(w, " %d to add, %d to change, %d to replace, %d to destroy", add, change-r, r, destroy)
	} else {
		fmt.Fprintf(w, " %d to add, %d to change, %d to destroy", add, change, destroy)
	}
	if failed := p.Failed(); len(failed) > 0 {
		fmt.Fprintf(w, "; %d host(s) could not be planned", len(failed))
	}
	fmt.Fprintln(w, ".")
}

func printChange(w io.Writer, c core.Change, pal palette) {
	r := c.Resource
	fmt.Fprintf(w, "  %s %s  (%s)\n", symbol(c.Action, pal), display(r.ID()), strings.Join(r.Owners, ", "))
	switch c.Action {
	case core.Create:
		for _, k := range core.SortedKeys(r.Attrs) {
			fmt.Fprintf(w, "        %s = %s\n", k, value(r, k, r.Attrs[k]))
		}
	case core.Update, core.Replace:
		for _, f := range c.Fields {
			suffix := ""
			if f.ForcesReplace {
				suffix = "  # forces replacement"
			}
			if f.Name == "content" && c.Diff != "" {
				continue
			}
			fmt.Fprintf(w, "        %s: %s -> %s%s\n", f.Name, value(r, f.Name, f.Old), value(r, f.Name, f.New), suffix)
		}
	}
	if c.Diff != "" {
		for _, line := range strings.Split(strings.TrimRight(c.Diff, "\n"), "\n") {
			fmt.Fprintf(w, "        %s\n", diffLine(line, pal))
		}
	}
}

// symbol is the action's sign, padded to 3 columns and coloured like
// Terraform's: + green, ~ yellow, - red, -/+ both.
func symbol(a core.Action, pal palette) string {
	sym := fmt.Sprintf("%-3s", a.Symbol())
	switch a {
	case core.Create:
		return pal.green(sym)
	case core.Update:
		return pal.yellow(sym)
	case core.Delete:
		return pal.red(sym)
	case core.Replace:
		return pal.red("-") + "/" + pal.green("+")
	}
	return sym
}

// diffLine colours a line of a unified diff.
func diffLine(line string, pal palette) string {
	switch {
	case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		return pal.bold(line)
	case strings.HasPrefix(line, "+"):
		return pal.green(line)
	case strings.HasPrefix(line, "-"):
		return pal.red(line)
	case strings.HasPrefix(line, "@@"):
		return pal.cyan(line)
	}
	return line
}

// value prints an attribute for people: sensitive values hidden, unknown
// ones as (known after apply), file contents summarised.
func value(r core.Resource, key, v string) string {
	switch {
	case r.IsSensitive(key) && key == "content" && v != "" && v != core.Sensitive && !strings.Contains(v, core.Unknown) && core.MaskedValue(v) == core.Sensitive:
		return fmt.Sprintf("(sensitive, %d bytes)", len(v)) // a desired content: its size
	case r.IsSensitive(key):
		return core.MaskedValue(v)
	case strings.Contains(v, core.Unknown):
		if v == core.Unknown {
			return "(known after apply)"
		}
		return strconv.Quote(display(v))
	case key == "content":
		return fmt.Sprintf("(%d lines)", strings.Count(v, "\n"))
	}
	return strconv.Quote(v)
}

// display replaces the unknown marker inside IDs and values.
func display(s string) string { return strings.ReplaceAll(s, core.Unknown, "(known after apply)") }

func orUnknown(s string) string {
	if s == "" {
		return "address known after apply"
	}
	return s
}

// printRecap writes the per-host outcome of an apply or destroy, in the
// shape of Ansible's PLAY RECAP, then one summary line.
func printRecap(w io.Writer, res *runner.Result, destroy bool, pal palette) {
	fmt.Fprintln(w, "\n"+pal.bold("Recap:"))
	failed, unreachable, rolledBack := 0, 0, 0
	for _, h := range res.Hosts {
		c := h.Recap()
		line := fmt.Sprintf("  %-12s %s ok=%d %s replaced=%d %s %s skipped=%d",
			h.Host, statusWord(h.Status(), pal), c.OK, count("changed", c.Changed, pal.yellow), c.Replaced,
			count("failed", c.Failed, pal.red), count("unreachable", c.Unreachable, pal.red), c.Skipped)
		if c.RolledBack > 0 {
			line += fmt.Sprintf(" rolled_back=%d", c.RolledBack)
		}
		if n := len(h.Checks); n > 0 {
			ok := 0
			for _, c := range h.Checks {
				if c.OK {
					ok++
				}
			}
			line += fmt.Sprintf(" verified=%d/%d", ok, n)
		}
		for _, s := range h.Skipped {
			line += "\n      skipped check: " + s
		}
		if h.Error != "" {
			line += "\n      " + h.Error
		}
		if h.RollbackReason != "" {
			line += fmt.Sprintf("\n      rolled back: %d change(s) of this apply put back, newest first, because %s", len(h.RolledBack), h.RollbackReason)
		}
		fmt.Fprintln(w, line)
		switch h.Status() {
		case "failed":
			failed++
		case "unreachable":
			unreachable++
		case "rolled back":
			rolledBack++
		}
	}
	trouble := ""
	if unreachable > 0 {
		trouble = fmt.Sprintf(", %d host(s) unreachable", unreachable)
	}
	if rolledBack > 0 {
		trouble += fmt.Sprintf(", %d host(s) rolled back", rolledBack)
	}
	if destroy {
		if failed+unreachable > 0 {
			fmt.Fprintf(w, "Destroy incomplete: %d removed, %d host(s) failed%s.\n", res.Changed(), failed, trouble)
			return
		}
		fmt.Fprintf(w, "Destroy complete! %d removed.\n", res.Changed())
		return
	}
	fmt.Fprintf(w, "Apply complete: %d changed, %d host(s) failed%s.\n", res.Changed(), failed, trouble)
}

// statusWord pads and colours a recap's status like Ansible does.
func statusWord(s string, pal palette) string {
	padded := fmt.Sprintf("%-11s", s)
	switch s {
	case "ok":
		return pal.green(padded)
	case "changed":
		return pal.yellow(padded)
	}
	return pal.red(padded)
}

// count writes NAME=N, coloured when N is not 0.
func count(name string, n int, paint func(string) string) string {
	s := fmt.Sprintf("%s=%d", name, n)
	if n == 0 {
		return s
	}
	return paint(s)
}

func unifiedDiff(name, old, new string) string {
	return string(diff.Diff(name, []byte(old), name+" (formatted)", []byte(new)))
}

func writeFileAtomic(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".drover-fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), info.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
