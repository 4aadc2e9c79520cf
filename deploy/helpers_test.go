// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Shared helpers: reading files, decoding YAML, walking decoded YAML trees, finding external tools.

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

// get walks a decoded YAML tree along keys (map keys or list indexes given
// as ints) and returns nil where the path does not exist.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}

func strList(v any, path ...any) []string {
	var out []string
	for _, e := range list(v, path...) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
