package lang_test

import (
	"strings"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// hostnameKind is a host declaration type lang has never heard of,
// registered the way modules/generic registers its types.
func hostnameKind() lang.ItemKind {
	return lang.ItemKind{
		Type:  "hostname",
		Attrs: []lang.Attr{{Name: "value", Type: cty.String, Required: true, Example: `"web1"`, Grammar: "ident"}},
		Identity: func(s map[string]string) (key, what, attr string) {
			return "hostname", "the host name", "value"
		},
		Check: func(c *lang.ItemCheck) {
			if strings.HasPrefix(c.Setting("value"), "x") {
				c.Fail("value", "Invalid hostname", "value = %q starts with x.", c.Setting("value"))
			}
		},
	}
}

// A registered type is read, referenced, checked and deduplicated by lang
// with nothing in lang naming it.
func TestRegisteredItemKind(t *testing.T) {
	k := lang.NewKinds()
	k.AddItem(hostnameKind())
	load := func(src string) (*lang.Cluster, string) {
		c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(`server "s1" { address = "198.51.100.1" }
` + src)}, lang.Options{Kinds: k})
		if !diags.HasErrors() {
			return c, ""
		}
		return c, diags.Error()
	}
	c, errs := load(`hostname "h" { value = "web1" }
hostname "g" {
  value      = "${hostname.h.value}x"
  servers    = []
  depends_on = [hostname.h]
}
`)
	if errs != "" {
		t.Fatal(errs)
	}
	if len(c.Items) != 2 || c.Items[0].Settings["value"] != "web1" || c.Items[1].Settings["value"] != "web1x" {
		t.Fatalf("items = %+v", c.Items)
	}
	if _, errs = load(`hostname "h" { value = "xweb" }`); !strings.Contains(errs, "a.hcl:2,24-30: Invalid hostname") {
		t.Errorf("the type's Check did not report at its setting: %s", errs)
	}
	if _, errs = load("hostname \"h\" { value = \"a\" }\nhostname \"g\" { value = \"b\" }\n"); !strings.Contains(errs, "Duplicate hostname") {
		t.Errorf("two items with one identity on one server were not reported: %s", errs)
	}
	if _, errs = load(`file "f" { path = "/etc/motd" }`); !strings.Contains(errs, `Blocks of type "file" are not expected here`) {
		t.Errorf("an unregistered type was accepted: %s", errs)
	}
}

// A type registered twice, or with a string setting without a grammar, is
// a programming error, refused at registration.
func TestItemKindRegistration(t *testing.T) {
	for name, add := range map[string]func(k *lang.Kinds){
		"twice": func(k *lang.Kinds) { k.AddItem(hostnameKind()); k.AddItem(hostnameKind()) },
		"no grammar": func(k *lang.Kinds) {
			k.AddItem(lang.ItemKind{Type: "x", Attrs: []lang.Attr{{Name: "v", Type: cty.String}}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("registered")
				}
			}()
			add(lang.NewKinds())
		})
	}
}
