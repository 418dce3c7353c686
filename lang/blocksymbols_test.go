package lang_test

import (
	"strings"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

type pool struct {
	name string
	size int
}

func (p pool) DeclName() string { return "pool." + p.name }

// poolKinds registers a Named, Referenceable kind whose total is derived
// from its size and its nested member blocks' weights.
func poolKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddBlock(lang.BlockKind{
		Type: "pool", Named: true, Label: "name", Noun: "pool", Referenceable: true,
		Attrs:  []lang.Attr{{Name: "size", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "2"}},
		Blocks: []lang.NestedBlock{{Type: "member", Label: "name", Attrs: []lang.Attr{{Name: "weight", Type: cty.Number, Required: true, Example: "1"}}}},
		Symbols: []lang.Symbol{{Name: "total", Type: cty.Number, Inputs: []string{"size", "member.weight"},
			Derive: func(_ string, in lang.SymbolInputs) cty.Value {
				sum := in.Value("size")
				for _, w := range in.Values("member.weight") {
					if !sum.IsKnown() || !w.IsKnown() {
						return cty.UnknownVal(cty.Number)
					}
					sum = sum.Add(w)
				}
				return sum
			}}},
		Assemble: func(d *lang.BlockDecl) lang.Decl { return pool{name: d.Name(), size: d.Int("size")} },
		Validate: func([]*lang.BlockDecl, []lang.Decl, *lang.Cluster) {},
	})
	return k
}

// A Referenceable kind's blocks are referenceable by name, setting and
// derived symbol (inputs from nested blocks included); a missing
// attribute is reported with the ones there are.
func TestReferenceableKind(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(`
pool "a" {
  size = 2
  member "x" { weight = 3 }
  member "y" { weight = 4 }
}
pool "b" { size = pool.a.total * 10 }
`)}, lang.Options{Kinds: poolKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	got := lang.DeclsOf[pool](c)
	if len(got) != 2 || got[1].size != 90 {
		t.Errorf("pools = %+v, want b of size (2+3+4)*10", got)
	}

	_, diags = lang.LoadFiles(map[string][]byte{"a.hcl": []byte(`
pool "a" { size = 1 }
pool "b" { size = pool.a.totl }
`)}, lang.Options{Kinds: poolKinds()})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), `Did you mean pool.a.total? Its attributes are name, size, total.`) {
		t.Errorf("diagnostics = %v", diags)
	}
}

// Only a Named kind's blocks can be referenceable.
func TestReferenceableNeedsNamed(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("an unnamed Referenceable kind was registered")
		}
	}()
	lang.NewKinds().AddBlock(lang.BlockKind{Type: "x", Referenceable: true})
}
