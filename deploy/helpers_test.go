// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Shared helpers: reading files, decoding YAML, finding external tools.
// The decoded trees are read with internal/yamltree.

// Package deploy_test checks the deployment files statically: no Docker
// engine, Grafana, Loki or Kubernetes cluster runs here, so the tests parse
// the compose file, the Grafana provisioning, the Loki config and the
// Kubernetes manifests and check that they refer to each other correctly.
// They also run the host install script into a temporary root. External
// validators (docker-compose, shellcheck, systemd-analyze) are skipped when
// missing, except in CI (CI set), where a missing tool fails the test.
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hypha-obs/hypha/internal/testtool"
)

// requireTool returns the path of an external program: see testtool.Require.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	return testtool.Require(t, name)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readDocs decodes every document of a multi-document YAML file.
func readDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, path)))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}
