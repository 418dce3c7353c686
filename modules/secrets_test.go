package modules_test

import (
	"strings"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

// TestSecretsInConfigsAreSensitive: a sensitive variable's value rendered
// into a daemon's config (a VIP's track script) or a unit's command makes
// that attribute sensitive, and nothing else.
func TestSecretsInConfigsAreSensitive(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(payloadServers + `
variable "token" {
  default   = "tok3n-s3cret"
  sensitive = true
}
vip {
  address = "198.51.100.100"
  servers = ["s1", "s2"]
  track   = "/usr/local/bin/check --token ${var.token}"
}
service "agent" {
  command = "/usr/local/bin/agent --token ${lower(var.token)}"
}
`)}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	d, err := modules.Expand(c, payloadFacts(c))
	if err != nil {
		t.Fatal(err)
	}
	marked := 0
	for _, h := range d.Hosts {
		for _, r := range h.Resources {
			for k, v := range r.Attrs {
				holds := strings.Contains(v, "tok3n-s3cret")
				if holds != r.IsSensitive(k) {
					t.Errorf("%s %s: holds the secret %v, sensitive %v", r.ID(), k, holds, r.IsSensitive(k))
				}
				if holds {
					marked++
				}
			}
		}
	}
	if marked < 3 { // two keepalived configs and a service
		t.Errorf("only %d attributes hold the secret", marked)
	}
}
