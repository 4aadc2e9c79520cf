// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The Kubernetes agent's pipelines against the embedded agent's: one source, and a test that fails when they drift.

package deploy_test

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/hypha-obs/hypha/internal/yamltree"
)

const embeddedAgent = "../provider/hyphaprovider/agent-config/config.yaml"

// The processors the Kubernetes agent adds to the embedded agent's
// pipelines, in the places deploy/kubernetes/agent.yaml documents:
//   - k8sFirst right after memory_limiter: an SDK's unknown_service is
//     removed before anything names the service;
//   - k8sMetadata after hypha_correlation (a line that names its service
//     keeps it), or after k8sFirst in a pipeline without it;
//   - resource where the embedded pipeline has it, else right after
//     k8sMetadata: the last resort for service.name.
var (
	k8sFirst    = []string{"transform/unknown_service"}
	k8sMetadata = []string{"k8s_attributes", "filter/opt_out", "transform/pod_path"}
)

// kubernetesProcessors derives a Kubernetes pipeline's processors from the
// embedded pipeline's.
func kubernetesProcessors(embedded []string) []string {
	metadataAfter := "memory_limiter"
	if slices.Contains(embedded, "hypha_correlation") {
		metadataAfter = "hypha_correlation"
	}
	var out []string
	for _, p := range embedded {
		out = append(out, p)
		if p == "memory_limiter" {
			out = append(out, k8sFirst...)
		}
		if p == metadataAfter {
			out = append(out, k8sMetadata...)
			if !slices.Contains(embedded, "resource") {
				out = append(out, "resource")
			}
		}
	}
	return out
}

// TestKubernetesAgentPipelinesFollowTheEmbedded: a list in an override
// replaces the embedded list whole, so the Kubernetes agent restates its
// pipelines. Each must be the embedded pipeline (same receivers, exporters
// and processors in the same order) plus the Kubernetes processors in their
// documented places: a processor added to the embedded agent and not to
// Kubernetes fails here.
func TestKubernetesAgentPipelinesFollowTheEmbedded(t *testing.T) {
	objs, _ := loadKubernetes(t)
	override := agentOverride(t, objs)
	var embedded map[string]any
	readYAML(t, embeddedAgent, &embedded)
	checkKubernetesPipelines(t, embedded, override)
}

// checkKubernetesPipelines is the comparison of
// TestKubernetesAgentPipelinesFollowTheEmbedded, apart so that a test can
// show it failing on a drift.
func checkKubernetesPipelines(t testing.TB, embedded, override map[string]any) {
	t.Helper()
	want := pipelineNames(embedded)
	if got := pipelineNames(override); !slices.Equal(got, want) {
		t.Errorf("Kubernetes agent pipelines %v, embedded agent pipelines %v: the override must restate every one", got, want)
	}
	for _, name := range want {
		path := []any{"service", "pipelines", name}
		for _, kind := range []string{"receivers", "exporters"} {
			if _, set := yamltree.Get(override, append(path, kind)...).([]any); !set {
				continue // not overridden: the embedded list applies
			}
			if got, emb := yamltree.Strings(override, append(path, kind)...), yamltree.Strings(embedded, append(path, kind)...); !slices.Equal(got, emb) {
				t.Errorf("%s %s: Kubernetes %v, embedded %v", name, kind, got, emb)
			}
		}
		emb := yamltree.Strings(embedded, append(path, "processors")...)
		if got, want := yamltree.Strings(override, append(path, "processors")...), kubernetesProcessors(emb); !slices.Equal(got, want) {
			t.Errorf("%s processors: Kubernetes %v, want %v (the embedded %v plus the Kubernetes processors in their documented places)", name, got, want, emb)
		}
	}
	// Any other list the override sets replaces an embedded one whole: it
	// may add entries, but must keep every embedded one, in order.
	for _, p := range listPaths(override) {
		if len(p) == 4 && p[0] == "service" && p[1] == "pipelines" {
			continue // checked above
		}
		emb, _ := yamltree.Get(embedded, p...).([]any)
		if !isSubsequence(emb, yamltree.Get(override, p...).([]any)) {
			t.Errorf("the Kubernetes override replaces the embedded list %v and drops what it had: %v", p, emb)
		}
	}
}

// isSubsequence reports whether every element of sub is in list, in order.
func isSubsequence(sub, list []any) bool {
	i := 0
	for _, v := range list {
		if i < len(sub) && reflect.DeepEqual(v, sub[i]) {
			i++
		}
	}
	return i == len(sub)
}

func pipelineNames(cfg map[string]any) []string {
	m, _ := yamltree.Get(cfg, "service", "pipelines").(map[string]any)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// listPaths returns the paths of every list in v.
func listPaths(v any) [][]any {
	var out [][]any
	yamltree.Walk(v, func(path []any, node any) bool {
		if _, ok := node.([]any); ok {
			out = append(out, slices.Clone(path))
			return false
		}
		return true
	})
	return out
}

// TestKubernetesPipelineDriftFails shows the comparison failing on the
// drifts it exists for.
func TestKubernetesPipelineDriftFails(t *testing.T) {
	objs, _ := loadKubernetes(t)
	for name, drift := range map[string]func(embedded, override map[string]any){
		"a processor added to the embedded agent": func(e, _ map[string]any) {
			logs := yamltree.Get(e, "service", "pipelines", "logs").(map[string]any)
			logs["processors"] = append(slices.Clone(logs["processors"].([]any)), "batch")
		},
		"a Kubernetes processor moved": func(_, o map[string]any) {
			traces := yamltree.Get(o, "service", "pipelines", "traces").(map[string]any)
			procs := slices.Clone(traces["processors"].([]any))
			procs[1], procs[2] = procs[2], procs[1]
			traces["processors"] = procs
		},
		"an exporter changed": func(_, o map[string]any) {
			yamltree.Get(o, "service", "pipelines", "logs").(map[string]any)["exporters"] = []any{"otlp_grpc/files"}
		},
		"a pipeline missing": func(_, o map[string]any) {
			delete(yamltree.Get(o, "service", "pipelines").(map[string]any), "traces")
		},
		"another embedded list replaced": func(_, o map[string]any) {
			o["service"].(map[string]any)["extensions"] = []any{"health_check"}
		},
		"an embedded resource attribute dropped": func(_, o map[string]any) {
			res := yamltree.Get(o, "processors", "resource").(map[string]any)
			res["attributes"] = res["attributes"].([]any)[:1]
		},
	} {
		var embedded map[string]any
		readYAML(t, embeddedAgent, &embedded)
		override := agentOverride(t, objs)
		drift(embedded, override)
		rec := &recorder{TB: t}
		checkKubernetesPipelines(rec, embedded, override)
		if len(rec.errors) == 0 {
			t.Errorf("%s: the check passed", name)
		} else {
			t.Logf("%s: %s", name, rec.errors[0])
		}
	}
}

// recorder is a testing.TB that keeps the errors instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
