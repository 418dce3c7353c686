package templates

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

// TestEscapes: plain values render unchanged; others are quoted where the
// daemon allows it, and fail rendering where it does not.
func TestEscapes(t *testing.T) {
	for _, s := range []string{"web1", "100.64.10.2", "/etc/ssl/a.pem", "[::1]", "shop.test"} {
		for name, f := range map[string]func(any) (string, error){"part": part, "words": words, "arg": arg, "script": script, "line": line} {
			if got, err := f(s); err != nil || got != s {
				t.Errorf("%s(%q) = %q, %v", name, s, got, err)
			}
		}
	}
	if got, err := arg(`/a b;"x"{}#`); err != nil || got != `"/a b;\"x\"{}#"` {
		t.Errorf("arg = %q, %v", got, err)
	}
	for _, bad := range []string{"a\nb", "a$b", "a'b", "a\x00"} {
		if _, err := arg(bad); err == nil {
			t.Errorf("arg(%q) renders", bad)
		}
	}
	for _, bad := range []string{"a;b", "a b", "a{", "a}", "a\"", "a'", "a#", "a\n", "", "é"} {
		if _, err := part(bad); err == nil {
			t.Errorf("part(%q) renders", bad)
		}
	}
	for _, bad := range []string{`pidof x" }`, "a#b", "a!b", "a\nb"} {
		if _, err := script(bad); err == nil {
			t.Errorf("script(%q) renders", bad)
		}
	}
	if _, err := words("198.51.100.1:443 ssl;"); err == nil {
		t.Error("words accepts ';'")
	}
}

// TestTemplatesRefuseInjection renders the haproxy template with a health
// check that would add a server line: it is quoted into one argument.
func TestTemplatesRefuseInjection(t *testing.T) {
	data := map[string]any{"Owner": "loadbalancer.x", "Workers": 0, "Resolvers": nil, "Name": "x", "Address": "198.51.100.1",
		"Port": 80, "TLS": nil, "Mode": "roundrobin", "HealthCheck": "/\n\tserver evil 203.0.113.66:80", "URL": "", "Interval": "2s",
		"Backends": []map[string]any{{"Name": "b1", "Address": "100.64.10.2", "Port": 80}}}
	if out, err := Render("haproxy.cfg.tmpl", data); err == nil {
		t.Fatalf("rendered:\n%s", out)
	}
	data["HealthCheck"] = "/a b"
	out, err := Render("haproxy.cfg.tmpl", data)
	if err != nil || !strings.Contains(out, `uri "/a b"`) {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestUnknownPasses(t *testing.T) {
	if unknown != core.Unknown {
		t.Fatalf("unknown is %q, host.Unknown %q", unknown, core.Unknown)
	}
	for name, f := range map[string]func(any) (string, error){"part": part, "words": words, "arg": arg, "script": script, "line": line} {
		if got, err := f("vx" + unknown); err != nil || got != "vx"+unknown {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}
