// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.yaml.in/yaml/v3"

	"github.com/hypha-obs/hypha/e2e/harness"
	"github.com/hypha-obs/hypha/internal/yamltree"
)

// The pods of the /var/log/pods tree the Kubernetes test lays out.
const (
	k8sNode     = "node-a"
	k8sAgentNS  = "hypha"
	k8sAgentPod = "hypha-agent-7xk2p"
	k8sCartPod  = "cart-7d9f8b6c5-x2x4z"
	k8sCartUID  = "1f0c7a3e-5b2d-4c8e-9a61-0d3b7e2f4a15"
	// The service.instance.id of the cart pod's container: namespace.pod.container.
	k8sCartInstance = "shop." + k8sCartPod + ".cart"
	k8sBillPod      = "billing-0"
	k8sBillUID      = "6a2e9c41-0b7d-4f38-8e15-3c9d2a7b5e60"
	k8sLineBound    = 8192 // HYPHA_MAX_LINE_BYTES in this test
)

// agentConfigMap returns the agent's override.yaml as the manifest's
// ConfigMap holds it, decoded.
func agentConfigMap(t *testing.T) map[string]any {
	t.Helper()
	for _, cm := range manifestObjects(t, "agent.yaml", "ConfigMap") {
		if yamltree.String(cm, "metadata", "name") == "hypha-agent-config" {
			override := yamltree.String(cm, "data", "override.yaml")
			var cfg map[string]any
			if err := yaml.Unmarshal([]byte(override), &cfg); err != nil {
				t.Fatal(err)
			}
			return cfg
		}
	}
	t.Fatal("deploy/kubernetes/agent.yaml has no ConfigMap hypha-agent-config")
	return nil
}

// podLogConfig writes the DaemonSet's override for a run outside a cluster,
// changed in two places only: the /var/log/pods of its exclude is podsDir,
// and k8s_attributes gets what api changes in it (how it reaches an API
// server, or passthrough where none runs).
func podLogConfig(t *testing.T, dir, podsDir string, api func(k8s map[string]any)) string {
	t.Helper()
	cfg := agentConfigMap(t)
	excludes := yamltree.List(cfg, "receivers", "file_log", "exclude")
	if len(excludes) == 0 {
		t.Fatal("the agent's file_log has no exclude")
	}
	for i, e := range excludes {
		s, _ := e.(string)
		if !strings.HasPrefix(s, "/var/log/pods/") {
			t.Fatalf("file_log exclude %q is not under /var/log/pods", s)
		}
		excludes[i] = podsDir + strings.TrimPrefix(s, "/var/log/pods")
	}
	k8s := yamltree.Map(cfg, "processors", "k8s_attributes")
	if k8s == nil {
		t.Fatal("the agent override has no k8s_attributes")
	}
	api(k8s)
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "agent-override.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// podLog appends lines to <podsDir>/<namespace>_<pod>_<uid>/<container>/0.log,
// the path kubelet gives a container's log.
func podLog(t *testing.T, podsDir, namespace, pod, uid, container string, lines ...string) {
	t.Helper()
	dir := filepath.Join(podsDir, namespace+"_"+pod+"_"+uid, container)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "0.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// criClock gives each runtime line a later time, as containerd writes them.
type criClock struct{ t time.Time }

func (c *criClock) next() string {
	c.t = c.t.Add(time.Millisecond)
	return c.t.Format(time.RFC3339Nano)
}

// cri is a containerd/CRI-O line: "<time> <stream> <F|P> <text>".
func (c *criClock) cri(stream, tag, text string) string {
	return c.next() + " " + stream + " " + tag + " " + text
}

// docker is a Docker json-file line.
func (c *criClock) docker(stream, text string) string {
	b, _ := json.Marshal(map[string]string{"log": text + "\n", "stream": stream, "time": c.next()})
	return string(b)
}

// TestKubernetesPodLogs runs the DaemonSet's own config, from the
// manifest's ConfigMap, on a /var/log/pods tree written in the runtimes'
// formats, through a real agent and gateway into VictoriaLogs and Jaeger.
func TestKubernetesPodLogs(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	podsDir := filepath.Join(dir, "var-log-pods")
	if err := os.MkdirAll(podsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// No API server here: k8s_attributes only adds the connection's address.
	override := podLogConfig(t, dir, podsDir, func(k8s map[string]any) { k8s["passthrough"] = true })

	store, jaeger, agent := startPodLogStack(t, bins, dir, podsDir, override,
		"HYPHA_EXCLUDE_NAMESPACES=kube-system|monitoring",
		fmt.Sprintf("HYPHA_MAX_LINE_BYTES=%d", k8sLineBound))

	clock := &criClock{t: time.Now().UTC()}
	// The agent starts at the end of the files it finds at start
	// (start_at: end): one line first, so that everything after is new.
	podLog(t, podsDir, "shop", k8sCartPod, k8sCartUID, "cart", clock.cri("stdout", "F", "k8s-before-start"))
	waitForOutput(t, agent.Process, "Started watching file", 30*time.Second)

	tr := newSwapTraces(t, 1)[0]
	longText := writePodLogs(t, podsDir, clock, fmt.Sprintf(`"trace_id":"%s","span_id":"%s"`, tr.traceID, tr.childID))

	// A span of the cart pod from an SDK given no service name; the OTel
	// Operator's injection gives it the pod's k8s.* attributes.
	postSpan(t, agent, tr, map[string]string{
		"service.name":       "unknown_service:node",
		"k8s.namespace.name": "shop",
		"k8s.pod.name":       k8sCartPod,
		"k8s.container.name": "cart",
	})

	why := func() string { return agent.Tail(4000) }
	// 2 docker lines, 4 cart lines, and the long line in at least 2 records.
	recs := waitRecords(t, store, `k8s.node.name:=`+k8sNode, 8, why)
	byMsg, longParts := podLogsByMessage(t, recs)
	checkPodLogAttributes(t, byMsg, tr)
	// The runtime's prefix is gone and the two halves are one JSON line.
	if r := byMsg["k8s-cri-joined"]; r != nil {
		var line map[string]any
		if err := json.Unmarshal([]byte(r["_msg"]), &line); err != nil {
			t.Errorf("the joined line is not the app's JSON line: %q", r["_msg"])
		}
	}
	for _, skipped := range []string{"k8s-self", "k8s-excluded-namespace"} {
		if n, err := store.Count(`"` + skipped + `"`); err != nil || n != 0 {
			t.Errorf("%s: %d records stored (%v), want none", skipped, n, err)
		}
	}
	checkLongLine(t, longParts, longText)

	// The span: the same service.name and instance as the pod's log lines,
	// and the node and connection address from the agent.
	s := waitSpan(t, jaeger, tr.traceID, why)
	t.Logf("span: service %s, process %v", s.Service, s.Process)
	if s.Service != k8sCartPod || s.Process["service.instance.id"] != k8sCartInstance || s.Process["service.namespace"] != "shop" || s.Process["k8s.node.name"] != k8sNode {
		t.Errorf("span: service %q, process %v; want the cart pod's service.name %q and service.instance.id %q, as its log lines",
			s.Service, s.Process, k8sCartPod, k8sCartInstance)
	}
	if s.Process["k8s.pod.ip"] != "127.0.0.1" {
		t.Errorf("span: k8s.pod.ip %q, want the connection's address 127.0.0.1", s.Process["k8s.pod.ip"])
	}
}

// writePodLogs writes the lines TestKubernetesPodLogs expects, with the
// ids (JSON members) of its trace, and returns the long line's text.
func writePodLogs(t *testing.T, podsDir string, clock *criClock, ids string) string {
	t.Helper()
	// The long line: chunks the runtime split at 4 KiB, more than twice the
	// bound in all.
	var long []string
	var longText strings.Builder
	for i := range 5 {
		chunk := fmt.Sprintf("k8s-long-%d-", i) + strings.Repeat(string(rune('a'+i)), 4096-len("k8s-long-0-"))
		longText.WriteString(chunk)
		tag := "P"
		if i == 4 {
			tag = "F"
		}
		long = append(long, clock.cri("stdout", tag, chunk))
	}
	// containerd/CRI-O: whole lines, a line the runtime split in two, a line
	// on stderr, a line that names its service, and the long one.
	podLog(t, podsDir, "shop", k8sCartPod, k8sCartUID, "cart", append([]string{
		clock.cri("stdout", "F", `{"level":30,"msg":"k8s-cri-full",`+ids+`}`),
		clock.cri("stdout", "P", `{"level":30,"msg":"k8s-cri-joined",`),
		clock.cri("stdout", "F", ids+`}`),
		clock.cri("stderr", "F", `{"level":50,"msg":"k8s-cri-stderr",`+ids+`}`),
		clock.cri("stdout", "F", `{"level":30,"service":"checkout-api","msg":"k8s-named",`+ids+`}`),
	}, long...)...)
	// Docker's json-file driver.
	podLog(t, podsDir, "shop", k8sBillPod, k8sBillUID, "billing",
		clock.docker("stdout", `{"level":30,"msg":"k8s-docker",`+ids+`}`),
		clock.docker("stderr", `{"level":50,"msg":"k8s-docker-stderr",`+ids+`}`),
	)
	// The agent's own pod, and a namespace HYPHA_EXCLUDE_NAMESPACES names.
	podLog(t, podsDir, k8sAgentNS, k8sAgentPod, "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "agent",
		clock.cri("stderr", "F", `{"level":"info","msg":"k8s-self"}`))
	podLog(t, podsDir, "kube-system", "coredns-5d78c9869d-q8wzt", "9e8d7c6b-5a49-3827-1605-f4e3d2c1b0a9", "coredns",
		clock.cri("stdout", "F", `{"level":"info","msg":"k8s-excluded-namespace"}`))
	return longText.String()
}

// podLogsByMessage indexes the stored records by their line's msg, apart
// from the long line's parts, which it returns as they come.
func podLogsByMessage(t *testing.T, recs []harness.LogRecord) (map[string]harness.LogRecord, []harness.LogRecord) {
	t.Helper()
	byMsg := map[string]harness.LogRecord{}
	var longParts []harness.LogRecord
	for _, r := range recs {
		msg := r["_msg"]
		if strings.Contains(msg, "k8s-long-") {
			longParts = append(longParts, r)
			continue
		}
		var line struct{ Msg string }
		_ = json.Unmarshal([]byte(msg), &line)
		if _, dup := byMsg[line.Msg]; dup {
			t.Errorf("%s stored twice", line.Msg)
		}
		byMsg[line.Msg] = r
	}
	return byMsg, longParts
}

// checkPodLogAttributes checks each pod line's ids and Kubernetes
// attributes: the pod's, or the service name the line gave itself.
func checkPodLogAttributes(t *testing.T, byMsg map[string]harness.LogRecord, tr swapTrace) {
	t.Helper()
	if r, ok := byMsg["k8s-cri-joined"]; ok {
		t.Logf("a joined line as stored: %v", r)
	}
	for msg, want := range map[string]map[string]string{
		"k8s-cri-full":   {"service.name": k8sCartPod, "log.iostream": "stdout"},
		"k8s-cri-joined": {"service.name": k8sCartPod, "log.iostream": "stdout"},
		"k8s-cri-stderr": {"service.name": k8sCartPod, "log.iostream": "stderr"},
		// The line named its service: it keeps it, as a span keeps its SDK's.
		"k8s-named":         {"service.name": "checkout-api"},
		"k8s-docker":        {"service.name": k8sBillPod, "k8s.pod.name": k8sBillPod, "k8s.pod.uid": k8sBillUID, "k8s.container.name": "billing", "service.instance.id": "shop." + k8sBillPod + ".billing", "log.iostream": "stdout"},
		"k8s-docker-stderr": {"service.name": k8sBillPod, "log.iostream": "stderr"},
	} {
		r, ok := byMsg[msg]
		if !ok {
			t.Errorf("%s is not in the store", msg)
			continue
		}
		common := map[string]string{
			"trace_id": tr.traceID, "span_id": tr.childID,
			"k8s.namespace.name": "shop", "service.namespace": "shop", "k8s.node.name": k8sNode,
			"k8s.container.restart_count": "0",
		}
		if !strings.HasPrefix(msg, "k8s-docker") {
			common["k8s.pod.name"], common["k8s.pod.uid"], common["k8s.container.name"] = k8sCartPod, k8sCartUID, "cart"
			common["service.instance.id"] = k8sCartInstance
		}
		for k, v := range common {
			if _, set := want[k]; !set {
				want[k] = v
			}
		}
		for k, v := range want {
			if r[k] != v {
				t.Errorf("%s: %s = %q, want %q", msg, k, r[k], v)
			}
		}
	}
}

// checkLongLine: the long line is cut at the bound into records that, in
// order, are the line.
func checkLongLine(t *testing.T, longParts []harness.LogRecord, longText string) {
	t.Helper()
	sort.Slice(longParts, func(i, j int) bool { return longParts[i]["_time"] < longParts[j]["_time"] })
	var joined strings.Builder
	for _, r := range longParts {
		if len(r["_msg"]) > k8sLineBound+4096 {
			t.Errorf("a record of the long line has %d bytes, past the bound %d and one chunk", len(r["_msg"]), k8sLineBound)
		}
		joined.WriteString(r["_msg"])
	}
	t.Logf("the %d-byte line was stored as %d records (bound %d)", len(longText), len(longParts), k8sLineBound)
	if len(longParts) < 2 || joined.String() != longText {
		t.Errorf("the %d-byte line is stored as %d records of %d bytes in all; want it cut at %d bytes, nothing lost",
			len(longText), len(longParts), joined.Len(), k8sLineBound)
	}
}

// startPodLogStack starts VictoriaLogs, Jaeger, a gateway and an agent with
// the DaemonSet's override, tailing podsDir, with the downward API's values
// for this node and the agent's pod, and env on top.
func startPodLogStack(t *testing.T, bins harness.Binaries, dir, podsDir, override string, env ...string) (*harness.VictoriaLogs, *harness.Jaeger, *harness.Hypha) {
	t.Helper()
	store, jaeger := startStores(t, bins, dir)
	gw := startHypha(t, bins, dir, harness.HyphaOptions{Mode: "gateway", Env: []string{
		"HYPHA_LOKI_ENDPOINT=" + store.OTLPEndpoint(),
		"HYPHA_JAEGER_ENDPOINT=" + jaeger.OTLPGRPC,
	}})
	agent := startHypha(t, bins, dir, harness.HyphaOptions{Mode: "agent", Overrides: []string{"file:" + override}, Env: append([]string{
		"HYPHA_GATEWAY_ENDPOINT=" + gw.OTLPGRPC,
		"HYPHA_LOG_INCLUDE=" + filepath.Join(podsDir, "*", "*", "*.log"),
		"HYPHA_STORAGE_DIR=" + filepath.Join(dir, "agent-storage"),
		"K8S_NODE_NAME=" + k8sNode,
		"K8S_POD_NAMESPACE=" + k8sAgentNS,
		"K8S_POD_NAME=" + k8sAgentPod,
	}, env...)})
	return store, jaeger, agent
}

// postSpan sends one span of tr to the agent over OTLP/HTTP, from
// 127.0.0.1, with the resource attributes given.
func postSpan(t *testing.T, agent *harness.Hypha, tr swapTrace, resource map[string]string) {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	for k, v := range resource {
		rs.Resource().Attributes().PutStr(k, v)
	}
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	var tid [16]byte
	var sid [8]byte
	mustDecodeHex(t, tr.traceID, tid[:])
	mustDecodeHex(t, tr.childID, sid[:])
	sp.SetTraceID(tid)
	sp.SetSpanID(sid)
	sp.SetName("GET /cart")
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Now().Add(time.Millisecond)))
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	postOK(t, "http://"+agent.OTLPHTTP+"/v1/traces", body)
}

// waitSpan waits until Jaeger holds the trace and returns its first span.
func waitSpan(t *testing.T, jaeger *harness.Jaeger, traceID string, why func() string) harness.Span {
	t.Helper()
	var spans []harness.Span
	if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
		var err error
		if spans, err = jaeger.Trace(traceID); err != nil {
			return err
		}
		if len(spans) == 0 {
			return errors.New("the trace is not in Jaeger yet")
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\n%s", err, why())
	}
	return spans[0]
}

// TestKubernetesPodMetadata runs the same config with k8s_attributes
// talking to a real kube-apiserver (on its own etcd), as the agent's
// ServiceAccount bound to the manifest's ClusterRole: pod labels,
// annotations and owners name the service of log lines and spans. Nothing
// schedules or runs the pods; the test writes them, and their log files, as
// the scheduler and the kubelet would. `make e2e` builds the two servers
// once (KUBE_APISERVER_BIN, ETCD_BIN).
func TestKubernetesPodMetadata(t *testing.T) {
	dir := t.TempDir()
	api := startKubeAPI(t, dir)
	bins := stackBinaries(t)
	pods, uids := createMetadataPods(t, api)

	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := api.Kubeconfig(kubeconfig, k8sAgentNS, "hypha-agent"); err != nil {
		t.Fatal(err)
	}
	podsDir := filepath.Join(dir, "var-log-pods")
	if err := os.MkdirAll(podsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The ServiceAccount's token from a kubeconfig, where a pod would read
	// it from its mounted token file; the rest as the manifest has it (it
	// starts only once it has the node's pods).
	override := podLogConfig(t, dir, podsDir, func(k8s map[string]any) { k8s["auth_type"] = "kubeConfig" })
	store, jaeger, agent := startPodLogStack(t, bins, dir, podsDir, override, "KUBECONFIG="+kubeconfig)

	clock := &criClock{t: time.Now().UTC()}
	podLog(t, podsDir, "shop", pods["cart"].name, uids["cart"], "cart", clock.cri("stdout", "F", "k8s-before-start"))
	waitForOutput(t, agent.Process, "Started watching file", 30*time.Second)
	tr := newSwapTraces(t, 1)[0]
	ids := fmt.Sprintf(`"trace_id":"%s","span_id":"%s"`, tr.traceID, tr.childID)
	for key, p := range pods {
		podLog(t, podsDir, "shop", p.name, uids[key], p.container,
			clock.cri("stdout", "F", `{"level":30,"msg":"k8s-api-`+key+`",`+ids+`}`))
	}
	// A span from an SDK given no name, with nothing of Kubernetes in it:
	// only its connection's address tells its pod.
	postSpan(t, agent, tr, map[string]string{"service.name": "unknown_service:node"})

	why := func() string { return agent.Tail(4000) }
	recs := waitRecords(t, store, `k8s.node.name:=`+k8sNode, 3, why)
	checkPodMetadataRecords(t, recs, pods, uids, tr.traceID)
	if n, err := store.Count(`"k8s-api-quiet"`); err != nil || n != 0 {
		t.Errorf("the opted-out pod: %d records stored (%v), want none", n, err)
	}

	// The span: found by its address, the same names as the cart pod's lines.
	s := waitSpan(t, jaeger, tr.traceID, why)
	t.Logf("span: service %s, process %v", s.Service, s.Process)
	for k, v := range map[string]string{
		"k8s.pod.name": pods["cart"].name, "k8s.pod.uid": uids["cart"], "k8s.namespace.name": "shop",
		"k8s.deployment.name": "storefront", "service.namespace": "shop", "service.version": "1.4.2",
		"service.instance.id": "shop." + pods["cart"].name + ".cart",
	} {
		if s.Process[k] != v {
			t.Errorf("span: %s = %q, want %q", k, s.Process[k], v)
		}
	}
	if s.Service != "cart" {
		t.Errorf("span: service.name %q, want cart, as the pod's log lines", s.Service)
	}
}

// metadataPod is a pod TestKubernetesPodMetadata creates, and where its
// service's names come from.
type metadataPod struct {
	name, container, image string
	labels, annotations    map[string]any
	owner                  object
}

// createAgentAccess creates the shop's and the agent's namespaces, and the
// agent's ServiceAccount, ClusterRole and ClusterRoleBinding as the
// manifest has them.
func createAgentAccess(t *testing.T, api *harness.KubeAPI) {
	t.Helper()
	must := mustAPI(t)
	for _, ns := range []string{"shop", k8sAgentNS} {
		must(api.Do(http.MethodPost, "/api/v1/namespaces", object{"apiVersion": "v1", "kind": "Namespace", "metadata": object{"name": ns}}))
	}
	for _, o := range manifestObjects(t, "agent.yaml", "ServiceAccount", "ClusterRole", "ClusterRoleBinding") {
		path := "/apis/rbac.authorization.k8s.io/v1/" + strings.ToLower(o["kind"].(string)) + "s"
		if o["kind"] == "ServiceAccount" {
			path = "/api/v1/namespaces/" + k8sAgentNS + "/serviceaccounts"
		}
		must(api.Do(http.MethodPost, path, o))
	}
}

// createMetadataPods creates in the API server the agent's access
// (createAgentAccess) and the shop's pods with their owners; it returns the
// pods and their uids, by key.
func createMetadataPods(t *testing.T, api *harness.KubeAPI) (map[string]metadataPod, map[string]string) {
	t.Helper()
	must := mustAPI(t)
	createAgentAccess(t, api)

	// Two Deployments' ReplicaSets and a StatefulSet's pod, on this node.
	replicaSet := func(name, hash string) string {
		rs := must(api.Do(http.MethodPost, "/apis/apps/v1/namespaces/shop/replicasets", object{
			"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": object{"name": name + "-" + hash},
			"spec": object{
				"replicas": 0,
				"selector": object{"matchLabels": object{"pod-template-hash": hash}},
				"template": object{
					"metadata": object{"labels": object{"pod-template-hash": hash}},
					"spec":     object{"containers": []any{object{"name": "app", "image": "registry.example/shop/" + name + ":1"}}},
				},
			},
		}))
		return rs["metadata"].(map[string]any)["uid"].(string)
	}
	pods := map[string]metadataPod{
		// The label app.kubernetes.io/name comes before the owner's name,
		// and app.kubernetes.io/version before the image's tag.
		"cart": {
			name: "storefront-7d9f8b6c5-x2x4z", container: "cart", image: "registry.example/shop/cart:1.4.0",
			labels: map[string]any{"app.kubernetes.io/name": "cart", "app.kubernetes.io/version": "1.4.2", "pod-template-hash": "7d9f8b6c5"},
			owner:  object{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "storefront-7d9f8b6c5", "uid": replicaSet("storefront", "7d9f8b6c5"), "controller": true},
		},
		// Nothing but its owner names it; its image gives the version.
		"worker": {
			name: "worker-5c6d7e8f9a-q2w3e", container: "worker", image: "registry.example/shop/worker:3.1.0",
			labels: map[string]any{"pod-template-hash": "5c6d7e8f9a"},
			owner:  object{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "worker-5c6d7e8f9a", "uid": replicaSet("worker", "5c6d7e8f9a"), "controller": true},
		},
		// The annotations come before every label.
		"payments": {
			name: "payments-0", container: "payments", image: "registry.example/shop/payments:2.0.0",
			labels: map[string]any{"app.kubernetes.io/instance": "payments-blue", "app.kubernetes.io/name": "payments"},
			annotations: map[string]any{
				"resource.opentelemetry.io/service.name":      "payments-api",
				"resource.opentelemetry.io/service.namespace": "money",
			},
			owner: object{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "payments", "uid": "5f1e2d3c-4b5a-4968-8776-655443322110", "controller": true},
		},
		// Opted out.
		"quiet": {
			name: "quiet-0", container: "quiet", image: "registry.example/shop/quiet:1",
			annotations: map[string]any{"hypha-obs.github.io/exclude": "true"},
		},
	}
	uids := map[string]string{}
	for key, p := range pods {
		meta := object{"name": p.name, "labels": p.labels, "annotations": p.annotations}
		if p.owner != nil {
			meta["ownerReferences"] = []any{p.owner}
		}
		created := must(api.Do(http.MethodPost, "/api/v1/namespaces/shop/pods", object{
			"apiVersion": "v1", "kind": "Pod", "metadata": meta,
			"spec": object{"nodeName": k8sNode, "containers": []any{object{"name": p.container, "image": p.image}}},
		}))
		uids[key] = created["metadata"].(map[string]any)["uid"].(string)
	}
	// The cart pod runs, as its kubelet reports it; its address is where
	// this test's spans come from.
	must(api.Do(http.MethodPatch, "/api/v1/namespaces/shop/pods/"+pods["cart"].name+"/status", object{"status": object{
		"phase": "Running", "podIP": "127.0.0.1", "podIPs": []any{object{"ip": "127.0.0.1"}},
		"containerStatuses": []any{object{
			"name": "cart", "image": pods["cart"].image, "imageID": "registry.example/shop/cart@sha256:" + strings.Repeat("ab", 32),
			"containerID": "containerd://" + strings.Repeat("cd", 32), "ready": true, "restartCount": 0,
			"state": object{"running": object{"startedAt": time.Now().UTC().Format(time.RFC3339)}},
		}},
	}}))
	return pods, uids
}

// checkPodMetadataRecords checks each named pod's line: the service names
// the agent gave it from the API server's metadata, and its ids.
func checkPodMetadataRecords(t *testing.T, recs []harness.LogRecord, pods map[string]metadataPod, uids map[string]string, traceID string) {
	t.Helper()
	byMsg := map[string]harness.LogRecord{}
	for _, r := range recs {
		var line struct{ Msg string }
		_ = json.Unmarshal([]byte(r["_msg"]), &line)
		byMsg[line.Msg] = r
	}
	for key, want := range map[string]map[string]string{
		"cart": {
			"service.name": "cart", "service.version": "1.4.2", "service.namespace": "shop",
			"k8s.deployment.name": "storefront", "k8s.replicaset.name": "storefront-7d9f8b6c5",
			"k8s.pod.labels.app.kubernetes.io/name": "cart", "container.image.name": "registry.example/shop/cart",
		},
		"worker":   {"service.name": "worker", "service.version": "3.1.0", "k8s.deployment.name": "worker"},
		"payments": {"service.name": "payments-api", "service.namespace": "money", "k8s.statefulset.name": "payments"},
	} {
		r, ok := byMsg["k8s-api-"+key]
		if !ok {
			t.Errorf("the %s pod's line is not in the store", key)
			continue
		}
		t.Logf("%s: service.name %s, service.namespace %s, service.version %s", key, r["service.name"], r["service.namespace"], r["service.version"])
		want["k8s.pod.uid"], want["trace_id"], want["k8s.node.name"] = uids[key], traceID, k8sNode
		want["service.instance.id"] = "shop." + pods[key].name + "." + pods[key].container
		for k, v := range want {
			if r[k] != v {
				t.Errorf("%s: %s = %q, want %q", key, k, r[k], v)
			}
		}
	}
}

// object is a Kubernetes object or part of one, as JSON.
type object = map[string]any

// manifestObjects returns the objects of those kinds (all, if none is
// given) in a file of deploy/kubernetes.
func manifestObjects(t *testing.T, file string, kinds ...string) []object {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "kubernetes", file))
	if err != nil {
		t.Fatal(err)
	}
	var out []object
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc object
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		if k, _ := doc["kind"].(string); k != "" && (len(kinds) == 0 || slices.Contains(kinds, k)) {
			out = append(out, doc)
		}
	}
}

// startKubeAPI starts the API server that `make e2e` built; like every
// server binary, a missing one fails the test in CI and skips it elsewhere.
func startKubeAPI(t *testing.T, dir string) *harness.KubeAPI {
	t.Helper()
	apiserverBin, etcdBin := binary(t, "KUBE_APISERVER_BIN"), binary(t, "ETCD_BIN")
	api, err := harness.StartKubeAPI(dir, apiserverBin, etcdBin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Stop)
	return api
}

// mustAPI returns a check that fails the test on an API error.
func mustAPI(t *testing.T) func(map[string]any, error) map[string]any {
	return func(resp map[string]any, err error) map[string]any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
}

// TestKubernetesManifestsServerDryRun has the API server check every object
// of the kustomization against its schemas, unknown fields refused, with a
// dry run (nothing is stored): what kubeconform would check, without its
// schemas from the internet.
func TestKubernetesManifestsServerDryRun(t *testing.T) {
	api := startKubeAPI(t, t.TempDir())
	must := mustAPI(t)
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var kust struct {
		Namespace string
		Resources []string
	}
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "kubernetes", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &kust); err != nil {
		t.Fatal(err)
	}
	// The namespace itself for real: the others are checked inside it.
	must(api.Do(http.MethodPost, "/api/v1/namespaces", object{"apiVersion": "v1", "kind": "Namespace", "metadata": object{"name": kust.Namespace}}))
	checked := 0
	for _, file := range kust.Resources {
		for _, o := range manifestObjects(t, file) {
			kind := o["kind"].(string)
			if kind == "Namespace" {
				continue
			}
			path := "/apis/" + o["apiVersion"].(string)
			if o["apiVersion"] == "v1" {
				path = "/api/v1"
			}
			if kind != "ClusterRole" && kind != "ClusterRoleBinding" {
				path += "/namespaces/" + kust.Namespace
			}
			plural := strings.ToLower(kind) + "s"
			if strings.HasSuffix(kind, "y") {
				plural = strings.ToLower(strings.TrimSuffix(kind, "y")) + "ies"
			}
			if _, err := api.Do(http.MethodPost, path+"/"+plural+"?dryRun=All&fieldValidation=Strict", o); err != nil {
				t.Errorf("%s %s: %v", file, kind, err)
				continue
			}
			checked++
		}
	}
	t.Logf("%d objects accepted by kube-apiserver (dry run, strict field validation)", checked)
}
