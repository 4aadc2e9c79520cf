// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DemoServices are the Labra Cadabra services, in the order they start
// (downstream first). See demo/README.md for the contract. analysis is the
// Go service (demo/analysis, the binary in Binaries.Analysis); the others
// are Node services.
var DemoServices = []string{"analysis", "lab-tests", "cart", "auth", "api-gateway"}

// goService is the demo service written in Go.
const goService = "analysis"

// Stack is the whole pipeline as a user runs it: Node and Go services writing log
// files and sending traces to a hypha agent, which forwards to a hypha
// gateway, which exports logs to VictoriaLogs and traces to Jaeger.
type Stack struct {
	Dir      string // everything the stack writes: process output, data, logs
	LogDir   string // the demo services' JSON log files, tailed by the agent
	Logs     *VictoriaLogs
	Jaeger   *Jaeger
	Gateway  *Hypha
	Agent    *Hypha
	Services map[string]*Process
	Ports    map[string]int // service name → HTTP port
	UIURL    string         // the gateway's web UI, when StackOptions.UI

	progress func(format string, args ...any)
}

// StackOptions tune StartStack.
type StackOptions struct {
	// Progress receives one line per step; nil prints nothing.
	Progress func(format string, args ...any)
	// AgentEnv and GatewayEnv are added to the collectors' environment.
	AgentEnv, GatewayEnv []string
	// UI turns on the gateway's web UI (hypha_ui), at UIAddr (host:port)
	// or else on a free loopback port.
	UI     bool
	UIAddr string
}

// RepoRoot finds the repository's top folder from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "demo", "package.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (with demo/package.json) not found above the working directory")
		}
		dir = parent
	}
}

// StartStack starts every part on free loopback ports, in dependency order,
// and waits until each is healthy. On error it stops what it started.
func StartStack(dir string, bins Binaries, opts StackOptions) (_ *Stack, err error) {
	s := &Stack{
		Dir:      dir,
		LogDir:   filepath.Join(dir, "app-logs"),
		Services: map[string]*Process{},
		Ports:    map[string]int{},
		progress: opts.Progress,
	}
	if s.progress == nil {
		s.progress = func(string, ...any) {}
	}
	// s, not the result: every error return below sets the result to nil.
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := os.MkdirAll(s.LogDir, 0o755); err != nil {
		return nil, err
	}
	// The agent reads the files it finds at its first look from their end
	// (start_at: end) and every file that appears later from the start. A
	// service that writes before that first look (the Go one starts in
	// milliseconds, the agent looks 200 ms after it starts) would lose its
	// first lines. So a probe file, written now and never read, tells when
	// the first look has happened; the services start after it.
	probe := filepath.Join(s.LogDir, "first-look.log")
	if err := os.WriteFile(probe, []byte("written before the agent started, so never read\n"), 0o644); err != nil {
		return nil, err
	}

	if err := s.startBackends(dir, bins, opts); err != nil {
		return nil, err
	}
	if err := s.startAgent(dir, bins.Hypha, probe, opts.AgentEnv); err != nil {
		return nil, err
	}
	if err := s.startServices(bins.Analysis); err != nil {
		return nil, err
	}
	return s, nil
}

// startBackends starts VictoriaLogs, Jaeger and the gateway that writes to
// them, with its UI if opts asks for it.
func (s *Stack) startBackends(dir string, bins Binaries, opts StackOptions) (err error) {
	s.progress("starting VictoriaLogs (the OTLP log store standing in for Loki)")
	if s.Logs, err = StartVictoriaLogs(dir, bins.VictoriaLogs); err != nil {
		return fmt.Errorf("victoria-logs: %w", err)
	}
	s.progress("starting Jaeger v2")
	if s.Jaeger, err = StartJaeger(dir, bins.Jaeger); err != nil {
		return fmt.Errorf("jaeger: %w", err)
	}
	s.progress("starting hypha gateway (logs → VictoriaLogs over OTLP/HTTP, traces → Jaeger over OTLP/gRPC)")
	gw := HyphaOptions{
		Mode: "gateway",
		Env: append([]string{
			"HYPHA_LOKI_ENDPOINT=" + s.Logs.OTLPEndpoint(),
			"HYPHA_JAEGER_ENDPOINT=" + s.Jaeger.OTLPGRPC,
		}, opts.GatewayEnv...),
	}
	if opts.UI {
		if s.UIURL, err = startUI(&gw, opts.UIAddr, s.Logs, s.Jaeger); err != nil {
			return err
		}
	}
	if s.Gateway, err = StartHypha(dir, bins.Hypha, gw); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if opts.UI {
		if err := s.Gateway.WaitHTTP(s.UIURL+"/api/config", startTimeout); err != nil {
			return fmt.Errorf("gateway's UI: %w", err)
		}
	}
	return nil
}

// startAgent starts the agent on the stack's log folder and waits until it
// has looked at it (it has named the probe file), then removes the probe.
func (s *Stack) startAgent(dir, hypha, probe string, env []string) (err error) {
	s.progress("starting hypha agent (tailing %s)", s.LogDir)
	if s.Agent, err = StartHypha(dir, hypha, HyphaOptions{
		Mode: "agent",
		Env: append([]string{
			"HYPHA_GATEWAY_ENDPOINT=" + s.Gateway.OTLPGRPC,
			"HYPHA_LOG_INCLUDE=" + filepath.Join(s.LogDir, "*.log"),
			"HYPHA_STORAGE_DIR=" + filepath.Join(dir, "agent-storage"),
			"HYPHA_SERVICE_NAME=unnamed-app",
		}, env...),
	}); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if err := Eventually(startTimeout, 100*time.Millisecond, func() error {
		if !strings.Contains(s.Agent.Tail(1<<20), probe) {
			return errors.New("the agent has not looked at " + s.LogDir + " yet")
		}
		return nil
	}); err != nil {
		return err
	}
	return os.Remove(probe)
}

func (s *Stack) startServices(analysisBin string) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("node is needed for the demo services: %w", err)
	}
	if analysisBin == "" {
		return errors.New("the analysis service's binary is not set (ANALYSIS_BIN; make e2e builds it)")
	}
	for _, name := range DemoServices {
		port, err := FreePort()
		if err != nil {
			return err
		}
		s.Ports[name] = port
	}
	for _, name := range DemoServices {
		s.progress("starting %s on 127.0.0.1:%d", name, s.Ports[name])
		cmd := exec.Command(node, "--require", "../instrumentation/node/hypha-instrumentation.js", "services/"+name+".js")
		if name == goService {
			cmd = exec.Command(analysisBin)
		}
		cmd.Dir = filepath.Join(root, "demo")
		cmd.Env = append(os.Environ(),
			"OTEL_SERVICE_NAME="+name,
			"PORT="+strconv.Itoa(s.Ports[name]),
			"LOG_FILE="+filepath.Join(s.LogDir, name+".log"),
			"AUTH_URL="+s.ServiceURL("auth"),
			"CART_URL="+s.ServiceURL("cart"),
			"LAB_TESTS_URL="+s.ServiceURL("lab-tests"),
			"ANALYSIS_URL="+s.ServiceURL("analysis"),
			"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+s.Agent.OTLPHTTP,
			"OTEL_BSP_SCHEDULE_DELAY=200",
		)
		p, err := StartCmd(s.Dir, name, cmd)
		if err != nil {
			return err
		}
		s.Services[name] = p
		if err := p.WaitHTTP(s.ServiceURL(name)+"/healthz", startTimeout); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// ServiceURL is the base URL of a demo service.
func (s *Stack) ServiceURL(name string) string {
	return "http://127.0.0.1:" + strconv.Itoa(s.Ports[name])
}

// Stop ends every process the stack started: the apps first, so that their
// last spans and lines still reach the agent, then the collectors, then the
// stores.
func (s *Stack) Stop() {
	for i := len(DemoServices) - 1; i >= 0; i-- {
		if p := s.Services[DemoServices[i]]; p != nil {
			p.Stop(10 * time.Second)
		}
	}
	for _, h := range []*Hypha{s.Agent, s.Gateway} {
		if h != nil && h.Process != nil {
			h.Stop(15 * time.Second)
		}
	}
	if s.Jaeger != nil {
		s.Jaeger.Stop(10 * time.Second)
	}
	if s.Logs != nil && s.Logs.Process != nil {
		s.Logs.Stop(10 * time.Second)
	}
}
