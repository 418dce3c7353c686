package main

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/runner"
)

// printPlanMarkdown writes a plan as a pull-request comment, as Atlantis
// and tfcmt do for Terraform: the counts, a table of hosts, and one
// collapsible section per host with its changes in a diff block and each
// file's diff fenced. Values are redacted as in the text view.
func printPlanMarkdown(out io.Writer, p *runner.Plan) {
	w := bufio.NewWriterSize(out, 64<<10)
	defer w.Flush()
	add, change, destroy := p.Counts()
	r := p.Replaces()
	title := "drover plan"
	if p.Offline {
		title += " (offline)"
	}
	fmt.Fprintf(w, "### %s: %d to add, %d to change, %d to replace, %d to destroy\n\n", title, add, change-r, r, destroy)
	if failed := p.Failed(); len(failed) > 0 {
		fmt.Fprintf(w, "> [!WARNING]\n> %d host(s) could not be planned.\n\n", len(failed))
	}
	fmt.Fprintln(w, "| host | address | add | change | replace | destroy |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, hp := range p.Hosts {
		if hp.Error != "" {
			fmt.Fprintf(w, "| %s | %s | ⚠ %s | | | |\n", mdCell(hp.Host), mdCell(orUnknown(hp.Address)), mdCell(hostTrouble(hp)))
			continue
		}
		a, c, d := hp.Counts()
		rep := replaces(hp)
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d |\n", mdCell(hp.Host), mdCell(orUnknown(hp.Address)), a, c-rep, rep, d)
	}
	for _, hp := range p.Hosts {
		writeHostSection(w, hp)
	}
}

func hostTrouble(hp *runner.HostPlan) string {
	if hp.Unreachable {
		return "unreachable: " + hp.Error
	}
	return "failed: " + hp.Error
}

func replaces(hp *runner.HostPlan) int {
	n := 0
	for _, c := range hp.Changes {
		if c.Action == core.Replace {
			n++
		}
	}
	return n
}

// writeHostSection writes one host's collapsible section; a host without
// changes has none.
func writeHostSection(w io.Writer, hp *runner.HostPlan) {
	var changes []core.Change
	for _, c := range hp.Changes {
		if c.Action != core.NoOp {
			changes = append(changes, c)
		}
	}
	if hp.Error != "" || len(changes) == 0 {
		return
	}
	a, c, d := hp.Counts()
	rep := replaces(hp)
	fmt.Fprintf(w, "\n<details><summary><b>%s</b> (%s): %d to add, %d to change, %d to replace, %d to destroy</summary>\n\n",
		html.EscapeString(hp.Host), html.EscapeString(orUnknown(hp.Address)), a, c-rep, rep, d)
	var body strings.Builder
	for _, ch := range changes {
		writeMarkdownChange(&body, ch)
	}
	fence(w, "diff", body.String())
	for _, ch := range changes {
		if ch.Diff != "" {
			fmt.Fprintf(w, "\n`%s`:\n", strings.ReplaceAll(display(ch.Resource.ID()), "`", "'"))
			fence(w, "diff", ch.Diff)
		}
	}
	fmt.Fprintln(w, "\n</details>")
}

// writeMarkdownChange writes one change with its sign in the first
// column (so that a diff block colours it) and its values indented.
func writeMarkdownChange(w io.Writer, c core.Change) {
	r := c.Resource
	sign := map[core.Action]string{core.Create: "+", core.Update: "!", core.Delete: "-", core.Replace: "-/+"}[c.Action]
	fmt.Fprintf(w, "%s %s  (%s)\n", sign, display(r.ID()), strings.Join(r.Owners, ", "))
	switch c.Action {
	case core.Create:
		for _, k := range core.SortedKeys(r.Attrs) {
			fmt.Fprintf(w, "      %s = %s\n", k, value(r, k, r.Attrs[k]))
		}
	case core.Update, core.Replace:
		for _, f := range c.Fields {
			if f.Name == "content" && c.Diff != "" {
				fmt.Fprintf(w, "      content: (diff below)\n")
				continue
			}
			suffix := ""
			if f.ForcesReplace {
				suffix = "  # forces replacement"
			}
			fmt.Fprintf(w, "      %s: %s -> %s%s\n", f.Name, value(r, f.Name, f.Old), value(r, f.Name, f.New), suffix)
		}
	}
}

// fence writes text in a fenced code block whose fence is longer than any
// run of backticks inside it.
func fence(w io.Writer, info, text string) {
	n, run := 3, 0
	for _, c := range text {
		if c == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", n)
	fmt.Fprintf(w, "%s%s\n%s", f, info, lang.Printable(text))
	if !strings.HasSuffix(text, "\n") {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, f)
}

// mdCell makes text safe in a table cell: no pipes, newlines or HTML.
func mdCell(s string) string {
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	return html.EscapeString(s)
}
