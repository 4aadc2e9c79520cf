// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// startTimeout bounds how long any server may take to become healthy.
const startTimeout = 60 * time.Second

// waitHealthy waits until url answers; a server that does not come up in
// time is stopped, so that a failed start leaves nothing running.
func waitHealthy(p *Process, url string) error {
	if err := p.WaitHTTP(url, startTimeout); err != nil {
		p.Stop(5 * time.Second)
		return err
	}
	return nil
}

// Binaries are the programs under test, found through the environment that
// the Makefile sets (see E2E_ENV there).
type Binaries struct {
	Hypha, Jaeger, VictoriaLogs string
	// Analysis is the demo's Go service (demo/analysis); only StartStack
	// needs it.
	Analysis string
}

// BinariesFromEnv reads HYPHA_BIN, JAEGER_BIN, VICTORIALOGS_BIN and
// ANALYSIS_BIN and checks that each file exists.
func BinariesFromEnv() (Binaries, error) {
	b := Binaries{
		Hypha:        os.Getenv("HYPHA_BIN"),
		Jaeger:       os.Getenv("JAEGER_BIN"),
		VictoriaLogs: os.Getenv("VICTORIALOGS_BIN"),
		Analysis:     os.Getenv("ANALYSIS_BIN"),
	}
	for name, path := range map[string]string{"HYPHA_BIN": b.Hypha, "JAEGER_BIN": b.Jaeger, "VICTORIALOGS_BIN": b.VictoriaLogs, "ANALYSIS_BIN": b.Analysis} {
		if path == "" {
			return b, fmt.Errorf("%s is not set: run the end-to-end tests with `make e2e`", name)
		}
		if _, err := os.Stat(path); err != nil {
			return b, fmt.Errorf("%s: %w", name, err)
		}
	}
	return b, nil
}

// Jaeger is a running Jaeger v2 with in-memory storage.
type Jaeger struct {
	*Process
	OTLPGRPC string // host:port of its OTLP/gRPC receiver
	QueryURL string // base URL of its query API
}

// StartJaeger starts Jaeger on free loopback ports.
func StartJaeger(dir, bin string) (*Jaeger, error) {
	var j *Jaeger
	err := onFreePorts(func() (err error) {
		j, err = startJaeger(dir, bin)
		return err
	})
	return j, err
}

func startJaeger(dir, bin string) (*Jaeger, error) {
	otlp, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	query, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	queryGRPC, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    # Jaeger would otherwise send traces about itself to 127.0.0.1:4317.
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: %s
    grpc:
      endpoint: %s
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, query, queryGRPC, otlp)
	cfgPath := filepath.Join(dir, "jaeger.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	p, err := Start(dir, "jaeger", bin, []string{"--config", cfgPath}, nil)
	if err != nil {
		return nil, err
	}
	j := &Jaeger{Process: p, OTLPGRPC: otlp, QueryURL: "http://" + query}
	if err := waitHealthy(p, j.QueryURL+"/api/services"); err != nil {
		return nil, err
	}
	return j, nil
}

// VictoriaLogs is a running VictoriaLogs, the OTLP log store the tests use in
// place of Loki (see DESIGN.md).
type VictoriaLogs struct {
	*Process
	URL     string // base URL
	dataDir string
	bin     string
	dir     string
	addr    string
}

// StartVictoriaLogs starts VictoriaLogs on a free loopback port with its data
// in dir.
func StartVictoriaLogs(dir, bin string) (*VictoriaLogs, error) {
	var v *VictoriaLogs
	err := onFreePorts(func() error {
		addr, err := FreeAddr()
		if err != nil {
			return err
		}
		v = &VictoriaLogs{URL: "http://" + addr, dataDir: filepath.Join(dir, "victoria-logs-data"), bin: bin, dir: dir, addr: addr}
		return v.Restart()
	})
	return v, err
}

// Restart starts VictoriaLogs again on the same port and data after Stop.
func (v *VictoriaLogs) Restart() error {
	p, err := Start(v.dir, "victoria-logs", v.bin, []string{
		"-httpListenAddr=" + v.addr,
		"-storageDataPath=" + v.dataDir,
		"-retentionPeriod=7d",
		"-loggerLevel=WARN",
	}, nil)
	if err != nil {
		return err
	}
	v.Process = p
	return waitHealthy(p, v.URL+"/health")
}

// OTLPEndpoint is the endpoint to give an otlp_http exporter.
func (v *VictoriaLogs) OTLPEndpoint() string { return v.URL + "/insert/opentelemetry" }

// Hypha is a running hypha collector.
type Hypha struct {
	*Process
	Mode       string
	HealthURL  string
	MetricsURL string
	OTLPGRPC   string
	OTLPHTTP   string
	args, env  []string
	bin, dir   string
}

// HyphaOptions configures StartHypha. Env entries are KEY=VALUE and come on
// top of the free ports the harness picks.
type HyphaOptions struct {
	Name      string   // process name for its log file; defaults to "hypha-<mode>"
	Mode      string   // agent or gateway
	Env       []string // extra environment
	Overrides []string // extra --config URIs layered on top of hypha:<mode>
	Args      []string // extra command-line arguments
	// Wrapper runs the collector through another command, for example
	// setpriv to drop privileges: Wrapper[0] Wrapper[1:]... hypha args...
	Wrapper []string
}

// StartHypha starts the hypha binary in a mode on free loopback ports and
// waits for its health endpoint.
func StartHypha(dir, bin string, opts HyphaOptions) (*Hypha, error) {
	var h *Hypha
	err := onFreePorts(func() (err error) {
		h, err = newHypha(dir, bin, opts)
		if err != nil {
			return err
		}
		return h.Restart()
	})
	return h, err
}

// newHypha picks StartHypha's ports and settings.
func newHypha(dir, bin string, opts HyphaOptions) (*Hypha, error) {
	var addrs [4]string
	for i := range addrs {
		a, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		addrs[i] = a
	}
	metricsPort := addrs[3][len("127.0.0.1:"):]
	name := opts.Name
	if name == "" {
		name = "hypha-" + opts.Mode
	}
	h := &Hypha{
		Mode:       opts.Mode,
		HealthURL:  "http://" + addrs[0],
		MetricsURL: "http://127.0.0.1:" + metricsPort + "/metrics",
		OTLPGRPC:   addrs[1],
		OTLPHTTP:   addrs[2],
		bin:        bin,
		dir:        dir,
	}
	h.env = append([]string{
		"HYPHA_HEALTH_ENDPOINT=" + addrs[0],
		"HYPHA_OTLP_GRPC_ENDPOINT=" + addrs[1],
		"HYPHA_OTLP_HTTP_ENDPOINT=" + addrs[2],
		"HYPHA_METRICS_PORT=" + metricsPort,
		"HYPHA_DEAD_LETTER_DIR=" + filepath.Join(dir, name+"-dead-letter"),
	}, opts.Env...)
	// Loopback only, so running without a token is the tests' explicit
	// choice unless they set one.
	if opts.Mode == "gateway" && !hasEnv(opts.Env, "HYPHA_AUTH") && !hasEnv(opts.Env, "HYPHA_AUTH_TOKEN") {
		h.env = append(h.env, "HYPHA_AUTH=none")
	}
	h.args = []string{"--config", "hypha:" + opts.Mode}
	for _, o := range opts.Overrides {
		h.args = append(h.args, "--config", o)
	}
	h.args = append(h.args, opts.Args...)
	if len(opts.Wrapper) > 0 {
		h.args = append(append(append([]string{}, opts.Wrapper[1:]...), bin), h.args...)
		h.bin = opts.Wrapper[0]
	}
	h.Process = &Process{Name: name}
	return h, nil
}

// DeadLetterFile is where a gateway writes its dead letters.
func (h *Hypha) DeadLetterFile() string {
	file := ""
	for _, kv := range h.env { // the last setting wins, as in the process
		if dir, ok := strings.CutPrefix(kv, "HYPHA_DEAD_LETTER_DIR="); ok {
			file = filepath.Join(dir, "logs.jsonl")
		}
	}
	return file
}

func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

// Setenv changes settings for the next Restart: the entries come after,
// and so win over, the ones the collector started with.
func (h *Hypha) Setenv(kv ...string) { h.env = append(h.env, kv...) }

// Restart starts the collector again with the same ports and settings.
func (h *Hypha) Restart() error {
	p, err := Start(h.dir, h.Name, h.bin, h.args, h.env)
	if err != nil {
		return err
	}
	h.Process = p
	return waitHealthy(p, h.HealthURL)
}
