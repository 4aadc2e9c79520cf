// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The evaluated template against goformation's JSON Schema of CloudFormation
// (generated from AWS's resource specification), checked by gojsonschema,
// which goformation itself uses: required properties, which decoding into
// goformation's types does not check, value types and enums.

package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/schema"
	"github.com/xeipuuv/gojsonschema"
)

// resourceSchema is goformation's schema with one property per resource
// type, so that {Type: resource} is checked against the definition of its
// own type, and an error names the property at fault. (The template's own
// schema accepts a resource if any type fits it, and so says only that none
// did.)
func resourceSchema(t *testing.T) *gojsonschema.Schema {
	t.Helper()
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(schema.CloudformationSchema), &doc); err != nil {
		t.Fatal(err)
	}
	types := map[string]any{}
	for name := range doc.Definitions {
		if strings.Contains(name, "::") && !strings.Contains(name, ".") {
			types[name] = map[string]any{"$ref": "#/definitions/" + name}
		}
	}
	s, err := gojsonschema.NewSchema(gojsonschema.NewGoLoader(map[string]any{
		"definitions": doc.Definitions, "type": "object", "properties": types, "additionalProperties": false,
	}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validate returns one message per violation of the schema by the resource
// r, named name.
func validate(t *testing.T, s *gojsonschema.Schema, name string, r map[string]any) []string {
	t.Helper()
	if _, ok := r["Properties"]; !ok {
		r["Properties"] = map[string]any{} // so that required properties are checked
	}
	typ, _ := r["Type"].(string)
	res, err := s.Validate(gojsonschema.NewGoLoader(map[string]any{typ: r}))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var errs []string
	for _, e := range res.Errors() {
		errs = append(errs, name+": "+e.String())
	}
	return errs
}

func TestSchema(t *testing.T) {
	s := resourceSchema(t)
	forEachScenario(t, func(t *testing.T, st *stack) {
		// Through JSON, so that numbers are float64 as the schema has them.
		b, err := json.Marshal(st.resources)
		if err != nil {
			t.Fatal(err)
		}
		var resources map[string]map[string]any
		if err := json.Unmarshal(b, &resources); err != nil {
			t.Fatal(err)
		}
		for name, r := range resources {
			for _, e := range validate(t, s, name, r) {
				t.Error(e)
			}
		}
	})
}

// TestSchemaCatches: the checker finds what it is for.
func TestSchemaCatches(t *testing.T) {
	s := resourceSchema(t)
	for _, c := range []struct {
		typ   string
		props map[string]any
		want  string
	}{
		{"AWS::ElasticLoadBalancingV2::Listener", map[string]any{"LoadBalancerArn": "x"}, "DefaultActions is required"},
		{"AWS::ElasticLoadBalancingV2::Listener", map[string]any{"LoadBalancerArn": "x", "DefaultActions": []any{map[string]any{"Type": "forward"}}, "Port": "4317"}, "Port: Invalid type. Expected: number"},
		{"AWS::ElasticLoadBalancingV2::Listener", map[string]any{"LoadBalancerArn": "x", "DefaultActions": []any{map[string]any{}}}, "DefaultActions.0: Type is required"},
		{"AWS::ElasticLoadBalancingV2::Listener", map[string]any{"LoadBalancerArn": "x", "DefaultActions": []any{}, "Portt": 1.0}, "Additional property Portt is not allowed"},
		{"AWS::ElasticLoadBalancingV2::Listenr", map[string]any{}, "Additional property AWS::ElasticLoadBalancingV2::Listenr is not allowed"},
	} {
		errs := validate(t, s, "L", map[string]any{"Type": c.typ, "Properties": c.props})
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, c.want) }) {
			t.Errorf("%s %v: errors %v, want one with %q", c.typ, c.props, errs, c.want)
		}
	}
	good := map[string]any{"LoadBalancerArn": "x", "DefaultActions": []any{map[string]any{"Type": "forward"}}, "Port": 4317.0}
	if errs := validate(t, s, "L", map[string]any{"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": good}); len(errs) > 0 {
		t.Errorf("a valid listener: %v", errs)
	}
}
