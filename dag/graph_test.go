package dag

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func build(nodes []string, edges ...[2]string) *Graph {
	g := New()
	for _, n := range nodes {
		g.AddNode(n)
	}
	for _, e := range edges {
		g.AddEdge(e[0], e[1])
	}
	return g
}

func TestSortStable(t *testing.T) {
	g := build([]string{"e", "d", "c", "b", "a"},
		[2]string{"a", "d"}, // d after a
		[2]string{"b", "d"},
		[2]string{"c", "e"}, // e after c
	)
	got, err := g.Sort()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"c", "e", "b", "a", "d"}
	if !slices.Equal(got, want) {
		t.Fatalf("Sort = %v, want %v", got, want)
	}
}

func TestSortNoEdgesKeepsInsertionOrder(t *testing.T) {
	g := build([]string{"s2:b", "s1:a", "s3:c"})
	got, err := g.Sort()
	if err != nil || !slices.Equal(got, []string{"s2:b", "s1:a", "s3:c"}) {
		t.Fatalf("Sort = %v, %v", got, err)
	}
}

func TestAddEdgeAddsNodesAndIgnoresDuplicates(t *testing.T) {
	g := New()
	g.AddEdge("a", "b")
	g.AddEdge("a", "b")
	g.AddNode("a")
	if g.Len() != 2 || !g.Has("a") || !g.Has("b") || g.Has("c") {
		t.Fatalf("nodes = %v", g.Nodes())
	}
	if d := g.Dependencies("b"); !slices.Equal(d, []string{"a"}) {
		t.Fatalf("Dependencies(b) = %v", d)
	}
	if d := g.Dependents("a"); !slices.Equal(d, []string{"b"}) {
		t.Fatalf("Dependents(a) = %v", d)
	}
	var zero Graph // the zero value works too
	zero.AddEdge("x", "y")
	if got, _ := zero.Sort(); !slices.Equal(got, []string{"x", "y"}) {
		t.Fatalf("zero graph Sort = %v", got)
	}
}

func TestCycleMessages(t *testing.T) {
	tests := []struct {
		name  string
		g     *Graph
		want  string
		count int
	}{
		{"two", build(nil, [2]string{"a", "b"}, [2]string{"b", "a"}), "dependency cycle: a -> b -> a", 1},
		{"self", build([]string{"x"}, [2]string{"a", "a"}), "dependency cycle: a -> a", 1},
		{"three with tail", build([]string{"root", "a", "b", "c", "tail"},
			[2]string{"root", "a"}, [2]string{"a", "b"}, [2]string{"b", "c"}, [2]string{"c", "a"}, [2]string{"c", "tail"}),
			"dependency cycle: a -> b -> c -> a", 1},
		{"shortest through first node", build([]string{"a", "b", "c"},
			[2]string{"a", "b"}, [2]string{"b", "c"}, [2]string{"c", "a"}, [2]string{"b", "a"}),
			"dependency cycle: a -> b -> a", 1},
		{"two separate", build([]string{"p", "q", "a", "b"},
			[2]string{"a", "b"}, [2]string{"b", "a"}, [2]string{"p", "q"}, [2]string{"q", "p"}),
			"2 dependency cycles: p -> q -> p; a -> b -> a", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.g.Sort()
			var ce *CycleError
			if !errors.As(err, &ce) {
				t.Fatalf("Sort error = %v, want a *CycleError", err)
			}
			if err.Error() != tt.want || len(ce.Cycles) != tt.count {
				t.Fatalf("error = %q (%d cycles), want %q", err, len(ce.Cycles), tt.want)
			}
		})
	}
}

func TestWalkOrderAndParallelBound(t *testing.T) {
	g := New()
	// Ten independent hosts with a chain of three resources each.
	for h := range 10 {
		g.AddEdge(fmt.Sprintf("s%d:a", h), fmt.Sprintf("s%d:b", h))
		g.AddEdge(fmt.Sprintf("s%d:b", h), fmt.Sprintf("s%d:c", h))
	}
	var running, peak atomic.Int32
	var mu sync.Mutex
	done := map[string]bool{}
	results := g.Walk(context.Background(), 3, func(ctx context.Context, id string) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		mu.Lock()
		for _, d := range g.Dependencies(id) {
			if !done[d] {
				t.Errorf("%s started before its dependency %s finished", id, d)
			}
		}
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		done[id] = true
		mu.Unlock()
		return nil
	})
	if len(results) != 30 {
		t.Fatalf("got %d results, want 30", len(results))
	}
	for id, err := range results {
		if err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if p := peak.Load(); p != 3 {
		t.Fatalf("peak parallelism = %d, want 3", p)
	}
}

func TestWalkSerialOrder(t *testing.T) {
	g := build([]string{"e", "d", "c", "b", "a"}, [2]string{"a", "d"}, [2]string{"b", "d"}, [2]string{"c", "e"})
	var order []string
	g.Walk(context.Background(), 0, func(_ context.Context, id string) error {
		order = append(order, id)
		return nil
	})
	if want := []string{"c", "e", "b", "a", "d"}; !slices.Equal(order, want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
}

func TestWalkFailureIsolation(t *testing.T) {
	g := New()
	g.AddEdge("s1:link", "s1:addr")
	g.AddEdge("s1:addr", "s1:route")
	g.AddEdge("s2:link", "s2:addr")
	g.AddEdge("s1:addr", "s2:peer") // cross-host edge
	g.AddEdge("s2:addr", "s2:peer")
	g.AddNode("s3:link")
	boom := errors.New("boom")
	var ran sync.Map
	results := g.Walk(context.Background(), 4, func(_ context.Context, id string) error {
		ran.Store(id, true)
		if id == "s1:link" {
			return boom
		}
		return nil
	})
	if !errors.Is(results["s1:link"], boom) {
		t.Errorf("s1:link = %v", results["s1:link"])
	}
	for _, id := range []string{"s1:addr", "s1:route", "s2:peer"} {
		var se *SkippedError
		if !errors.As(results[id], &se) || se.Dependency != "s1:link" {
			t.Errorf("%s = %v, want skipped because of s1:link", id, results[id])
		}
		if results[id].Error() != "skipped: dependency s1:link failed" {
			t.Errorf("%s message = %q", id, results[id])
		}
		if _, ok := ran.Load(id); ok {
			t.Errorf("%s ran although its dependency failed", id)
		}
	}
	for _, id := range []string{"s2:link", "s2:addr", "s3:link"} {
		if results[id] != nil {
			t.Errorf("%s = %v, want success", id, results[id])
		}
	}
}

func TestWalkCancelStopsNewWork(t *testing.T) {
	g := build(nil, [2]string{"a", "b"}, [2]string{"b", "c"})
	ctx, cancel := context.WithCancel(context.Background())
	results := g.Walk(ctx, 2, func(_ context.Context, id string) error {
		if id == "a" {
			cancel()
		}
		return nil
	})
	if results["a"] != nil {
		t.Errorf("a = %v", results["a"])
	}
	for _, id := range []string{"b", "c"} {
		if !errors.Is(results[id], context.Canceled) || !strings.HasPrefix(results[id].Error(), "not started") {
			t.Errorf("%s = %v, want not started: context canceled", id, results[id])
		}
	}
}

func TestWalkCycleRunsNothing(t *testing.T) {
	g := build([]string{"ok"}, [2]string{"a", "b"}, [2]string{"b", "a"})
	calls := 0
	results := g.Walk(context.Background(), 2, func(context.Context, string) error { calls++; return nil })
	if calls != 0 {
		t.Fatalf("%d calls on a cyclic graph", calls)
	}
	var ce *CycleError
	if !errors.As(results["ok"], &ce) {
		t.Fatalf("ok = %v, want the cycle error", results["ok"])
	}
}

func TestDOTGolden(t *testing.T) {
	g := New()
	g.AddEdge("s1:link/vx0", "s1:addr/100.64.10.1/24")
	g.AddEdge("s2:link/vx0", "s2:addr/100.64.10.2/24")
	g.AddEdge("s1:wireguard/wg0", `s2:file//etc/x "quoted"`)
	g.AddNode("cluster-less")
	host := func(id string) string {
		h, _, ok := strings.Cut(id, ":")
		if !ok {
			return ""
		}
		return h
	}
	label := func(id string) string {
		_, r, ok := strings.Cut(id, ":")
		if !ok {
			return id
		}
		return r
	}
	var buf bytes.Buffer
	if err := g.DOT(&buf, label, host); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "graph.dot")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("DOT output differs from %s:\n%s", golden, buf.String())
	}
}
