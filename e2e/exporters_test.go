// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// exporterOverrides are the gateway overrides of deploy/exporters/, found by
// glob so that a new file is checked without a change here.
func exporterOverrides(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../deploy/exporters/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no overrides in deploy/exporters/")
	}
	return files
}

// TestValidateExporterOverrides runs `hypha validate --config hypha:gateway
// --config file:<override>` on every file in deploy/exporters/, alone and
// with the redaction override beneath it, as docs/exporters.md tells users
// to layer them.
func TestValidateExporterOverrides(t *testing.T) {
	bin := binary(t, "HYPHA_BIN")
	redaction, err := filepath.Abs("../deploy/exporters/redaction.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range exporterOverrides(t) {
		abs, err := filepath.Abs(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, layers := range [][]string{{abs}, {redaction, abs}} {
				args := []string{"validate", "--config", "hypha:gateway"}
				for _, l := range layers {
					args = append(args, "--config", "file:"+l)
				}
				cmd := exec.Command(bin, args...)
				// Every setting of the overrides has a default; the gateway
				// needs only its explicit choice about auth.
				cmd.Env = append(os.Environ(), "HYPHA_AUTH=none")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("hypha %v: %v\n%s", args, err, out)
				}
			}
		})
	}
}
