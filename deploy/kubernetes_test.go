// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The Kubernetes manifests: workloads, Secrets, memory limits, NetworkPolicies, TLS and the ConfigMap overrides.

package deploy_test

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hypha-obs/hypha/internal/yamltree"
)

type object = map[string]any

func loadKubernetes(t *testing.T) (map[string]object, object) {
	var kust object
	readYAML(t, "kubernetes/kustomization.yaml", &kust)
	resources := yamltree.Strings(kust, "resources")
	files, _ := filepath.Glob("kubernetes/*.yaml")
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(resources, base) {
			t.Errorf("%s is not listed in kustomization.yaml resources", f)
		}
	}
	objs := map[string]object{}
	for _, r := range resources {
		for i, doc := range readDocs(t, filepath.Join("kubernetes", r)) {
			kind, name := yamltree.String(doc, "kind"), yamltree.String(doc, "metadata", "name")
			if yamltree.String(doc, "apiVersion") == "" || kind == "" || name == "" {
				t.Errorf("%s document %d lacks apiVersion, kind or metadata.name", r, i+1)
				continue
			}
			key := kind + "/" + name
			if _, dup := objs[key]; dup {
				t.Errorf("%s is defined twice", key)
			}
			objs[key] = doc
		}
	}
	return objs, kust
}

func labelsMatch(selector, labels any) bool {
	sel, _ := selector.(map[string]any)
	lab, _ := labels.(map[string]any)
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if lab[k] != v {
			return false
		}
	}
	return true
}

func namedPorts(container any) map[string]int {
	ports := map[string]int{}
	for _, p := range yamltree.List(container, "ports") {
		n, _ := yamltree.Get(p, "containerPort").(int)
		ports[yamltree.String(p, "name")] = n
	}
	return ports
}

func envValue(container any, name string) (any, bool) {
	for _, e := range yamltree.List(container, "env") {
		if yamltree.String(e, "name") == name {
			if v := yamltree.Get(e, "value"); v != nil {
				return v, true
			}
			return yamltree.Get(e, "valueFrom"), true
		}
	}
	return nil, false
}

func TestKubernetesManifests(t *testing.T) {
	objs, kust := loadKubernetes(t)
	want := map[string]string{
		"Namespace/hypha":                       "v1",
		"Deployment/hypha-gateway":              "apps/v1",
		"Service/hypha-gateway":                 "v1",
		"HorizontalPodAutoscaler/hypha-gateway": "autoscaling/v2",
		"PodDisruptionBudget/hypha-gateway":     "policy/v1",
		"DaemonSet/hypha-agent":                 "apps/v1",
		"ConfigMap/hypha-gateway-config":        "v1",
		"ConfigMap/hypha-agent-config":          "v1",
		"Service/hypha-agent":                   "v1",
		"NetworkPolicy/hypha-gateway":           "networking.k8s.io/v1",
		"NetworkPolicy/hypha-agent":             "networking.k8s.io/v1",
		"ServiceAccount/hypha-agent":            "v1",
		"ClusterRole/hypha-agent":               "rbac.authorization.k8s.io/v1",
		"ClusterRoleBinding/hypha-agent":        "rbac.authorization.k8s.io/v1",
	}
	for key, api := range want {
		if o, ok := objs[key]; !ok {
			t.Errorf("%s is missing", key)
		} else if got := yamltree.String(o, "apiVersion"); got != api {
			t.Errorf("%s: apiVersion %s, want %s", key, got, api)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if yamltree.String(kust, "namespace") != yamltree.String(objs["Namespace/hypha"], "metadata", "name") {
		t.Errorf("kustomization namespace %q is not the Namespace it creates", yamltree.String(kust, "namespace"))
	}
	imageName := yamltree.String(kust, "images", 0, "name")

	workloads := map[string]string{"Deployment/hypha-gateway": "gateway", "DaemonSet/hypha-agent": "agent"}
	for key, mode := range workloads {
		c := checkWorkloadPod(t, objs, key, mode, imageName)
		checkContainerHealthAndLimits(t, key, c)
	}
	checkGatewayTargets(t, objs)
	checkAgentHostAndGateway(t, objs)
}

// checkWorkloadPod checks the pod template of workload key, which runs hypha
// in mode, and returns its container: selector, non-root, the image of the
// kustomization, the args, and an override file from a ConfigMap that parses.
func checkWorkloadPod(t *testing.T, objs map[string]object, key, mode, imageName string) any {
	t.Helper()
	w := objs[key]
	tmplLabels := yamltree.Get(w, "spec", "template", "metadata", "labels")
	if !labelsMatch(yamltree.Get(w, "spec", "selector", "matchLabels"), tmplLabels) {
		t.Errorf("%s: selector does not match the pod template's labels", key)
	}
	pod := yamltree.Get(w, "spec", "template", "spec")
	if yamltree.Get(pod, "securityContext", "runAsNonRoot") != true {
		t.Errorf("%s: pod securityContext.runAsNonRoot must be true", key)
	}
	if uid, _ := yamltree.Get(pod, "securityContext", "runAsUser").(int); uid == 0 {
		t.Errorf("%s: runAsUser must be a non-root uid", key)
	}
	volumes := map[string]any{}
	for _, v := range yamltree.List(pod, "volumes") {
		volumes[yamltree.String(v, "name")] = v
	}
	c := yamltree.Get(pod, "containers", 0)
	if img := yamltree.String(c, "image"); !pinnedImage(img) || !strings.HasPrefix(img, imageName+":") {
		t.Errorf("%s: image %q: want %s with a version tag (kustomization images:)", key, img, imageName)
	}
	args := strings.Join(yamltree.Strings(c, "args"), " ")
	if wantArgs := "--config hypha:" + mode + " --config file:/etc/hypha/override.yaml"; args != wantArgs {
		t.Errorf("%s: args %q, want %q", key, args, wantArgs)
	}
	// The override file comes from a ConfigMap that exists and parses.
	var cmName string
	for _, vm := range yamltree.List(c, "volumeMounts") {
		if yamltree.String(vm, "mountPath") == "/etc/hypha" {
			cmName = yamltree.String(volumes[yamltree.String(vm, "name")], "configMap", "name")
		}
	}
	cm, ok := objs["ConfigMap/"+cmName]
	if !ok {
		t.Errorf("%s: /etc/hypha is not a mounted ConfigMap (got %q)", key, cmName)
	} else {
		var override map[string]any
		if err := yaml.Unmarshal([]byte(yamltree.String(cm, "data", "override.yaml")), &override); err != nil || override == nil {
			t.Errorf("ConfigMap/%s: override.yaml does not parse as a YAML map: %v", cmName, err)
		}
	}
	return c
}

// checkContainerHealthAndLimits checks workload key's container c: the
// probes on the health endpoint, resources, a locked-down container, and
// the token from its Secret.
func checkContainerHealthAndLimits(t *testing.T, key string, c any) {
	t.Helper()
	ports := namedPorts(c)
	if ports["health"] != 13133 {
		t.Errorf("%s: want container port health=13133, got %v", key, ports)
	}
	if ep, _ := envValue(c, "HYPHA_HEALTH_ENDPOINT"); !strings.HasSuffix(ep.(string), ":13133") {
		t.Errorf("%s: HYPHA_HEALTH_ENDPOINT %v does not listen on 13133", key, ep)
	}
	for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
		p := yamltree.Get(c, probe, "httpGet", "port")
		if p == nil {
			t.Errorf("%s: %s is missing", key, probe)
		} else if p != "health" && p != 13133 {
			t.Errorf("%s: %s probes port %v, want the health endpoint 13133", key, probe, p)
		}
	}
	for _, r := range []string{"requests", "limits"} {
		for _, res := range []string{"cpu", "memory"} {
			if yamltree.Get(c, "resources", r, res) == nil {
				t.Errorf("%s: resources.%s.%s is unset", key, r, res)
			}
		}
	}
	sc := yamltree.Get(c, "securityContext")
	if yamltree.Get(sc, "readOnlyRootFilesystem") != true || yamltree.Get(sc, "allowPrivilegeEscalation") != false {
		t.Errorf("%s: container needs readOnlyRootFilesystem: true and allowPrivilegeEscalation: false", key)
	}
	tok, _ := envValue(c, "HYPHA_AUTH_TOKEN")
	if yamltree.String(tok, "secretKeyRef", "name") != "hypha-auth" || yamltree.String(tok, "secretKeyRef", "key") != "token" {
		t.Errorf("%s: HYPHA_AUTH_TOKEN must come from Secret hypha-auth, key token; got %v", key, tok)
	}
}

// checkGatewayTargets: the gateway's Service, PDB and HPA all aim at the
// Deployment.
func checkGatewayTargets(t *testing.T, objs map[string]object) {
	t.Helper()
	dep := objs["Deployment/hypha-gateway"]
	podLabels := yamltree.Get(dep, "spec", "template", "metadata", "labels")
	svc := objs["Service/hypha-gateway"]
	if !labelsMatch(yamltree.Get(svc, "spec", "selector"), podLabels) {
		t.Error("Service/hypha-gateway does not select the gateway pods")
	}
	gwPorts := namedPorts(yamltree.Get(dep, "spec", "template", "spec", "containers", 0))
	for _, p := range yamltree.List(svc, "spec", "ports") {
		if _, ok := gwPorts[yamltree.String(p, "targetPort")]; !ok {
			t.Errorf("Service/hypha-gateway port %s targets %v, which the container does not name", yamltree.String(p, "name"), yamltree.Get(p, "targetPort"))
		}
	}
	if !labelsMatch(yamltree.Get(objs["PodDisruptionBudget/hypha-gateway"], "spec", "selector", "matchLabels"), podLabels) {
		t.Error("PodDisruptionBudget/hypha-gateway does not select the gateway pods")
	}
	hpa := objs["HorizontalPodAutoscaler/hypha-gateway"]
	ref := yamltree.Get(hpa, "spec", "scaleTargetRef")
	if yamltree.String(ref, "kind") != "Deployment" || yamltree.String(ref, "name") != "hypha-gateway" || yamltree.String(ref, "apiVersion") != "apps/v1" {
		t.Errorf("HPA scaleTargetRef %v is not Deployment/hypha-gateway", ref)
	}
	minR, _ := yamltree.Get(hpa, "spec", "minReplicas").(int)
	minAvail, _ := yamltree.Get(objs["PodDisruptionBudget/hypha-gateway"], "spec", "minAvailable").(int)
	if minR <= minAvail {
		t.Errorf("HPA minReplicas %d must exceed the PDB's minAvailable %d, or no node can ever drain", minR, minAvail)
	}
}

// checkAgentHostAndGateway: the agent reads pod logs, keeps its state on
// the host, and sends to the gateway Service.
func checkAgentHostAndGateway(t *testing.T, objs map[string]object) {
	t.Helper()
	ds := objs["DaemonSet/hypha-agent"]
	c := yamltree.Get(ds, "spec", "template", "spec", "containers", 0)
	if v, _ := envValue(c, "HYPHA_LOG_INCLUDE"); v != "/var/log/pods/*/*/*.log" {
		t.Errorf("agent HYPHA_LOG_INCLUDE = %v, want /var/log/pods/*/*/*.log", v)
	}
	hostPaths := map[string]string{} // mountPath -> host path
	volumes := map[string]any{}
	for _, v := range yamltree.List(ds, "spec", "template", "spec", "volumes") {
		volumes[yamltree.String(v, "name")] = v
	}
	for _, vm := range yamltree.List(c, "volumeMounts") {
		if hp := yamltree.String(volumes[yamltree.String(vm, "name")], "hostPath", "path"); hp != "" {
			hostPaths[yamltree.String(vm, "mountPath")] = hp
		}
	}
	if hostPaths["/var/log/pods"] != "/var/log/pods" {
		t.Errorf("agent must mount the host's /var/log/pods, has %v", hostPaths)
	}
	storage, _ := envValue(c, "HYPHA_STORAGE_DIR")
	if s, _ := storage.(string); hostPaths[s] != "/var/lib/hypha" {
		t.Errorf("agent HYPHA_STORAGE_DIR %v is not the hostPath /var/lib/hypha (mounts %v)", storage, hostPaths)
	}
	gwEndpoint, _ := envValue(c, "HYPHA_GATEWAY_ENDPOINT")
	var grpcPort int
	for _, p := range yamltree.List(objs["Service/hypha-gateway"], "spec", "ports") {
		if yamltree.String(p, "name") == "otlp-grpc" {
			grpcPort, _ = yamltree.Get(p, "port").(int)
		}
	}
	if gwEndpoint != "hypha-gateway:"+strconv.Itoa(grpcPort) {
		t.Errorf("agent HYPHA_GATEWAY_ENDPOINT %v, want the gateway Service's OTLP/gRPC port hypha-gateway:%d", gwEndpoint, grpcPort)
	}
	if !labelsMatch(yamltree.Get(objs["Service/hypha-agent"], "spec", "selector"), yamltree.Get(ds, "spec", "template", "metadata", "labels")) {
		t.Error("Service/hypha-agent does not select the agent pods")
	}
}

// workloadPods returns the pod template spec of each workload, by mode.
func workloadPods(objs map[string]object) map[string]any {
	return map[string]any{
		"gateway": yamltree.Get(objs["Deployment/hypha-gateway"], "spec", "template", "spec"),
		"agent":   yamltree.Get(objs["DaemonSet/hypha-agent"], "spec", "template", "spec"),
	}
}

// TestKubernetesSecretsRequired: a missing Secret must keep a pod from
// starting. With an optional reference the gateway would start without a
// token (open, on 0.0.0.0) or the agent without its CA.
func TestKubernetesSecretsRequired(t *testing.T) {
	objs, _ := loadKubernetes(t)
	for mode, pod := range workloadPods(objs) {
		for _, c := range append(yamltree.List(pod, "initContainers"), yamltree.List(pod, "containers")...) {
			for _, e := range yamltree.List(c, "env") {
				if ref := yamltree.Get(e, "valueFrom", "secretKeyRef"); ref != nil && yamltree.Get(ref, "optional") == true {
					t.Errorf("%s: env %s: Secret %s must not be optional", mode, yamltree.String(e, "name"), yamltree.String(ref, "name"))
				}
			}
			for _, e := range yamltree.List(c, "envFrom") {
				if yamltree.Get(e, "secretRef", "optional") == true {
					t.Errorf("%s: envFrom Secret %s must not be optional", mode, yamltree.String(e, "secretRef", "name"))
				}
			}
			if v, ok := envValue(c, "HYPHA_AUTH"); ok && v != "bearer" {
				t.Errorf("%s: HYPHA_AUTH = %v; in Kubernetes the token is required (bearer)", mode, v)
			}
		}
		for _, v := range yamltree.List(pod, "volumes") {
			if yamltree.Get(v, "secret", "optional") == true {
				t.Errorf("%s: volume %s: Secret %s must not be optional", mode, yamltree.String(v, "name"), yamltree.String(v, "secret", "secretName"))
			}
		}
	}
}

// parseQuantity reads a Kubernetes memory quantity such as 512Mi or 1G.
func parseQuantity(q string) (int64, error) {
	units := []struct {
		suffix string
		factor int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v * u.factor, err
		}
	}
	return strconv.ParseInt(q, 10, 64)
}

// parseGoMemLimit reads GOMEMLIMIT as the Go runtime does: a number of bytes
// with an optional B, KiB, MiB, GiB or TiB suffix.
func parseGoMemLimit(s string) (int64, error) {
	for i, suffix := range []string{"TiB", "GiB", "MiB", "KiB"} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v << (10 * (4 - i)), err
		}
	}
	return strconv.ParseInt(strings.TrimSuffix(s, "B"), 10, 64)
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"512Mi": 512 << 20, "1Gi": 1 << 30, "1G": 1e9, "1000": 1000} {
		if got, err := parseQuantity(in); err != nil || got != want {
			t.Errorf("parseQuantity(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"410MiB": 410 << 20, "1GiB": 1 << 30, "2048": 2048, "2048B": 2048} {
		if got, err := parseGoMemLimit(in); err != nil || got != want {
			t.Errorf("parseGoMemLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// TestKubernetesMemoryLimits: GOMEMLIMIT at about 80% of the container's
// limit (the memory_limiter README's advice), so that the Go runtime
// collects garbage harder before the kernel kills the container; and the
// agent's memory_limiter at or below GOMEMLIMIT, so that it refuses data
// before the runtime is reduced to collecting all the time.
func TestKubernetesMemoryLimits(t *testing.T) {
	objs, _ := loadKubernetes(t)
	for mode, pod := range workloadPods(objs) {
		c := yamltree.Get(pod, "containers", 0)
		limit, err := parseQuantity(yamltree.String(c, "resources", "limits", "memory"))
		if err != nil {
			t.Errorf("%s: resources.limits.memory: %v", mode, err)
			continue
		}
		v, _ := envValue(c, "GOMEMLIMIT")
		s, ok := v.(string)
		if !ok {
			t.Errorf("%s: GOMEMLIMIT must be a literal value below the container limit, got %v", mode, v)
			continue
		}
		goLimit, err := parseGoMemLimit(s)
		if err != nil {
			t.Errorf("%s: GOMEMLIMIT %q: %v", mode, s, err)
			continue
		}
		if pct := goLimit * 100 / limit; pct < 70 || pct > 85 {
			t.Errorf("%s: GOMEMLIMIT %s is %d%% of the container limit %s, want about 80%%", mode, s, pct, yamltree.String(c, "resources", "limits", "memory"))
		}
		if mode != "agent" {
			continue
		}
		v, _ = envValue(c, "HYPHA_MEMORY_LIMIT_MIB")
		mib, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
		if err != nil {
			t.Errorf("agent: HYPHA_MEMORY_LIMIT_MIB = %v, want a number of MiB: %v", v, err)
		} else if mib<<20 > goLimit {
			t.Errorf("agent: HYPHA_MEMORY_LIMIT_MIB %d is above GOMEMLIMIT %s", mib, s)
		}
	}
}

// pod is a connection's source, as a NetworkPolicy sees it.
type pod struct {
	labels   map[string]any
	nsLabels map[string]any
	sameNS   bool // in the policy's namespace
}

// selects reports whether a label selector with only matchLabels selects
// labels; a selector with matchExpressions never does here, so that a test
// meeting one fails rather than passes.
func selects(sel any, labels map[string]any) bool {
	if yamltree.Get(sel, "matchExpressions") != nil {
		return false
	}
	want, _ := yamltree.Get(sel, "matchLabels").(map[string]any)
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// rulePorts returns the port numbers an ingress rule names (named ports
// resolved through the container's), or nil when it names none and so
// covers every port.
func rulePorts(t *testing.T, rule any, ports map[string]int) []int {
	var out []int
	for _, p := range yamltree.List(rule, "ports") {
		switch v := yamltree.Get(p, "port").(type) {
		case int:
			out = append(out, v)
		case string:
			n, ok := ports[v]
			if !ok {
				t.Errorf("NetworkPolicy names port %q, which the container does not", v)
			}
			out = append(out, n)
		default:
			t.Errorf("NetworkPolicy port entry %v names no port", p)
		}
		if yamltree.Get(p, "endPort") != nil {
			t.Errorf("NetworkPolicy port entry %v: ranges are not checked here; name the ports", p)
		}
	}
	return out
}

// admits reports whether a NetworkPolicy's ingress rules let src reach port.
func admits(t *testing.T, np any, ports map[string]int, port int, src pod) bool {
	for _, rule := range yamltree.List(np, "spec", "ingress") {
		if rp := rulePorts(t, rule, ports); rp != nil && !slices.Contains(rp, port) {
			continue
		}
		from := yamltree.List(rule, "from")
		if len(from) == 0 {
			return true
		}
		for _, peer := range from {
			ns, podSel := yamltree.Get(peer, "namespaceSelector"), yamltree.Get(peer, "podSelector")
			switch {
			case yamltree.Get(peer, "ipBlock") != nil:
				// Addresses, not pods: TestKubernetesNetworkPolicies refuses
				// them on the metrics port.
			case ns == nil:
				if src.sameNS && podSel != nil && selects(podSel, src.labels) {
					return true
				}
			case selects(ns, src.nsLabels) && (podSel == nil || selects(podSel, src.labels)):
				return true
			}
		}
	}
	return false
}

// TestKubernetesNetworkPolicies: the collectors' own metrics (8888) name the
// backends and the queue sizes, so only the hypha namespace and the
// monitoring namespace reach them; OTLP stays open to those who send it. The
// kubelet's probes need no rule: NetworkPolicy always admits the node.
func TestKubernetesNetworkPolicies(t *testing.T) {
	objs, _ := loadKubernetes(t)
	agentLabels, _ := yamltree.Get(objs["DaemonSet/hypha-agent"], "spec", "template", "metadata", "labels").(map[string]any)
	var (
		agent      = pod{labels: agentLabels, nsLabels: map[string]any{"kubernetes.io/metadata.name": "hypha"}, sameNS: true}
		neighbour  = pod{labels: map[string]any{"app": "debug"}, nsLabels: agent.nsLabels, sameNS: true}
		app        = pod{labels: map[string]any{"app": "cart"}, nsLabels: map[string]any{"kubernetes.io/metadata.name": "shop"}}
		prometheus = pod{labels: map[string]any{"app": "prometheus"}, nsLabels: map[string]any{"kubernetes.io/metadata.name": "monitoring"}}
	)
	type want struct {
		port int
		src  pod
		name string
		ok   bool
	}
	for key, cases := range map[string][]want{
		"Deployment/hypha-gateway": {
			{4317, agent, "an agent", true},
			{4318, agent, "an agent", true},
			{8888, neighbour, "a pod in the namespace", true},
			{8888, prometheus, "Prometheus in the monitoring namespace", true},
			{8888, app, "an app in another namespace", false},
		},
		"DaemonSet/hypha-agent": {
			{4317, app, "an app in another namespace", true},
			{4318, app, "an app in another namespace", true},
			{8888, neighbour, "a pod in the namespace", true},
			{8888, prometheus, "Prometheus in the monitoring namespace", true},
			{8888, app, "an app in another namespace", false},
		},
	} {
		w := objs[key]
		labels, _ := yamltree.Get(w, "spec", "template", "metadata", "labels").(map[string]any)
		var np any
		for k, o := range objs {
			if yamltree.String(o, "kind") == "NetworkPolicy" && yamltree.Get(o, "spec", "podSelector") != nil && selects(yamltree.Get(o, "spec", "podSelector"), labels) {
				if np != nil {
					t.Errorf("%s: more than one NetworkPolicy selects it (%s too); keep one per workload", key, k)
				}
				np = o
			}
		}
		if np == nil {
			t.Errorf("%s: no NetworkPolicy selects its pods", key)
			continue
		}
		if !slices.Contains(yamltree.Strings(np, "spec", "policyTypes"), "Ingress") {
			t.Errorf("%s: its NetworkPolicy must list policyTypes Ingress", key)
		}
		ports := namedPorts(yamltree.Get(w, "spec", "template", "spec", "containers", 0))
		if ports["metrics"] != 8888 {
			t.Errorf("%s: want container port metrics=8888, got %v", key, ports)
		}
		for _, c := range cases {
			if got := admits(t, np, ports, c.port, c.src); got != c.ok {
				t.Errorf("%s: NetworkPolicy admits %s to port %d: %v, want %v", key, c.name, c.port, got, c.ok)
			}
		}
		for _, rule := range yamltree.List(np, "spec", "ingress") {
			rp := rulePorts(t, rule, ports)
			for _, p := range rp {
				if !slices.Contains(slices.Collect(maps.Values(ports)), p) {
					t.Errorf("%s: NetworkPolicy opens port %d, which the container does not serve", key, p)
				}
			}
			if rp != nil && !slices.Contains(rp, 8888) {
				continue
			}
			for _, peer := range yamltree.List(rule, "from") {
				if yamltree.Get(peer, "ipBlock") != nil {
					t.Errorf("%s: an ipBlock reaches the metrics port: %v", key, peer)
				}
			}
		}
	}
}

// secretFile returns the Secret, and the key in it, that a container reads
// as the file path: through a secret volume mounted above path.
func secretFile(podSpec, c any, path string) (secret, key string) {
	volumes := map[string]any{}
	for _, v := range yamltree.List(podSpec, "volumes") {
		volumes[yamltree.String(v, "name")] = v
	}
	for _, vm := range yamltree.List(c, "volumeMounts") {
		rel, err := filepath.Rel(yamltree.String(vm, "mountPath"), path)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		v := volumes[yamltree.String(vm, "name")]
		secret = yamltree.String(v, "secret", "secretName")
		items := yamltree.List(v, "secret", "items")
		if len(items) == 0 {
			return secret, rel
		}
		for _, it := range items {
			if yamltree.String(it, "path") == rel {
				return secret, yamltree.String(it, "key")
			}
		}
		return secret, ""
	}
	return "", ""
}

// TestKubernetesTLS: the token never crosses the pod network in clear. The
// gateway serves the certificate of a kubernetes.io/tls Secret; the agent
// trusts only that Secret's ca.crt, never sees its key, and checks the name
// both ways of making the Secret (make certs, cert-manager) put in it.
func TestKubernetesTLS(t *testing.T) {
	objs, kust := loadKubernetes(t)
	pods := workloadPods(objs)
	tlsSecret := gatewayTLSSecret(t, pods)
	checkAgentTrustsOnlyTheCA(t, pods, tlsSecret)
	host, names := agentVerifiedNames(t, kust, pods)
	checkCertManagerIssues(t, tlsSecret, names)
	checkMakeCertsNames(t, host, names)
}

// gatewayTLSSecret is the one Secret the gateway's certificate, key and (for
// mutual TLS) CA come from, as kubernetes.io/tls keys.
func gatewayTLSSecret(t *testing.T, pods map[string]any) string {
	t.Helper()
	gw := yamltree.Get(pods["gateway"], "containers", 0)
	want := map[string]string{"HYPHA_TLS_CERT_FILE": "tls.crt", "HYPHA_TLS_KEY_FILE": "tls.key"}
	if _, ok := envValue(gw, "HYPHA_TLS_CA_FILE"); ok {
		want["HYPHA_TLS_CA_FILE"] = "ca.crt" // mutual TLS
	}
	var tlsSecret string
	for env, wantKey := range want {
		v, _ := envValue(gw, env)
		path, _ := v.(string)
		secret, key := secretFile(pods["gateway"], gw, path)
		if secret == "" || key != wantKey {
			t.Errorf("gateway: %s=%q is not key %s of a mounted Secret (got Secret %q, key %q)", env, path, wantKey, secret, key)
		}
		if tlsSecret != "" && secret != tlsSecret {
			t.Errorf("gateway: %s comes from Secret %s, the others from %s", env, secret, tlsSecret)
		}
		tlsSecret = secret
	}
	if tlsSecret != "hypha-gateway-tls" {
		t.Errorf("gateway: TLS Secret %q, want hypha-gateway-tls (docs/deploy/kubernetes.md creates it)", tlsSecret)
	}
	return tlsSecret
}

// checkAgentTrustsOnlyTheCA: the agent turns TLS on and trusts the ca.crt of
// the gateway's Secret, and mounts nothing else of it (not the key).
func checkAgentTrustsOnlyTheCA(t *testing.T, pods map[string]any, tlsSecret string) {
	t.Helper()
	ag := yamltree.Get(pods["agent"], "containers", 0)
	if v, _ := envValue(ag, "HYPHA_TLS_ENABLED"); v != "true" {
		t.Errorf("agent: HYPHA_TLS_ENABLED = %v, want \"true\"", v)
	}
	v, _ := envValue(ag, "HYPHA_TLS_CA_FILE")
	caPath, _ := v.(string)
	if secret, key := secretFile(pods["agent"], ag, caPath); secret != tlsSecret || key != "ca.crt" {
		t.Errorf("agent: HYPHA_TLS_CA_FILE=%q is Secret %q key %q, want %s key ca.crt", caPath, secret, key, tlsSecret)
	}
	for _, vol := range yamltree.List(pods["agent"], "volumes") {
		if yamltree.String(vol, "secret", "secretName") != tlsSecret {
			continue
		}
		items := yamltree.List(vol, "secret", "items")
		for _, it := range items {
			if yamltree.String(it, "key") != "ca.crt" {
				t.Errorf("agent: volume %s exposes %s of the gateway's Secret; it needs only ca.crt", yamltree.String(vol, "name"), yamltree.String(it, "key"))
			}
		}
		if len(items) == 0 {
			t.Errorf("agent: volume %s mounts the whole gateway Secret, key included; project only ca.crt (items)", yamltree.String(vol, "name"))
		}
	}
}

// agentVerifiedNames are the gateway's host the agent connects to and the
// name it verifies, which must be the Service's DNS name.
func agentVerifiedNames(t *testing.T, kust object, pods map[string]any) (host string, names []string) {
	t.Helper()
	ag := yamltree.Get(pods["agent"], "containers", 0)
	endpoint, _ := envValue(ag, "HYPHA_GATEWAY_ENDPOINT")
	host, _, _ = strings.Cut(fmt.Sprint(endpoint), ":")
	serverName, _ := envValue(ag, "HYPHA_TLS_SERVER_NAME")
	if want := host + "." + yamltree.String(kust, "namespace") + ".svc"; serverName != want {
		t.Errorf("agent: HYPHA_TLS_SERVER_NAME = %v, want the gateway Service's DNS name %s", serverName, want)
	}
	return host, []string{host, fmt.Sprint(serverName)}
}

// checkCertManagerIssues: the cert-manager example issues the gateway's
// Secret, for the names the agent verifies, from an issuer the same file
// defines.
func checkCertManagerIssues(t *testing.T, tlsSecret string, names []string) {
	t.Helper()
	docs := readDocs(t, "kubernetes/cert-manager/certificate.yaml")
	byKey := map[string]object{}
	for _, d := range docs {
		byKey[yamltree.String(d, "kind")+"/"+yamltree.String(d, "metadata", "name")] = d
	}
	var cert object
	for _, d := range docs {
		if yamltree.String(d, "kind") == "Certificate" && yamltree.String(d, "spec", "secretName") == tlsSecret {
			cert = d
		}
	}
	if cert == nil {
		t.Fatalf("cert-manager/certificate.yaml has no Certificate for Secret %s", tlsSecret)
	}
	for _, n := range names {
		if !slices.Contains(yamltree.Strings(cert, "spec", "dnsNames"), n) {
			t.Errorf("cert-manager Certificate: dnsNames %v lack %s, which the agent verifies", yamltree.Strings(cert, "spec", "dnsNames"), n)
		}
	}
	if u := yamltree.Strings(cert, "spec", "usages"); u != nil && !slices.Contains(u, "server auth") {
		t.Errorf("cert-manager Certificate: usages %v lack server auth", u)
	}
	issuer := byKey[yamltree.String(cert, "spec", "issuerRef", "kind")+"/"+yamltree.String(cert, "spec", "issuerRef", "name")]
	caSecret := yamltree.String(issuer, "spec", "ca", "secretName")
	var caCert object
	for _, d := range docs {
		if yamltree.String(d, "kind") == "Certificate" && yamltree.String(d, "spec", "secretName") == caSecret && caSecret != "" {
			caCert = d
		}
	}
	// Only a CA issuer fills in ca.crt, which the agent reads.
	if caCert == nil || yamltree.Get(caCert, "spec", "isCA") != true {
		t.Errorf("cert-manager Certificate: issuer %v is not a CA Issuer backed by an isCA Certificate in the same file", yamltree.Get(cert, "spec", "issuerRef"))
	}
}

// checkMakeCertsNames: docs/deploy/kubernetes.md asks make certs for the
// same names.
func checkMakeCertsNames(t *testing.T, host string, names []string) {
	t.Helper()
	var hosts []string
	for _, m := range regexp.MustCompile(`CERT_HOSTS=(\S+)`).FindAllStringSubmatch(string(readFile(t, "../docs/deploy/kubernetes.md")), -1) {
		if h := strings.Split(m[1], ","); slices.Contains(h, host) {
			hosts = h
		}
	}
	for _, n := range names {
		if !slices.Contains(hosts, n) {
			t.Errorf("docs/deploy/kubernetes.md: make certs CERT_HOSTS=%s lacks %s", strings.Join(hosts, ","), n)
		}
	}
}

// TestKubernetesOverridesValidate runs `hypha validate` on each mode's
// built-in config with the ConfigMap's override layered on top, as the pods
// do. It needs bin/hypha (make build; `make test` builds it first).
func TestKubernetesOverridesValidate(t *testing.T) {
	bin, err := filepath.Abs("../bin/hypha")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: run make build first", bin)
		}
		t.Skipf("%s is missing: run make build first", bin)
	}
	objs, _ := loadKubernetes(t)
	for mode, cm := range map[string]string{"agent": "hypha-agent-config", "gateway": "hypha-gateway-config"} {
		override := filepath.Join(t.TempDir(), "override.yaml")
		if err := os.WriteFile(override, []byte(yamltree.String(objs["ConfigMap/"+cm], "data", "override.yaml")), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "validate", "--config", "hypha:"+mode, "--config", "file:"+override)
		// The pods get their token from a required Secret, and what the
		// downward API gives.
		cmd.Env = append(os.Environ(), "HYPHA_AUTH=bearer", "HYPHA_AUTH_TOKEN=token-from-the-secret")
		for name := range downwardEnv(yamltree.Get(workloadPods(objs)[mode], "containers", 0)) {
			cmd.Env = append(cmd.Env, name+"=from-the-downward-api")
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("ConfigMap/%s over hypha:%s: %v\n%s", cm, mode, err, out)
		}
	}
	agentOverride := yamltree.String(objs["ConfigMap/hypha-agent-config"], "data", "override.yaml")
	if !strings.Contains(agentOverride, "type: container") {
		t.Error("the agent reads /var/log/pods: its override needs file_log's container operator for the CRI format")
	}
}

// downwardEnv returns the container's variables that the downward API sets,
// by name, with the field each comes from.
func downwardEnv(container any) map[string]string {
	out := map[string]string{}
	for _, e := range yamltree.List(container, "env") {
		if f := yamltree.String(e, "valueFrom", "fieldRef", "fieldPath"); f != "" {
			out[yamltree.String(e, "name")] = f
		}
	}
	return out
}

// agentOverride decodes the agent ConfigMap's override.yaml.
func agentOverride(t *testing.T, objs map[string]object) map[string]any {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(yamltree.String(objs["ConfigMap/hypha-agent-config"], "data", "override.yaml")), &cfg); err != nil {
		t.Fatalf("ConfigMap/hypha-agent-config: %v", err)
	}
	return cfg
}

// TestKubernetesAgentRBAC: k8s_attributes reads pods through the agent's
// own ServiceAccount, which may only get, watch and list pods, namespaces
// and replicasets; the gateway gets no token at all.
func TestKubernetesAgentRBAC(t *testing.T) {
	objs, kust := loadKubernetes(t)
	pods := workloadPods(objs)
	if yamltree.Get(pods["gateway"], "automountServiceAccountToken") != false {
		t.Error("gateway: automountServiceAccountToken must be false: it calls no API")
	}
	agent := pods["agent"]
	if yamltree.String(agent, "serviceAccountName") != "hypha-agent" || yamltree.Get(agent, "automountServiceAccountToken") != true {
		t.Errorf("agent: serviceAccountName %q, automountServiceAccountToken %v; want hypha-agent with its token mounted",
			yamltree.String(agent, "serviceAccountName"), yamltree.Get(agent, "automountServiceAccountToken"))
	}

	granted := map[string][]string{} // "group/resource" -> verbs
	for _, r := range yamltree.List(objs["ClusterRole/hypha-agent"], "rules") {
		if len(yamltree.Strings(r, "resourceNames")) > 0 || len(yamltree.Strings(r, "nonResourceURLs")) > 0 {
			t.Errorf("ClusterRole/hypha-agent: unexpected rule %v", r)
		}
		for _, g := range yamltree.Strings(r, "apiGroups") {
			for _, res := range yamltree.Strings(r, "resources") {
				granted[g+"/"+res] = append(granted[g+"/"+res], yamltree.Strings(r, "verbs")...)
			}
		}
	}
	want := []string{"/pods", "/namespaces", "apps/replicasets"}
	for _, key := range want {
		verbs := granted[key]
		slices.Sort(verbs)
		if !slices.Equal(verbs, []string{"get", "list", "watch"}) {
			t.Errorf("ClusterRole/hypha-agent grants %v on %s, want exactly get, list, watch", verbs, key)
		}
	}
	for key := range granted {
		if !slices.Contains(want, key) {
			t.Errorf("ClusterRole/hypha-agent grants %s, which k8s_attributes does not read", key)
		}
	}

	binding := objs["ClusterRoleBinding/hypha-agent"]
	if ref := yamltree.Get(binding, "roleRef"); yamltree.String(ref, "kind") != "ClusterRole" || yamltree.String(ref, "name") != "hypha-agent" || yamltree.String(ref, "apiGroup") != "rbac.authorization.k8s.io" {
		t.Errorf("ClusterRoleBinding/hypha-agent: roleRef %v is not ClusterRole/hypha-agent", ref)
	}
	subjects := yamltree.List(binding, "subjects")
	if len(subjects) != 1 || yamltree.String(subjects[0], "kind") != "ServiceAccount" || yamltree.String(subjects[0], "name") != "hypha-agent" ||
		yamltree.String(subjects[0], "namespace") != yamltree.String(kust, "namespace") {
		t.Errorf("ClusterRoleBinding/hypha-agent: subjects %v, want only ServiceAccount hypha-agent in %s", subjects, yamltree.String(kust, "namespace"))
	}
}

// TestKubernetesAgentConfig checks the agent override for what no cluster
// here can show running: the processors in order, k8s_attributes fed by
// the DaemonSet's downward API, and every variable it names set.
func TestKubernetesAgentConfig(t *testing.T) {
	objs, _ := loadKubernetes(t)
	cfg := agentOverride(t, objs)
	c := yamltree.Get(workloadPods(objs)["agent"], "containers", 0)
	downward := downwardEnv(c)

	// Every ${env:X} without a default is set by the DaemonSet.
	override := yamltree.String(objs["ConfigMap/hypha-agent-config"], "data", "override.yaml")
	for _, m := range regexp.MustCompile(`\$\{env:([A-Z0-9_]+)\}`).FindAllStringSubmatch(override, -1) {
		if _, ok := envValue(c, m[1]); !ok {
			t.Errorf("the agent override reads ${env:%s}, which the DaemonSet does not set", m[1])
		}
	}
	for name, field := range map[string]string{"K8S_NODE_NAME": "spec.nodeName", "K8S_POD_NAMESPACE": "metadata.namespace", "K8S_POD_NAME": "metadata.name"} {
		if downward[name] != field {
			t.Errorf("agent: %s comes from %q, want the downward API's %s", name, downward[name], field)
		}
	}

	checkAgentK8sAttributes(t, yamltree.Get(cfg, "processors", "k8s_attributes"), c, downward)

	// The container operator bounds joined lines as the receiver bounds any line.
	var container any
	for _, op := range yamltree.List(cfg, "receivers", "file_log", "operators") {
		if yamltree.String(op, "type") == "container" {
			container = op
		}
	}
	if container == nil || yamltree.String(container, "max_log_size") == "" {
		t.Errorf("file_log: the container operator needs max_log_size, got %v", container)
	}
	// The agent's own files are excluded by its namespace and pod name.
	excludes := strings.Join(yamltree.Strings(cfg, "receivers", "file_log", "exclude"), " ")
	if !strings.Contains(excludes, "${env:K8S_POD_NAMESPACE}_${env:K8S_POD_NAME}_") {
		t.Errorf("file_log exclude %q does not skip the agent's own pod", excludes)
	}

	checkAgentPipelines(t, cfg)
}

// checkAgentK8sAttributes checks the agent's k8s_attributes against its
// container c, whose downward API variables are downward.
func checkAgentK8sAttributes(t *testing.T, k8s, c any, downward map[string]string) {
	t.Helper()
	if env := yamltree.String(k8s, "filter", "node_from_env_var"); downward[env] != "spec.nodeName" {
		t.Errorf("k8s_attributes watches the node in %q, want a variable set from spec.nodeName", env)
	}
	// Within the startup probe's allowance, or the kubelet kills it first.
	probe := yamltree.Get(c, "startupProbe")
	allowance := time.Duration(yamltree.Get(probe, "periodSeconds").(int)*yamltree.Get(probe, "failureThreshold").(int)) * time.Second
	if wait, err := time.ParseDuration(yamltree.String(k8s, "wait_for_metadata_timeout")); yamltree.Get(k8s, "wait_for_metadata") != true || err != nil || wait >= allowance {
		t.Errorf("k8s_attributes: wait_for_metadata %v, timeout %q; want true and a timeout under the startup probe's %s, so that no line is named before the pods are known",
			yamltree.Get(k8s, "wait_for_metadata"), yamltree.String(k8s, "wait_for_metadata_timeout"), allowance)
	}
	if yamltree.String(k8s, "auth_type") != "serviceAccount" {
		t.Errorf("k8s_attributes auth_type %q, want serviceAccount", yamltree.String(k8s, "auth_type"))
	}
	var sources []string
	for _, a := range yamltree.List(k8s, "pod_association") {
		for _, src := range yamltree.List(a, "sources") {
			sources = append(sources, strings.TrimSuffix(yamltree.String(src, "from")+":"+yamltree.String(src, "name"), ":"))
		}
	}
	// Log lines carry the uid from their path; spans come over a connection.
	for _, want := range []string{"resource_attribute:k8s.pod.uid", "connection"} {
		if !slices.Contains(sources, want) {
			t.Errorf("k8s_attributes pod_association %v lacks %s", sources, want)
		}
	}
	metadata := yamltree.Strings(k8s, "extract", "metadata")
	for _, want := range []string{"service.name", "service.namespace", "service.version", "service.instance.id", "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name", "k8s.pod.name"} {
		if !slices.Contains(metadata, want) {
			t.Errorf("k8s_attributes extract.metadata lacks %s", want)
		}
	}
	if yamltree.Get(k8s, "extract", "otel_annotations") != true {
		t.Error("k8s_attributes: otel_annotations must be on: resource.opentelemetry.io/service.name comes first")
	}
}

// checkAgentPipelines checks the order of the agent's processors, and that
// the pods' files go through the acknowledged pipeline alone.
func checkAgentPipelines(t *testing.T, cfg map[string]any) {
	t.Helper()
	// Order: the line's own service name first, then the API, then the
	// opt-outs, then what the path gives, then the last resort.
	order := []string{"transform/unknown_service", "hypha_correlation", "k8s_attributes", "filter/opt_out", "transform/pod_path", "resource"}
	for _, pipeline := range []string{"logs/files", "logs", "traces"} {
		procs := yamltree.Strings(cfg, "service", "pipelines", pipeline, "processors")
		if len(procs) == 0 || procs[0] != "memory_limiter" {
			t.Errorf("%s pipeline %v: memory_limiter must come first", pipeline, procs)
		}
		last, prev := -1, ""
		for _, p := range order {
			i := slices.Index(procs, p)
			if i < 0 {
				if pipeline == "traces" && p == "hypha_correlation" {
					continue
				}
				t.Errorf("%s pipeline %v lacks %s", pipeline, procs, p)
				continue
			}
			if i < last {
				t.Errorf("%s pipeline %v: %s must come after %s", pipeline, procs, p, prev)
			}
			last, prev = i, p
		}
	}
	// The pods' files go only through the acknowledged pipeline, with
	// hypha_ack last: in two pipelines every line would be sent twice.
	if got := yamltree.Strings(cfg, "service", "pipelines", "logs/files", "receivers"); !slices.Equal(got, []string{"file_log"}) {
		t.Errorf("logs/files receivers %v, want [file_log]", got)
	}
	if got := yamltree.Strings(cfg, "service", "pipelines", "logs", "receivers"); slices.Contains(got, "file_log") {
		t.Errorf("logs receivers %v: file_log belongs to logs/files alone", got)
	}
	if procs := yamltree.Strings(cfg, "service", "pipelines", "logs/files", "processors"); len(procs) == 0 || procs[len(procs)-1] != "hypha_ack" {
		t.Errorf("logs/files processors %v: hypha_ack must come last", procs)
	}
}
