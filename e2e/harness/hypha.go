// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The hypha collector under test: starting, restarting and configuring it.

package harness

import (
	"path/filepath"
	"strings"
)

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
