// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// exporterOverrides are the gateway overrides of deploy/exporters/, found by
// glob so that a new file is checked without a change here.
func exporterOverrides(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../deploy/exporters/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no overrides in deploy/exporters/")
	}
	return files
}

// TestValidateExporterOverrides runs `hypha validate --config hypha:gateway
// --config file:<override>` on every file in deploy/exporters/, alone and
// with the redaction override beneath it, as docs/exporters.md tells users
// to layer them. Files named agent-*.yaml are agent overrides and are
// validated on hypha:agent.
func TestValidateExporterOverrides(t *testing.T) {
	bin := binary(t, "HYPHA_BIN")
	redaction, err := filepath.Abs("../deploy/exporters/redaction.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range exporterOverrides(t) {
		abs, err := filepath.Abs(file)
		if err != nil {
			t.Fatal(err)
		}
		mode, stacks := "gateway", [][]string{{abs}, {redaction, abs}}
		if strings.HasPrefix(filepath.Base(file), "agent-") {
			mode, stacks = "agent", [][]string{{abs}}
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, layers := range stacks {
				args := []string{"validate", "--config", "hypha:" + mode}
				for _, l := range layers {
					args = append(args, "--config", "file:"+l)
				}
				cmd := exec.Command(bin, args...)
				// Every setting of the overrides has a default; the collector
				// needs only the explicit choice about auth.
				cmd.Env = append(os.Environ(), "HYPHA_AUTH=none")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("hypha %v: %v\n%s", args, err, out)
				}
			}
		})
	}
}

// swapOverride is the --config URI of a file in deploy/exporters/.
func swapOverride(t *testing.T, name string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "deploy", "exporters", name))
	if err != nil {
		t.Fatal(err)
	}
	return "file:" + abs
}

// startStores starts VictoriaLogs and Jaeger, both stopped at the end of
// the test.
func startStores(t *testing.T, bins harness.Binaries, dir string) (*harness.VictoriaLogs, *harness.Jaeger) {
	t.Helper()
	store, err := harness.StartVictoriaLogs(dir, bins.VictoriaLogs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Stop(10 * time.Second) })
	jaeger, err := harness.StartJaeger(dir, bins.Jaeger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jaeger.Stop(10 * time.Second) })
	return store, jaeger
}

// swapTrace is one trace the swap tests send: its ids, in hex, as the
// stores show them.
type swapTrace struct{ traceID, spanID, childID string }

func newSwapTraces(t *testing.T, n int) []swapTrace {
	t.Helper()
	hexID := func(size int) string {
		b := make([]byte, size)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(b)
	}
	traces := make([]swapTrace, n)
	for i := range traces {
		traces[i] = swapTrace{traceID: hexID(16), spanID: hexID(8), childID: hexID(8)}
	}
	return traces
}

// otlpSpans is an OTLP/protobuf export request with two spans, a root and
// its child, per trace. attrs go on every span.
func otlpSpans(t *testing.T, service string, traces []swapTrace, attrs map[string]string) []byte {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	for _, tr := range traces {
		var tid [16]byte
		var root, child [8]byte
		mustDecodeHex(t, tr.traceID, tid[:])
		mustDecodeHex(t, tr.spanID, root[:])
		mustDecodeHex(t, tr.childID, child[:])
		for i, id := range [][8]byte{root, child} {
			sp := spans.AppendEmpty()
			sp.SetTraceID(tid)
			sp.SetSpanID(id)
			sp.SetName([]string{"GET /checkout", "charge card"}[i])
			if i == 1 {
				sp.SetParentSpanID(root)
			}
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Millisecond)))
			for k, v := range attrs {
				sp.Attributes().PutStr(k, v)
			}
		}
	}
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecodeHex(t *testing.T, s string, dst []byte) {
	t.Helper()
	if _, err := hex.Decode(dst, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// jsonLine is an app's log line with the trace context in the line only,
// as pino writes it: the gateway's hypha_correlation must find the ids.
func jsonLine(tr swapTrace, msg string) string {
	return fmt.Sprintf(`{"level":30,"time":%d,"msg":%q,"trace_id":"%s","span_id":"%s"}`,
		time.Now().UnixMilli(), msg, tr.traceID, tr.childID)
}

// waitRecords waits until the store holds want records matching query.
func waitRecords(t *testing.T, store *harness.VictoriaLogs, query string, want int, why func() string) []harness.LogRecord {
	t.Helper()
	var recs []harness.LogRecord
	if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
		var err error
		if recs, err = store.Query(query); err != nil {
			return err
		}
		if len(recs) < want {
			return fmt.Errorf("%d of %d records for %s", len(recs), want, query)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\n%s", err, why())
	}
	if len(recs) != want {
		t.Errorf("%d records for %s, want %d", len(recs), query, want)
	}
	return recs
}

// waitSpans waits until Jaeger holds both spans of every trace.
func waitSpans(t *testing.T, jaeger *harness.Jaeger, traces []swapTrace, service string, why func() string) {
	t.Helper()
	for _, tr := range traces {
		if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
			spans, err := jaeger.Trace(tr.traceID)
			if err != nil {
				return err
			}
			if !hasSpan(spans, tr.spanID, service) || !hasSpan(spans, tr.childID, service) {
				return fmt.Errorf("trace %s: %d spans in Jaeger, want its 2 from %s", tr.traceID, len(spans), service)
			}
			return nil
		}); err != nil {
			t.Fatalf("%v\n%s", err, why())
		}
	}
}

// fileAgent is an agent tailing one app's log file.
type fileAgent struct {
	*harness.Hypha
	logFile string
}

// startFileAgent starts an agent named name on a log file of its own, and
// waits until it follows the file.
func startFileAgent(t *testing.T, bins harness.Binaries, dir, name string, opts harness.HyphaOptions) *fileAgent {
	t.Helper()
	logDir := filepath.Join(dir, name+"-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(logDir, "app.log")
	// A line before the agent starts, which it skips (start_at: end).
	if err := os.WriteFile(logFile, []byte("{\"msg\":\"before the agent\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Name, opts.Mode = name, "agent"
	opts.Env = append(opts.Env,
		"HYPHA_LOG_INCLUDE="+filepath.Join(logDir, "*.log"),
		"HYPHA_STORAGE_DIR="+filepath.Join(dir, name+"-storage"))
	a := &fileAgent{Hypha: startHypha(t, bins, dir, opts), logFile: logFile}
	waitForOutput(t, a.Process, "Started watching file", 30*time.Second)
	return a
}

// writeLines appends perTrace lines for each trace to the agent's file and
// notes each line's trace id by message in want.
func (a *fileAgent) writeLines(t *testing.T, label string, traces []swapTrace, perTrace int, want map[string]string) {
	t.Helper()
	f, err := os.OpenFile(a.logFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, tr := range traces {
		for j := range perTrace {
			msg := fmt.Sprintf("line %d of trace %d, %s", j, i, label)
			want[msg] = tr.traceID
			if _, err := fmt.Fprintln(f, jsonLine(tr, msg)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestKafkaSwap delivers through Kafka end to end, with the real binary in
// every role: an agent tails a log file and takes spans over OTLP, a
// gateway with deploy/exporters/kafka.yaml writes both to Kafka (kfake,
// which speaks the Kafka protocol), another agent with agent-kafka.yaml
// writes its lines to Kafka itself, and a gateway with
// kafka-receiver.yaml, started only afterwards, reads them and stores them
// in VictoriaLogs and Jaeger, each log record with its native ids. Lines
// read while the store is down are stored once it is back.
func TestKafkaSwap(t *testing.T) {
	bins := stackBinaries(t)
	kafkaBin := binary(t, "KAFKA_BIN")
	dir := t.TempDir()
	store, jaeger := startStores(t, bins, dir)
	kafka, err := harness.StartKafka(dir, kafkaBin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kafka.Stop(10 * time.Second) })

	writer := startHypha(t, bins, dir, harness.HyphaOptions{
		Name: "hypha-kafka-writer", Mode: "gateway",
		Overrides: []string{swapOverride(t, "kafka.yaml")},
		Env:       []string{"HYPHA_KAFKA_BROKERS=" + kafka.Addr},
	})
	agent := startFileAgent(t, bins, dir, "hypha-agent", harness.HyphaOptions{Env: []string{
		"HYPHA_GATEWAY_ENDPOINT=" + writer.OTLPGRPC,
		"HYPHA_SERVICE_NAME=kafka-app",
	}})
	// An agent that writes to Kafka itself, with agent-kafka.yaml.
	direct := startFileAgent(t, bins, dir, "hypha-agent-kafka", harness.HyphaOptions{
		Overrides: []string{swapOverride(t, "agent-kafka.yaml")},
		Env:       []string{"HYPHA_KAFKA_BROKERS=" + kafka.Addr, "HYPHA_SERVICE_NAME=kafka-app"},
	})

	const linesPerTrace = 5
	want := map[string]string{} // message → trace id
	traces := newSwapTraces(t, 4)
	agent.writeLines(t, "through the gateway", traces, linesPerTrace, want)
	direct.writeLines(t, "straight to Kafka", newSwapTraces(t, 2), linesPerTrace, want)
	postOK(t, "http://"+agent.OTLPHTTP+"/v1/traces", otlpSpans(t, "kafka-app", traces, nil))

	// Everything is in Kafka before the reader starts: a new consumer group
	// must begin at the oldest record.
	waitKafkaWritten(t, writer, direct, kafka, linesPerTrace, len(traces))

	reader := startHypha(t, bins, dir, harness.HyphaOptions{
		Name: "hypha-kafka-reader", Mode: "gateway",
		Overrides: []string{swapOverride(t, "kafka-receiver.yaml")},
		Env: []string{
			"HYPHA_KAFKA_BROKERS=" + kafka.Addr,
			"HYPHA_LOKI_ENDPOINT=" + store.OTLPEndpoint(),
			"HYPHA_JAEGER_ENDPOINT=" + jaeger.OTLPGRPC,
		},
	})
	why := func() string { return "reader:\n" + reader.Tail(3000) + "\nkafka:\n" + kafka.Tail(3000) }
	checkKafkaStored(t, store, want, why)
	waitSpans(t, jaeger, traces, "kafka-app", why)
	if got := metricSum(reader, "otelcol_receiver_accepted_log_records", `receiver="kafka"`); got != float64(len(want)) {
		t.Errorf("the reader's kafka receiver accepted %v log records, want %d", got, len(want))
	}

	// The store goes away while more lines come: the reader backs off and
	// leaves their offsets uncommitted, and stores them once it is back.
	store.Stop(10 * time.Second)
	agent.writeLines(t, "during the outage", newSwapTraces(t, 2), linesPerTrace, want)
	waitForOutput(t, reader.Process, "Backing off due to error from the next consumer", 60*time.Second)
	if err := store.Restart(); err != nil {
		t.Fatal(err)
	}
	checkKafkaStored(t, store, want, why)
	t.Logf("kafka: %d lines and %d spans: agent → gateway (kafka exporter) or agent (kafka exporter) → kfake → gateway (kafka receiver) → VictoriaLogs and Jaeger, ids intact, %d of the lines across a store outage",
		len(want), 2*len(traces), 2*linesPerTrace)
}

// waitKafkaWritten waits until the writer gateway has sent 4 traces' lines
// (linesPerTrace each) and nTraces traces' spans (2 each) to Kafka, and the
// Kafka agent 2 traces' lines.
func waitKafkaWritten(t *testing.T, writer *harness.Hypha, direct *fileAgent, kafka *harness.Kafka, linesPerTrace, nTraces int) {
	t.Helper()
	if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
		logs := metricSum(writer, "otelcol_exporter_sent_log_records", `exporter="kafka"`)
		spans := metricSum(writer, "otelcol_exporter_sent_spans", `exporter="kafka"`)
		if logs != float64(4*linesPerTrace) || spans != float64(2*nTraces) {
			return fmt.Errorf("the writer sent %v of %d records and %v of %d spans to Kafka", logs, 4*linesPerTrace, spans, 2*nTraces)
		}
		if logs := metricSum(direct.Hypha, "otelcol_exporter_sent_log_records", `exporter="kafka"`); logs != float64(2*linesPerTrace) {
			return fmt.Errorf("the Kafka agent sent %v of %d records", logs, 2*linesPerTrace)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\nwriter:\n%s\nkafka agent:\n%s\nkafka:\n%s", err, writer.Tail(2000), direct.Tail(2000), kafka.Tail(2000))
	}
}

// checkKafkaStored waits until the store holds every line of want (message
// → trace id) for kafka-app, each with its trace and span id.
func checkKafkaStored(t *testing.T, store *harness.VictoriaLogs, want map[string]string, why func() string) {
	t.Helper()
	stored := map[string]bool{}
	for _, r := range waitRecords(t, store, `service.name:="kafka-app"`, len(want), why) {
		var line struct {
			Msg    string `json:"msg"`
			SpanID string `json:"span_id"`
		}
		if err := json.Unmarshal([]byte(r["_msg"]), &line); err != nil {
			t.Errorf("stored body is not the app's line: %q", r["_msg"])
			continue
		}
		stored[line.Msg] = true
		if want[line.Msg] == "" || r["trace_id"] != want[line.Msg] || r["span_id"] != line.SpanID {
			t.Errorf("%q stored with trace_id=%q span_id=%q, want %q/%q", line.Msg, r["trace_id"], r["span_id"], want[line.Msg], line.SpanID)
		}
	}
	for msg := range want {
		if !stored[msg] {
			t.Errorf("%q never reached the store", msg)
		}
	}
}

// TestS3Swap sends logs and spans to a gateway with
// deploy/exporters/awss3.yaml pointed at an S3-compatible server, and reads
// the objects back. The gateway's answer waits for the store, so the
// objects must be there as soon as the request is answered.
func TestS3Swap(t *testing.T) {
	bins := stackBinaries(t)
	s3Bin := binary(t, "S3_BIN")
	dir := t.TempDir()
	s3, err := harness.StartS3(dir, s3Bin, "hypha-archive")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s3.Stop(10 * time.Second) })
	gw := startHypha(t, bins, dir, harness.HyphaOptions{
		Mode:      "gateway",
		Overrides: []string{swapOverride(t, "awss3.yaml")},
		Env: []string{
			"HYPHA_S3_ENDPOINT=" + s3.URL,
			"HYPHA_S3_FORCE_PATH_STYLE=true",
			"HYPHA_S3_BUCKET=" + s3.Bucket,
			// The SDK signs every request; the test server does not check.
			"AWS_ACCESS_KEY_ID=hypha-test",
			"AWS_SECRET_ACCESS_KEY=hypha-test-secret",
			"AWS_EC2_METADATA_DISABLED=true",
		},
	})
	traces := newSwapTraces(t, 3)
	var lines []string
	want := map[string]string{} // body → trace id
	for i, tr := range traces {
		l := jsonLine(tr, fmt.Sprintf("s3 line of trace %d", i))
		lines = append(lines, l)
		want[l] = tr.traceID
	}
	const partition = "year=2006/month=01/day=02/hour=15"
	// The objects are in the hour of their upload: this one, or the next if
	// it began meanwhile.
	hours := []string{time.Now().UTC().Format(partition)}
	postOK(t, "http://"+gw.OTLPHTTP+"/v1/logs", otlpLogs(t, "s3-app", lines...))
	postOK(t, "http://"+gw.OTLPHTTP+"/v1/traces", otlpSpans(t, "s3-app", traces, nil))
	hours = append(hours, time.Now().UTC().Format(partition))
	logObjects := s3Objects(t, s3, "logs/", hours, gw)
	got := 0
	for _, obj := range logObjects {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(obj)
		if err != nil {
			t.Fatalf("a logs object is not OTLP/JSON: %v", err)
		}
		for i := range ld.ResourceLogs().Len() {
			rl := ld.ResourceLogs().At(i)
			for j := range rl.ScopeLogs().Len() {
				lrs := rl.ScopeLogs().At(j).LogRecords()
				for k := range lrs.Len() {
					lr := lrs.At(k)
					got++
					if tid := lr.TraceID(); hex.EncodeToString(tid[:]) != want[lr.Body().Str()] {
						t.Errorf("record %q stored with trace id %x, want %s", lr.Body().Str(), tid, want[lr.Body().Str()])
					}
				}
			}
		}
	}
	if got != len(lines) {
		t.Errorf("%d log records in S3, want %d", got, len(lines))
	}
	spans := 0
	for _, obj := range s3Objects(t, s3, "traces/", hours, gw) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(obj)
		if err != nil {
			t.Fatalf("a traces object is not OTLP/JSON: %v", err)
		}
		spans += td.SpanCount()
	}
	if spans != 2*len(traces) {
		t.Errorf("%d spans in S3, want %d", spans, 2*len(traces))
	}
	t.Logf("s3: %d log records and %d spans in %s, under logs/%s and traces/%[4]s, stored before the gateway answered", got, spans, s3.Bucket, hours[0])
}

// s3Objects reads and decompresses every object under prefix, checking that
// each sits in one of the hour partitions.
func s3Objects(t *testing.T, s3 *harness.S3, prefix string, hours []string, gw *harness.Hypha) [][]byte {
	t.Helper()
	keys, err := s3.Keys(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatalf("no object under %s once the gateway had answered\ngateway:\n%s", prefix, gw.Tail(3000))
	}
	var objects [][]byte
	for _, key := range keys {
		inHour := strings.HasPrefix(key, prefix+hours[0]+"/") || strings.HasPrefix(key, prefix+hours[1]+"/")
		if !inHour || !strings.HasSuffix(key, ".json.gz") {
			t.Errorf("object %s: want %s%s/<name>.json.gz", key, prefix, hours[0])
		}
		raw, err := s3.Object(key)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		objects = append(objects, b)
	}
	return objects
}

// TestRedactionSwap runs deploy/exporters/redaction.yaml on a gateway in
// front of the real stores: card numbers and email addresses in log bodies,
// log attributes and span attributes are masked before they are stored,
// while the trace and span ids, found in the same lines, survive.
func TestRedactionSwap(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	store, jaeger := startStores(t, bins, dir)
	gw := startHypha(t, bins, dir, harness.HyphaOptions{
		Mode:      "gateway",
		Overrides: []string{swapOverride(t, "redaction.yaml")},
		Env: []string{
			"HYPHA_LOKI_ENDPOINT=" + store.OTLPEndpoint(),
			"HYPHA_JAEGER_ENDPOINT=" + jaeger.OTLPGRPC,
		},
	})

	const (
		visa       = "4111 1111 1111 1111"
		mastercard = "5500-0000-0000-0004"
		amex       = "378282246310005"
		email      = "jane.doe@example.com"
	)
	secrets := []string{visa, mastercard, amex, email, "4111111111111111"}
	tr := newSwapTraces(t, 1)[0]
	sentAt := time.Now().UnixMilli()
	body := redactionLogs(t, tr, sentAt, visa, mastercard, amex, email)
	postOK(t, "http://"+gw.OTLPHTTP+"/v1/logs", body)
	postOK(t, "http://"+gw.OTLPHTTP+"/v1/traces", otlpSpans(t, "redaction-app", []swapTrace{tr},
		map[string]string{"enduser.email": email, "payment.card": visa}))

	recs := waitRecords(t, store, `service.name:="redaction-app"`, 2, func() string { return gw.Tail(3000) })
	for _, r := range recs {
		checkRedactedRecord(t, r, tr, sentAt, secrets)
	}
	waitSpans(t, jaeger, []swapTrace{tr}, "redaction-app", func() string { return gw.Tail(3000) })
	raw, err := harness.Get(jaeger.QueryURL + "/api/traces/" + tr.traceID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("Jaeger's trace still holds %q", s)
		}
	}
	if !bytes.Contains(raw, []byte(`"key":"enduser.email","type":"string","value":"****"`)) {
		t.Errorf("Jaeger's trace lacks the masked enduser.email:\n%s", raw)
	}
	t.Logf("redaction: %d records and 2 spans stored with cards and emails masked, trace %s and its span ids intact", len(recs), tr.traceID)
}

// redactionLogs is a request of two records for redaction-app: a pino line
// with a card and an email beside the trace context, and a record with
// cards and an email in its attributes, and the ids in attributes too.
func redactionLogs(t *testing.T, tr swapTrace, sentAt int64, visa, mastercard, amex, email string) []byte {
	t.Helper()
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "redaction-app")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	// The ids only in the line, beside the PII, as a pino line has them.
	inBody := lrs.AppendEmpty()
	inBody.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	inBody.Body().SetStr(fmt.Sprintf(`{"level":30,"time":%d,"msg":"paid with %s by %s","trace_id":"%s","span_id":"%s"}`,
		sentAt, visa, email, tr.traceID, tr.childID))
	// The PII in attributes, one of them a number, and the ids in attributes.
	inAttrs := lrs.AppendEmpty()
	inAttrs.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	inAttrs.Body().SetStr("refund issued")
	inAttrs.Attributes().PutStr("card", mastercard)
	inAttrs.Attributes().PutStr("amex", amex)
	inAttrs.Attributes().PutInt("card_number", 4111111111111111)
	inAttrs.Attributes().PutStr("user.email", email)
	inAttrs.Attributes().PutStr("trace_id", tr.traceID)
	inAttrs.Attributes().PutStr("span_id", tr.spanID)
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// checkRedactedRecord: no field of stored record r holds any of secrets,
// the line's body is masked in place, the attributes are masked, and the
// trace context of each survived.
func checkRedactedRecord(t *testing.T, r harness.LogRecord, tr swapTrace, sentAt int64, secrets []string) {
	t.Helper()
	for field, value := range r {
		for _, s := range secrets {
			if strings.Contains(value, s) {
				t.Errorf("stored field %s still holds %q: %q", field, s, value)
			}
		}
	}
	switch {
	case strings.HasPrefix(r["_msg"], "{"):
		if r["trace_id"] != tr.traceID || r["span_id"] != tr.childID {
			t.Errorf("the line's ids did not survive: trace_id=%q span_id=%q, want %s/%s", r["trace_id"], r["span_id"], tr.traceID, tr.childID)
		}
		wantBody := fmt.Sprintf(`"time":%d,"msg":"paid with **** by ****","trace_id":"%s","span_id":"%s"`, sentAt, tr.traceID, tr.childID)
		if !strings.Contains(r["_msg"], wantBody) {
			t.Errorf("stored body %q, want it to contain %s", r["_msg"], wantBody)
		}
	default:
		for _, k := range []string{"card", "amex", "card_number", "user.email"} {
			if r[k] != "****" {
				t.Errorf("attribute %s stored as %q, want ****", k, r[k])
			}
		}
		if r["trace_id"] != tr.traceID || r["span_id"] != tr.spanID {
			t.Errorf("the attributes' ids did not survive: trace_id=%q span_id=%q, want %s/%s", r["trace_id"], r["span_id"], tr.traceID, tr.spanID)
		}
	}
}

// TestSyslogSwap sends RFC 5424 lines over TCP to a gateway with
// deploy/exporters/syslog.yaml, each message a JSON line with trace
// context, as a service logging to syslog writes it: first straight over
// TCP, then through the real forwarder, rsyslog with the omfwd action the
// override names, from logger(1). The store must hold the app's lines with
// their native trace and span ids, set by hypha_correlation, and the
// sending program as service.name.
func TestSyslogSwap(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	syslogPort, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	syslogAddr := fmt.Sprintf("127.0.0.1:%d", syslogPort)
	store, jaeger := startStores(t, bins, dir)
	gw := startHypha(t, bins, dir, harness.HyphaOptions{
		Name: "hypha-syslog", Mode: "gateway",
		Overrides: []string{swapOverride(t, "syslog.yaml")},
		Env: []string{
			"HYPHA_LOKI_ENDPOINT=" + store.OTLPEndpoint(),
			"HYPHA_JAEGER_ENDPOINT=" + jaeger.OTLPGRPC,
			"HYPHA_SYSLOG_TCP_ENDPOINT=" + syslogAddr,
		},
	})

	t.Run("TCP", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", syslogAddr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		want, msgs := syslogLines(t, "checkout")
		for i, msg := range msgs {
			// <134>: facility local0, severity informational. RFC 5424
			// allows at most microseconds, as rsyslog writes them.
			if _, err := fmt.Fprintf(conn, "<134>1 %s web-1 checkout %d - - %s\n",
				time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"), 4000+i, msg); err != nil {
				t.Fatal(err)
			}
		}
		expectSyslogStored(t, store, "checkout", want, func() string { return gw.Tail(3000) })
	})

	t.Run("rsyslog", func(t *testing.T) {
		rs, socket, logger := startRsyslog(t, dir, syslogPort)
		want, msgs := syslogLines(t, "billing")
		for _, msg := range msgs {
			if out, err := exec.Command(logger, "-u", socket, "-t", "billing", "-p", "local0.info", msg).CombinedOutput(); err != nil {
				t.Fatalf("logger: %v\n%s", err, out)
			}
		}
		expectSyslogStored(t, store, "billing", want, func() string { return gw.Tail(3000) + "\nrsyslogd:\n" + rs.Tail(2000) })
	})
}

// expectSyslogStored waits for want's lines of app in the store and checks
// each: the app's JSON line as it wrote it, with its trace and span ids,
// and the syslog hostname.
func expectSyslogStored(t *testing.T, store *harness.VictoriaLogs, app string, want map[string]swapTrace, why func() string) {
	t.Helper()
	recs := waitRecords(t, store, `service.name:="`+app+`"`, len(want), why)
	for _, r := range recs {
		if !strings.HasPrefix(r["_msg"], "{") {
			t.Errorf("stored body %q, want the app's line as it wrote it", r["_msg"])
		}
		var line struct {
			Msg string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(r["_msg"]), &line); err != nil {
			t.Errorf("stored body is not the app's JSON line: %q", r["_msg"])
			continue
		}
		tr, ok := want[line.Msg]
		if !ok || r["trace_id"] != tr.traceID || r["span_id"] != tr.childID {
			t.Errorf("%q stored with trace_id=%q span_id=%q, want %s/%s", line.Msg, r["trace_id"], r["span_id"], tr.traceID, tr.childID)
		}
		if r["hostname"] == "" {
			t.Errorf("%q: no syslog hostname attribute", line.Msg)
		}
	}
	t.Logf("syslog: %d lines of %s stored with native trace and span ids, service.name from the app name", len(recs), app)
}

// syslogLines makes one line per trace for app, and says which trace each
// message belongs to.
func syslogLines(t *testing.T, app string) (map[string]swapTrace, []string) {
	t.Helper()
	want := map[string]swapTrace{}
	var out []string
	for i, tr := range newSwapTraces(t, 3) {
		msg := fmt.Sprintf("%s line of trace %d", app, i)
		want[msg] = tr
		out = append(out, jsonLine(tr, msg))
	}
	return want, out
}

// startRsyslog starts rsyslogd reading its own socket in dir and
// forwarding everything to the syslog receiver on port with the omfwd
// action the override names. It returns the process, the socket and
// logger(1).
func startRsyslog(t *testing.T, dir string, syslogPort int) (rs *harness.Process, socket, logger string) {
	t.Helper()
	// /usr/sbin is not on every user's PATH.
	rsyslogd, err := exec.LookPath("rsyslogd")
	if err != nil {
		if rsyslogd = "/usr/sbin/rsyslogd"; !fileExists(rsyslogd) {
			t.Fatal("rsyslogd (Debian's rsyslog) is needed: .ci/run installs it")
		}
	}
	logger, err = exec.LookPath("logger")
	if err != nil {
		t.Fatal("logger (util-linux) is needed")
	}
	socket = filepath.Join(dir, "log.sock")
	conf := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`global(workDirectory=%q)
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket=%q)
*.* action(type="omfwd" target="127.0.0.1" port="%d" protocol="tcp" template="RSYSLOG_SyslogProtocol23Format")
`, dir, socket, syslogPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err = harness.Start(dir, "rsyslogd", rsyslogd, []string{"-n", "-f", conf, "-i", filepath.Join(dir, "rsyslogd.pid")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Stop(10 * time.Second) })
	if err := harness.Eventually(30*time.Second, 100*time.Millisecond, func() error {
		_, err := os.Stat(socket)
		return err
	}); err != nil {
		t.Fatalf("rsyslogd's socket: %v\n%s", err, rs.Tail(3000))
	}
	return rs, socket, logger
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
