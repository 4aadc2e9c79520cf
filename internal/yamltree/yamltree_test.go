// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package yamltree

import (
	"encoding/json"
	"slices"
	"testing"
)

// JSON, so that this package's tests need nothing beyond the standard
// library in the modules that use it.
const doc = `{"service": {
  "pipelines": {"logs": {"receivers": ["file_log", 7], "exporters": ["otlp_grpc"]}},
  "name": "hypha"}}`

func decode(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGet(t *testing.T) {
	v := decode(t)
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"service", "name"}, "hypha"},
		{[]any{"service", "pipelines", "logs", "receivers", 0}, "file_log"},
		{[]any{"service", "pipelines", "logs", "receivers", 1}, 7.0},
		{[]any{"service", "pipelines", "logs", "receivers", 2}, nil},
		{[]any{"service", "pipelines", "logs", "receivers", -1}, nil},
		{[]any{"service", "name", "more"}, nil},
		{[]any{"service", 0}, nil},
		{[]any{"nothing"}, nil},
		{[]any{"service", 1.5}, nil},
	} {
		if got := Get(v, c.path...); got != c.want {
			t.Errorf("Get %v = %#v, want %#v", c.path, got, c.want)
		}
	}
	if got := String(v, "service", "name"); got != "hypha" {
		t.Errorf("String = %q", got)
	}
	if got := String(v, "service", "pipelines"); got != "" {
		t.Errorf("String of a map = %q, want empty", got)
	}
	if got := Strings(v, "service", "pipelines", "logs", "receivers"); !slices.Equal(got, []string{"file_log"}) {
		t.Errorf("Strings = %v, want the string elements only", got)
	}
	if got := List(v, "service", "name"); got != nil {
		t.Errorf("List of a string = %v", got)
	}
	if got := Map(v, "service", "pipelines", "logs"); len(got) != 2 {
		t.Errorf("Map = %v", got)
	}
}

func TestWalk(t *testing.T) {
	var seen []string
	Walk(decode(t), func(path []any, node any) bool {
		seen = append(seen, Format(path))
		_, isList := node.([]any)
		return !isList // lists are not entered
	})
	want := []string{
		"",
		".service",
		".service.name",
		".service.pipelines",
		".service.pipelines.logs",
		".service.pipelines.logs.exporters",
		".service.pipelines.logs.receivers",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("visited %q, want %q", seen, want)
	}
	var all []string
	Walk([]any{map[string]any{"a": []any{"x"}}}, func(path []any, _ any) bool {
		all = append(all, Format(path))
		return true
	})
	if want := []string{"", "[0]", "[0].a", "[0].a[0]"}; !slices.Equal(all, want) {
		t.Errorf("visited %q, want %q", all, want)
	}
}
