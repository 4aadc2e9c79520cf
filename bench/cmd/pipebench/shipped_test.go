// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// leafKeys returns the dotted paths of every value the YAML document sets.
func leafKeys(t *testing.T, doc string) []string {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if sub, ok := v.(map[string]any); ok {
			for k, child := range sub {
				walk(strings.TrimPrefix(prefix+"."+k, "."), child)
			}
			return
		}
		keys = append(keys, prefix)
	}
	walk("", m)
	slices.Sort(keys)
	return keys
}

// TestShippedOverridesOnlyWhatABenchmarkMust: the shipped rows measure the
// embedded agent; the layers over it may set the start of the file and,
// for -fsync's comparison, the checkpoints' sync, and nothing else.
func TestShippedOverridesOnlyWhatABenchmarkMust(t *testing.T) {
	if got := leafKeys(t, shippedOverride); !slices.Equal(got, []string{"receivers.file_log.start_at"}) {
		t.Errorf("the shipped override sets %v, want only receivers.file_log.start_at", got)
	}
	if got := leafKeys(t, unsyncedCheckpoints); !slices.Equal(got, []string{"extensions.file_storage.fsync"}) {
		t.Errorf("the unsynced layer sets %v, want only extensions.file_storage.fsync", got)
	}
}

// TestShippedEnvIsWhatTheAgentReads: each variable pipebench sets for the
// file, the storage folder and the endpoints is one the embedded agent
// reads; a renamed one would leave the agent on its default (another
// file, /var/lib/hypha, the gateway's address).
func TestShippedEnvIsWhatTheAgentReads(t *testing.T) {
	cfg, err := os.ReadFile("../../../provider/hyphaprovider/agent-config/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env, err := shippedEnv("/lines.log", "/storage", "127.0.0.1:4317", 8888)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "HYPHA_AUTH") || strings.HasPrefix(name, "HYPHA_TLS") {
			continue // read by the hypha: provider, which picks the fragments
		}
		if !strings.Contains(string(cfg), "${env:"+name+":-") {
			t.Errorf("pipebench sets %s, which the embedded agent does not read", name)
		}
	}
}
