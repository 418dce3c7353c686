package modules_test

import (
	"os"
	"sync"
	"testing"

	"github.com/drover/drover/bench"
	"github.com/drover/drover/bench/sim"
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

// fleet is bench.Fleet() loaded once, with every server's simulated facts.
type fleet struct {
	c     *lang.Cluster
	facts map[string]*core.Facts
	names []string
}

var loadFleet = sync.OnceValues(func() (*fleet, error) {
	dir, err := os.MkdirTemp("", "drover-fleet-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	spec := bench.Fleet()
	if err := bench.Write(dir, spec); err != nil {
		return nil, err
	}
	c, diags := lang.Load(dir, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		return nil, diags
	}
	f := &fleet{c: c, facts: map[string]*core.Facts{}}
	for i := range spec.Servers {
		name := bench.ServerName(i)
		f.facts[name] = sim.Facts(name, bench.ServerAddress(i))
		f.names = append(f.names, name)
	}
	return f, nil
})

// BenchmarkStreamFleet expands bench.Fleet() as a streaming plan does, in
// batches of 100 hosts with their facts: one batch per op, every batch
// in turn (100 ops are the whole fleet). "checks" keeps the verify
// checks (a saved plan), "plan" drops them as `drover plan` does.
func BenchmarkStreamFleet(b *testing.B) {
	f, err := loadFleet()
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name     string
		noChecks bool
	}{{"checks", false}, {"plan", true}} {
		b.Run(mode.name, func(b *testing.B) {
			st := modules.NewStream(f.c, f.facts, mode.noChecks)
			const batch = 100
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				first := i * batch % len(f.names)
				if _, err := st.Hosts(f.names[first : first+batch]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
