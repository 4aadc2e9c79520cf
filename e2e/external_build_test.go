// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// TestExternalBuild builds a collector the way an outside user would add
// hypha_correlation to their own ocb build (testdata/external-build: core
// and contrib v0.165.0 components, the processor's module, nothing else of
// Hypha's), runs it on a pino line with ids, and finds the line in a real
// OTLP log store with its native trace and span ids set.
func TestExternalBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a collector")
	}
	bins := stackBinaries(t)
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest, err := os.ReadFile(filepath.Join(root, "e2e/testdata/external-build/builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifest = []byte(strings.ReplaceAll(string(manifest), "HYPHA_CHECKOUT", root))
	manifest = []byte(strings.ReplaceAll(string(manifest), "output_path: ./mycol", "output_path: "+filepath.Join(dir, "mycol")))
	manifestPath := filepath.Join(dir, "builder-config.yaml")
	if err := os.WriteFile(manifestPath, manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "tool", "-modfile="+filepath.Join(root, "tools/go.mod"), "builder", "--config", manifestPath)
	build.Dir = root // go tool -modfile needs a module around it
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	start := time.Now()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("ocb build of the outside user's manifest: %v\n%s", err, out)
	}
	t.Logf("e2e: the outside user's collector built in %v", time.Since(start).Round(time.Second))
	gomod, err := os.ReadFile(filepath.Join(dir, "mycol", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(gomod), "github.com/hypha-obs/hypha ") {
		t.Errorf("the outside build requires Hypha's root module:\n%s", gomod)
	}

	store, err := harness.StartVictoriaLogs(dir, bins.VictoriaLogs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Stop(10 * time.Second) })
	logFile := filepath.Join(dir, "app.log")
	const traceID, spanID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	line := fmt.Sprintf(`{"level":30,"time":%d,"service":"outside","trace_id":"%s","span_id":"%s","trace_flags":"01","msg":"from an outside build"}`+"\n",
		time.Now().UnixMilli(), traceID, spanID)
	if err := os.WriteFile(logFile, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	col, err := harness.Start(dir, "mycol", filepath.Join(dir, "mycol", "mycol"),
		[]string{"--config", filepath.Join(root, "e2e/testdata/external-build/config.yaml")},
		[]string{"LOG_FILE=" + logFile, "STORE_ENDPOINT=" + store.OTLPEndpoint()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Stop(10 * time.Second) })

	err = harness.Eventually(30*time.Second, time.Second, func() error {
		recs, err := store.Query(`trace_id:="` + traceID + `"`)
		switch {
		case err != nil:
			return err
		case len(recs) != 1:
			return fmt.Errorf("%d records with the trace id", len(recs))
		case recs[0]["span_id"] != spanID:
			return harness.Permanent(fmt.Errorf("span_id %q, want %s", recs[0]["span_id"], spanID))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\ncollector:\n%s", err, col.Tail(3000))
	}
}
