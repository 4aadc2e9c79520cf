// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package e2e runs the real hypha binary against real servers: Jaeger,
// VictoriaLogs (standing in for Loki, over the same OTLP/HTTP path) and
// instrumented Node and Go services. Run it with `make e2e`, which builds
// every binary once and passes their paths in HYPHA_BIN, JAEGER_BIN,
// VICTORIALOGS_BIN and ANALYSIS_BIN (the demo's Go service).
package e2e

import (
	"os"
	"testing"
)

// binary returns the path in the environment variable env, skipping the test
// when it is unset outside CI. In CI (CI=true) a missing binary fails, so that
// a misconfigured run cannot pass by testing nothing.
func binary(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set; CI must run these tests through `make e2e`", env)
		}
		t.Skipf("%s is not set: run `make e2e`", env)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return path
}
