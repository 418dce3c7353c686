package lang_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/bench"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/hashicorp/hcl/v2"
)

// TestParallelEvaluationIsSerial loads a cluster of 600 servers with
// mistakes of every kind evaluation reports (type mismatches, numbers out
// of range, values outside their grammar, a reference cycle, a required
// variable without a value) and secrets, once evaluated one node after the
// other and once on four goroutines: the diagnostics, in their order, the
// secrets and the desired state of every host must be the same. make test
// also runs it with the race detector.
func TestParallelEvaluationIsSerial(t *testing.T) {
	spec := bench.Spec{Servers: 600, Networks: 10, Members: 30, Generic: 20, PerFile: 100}
	files, err := bench.Files(spec)
	if err != nil {
		t.Fatal(err)
	}
	files["mistakes.hcl"] = []byte(mistakes(40))
	opts := lang.Options{Kinds: modules.Kinds()}
	serial, serialDiags := lang.LoadFilesOnWorkers(files, opts, 1)
	parallel, parallelDiags := lang.LoadFilesOnWorkers(files, opts, 4)
	if len(serialDiags) < 4*40 {
		t.Fatalf("the mistakes gave %d diagnostics, want at least %d:\n%s", len(serialDiags), 4*40, serialDiags.Error())
	}
	if got, want := diagLines(parallelDiags), diagLines(serialDiags); !reflect.DeepEqual(got, want) {
		t.Fatalf("diagnostics differ:\nparallel:\n%s\nserial:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !reflect.DeepEqual(parallel.Secrets, serial.Secrets) || len(serial.Secrets) == 0 {
		t.Fatalf("secrets: parallel %q, serial %q", parallel.Secrets, serial.Secrets)
	}

	// Without the mistakes both load, and expand to the same hosts.
	delete(files, "mistakes.hcl")
	files["secret.hcl"] = []byte(secretServer)
	serial, serialDiags = lang.LoadFilesOnWorkers(files, opts, 1)
	parallel, parallelDiags = lang.LoadFilesOnWorkers(files, opts, 4)
	if serialDiags.HasErrors() || parallelDiags.HasErrors() {
		t.Fatalf("serial: %s\nparallel: %s", serialDiags.Error(), parallelDiags.Error())
	}
	want, err := modules.Expand(serial, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := modules.Expand(parallel, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Hosts) != spec.Servers+1 || !reflect.DeepEqual(got, want) {
		t.Fatalf("desired states differ (%d and %d hosts)", len(got.Hosts), len(want.Hosts))
	}
	if !reflect.DeepEqual(parallel.Secrets, serial.Secrets) || len(serial.Secrets) != 1 {
		t.Fatalf("secrets: parallel %q, serial %q", parallel.Secrets, serial.Secrets)
	}
}

// mistakes is n servers with one mistake each of four kinds, a
// reference cycle and a required variable without a value.
func mistakes(n int) string {
	var b strings.Builder
	b.WriteString(`
variable "token" {
  type      = string
  default   = "s3cret-token-value"
  sensitive = true
}
variable "needed" {
  type = string
}
locals {
  loop_a = local.loop_b
  loop_b = local.loop_a
  uses   = "${var.needed}-x"
}
`)
	for i := range n {
		fmt.Fprintf(&b, `
server "bad%d" {
  address = "2001:db8:ff::%x"
  subnet  = 42 == 42
  dhcp    = "maybe"
  bridge  = "br-${var.token}"
  labels  = { "bad key %d" = "x" }
}
`, i, i+1, i)
	}
	return b.String()
}

// secretServer is a server whose label holds a sensitive value.
const secretServer = `
variable "token" {
  type      = string
  default   = "s3cret-token-value"
  sensitive = true
}

server "secretive" {
  address = "2001:db8:fe::1"
  labels  = { token = var.token }
}
`

// diagLines are the diagnostics as their positions, summaries and details.
func diagLines(diags []*hcl.Diagnostic) []string {
	var out []string
	for _, d := range diags {
		pos := ""
		if d.Subject != nil {
			pos = d.Subject.String()
		}
		out = append(out, fmt.Sprintf("%s: %s: %s", pos, d.Summary, d.Detail))
	}
	return out
}
