package job

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/vxlan"
)

func load(t *testing.T) *lang.Cluster {
	t.Helper()
	c, diags := lang.Load(filepath.Join("..", "..", "playbooks", "job"), lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return c
}

// instances lists "SERVER:NAME" of the container resources Expand wants.
func instances(t *testing.T, c *lang.Cluster, facts map[string]*core.Facts) ([]string, map[string]core.Resource) {
	t.Helper()
	sets, err := Expand(c, facts)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	byName := map[string]core.Resource{}
	for server, list := range sets {
		for _, set := range list {
			for _, r := range set.Resources {
				if r.Kind == "container" {
					out = append(out, server+":"+r.Name)
					byName[r.Name] = r
				}
			}
		}
	}
	slices.Sort(out)
	return out, byName
}

func TestSpreadBatchesAndStability(t *testing.T) {
	c := load(t)
	placed, byName := instances(t, c, nil)
	if len(placed) != 4 {
		t.Fatalf("placed %v", placed)
	}
	servers := map[string]bool{}
	for _, p := range placed {
		servers[strings.Split(p, ":")[0]] = true
	}
	if len(servers) != 3 {
		t.Errorf("4 instances spread over %d servers: %v", len(servers), placed)
	}
	// Batches of one: web-2 waits for web-1 (on another server).
	if w2 := byName["web-2"]; len(w2.After) == 0 || !strings.HasSuffix(w2.After[len(w2.After)-1], ":container/web-1") {
		t.Errorf("web-2 after = %v", w2.After)
	}
	if byName["web-3"].Attrs["net.0"] != "vxl0 100.64.10.35/24" || byName["web-3"].Attrs["check"] != "http:80:/" {
		t.Errorf("web-3 attrs = %v", byName["web-3"].Attrs)
	}
	// The hosts report web-1..4 elsewhere: placement keeps them there.
	facts := map[string]*core.Facts{"s1": {}, "s2": {}, "s3": {}}
	moved := map[string]string{"web-1": "s3", "web-2": "s3", "web-3": "s2", "web-4": "s1"}
	for name, server := range moved {
		f := facts[server]
		if f.Outputs == nil {
			f.Outputs = map[string]map[string]string{}
		}
		f.Outputs["container/"+name] = map[string]string{"job": "web", "instance": name[len(name)-1:]}
	}
	kept, _ := instances(t, c, facts)
	want := []string{"s1:web-4", "s2:web-3", "s3:web-1", "s3:web-2"}
	if !slices.Equal(kept, want) {
		t.Errorf("with running instances: %v, want %v", kept, want)
	}
	// Taking s3 out of the job's servers moves only its instances.
	Jobs(c)[0].Servers = []string{"s1", "s2"}
	after, byName := instances(t, c, facts)
	if !slices.Contains(after, "s1:web-4") || !slices.Contains(after, "s2:web-3") || len(after) != 4 {
		t.Errorf("after removing s3: %v", after)
	}
	if !slices.Contains(byName["web-1"].After, "s3:container/web-1") {
		t.Errorf("a moved instance waits for its removal: %v", byName["web-1"].After)
	}
}

// TestBatchPause: only the first instance of each later batch on a server
// waits the interval, so batches are interval apart and nothing waits
// after the last one.
func TestBatchPause(t *testing.T) {
	j := &Decl{Name: "web", MaxParallel: 2, Interval: 3 * time.Second}
	servers := []string{"s1", "s2", "s1", "s1", "s3"}
	var got []time.Duration
	for i := range servers {
		got = append(got, batchPause(j, servers, i))
	}
	want := []time.Duration{0, 0, 3 * time.Second, 0, 3 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
}

// testKinds are the kinds this package's tests load with: the network
// and block kinds their configurations use (playbooks/job's balancer).
func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddNetwork(vxlan.Kind())
	k.AddBlock(lb.Kind())
	k.AddBlock(container.Kind())
	k.AddBlock(Kind())
	return k
}
