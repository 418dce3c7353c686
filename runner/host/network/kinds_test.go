package network

import (
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// testKinds are this area's kinds with services kept under dir.
func testKinds(dir string) host.Kinds {
	return Kinds(hosttest.EnvIn(dir))
}
