// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Helpers the template tests share: decoding YAML files and reading
// goformation's typed values. The decoded trees are read with the
// repository's internal/yamltree.

package main

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// deref is *p, or the zero value for a nil p: goformation's optional
// properties are pointers.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// refName returns X for "{{Ref X}}".
func refName(v string) string {
	if strings.HasPrefix(v, "{{Ref ") && strings.HasSuffix(v, "}}") {
		return v[len("{{Ref ") : len(v)-2]
	}
	return ""
}

// port returns the port of a host:port, or of a ${env:NAME:-host:port}.
func port(t *testing.T, endpoint string) int {
	t.Helper()
	if m := regexp.MustCompile(`^\$\{env:\w+:-(.*)\}$`).FindStringSubmatch(endpoint); m != nil {
		endpoint = m[1]
	}
	_, p, err := net.SplitHostPort(endpoint)
	if err != nil {
		t.Fatalf("%q: %v", endpoint, err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// readYAMLFile decodes a YAML file into a tree of maps.
func readYAMLFile(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

// atoi is s as a number, 0 if it is none.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// asList is a CloudFormation value that may be one string or a list.
func asList(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return toStrings(v)
}
