// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package logql parses LogQL with Grafana's own grammar
// (@grafana/lezer-logql, the one Grafana's query editor uses) for the tests
// of every module that writes LogQL: the deployment's Grafana provisioning
// and the UI's Loki adapter. The grammar is an npm package, run by check.mjs
// beside this file under Node; `make logql-deps` installs it. This is a
// module of its own so that a component's tests can use it without
// requiring the repository's root module.
package logql

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Result is what check.mjs reports for one query.
type Result struct {
	Query string `json:"query"`
	// Errors holds the syntax errors, none for a query that parses.
	Errors []string `json:"errors"`
	// Strings holds the string literals as written, quotes included.
	Strings []string `json:"strings"`
}

// Parse parses queries with Grafana's grammar and returns one Result per
// query, in order. Without Node it skips the test, except in CI (CI set),
// where it fails it; without the grammar installed it fails.
func Parse(t testing.TB, queries []string) []Result {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is not installed; CI must parse LogQL with Grafana's grammar")
		}
		t.Skip("node is not installed")
	}
	dir, err := toolDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@grafana", "lezer-logql")); err != nil {
		t.Fatalf("Grafana's LogQL grammar is not installed: run `make logql-deps` (%v)", err)
	}
	in, err := json.Marshal(queries)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "check.mjs"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
	}
	var results []Result
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(queries) {
		t.Fatalf("check.mjs answer: %v (%d results for %d queries)", err, len(results), len(queries))
	}
	return results
}

// toolDir finds tools/logql from the test's working directory (its
// package's folder), somewhere below the repository's root.
func toolDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		for _, d := range []string{dir, filepath.Join(dir, "tools", "logql")} {
			if _, err := os.Stat(filepath.Join(d, "check.mjs")); err == nil {
				return d, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("tools/logql/check.mjs is not in any folder above the test's")
		}
		dir = parent
	}
}
