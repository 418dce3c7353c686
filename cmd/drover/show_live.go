package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/core"
)

func serviceCheck(name string) core.Check {
	return core.Check{Kind: "service", Attrs: map[string]string{"name": name}}
}

func firstOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// printTable prints a show command's rows under header, or "None are
// declared.".
func printTable(w io.Writer, header []string, lines [][]string) {
	printTablePadded(w, header, lines, 0)
}

// printTablePadded is printTable with columns padded by padding spaces
// (0 = 2).
func printTablePadded(w io.Writer, header []string, lines [][]string, padding int) {
	if len(lines) == 0 {
		fmt.Fprintln(w, "None are declared.")
		return
	}
	if padding == 0 {
		padding = 2
	}
	tw := tabwriter.NewWriter(w, 0, 0, padding, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, l := range lines {
		fmt.Fprintln(tw, strings.Join(l, "\t"))
	}
	tw.Flush()
}
