package generic

import (
	"regexp"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// sysctlType is `sysctl "NAME"`: a kernel parameter, set now and, with
// persist, in /etc/sysctl.d so that it survives a reboot.
func sysctlType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "sysctl",
			Attrs: []lang.Attr{
				{Name: "key", Type: cty.String, Required: true, Example: `"net.ipv4.ip_forward"`, Grammar: "sysctl-key"},
				{Name: "value", Type: cty.String, Required: true, Example: `"1"`, Grammar: "sysctl-value"},
				{Name: "persist", Type: cty.Bool, Default: cty.True, Example: "true"}},
			Identity: func(s map[string]string) (key, what, attr string) {
				return "sysctl " + s["key"], "sysctl " + s["key"], "key"
			},
			Check: func(c *lang.ItemCheck) {
				if !regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_.\-/]*$`).MatchString(c.Setting("key")) {
					c.Fail("key", "Invalid sysctl key", "key = %q is not a sysctl key. Write it dotted, for example key = \"net.ipv4.ip_forward\".", c.Setting("key"))
				}
			},
		},
		Expand: func(t *Target) error {
			s := t.Settings()
			id := t.Add("sysctl", s["key"], map[string]string{"key": s["key"], "value": s["value"]})
			if s["persist"] != "true" {
				return nil
			}
			path := "/etc/sysctl.d/90-drover-" + s["key"] + ".conf"
			t.Set.Add("file", path, map[string]string{"path": path, "content": s["key"] + " = " + s["value"] + "\n", "mode": "0644"}, id)
			return nil
		},
	}
}
