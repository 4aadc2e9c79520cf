// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package testtool finds the external programs that tests call (shellcheck,
// systemd-analyze, dpkg-deb, rpm): a missing one skips the test on a
// developer's machine and fails it in CI (CI set), where .ci/run installs it.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of the program name.
func Require(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; .ci/run must install it", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}
