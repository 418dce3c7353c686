package lang_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/bench"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

// BenchmarkLoadFleet10k measures lang.Load on bench.Fleet(): 10,000
// servers, each with a container subnet and 20 generic host declarations,
// and 200 VXLAN networks of 50 members. The files are written once. Beside
// the wall time it reports the process's CPU time per load (parsing runs
// in parallel, the garbage collector beside it): cpu-ms/op.
func BenchmarkLoadFleet10k(b *testing.B) {
	spec := bench.Fleet()
	dir := b.TempDir()
	if err := bench.Write(dir, spec); err != nil {
		b.Fatal(err)
	}
	opts := lang.Options{Kinds: modules.Kinds()}
	b.ReportAllocs()
	runtime.GC()
	start := processCPU()
	for b.Loop() {
		c, diags := lang.Load(dir, opts)
		if diags.HasErrors() || len(c.Servers) != spec.Servers {
			b.Fatalf("load: %d servers, %s", len(c.Servers), diags.Error())
		}
	}
	b.ReportMetric(float64(processCPU()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// processCPU is the CPU time (user and system) of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
