package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/drover/drover/lab"
)

func TestScratchWAN(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	drover := benchPrereqs(t)
	dir := filepath.Join(t.TempDir(), "fleet")
	writeScaleCluster(t, dir, 50)
	benchLabUp(t, drover, dir)
	timedApply(t, drover, dir)
	if err := lab.SetRTT(labDir(dir), wanRTT, nil); err != nil {
		t.Fatal(err)
	}
	timedApply(t, drover, dir)
	cmd := exec.Command(drover, "apply", "-auto-approve", "-v", dir)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	os.WriteFile("/tmp/wan.log", out, 0o644)
	benchLabDown(t, dir)
}
