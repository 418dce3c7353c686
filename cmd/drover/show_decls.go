package main

import (
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/runner"
)

// cmdShowDecls is `drover show COMMAND [DIR]` of a registered block kind:
// runner joins each declaration with its servers' live state (the kind's
// ShowRow); this only prints the rows.
func cmdShowDecls(e *env, f *flags, rf runFlags, typ string, sk lang.ShowKind, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	c, s, ctx, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	rows := s.DeclRows(ctx, c, typ)
	if rows == nil && sk.EmptyList {
		rows = []core.Row{}
	}
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, sk.Command: rows})
		return 0
	}
	lines := make([][]string, len(rows))
	for i, r := range rows {
		lines[i] = r.Cells()
	}
	if len(lines) == 0 && sk.Empty != "" {
		fmt.Fprintln(e.stdout, sk.Empty)
		return 0
	}
	printTablePadded(e.stdout, sk.Header, lines, sk.Padding)
	return 0
}
