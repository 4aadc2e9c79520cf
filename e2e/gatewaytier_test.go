// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// The sampling gateways' name in the load balancer's own /etc/hosts: its
// DNS resolver finds every address of it, as with a Kubernetes headless
// service.
const samplingName = "hypha-sampling.test"

// tierTrace is one trace the test sends: spans and log records with its id.
type tierTrace struct {
	id     pcommon.TraceID
	spans  []pcommon.SpanID
	failed bool // a span has status ERROR: the override's policy keeps it
}

const spansPerTrace, logsPerTrace = 3, 2

// TestGatewayTierRoutesByTrace runs the scaled-out backend of
// docs/gateway-tier.md: hypha:loadbalancer in front of two sampling
// gateways (hypha:gateway with deploy/gateway-tier/sampling.yaml), real
// Jaeger and the real log store. Every span and log record of a trace must
// pass through one gateway, and a trace's logs are kept or dropped with it.
// Then one gateway stops: what is sent after that all arrives, through the
// other.
func TestGatewayTierRoutesByTrace(t *testing.T) {
	bins := stackBinaries(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root: the load balancer runs in a mount namespace of its own, with its own /etc/hosts")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed to give the load balancer its own /etc/hosts")
	}
	dir := t.TempDir()
	store, jaeger := startStores(t, bins, dir)

	// Both gateways listen on one port, each on its own loopback address,
	// as the pods behind one service do.
	gwIPs := []string{"127.0.0.2", "127.0.0.3"}
	port := freePortOn(t, gwIPs...)
	gateways := startSamplingGateways(t, bins, dir, store, jaeger, gwIPs, port)
	hosts := filepath.Join(dir, "hosts")
	writeHosts(t, hosts, gwIPs...)
	lb := startTierLoadBalancer(t, bins, dir, hosts, port)

	wantUntraced := checkTierFirstRound(t, lb, store, jaeger, gateways)
	checkTierAfterGatewayStops(t, lb, store, jaeger, gateways, hosts, gwIPs, wantUntraced)
	if t.Failed() {
		t.Logf("load balancer output:\n%s", lb.Tail(1<<14))
	}
}

// startSamplingGateways starts gw1, gw2, … on port, one per address in ips:
// hypha:gateway with deploy/gateway-tier/sampling.yaml (decisions after 2 s,
// half the traces without errors kept), each tagging what passes through it
// with its name.
func startSamplingGateways(t *testing.T, bins harness.Binaries, dir string, store *harness.VictoriaLogs, jaeger *harness.Jaeger, gwIPs []string, port int) map[string]*harness.Hypha {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	gateways := map[string]*harness.Hypha{}
	for i, ip := range gwIPs {
		name := fmt.Sprintf("gw%d", i+1)
		tag := filepath.Join(dir, name+".yaml")
		writeFile(t, tag, tierTagOverride(name))
		gateways[name] = startHypha(t, bins, dir, harness.HyphaOptions{
			Name: "hypha-" + name, Mode: "gateway",
			Env: []string{
				"HYPHA_OTLP_GRPC_ENDPOINT=" + net.JoinHostPort(ip, strconv.Itoa(port)),
				"HYPHA_LOKI_ENDPOINT=" + store.OTLPEndpoint(),
				"HYPHA_JAEGER_ENDPOINT=" + jaeger.OTLPGRPC,
				"HYPHA_SAMPLING_DECISION_WAIT=2s",
				"HYPHA_SAMPLING_PERCENT=50",
			},
			Overrides: []string{"file:" + filepath.Join(root, "deploy/gateway-tier/sampling.yaml"), "file:" + tag},
		})
	}
	return gateways
}

// startTierLoadBalancer starts hypha:loadbalancer, finding the gateways as
// the addresses of samplingName in the hosts file given, which it sees as
// its /etc/hosts.
func startTierLoadBalancer(t *testing.T, bins harness.Binaries, dir, hosts string, port int) *harness.Hypha {
	t.Helper()
	return startHypha(t, bins, dir, harness.HyphaOptions{
		Mode: "loadbalancer",
		Env: []string{
			"HYPHA_AUTH=none",
			"HYPHA_SAMPLING_DNS=" + samplingName,
			"HYPHA_SAMPLING_PORT=" + strconv.Itoa(port),
			"HYPHA_SAMPLING_DNS_INTERVAL=500ms",
			"HYPHA_SAMPLING_INSECURE=true",
		},
		// The bind mount lives only in the load balancer's namespace; the
		// test rewrites the file in place, as DNS changes when a pod goes.
		Wrapper: []string{"unshare", "--mount", "--", "sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, hosts},
	})
}

// checkTierFirstRound sends 120 traces through both gateways: each is whole
// in one gateway's stores, kept or dropped with its logs; logs without a
// trace id spread and are all kept. It returns how many of those it sent.
func checkTierFirstRound(t *testing.T, lb *harness.Hypha, store *harness.VictoriaLogs, jaeger *harness.Jaeger, gateways map[string]*harness.Hypha) (wantUntraced int) {
	t.Helper()
	sent := sendTierTraces(t, lb.OTLPGRPC, 120, false)
	settle := settleDeadline()
	kept, dropped, dups := 0, 0, 0
	seen := map[string]int{}
	for _, tr := range sent {
		got := waitTraceSettled(t, store, jaeger, tr, settle)
		dups += got.dups
		if got.gateway != "" {
			seen[got.gateway]++
			kept++
		} else {
			dropped++
		}
		if tr.failed && got.gateway == "" {
			t.Errorf("trace %s has an ERROR span but was not kept", tr.id)
		}
	}
	t.Logf("first round: %d traces kept, %d dropped, by gateway %v; %d spans and records stored twice", kept, dropped, seen, dups)
	for name, gw := range gateways {
		t.Logf("%s: log records passed %v, kept %v, dropped %v after their trace's decision; %v traces sampled", name,
			metricSum(gw, "otelcol_processor_hypha_log_sampling_log_records", `decision="passed"`),
			metricSum(gw, "otelcol_processor_hypha_log_sampling_log_records", `decision="kept"`),
			metricSum(gw, "otelcol_processor_hypha_log_sampling_log_records", `decision="dropped"`),
			metricSum(gw, "otelcol_processor_tail_sampling_global_count_traces_sampled", `sampled="true"`))
	}
	if kept == len(sent) || dropped == 0 {
		t.Errorf("with 50 %% of the traces without errors dropped, %d of %d were kept: the sampling policy did not run", kept, len(sent))
	}
	if len(seen) != 2 {
		t.Errorf("traces reached gateways %v, want both", seen)
	}
	for name, gw := range gateways {
		// A gateway's share of the logs without a trace id, each routed at random.
		if n := metricSum(gw, "otelcol_processor_hypha_log_sampling_log_records", `decision="passed"`); n < float64(len(sent))/4 {
			t.Errorf("%s took %v of the %d log records without a trace id: they should spread over the gateways", name, n, len(sent))
		}
	}
	wantUntraced = len(sent)
	if n := untracedCount(t, store); n != wantUntraced {
		t.Errorf("%d log records without a trace id stored, want %d: they are never sampled away", n, wantUntraced)
	}
	return wantUntraced
}

// checkTierAfterGatewayStops stops gw2 and takes its address out of the
// hosts file: every trace sent after that arrives whole through gw1, and no
// log without a trace id is lost.
func checkTierAfterGatewayStops(t *testing.T, lb *harness.Hypha, store *harness.VictoriaLogs, jaeger *harness.Jaeger, gateways map[string]*harness.Hypha, hosts string, gwIPs []string, wantUntraced int) {
	t.Helper()
	// gw2 stops; its address leaves the name, as a stopped pod's does.
	gateways["gw2"].Stop(10 * time.Second)
	writeHosts(t, hosts, gwIPs[0])
	after := sendTierTraces(t, lb.OTLPGRPC, 60, true)
	settle := settleDeadline()
	dups := 0
	for _, tr := range after {
		got := waitTraceSettled(t, store, jaeger, tr, settle)
		dups += got.dups
		if got.gateway != "gw1" {
			t.Errorf("after gw2 stopped, trace %s (ERROR, so kept) arrived through %q, want gw1 with all its spans and logs", tr.id, got.gateway)
		}
	}
	n := untracedCount(t, store)
	if n < wantUntraced+len(after) {
		t.Errorf("%d log records without a trace id stored, want %d: some were lost", n, wantUntraced+len(after))
	}
	t.Logf("after gw2 stopped: all %d traces through gw1; %d spans and records with a trace id, and %d without, stored twice",
		len(after), dups, n-wantUntraced-len(after))
}

// tierTagOverride tags what passes through a gateway with its name.
func tierTagOverride(name string) string {
	return `processors:
  resource/tier_test:
    attributes:
      - {key: test.gateway, value: ` + name + `, action: upsert}
service:
  pipelines:
    traces:
      processors: [memory_limiter, attributes/hypha_route, tail_sampling, hypha_log_sampling, resource/tier_test]
    logs:
      processors: [memory_limiter, attributes/hypha_route, hypha_correlation, hypha_log_sampling, resource/tier_test]
`
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeHosts rewrites the load balancer's hosts file in place: the bind
// mount follows the file, not its name.
func writeHosts(t *testing.T, path string, ips ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("127.0.0.1 localhost\n")
	for _, ip := range ips {
		b.WriteString(ip + " " + samplingName + "\n")
	}
	writeFile(t, path, b.String())
}

// freePortOn finds a port free on every address.
func freePortOn(t *testing.T, ips ...string) int {
	t.Helper()
	for range 20 {
		port, err := harness.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		free := true
		for _, ip := range ips {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return port
		}
	}
	t.Fatal("no port free on every gateway address")
	return 0
}

// sendTierTraces sends n traces, half of them with an ERROR span (all when
// allFailed), their log records, and one record without a trace id per
// trace, in requests that mix traces, as an agent's batches do.
func sendTierTraces(t *testing.T, addr string, n int, allFailed bool) []tierTrace {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	traces := make([]tierTrace, n)
	now := time.Now()
	for start := 0; start < n; start += 20 {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "tier-test")
		ss := rs.ScopeSpans().AppendEmpty()
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "tier-test")
		sl := rl.ScopeLogs().AppendEmpty()
		for i := start; i < min(start+20, n); i++ {
			tr := &traces[i]
			rand.Read(tr.id[:])
			tr.failed = allFailed || i%2 == 0
			for s := range spansPerTrace {
				var sid pcommon.SpanID
				rand.Read(sid[:])
				tr.spans = append(tr.spans, sid)
				span := ss.Spans().AppendEmpty()
				span.SetTraceID(tr.id)
				span.SetSpanID(sid)
				if s > 0 {
					span.SetParentSpanID(tr.spans[0])
				}
				span.SetName(fmt.Sprintf("step-%d", s))
				span.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
				span.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Millisecond)))
				if tr.failed && s == spansPerTrace-1 {
					span.Status().SetCode(ptrace.StatusCodeError)
				}
			}
			for l := range logsPerTrace {
				lr := sl.LogRecords().AppendEmpty()
				lr.SetTraceID(tr.id)
				lr.SetSpanID(tr.spans[l])
				lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
				lr.Body().SetStr(fmt.Sprintf("tier line %d of %s", l, tr.id))
			}
			lr := sl.LogRecords().AppendEmpty()
			lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
			lr.Body().SetStr("tier untraced line")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td)); err != nil {
			t.Fatalf("sending spans to the load balancer: %v", err)
		}
		if _, err := plogotlp.NewGRPCClient(conn).Export(ctx, plogotlp.NewExportRequestFromLogs(ld)); err != nil {
			t.Fatalf("sending logs to the load balancer: %v", err)
		}
		cancel()
	}
	return traces
}

// settled is where a trace ended up: the gateway all its spans and logs
// passed through, or "" when the trace and its logs were dropped, and how
// many of them were stored more than once.
type settled struct {
	gateway string
	dups    int
}

// settleDeadline is when every trace just sent has been decided and its
// logs released: decision_wait 2 s, hypha_log_sampling's grace 5 s, and
// room for the load balancer's retries and the stores' own delay.
func settleDeadline() time.Time { return time.Now().Add(25 * time.Second) }

// waitTraceSettled waits until the trace is whole in both stores, or until
// the deadline, after which a trace must be in neither. Anything in between
// (part of a trace, spans without their logs, two gateways) fails the test.
// Delivery is at least once: a retry after a gateway failed sends the
// parts that had reached the other gateway again, so copies are counted,
// not failed.
func waitTraceSettled(t *testing.T, store *harness.VictoriaLogs, jaeger *harness.Jaeger, tr tierTrace, deadline time.Time) settled {
	t.Helper()
	id := tr.id.String()
	var last string
	for {
		spans, err := jaeger.Trace(id)
		if err != nil && !strings.Contains(err.Error(), "404 Not Found") {
			t.Fatal(err)
		}
		recs, err := store.Query(`trace_id:="` + id + `"`)
		if err != nil {
			t.Fatal(err)
		}
		places := map[string]bool{}
		spanIDs, lines := map[string]bool{}, map[string]bool{}
		for _, s := range spans {
			places[s.Process["test.gateway"]] = true
			spanIDs[s.SpanID] = true
		}
		for _, r := range recs {
			places[r["test.gateway"]] = true
			lines[r["_msg"]] = true
		}
		last = fmt.Sprintf("%d spans and %d log records, through %v", len(spans), len(recs), places)
		if len(places) > 1 {
			t.Errorf("trace %s split between gateways: %s", id, last)
			return settled{}
		}
		if len(spanIDs) == spansPerTrace && len(lines) == logsPerTrace {
			for gw := range places {
				return settled{gateway: gw, dups: len(spans) - len(spanIDs) + len(recs) - len(lines)}
			}
		}
		if time.Now().After(deadline) {
			if len(spans) == 0 && len(recs) == 0 {
				return settled{}
			}
			t.Errorf("trace %s neither whole nor gone: %s", id, last)
			return settled{}
		}
		// A dropped trace is only known once its wait is over.
		time.Sleep(500 * time.Millisecond)
	}
}

func untracedCount(t *testing.T, store *harness.VictoriaLogs) int {
	t.Helper()
	n, err := store.Count(`"tier untraced line"`)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
