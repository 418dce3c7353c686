package modules_test

import (
	"strings"
	"testing"

	"github.com/drover/drover/modules"
)

// TestSecretsInConfigsAreSensitive: a sensitive variable's value rendered
// into a daemon's config (a VIP's track script) or a unit's command makes
// that attribute sensitive, and nothing else.
func TestSecretsInConfigsAreSensitive(t *testing.T) {
	c := loadCluster(t, payloadServers+`
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
`)
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

// TestSecretsInChecksAreSensitive: a database password from a sensitive
// variable reaches the login check that needs it (on the allowed server)
// as a sensitive attribute, and a check attribute that holds a secret is
// marked sensitive however it got there.
func TestSecretsInChecksAreSensitive(t *testing.T) {
	c := loadCluster(t, payloadServers+`
variable "dbpw" {
  default   = "db-pw-s3cret"
  sensitive = true
}
database "mariadb" {
  server   = "s1"
  name     = "shop"
  password = var.dbpw
  allow    = "198.51.100.2/32"
}
`)
	d, err := modules.Expand(c, payloadFacts(c))
	if err != nil {
		t.Fatal(err)
	}
	holding := 0
	for name, h := range d.Hosts {
		for _, ch := range h.Checks {
			for k, v := range ch.Attrs {
				if strings.Contains(v, "db-pw-s3cret") {
					holding++
					if !ch.IsSensitive(k) {
						t.Errorf("%s: check %q: %s holds the secret and is not sensitive", name, ch.Title, k)
					}
				}
			}
			if strings.Contains(ch.Title, "db-pw-s3cret") {
				t.Errorf("%s: a check's title holds the secret: %q", name, ch.Title)
			}
		}
	}
	if holding != 2 { // the login from s2, the refusal on s1
		t.Errorf("%d check attributes hold the password, want 2", holding)
	}
}
