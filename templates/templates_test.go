package templates

import (
	"strings"
	"testing"
)

func TestRenderParsesEveryTemplate(t *testing.T) {
	all, err := parsed()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("only %d templates", len(all))
	}
	out, err := Render("nat.nft.tmpl", map[string]any{"Table": "drover_t", "Subnets": []string{"100.65.1.0/24"}, "Routed": []string(nil)})
	if err != nil || !strings.Contains(out, "ip saddr 100.65.1.0/24 ip daddr != 100.65.1.0/24 masquerade") {
		t.Fatalf("%q %v", out, err)
	}
	out, err = Render("nat.nft.tmpl", map[string]any{"Table": "drover_t", "Subnets": []string{"100.65.1.0/24"}, "Routed": []string{"100.65.2.0/24", "100.64.20.0/24"}})
	if err != nil || !strings.Contains(out, "ip saddr 100.65.1.0/24 ip daddr != { 100.65.1.0/24, 100.65.2.0/24, 100.64.20.0/24 } masquerade") {
		t.Fatalf("routed subnets are not masqueraded: %q %v", out, err)
	}
	if _, err := Render("nat.nft.tmpl", map[string]any{"Table": "x"}); err == nil {
		t.Fatal("a missing key must be an error")
	}
	if _, err := Render("nope.tmpl", nil); err == nil {
		t.Fatal("an unknown template must be an error")
	}
}
