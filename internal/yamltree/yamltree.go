// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package yamltree reads trees decoded from YAML or JSON into an any: maps
// with string keys (map[string]any), lists ([]any) and scalars. The
// deployment tests, the ECS template's tests and the end-to-end tests check
// configuration files, manifests and API answers this way, where a typed
// struct per file would restate each file's schema. A path that does not
// exist reads as the zero value, so that a check can name what it missed.
package yamltree

import (
	"fmt"
	"slices"
	"strings"
)

// Get follows path from v, a string stepping into a map and an int into a
// list, and returns nil where the path does not exist.
func Get(v any, path ...any) any {
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
			if !ok || k < 0 || k >= len(l) {
				return nil
			}
			v = l[k]
		default:
			return nil
		}
	}
	return v
}

// String is the string at path, "" if there is none.
func String(v any, path ...any) string {
	s, _ := Get(v, path...).(string)
	return s
}

// List is the list at path, nil if there is none.
func List(v any, path ...any) []any {
	l, _ := Get(v, path...).([]any)
	return l
}

// Map is the map at path, nil if there is none.
func Map(v any, path ...any) map[string]any {
	m, _ := Get(v, path...).(map[string]any)
	return m
}

// Strings is the string elements of the list at path, in order.
func Strings(v any, path ...any) []string {
	var out []string
	for _, e := range List(v, path...) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Walk calls visit for v and every node below it, depth first, a map's
// entries in the order of their keys, with the path from v to the node.
// Where visit returns false, Walk does not go below that node. The path is
// reused between calls: clone it to keep it.
func Walk(v any, visit func(path []any, node any) bool) {
	walk(nil, v, visit)
}

func walk(path []any, v any, visit func([]any, any) bool) {
	if !visit(path, v) {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walk(append(path, k), x[k], visit)
		}
	case []any:
		for i, e := range x {
			walk(append(path, i), e, visit)
		}
	}
}

// Format writes a path for a message: .spec.containers[0].image.
func Format(path []any) string {
	var b strings.Builder
	for _, p := range path {
		if i, ok := p.(int); ok {
			fmt.Fprintf(&b, "[%d]", i)
		} else {
			fmt.Fprintf(&b, ".%v", p)
		}
	}
	return b.String()
}
