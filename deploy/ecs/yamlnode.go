// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// YAML nodes: the generator edits Loki's config as a yaml.Node, so that
// its keys keep their order, and renders the template's lists from nodes,
// so that values keep the quoting ECS needs.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// stripComments drops every comment below n.
func stripComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		stripComments(c)
	}
}

// lookup follows mapping keys from n; nil where one is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func setScalar(n *yaml.Node, key, from, to string) error {
	v := lookup(n, key)
	if v == nil || v.Value != from {
		return fmt.Errorf("%s is not %s", key, from)
	}
	v.Value = to
	return nil
}

// indent renders v as block YAML, every line indented by n spaces.
func indent(n int, v any) (string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n"), nil
}

// flow renders v on one line (JSON is YAML's flow style).
func flow(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func scalar(s string) *yaml.Node {
	// Tagged as strings, so that "false" stays the text ECS wants.
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func mapping(kv ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, scalar(kv[i]), scalar(kv[i+1]))
	}
	return n
}

func sequence(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}
