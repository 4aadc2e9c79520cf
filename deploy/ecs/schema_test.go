// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The evaluated template against goformation's JSON Schema of CloudFormation
// (generated from AWS's resource specification): required properties, which
// decoding into goformation's types does not check, value types and enums.

package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/schema"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal([]byte(schema.CloudformationSchema), &s); err != nil {
		t.Fatal(err)
	}
	return s["definitions"].(map[string]any)
}

// validate checks v against the schema node s, following $ref into defs,
// and returns one message per violation.
func validate(defs map[string]any, s map[string]any, v any, where string) []string {
	if r, ok := s["$ref"].(string); ok {
		def, ok := defs[strings.TrimPrefix(r, "#/definitions/")].(map[string]any)
		if !ok {
			return []string{where + ": schema has no " + r}
		}
		return validate(defs, def, v, where)
	}
	if alts, ok := s["anyOf"].([]any); ok {
		var all []string
		for _, alt := range alts {
			errs := validate(defs, alt.(map[string]any), v, where)
			if len(errs) == 0 {
				return nil
			}
			all = append(all, errs...)
		}
		return all
	}
	var errs []string
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", where, v, enum))
	}
	switch s["type"] {
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, fmt.Sprintf("%s: %v is not a string", where, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			errs = append(errs, fmt.Sprintf("%s: %v is not a number", where, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: %v is not a boolean", where, v))
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %v is not a list", where, v))
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range l {
				errs = append(errs, validate(defs, items, e, fmt.Sprintf("%s[%d]", where, i))...)
			}
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: %v is not an object", where, v))
		}
		props, _ := s["properties"].(map[string]any)
		required, _ := s["required"].([]any)
		for _, r := range required {
			if _, ok := m[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required %s is missing", where, r))
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					errs = append(errs, fmt.Sprintf("%s: unknown property %s", where, k))
				}
				continue
			}
			errs = append(errs, validate(defs, ps, m[k], where+"."+k)...)
		}
	}
	return errs
}

func TestSchema(t *testing.T) {
	defs := loadSchema(t)
	forEachScenario(t, func(t *testing.T, s *stack) {
		// Through JSON, so that numbers are float64 as the schema has them.
		b, err := json.Marshal(s.resources)
		if err != nil {
			t.Fatal(err)
		}
		var resources map[string]map[string]any
		if err := json.Unmarshal(b, &resources); err != nil {
			t.Fatal(err)
		}
		for name, r := range resources {
			def, ok := defs[r["Type"].(string)].(map[string]any)
			if !ok {
				t.Errorf("%s: no resource type %v", name, r["Type"])
				continue
			}
			if _, ok := r["Properties"]; !ok {
				r["Properties"] = map[string]any{}
			}
			for _, e := range validate(defs, def, r, name) {
				t.Error(e)
			}
		}
	})
}

// TestSchemaCatches: the checker finds what it is for.
func TestSchemaCatches(t *testing.T) {
	defs := loadSchema(t)
	def := defs["AWS::ElasticLoadBalancingV2::Listener"].(map[string]any)
	for _, c := range []struct {
		props map[string]any
		want  string
	}{
		{map[string]any{"LoadBalancerArn": "x"}, "required DefaultActions is missing"},
		{map[string]any{"LoadBalancerArn": "x", "DefaultActions": []any{map[string]any{"Type": "forward"}}, "Port": "4317"}, "is not a number"},
		{map[string]any{"LoadBalancerArn": "x", "DefaultActions": []any{map[string]any{}}}, "required Type is missing"},
		{map[string]any{"LoadBalancerArn": "x", "DefaultActions": []any{}, "Portt": 1.0}, "unknown property Portt"},
	} {
		errs := validate(defs, def, map[string]any{"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": c.props}, "L")
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, c.want) }) {
			t.Errorf("%v: errors %v, want one with %q", c.props, errs, c.want)
		}
	}
}
