// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The Loki config: structured metadata, the schema, and which OTLP attributes become index labels.

package deploy_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hypha-obs/hypha/internal/yamltree"
)

func loadLoki(t *testing.T) map[string]any {
	var c map[string]any
	readYAML(t, "loki/config.yaml", &c)
	return c
}

// indexLabels returns the Loki stream labels the config creates from OTLP
// resource attributes (dots become underscores), and the regexes of any
// index_label rules.
func indexLabels(c map[string]any) (labels []string, regexes []string) {
	attrs := yamltree.Strings(c, "distributor", "otlp_config", "default_resource_attributes_as_index_labels")
	for _, rule := range yamltree.List(c, "limits_config", "otlp_config", "resource_attributes", "attributes_config") {
		if yamltree.String(rule, "action") == "index_label" {
			attrs = append(attrs, yamltree.Strings(rule, "attributes")...)
			if re := yamltree.String(rule, "regex"); re != "" {
				regexes = append(regexes, re)
			}
		}
	}
	for _, a := range attrs {
		labels = append(labels, strings.ReplaceAll(a, ".", "_"))
	}
	return labels, regexes
}

func TestLokiConfig(t *testing.T) {
	c := loadLoki(t)
	if yamltree.Get(c, "limits_config", "allow_structured_metadata") != true {
		t.Error("limits_config.allow_structured_metadata must be true: OTLP ingestion and the trace ids need it")
	}
	configs := yamltree.List(c, "schema_config", "configs")
	if len(configs) == 0 {
		t.Fatal("schema_config.configs is empty")
	}
	last := configs[len(configs)-1]
	if yamltree.String(last, "schema") != "v13" || yamltree.String(last, "store") != "tsdb" {
		t.Errorf("the current schema must be v13 on tsdb (structured metadata), got %v", last)
	}

	labels, regexes := indexLabels(c)
	if !slices.Contains(labels, "service_name") {
		t.Errorf("service.name must be an index label; index labels: %v", labels)
	}
	for _, l := range labels {
		n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(l))
		if n == "traceid" || n == "spanid" {
			t.Errorf("%s is an index label: trace and span ids must stay structured metadata", l)
		}
	}
	for _, re := range regexes {
		r, err := regexp.Compile("^(?:" + re + ")$")
		if err != nil {
			t.Errorf("index_label regex %q: %v", re, err)
			continue
		}
		for _, id := range []string{"trace_id", "span_id", "trace.id", "span.id"} {
			if r.MatchString(id) {
				t.Errorf("index_label regex %q matches %s", re, id)
			}
		}
	}
	for _, kind := range []string{"log_attributes", "scope_attributes"} {
		for _, rule := range yamltree.List(c, "limits_config", "otlp_config", kind) {
			if yamltree.String(rule, "action") == "index_label" {
				t.Errorf("%s: index_label is only valid for resource attributes", kind)
			}
		}
	}
}
