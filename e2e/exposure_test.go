// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// These tests check what a collector exposes to a client that is careless
// or hostile: how it starts without a token, how long a slow client may
// hold a connection, what answers without the token, and how much memory
// the agent allows itself.

// hyphaOnly is the one binary these tests need.
func hyphaOnly(t *testing.T) harness.Binaries {
	t.Helper()
	return harness.Binaries{Hypha: binary(t, "HYPHA_BIN")}
}

// startLonelyGateway starts a gateway whose exporters point where nothing
// listens: enough to probe its receivers, health and metrics.
func startLonelyGateway(t *testing.T, bins harness.Binaries, dir string, env ...string) *harness.Hypha {
	t.Helper()
	unused, err := harness.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return startHypha(t, bins, dir, harness.HyphaOptions{Mode: "gateway", Env: append([]string{
		"HYPHA_LOKI_ENDPOINT=http://" + unused + "/otlp",
		"HYPHA_JAEGER_ENDPOINT=" + unused,
	}, env...)})
}

// TestAuthIsAnExplicitChoice checks the Security promise that a missing or
// empty token never turns authentication off by itself: an empty
// HYPHA_AUTH_TOKEN, as a missing Secret leaves it, stops either mode at
// startup, a gateway without any auth setting refuses to start, and
// HYPHA_AUTH=none on an address other hosts reach starts with a warning.
func TestAuthIsAnExplicitChoice(t *testing.T) {
	bins := hyphaOnly(t)
	for _, c := range []struct {
		name, mode string
		env        []string
		want       string
	}{
		{"gateway with an empty token", "gateway", []string{"HYPHA_AUTH_TOKEN="}, "HYPHA_AUTH_TOKEN is set but empty"},
		{"agent with an empty token", "agent", []string{"HYPHA_AUTH_TOKEN="}, "HYPHA_AUTH_TOKEN is set but empty"},
		{"gateway without any auth setting", "gateway", nil, "the gateway needs a token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, code, took := runUntilExit(t, bins.Hypha, c.mode, c.env, 20*time.Second)
			t.Logf("exit code %d after %.2f s", code, took.Seconds())
			if code == 0 {
				t.Errorf("exited with 0, want a startup error")
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("output does not say %q; it ends:\n%s", c.want, lastBytes(out, 3000))
			}
		})
	}
	t.Run("HYPHA_AUTH=none beyond loopback warns", func(t *testing.T) {
		t.Parallel()
		port, err := harness.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		gw := startLonelyGateway(t, bins, t.TempDir(),
			"HYPHA_AUTH=none",
			"HYPHA_OTLP_GRPC_ENDPOINT=0.0.0.0:"+strconv.Itoa(port))
		waitForOutput(t, gw.Process, "accepts data from other hosts without authentication", 20*time.Second)
	})
}

// runUntilExit runs hypha in a mode on free ports, with no auth setting
// from the test's own environment, until it exits or timeout passes (the
// test then fails: a startup error must come at once). It returns the
// output, the exit code and how long the run took.
func runUntilExit(t *testing.T, bin, mode string, env []string, timeout time.Duration) (string, int, time.Duration) {
	t.Helper()
	dir := t.TempDir()
	var addrs [4]string
	for i := range addrs {
		a, err := harness.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = a
	}
	full := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HYPHA_AUTH=") && !strings.HasPrefix(kv, "HYPHA_AUTH_TOKEN=") {
			full = append(full, kv)
		}
	}
	full = append(full,
		"HYPHA_HEALTH_ENDPOINT="+addrs[0],
		"HYPHA_OTLP_GRPC_ENDPOINT="+addrs[1],
		"HYPHA_OTLP_HTTP_ENDPOINT="+addrs[2],
		"HYPHA_METRICS_PORT="+strings.TrimPrefix(addrs[3], "127.0.0.1:"),
		"HYPHA_DEAD_LETTER_DIR="+filepath.Join(dir, "dead-letter"),
		"HYPHA_STORAGE_DIR="+filepath.Join(dir, "storage"),
		"HYPHA_LOG_INCLUDE="+filepath.Join(dir, "logs", "*.log"),
		"HYPHA_GATEWAY_ENDPOINT="+addrs[1],
		"HYPHA_LOKI_ENDPOINT=http://"+addrs[1]+"/otlp",
		"HYPHA_JAEGER_ENDPOINT="+addrs[1],
	)
	full = append(full, env...)

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--config", "hypha:"+mode)
	cmd.Env = full
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("hypha %s was still running after %s; its output ends:\n%s", mode, timeout, lastBytes(string(out), 3000))
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0, took
	case errors.As(err, &exit):
		return string(out), exit.ExitCode(), took
	default:
		t.Fatal(err)
		return "", 0, 0
	}
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestSlowClientsAreCutOff checks the promise that a client, even one with
// the token, cannot hold an OTLP/HTTP connection for ever: the gateway's
// receiver drops a request whose headers do not arrive within
// read_header_timeout (10 s) and one whose body is not complete within
// read_timeout (30 s).
func TestSlowClientsAreCutOff(t *testing.T) {
	gw := startLonelyGateway(t, hyphaOnly(t), t.TempDir(), "HYPHA_AUTH_TOKEN="+testToken)
	// Still open at the bound: never cut off. Each case also wants an end
	// not much before its timeout, which a refused request would give.
	const bound = 50 * time.Second

	t.Run("headers", func(t *testing.T) {
		t.Parallel()
		conn := dialSlow(t, gw.OTLPHTTP)
		start := time.Now()
		// The header block is never ended.
		if _, err := fmt.Fprintf(conn, "POST /v1/logs HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-protobuf\r\n", gw.OTLPHTTP); err != nil {
			t.Fatal(err)
		}
		took, how := waitConnEnd(t, conn, start, bound)
		t.Logf("slow headers: %s after %.1f s", how, took.Seconds())
		if took < 8*time.Second || took > 15*time.Second {
			t.Errorf("slow headers ended after %.1f s, want about 10 s (read_header_timeout)", took.Seconds())
		}
	})

	t.Run("body", func(t *testing.T) {
		t.Parallel()
		conn := dialSlow(t, gw.OTLPHTTP)
		start := time.Now()
		if _, err := fmt.Fprintf(conn, "POST /v1/logs HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100000\r\nAuthorization: Bearer %s\r\n\r\n", gw.OTLPHTTP, testToken); err != nil {
			t.Fatal(err)
		}
		// One byte a second, until the server has answered or closed.
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte{0x0a}); err != nil {
						return
					}
				}
			}
		}()
		took, how := waitConnEnd(t, conn, start, bound)
		t.Logf("slow body: %s after %.1f s", how, took.Seconds())
		if took < 25*time.Second || took > 40*time.Second {
			t.Errorf("slow body ended after %.1f s, want about 30 s (read_timeout)", took.Seconds())
		}
	})
}

func dialSlow(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitConnEnd waits until the server answers on conn or closes it, and
// returns how long after start that was and what happened. It fails the
// test when the connection is still open at start+bound.
func waitConnEnd(t *testing.T, conn net.Conn, start time.Time, bound time.Duration) (time.Duration, string) {
	t.Helper()
	if err := conn.SetReadDeadline(start.Add(bound)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	took := time.Since(start)
	switch {
	case n > 0:
		status, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		return took, "answered " + strconv.Quote(status)
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Fatalf("the connection was still open after %.0f s", took.Seconds())
	case errors.Is(err, io.EOF):
		return took, "closed"
	}
	return took, "closed (" + err.Error() + ")"
}

// TestOnlyHealthAnswersWithoutToken checks the Security promises about what
// a token-protected gateway shows to anyone: its own metrics (which name
// the backend and the queues' sizes) listen on loopback only, the health
// endpoint says up and nothing more, and OTLP over HTTP and gRPC refuses a
// request without the token.
func TestOnlyHealthAnswersWithoutToken(t *testing.T) {
	gw := startLonelyGateway(t, hyphaOnly(t), t.TempDir(), "HYPHA_AUTH_TOKEN="+testToken)

	resp, err := http.Get(gw.HealthURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("health: %d %q", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK || string(body) != "up" {
		t.Errorf("health answered %d %q, want 200 \"up\"", resp.StatusCode, body)
	}

	if _, err := harness.Get(gw.MetricsURL); err != nil {
		t.Errorf("metrics on loopback: %v", err)
	}
	if ip := nonLoopbackIP(t); ip == nil {
		t.Log("this machine has no non-loopback address: metrics beyond loopback not checked")
	} else {
		u, err := url.Parse(gw.MetricsURL)
		if err != nil {
			t.Fatal(err)
		}
		addr := net.JoinHostPort(ip.String(), u.Port())
		if conn, err := net.DialTimeout("tcp", addr, 3*time.Second); err == nil {
			conn.Close()
			t.Errorf("metrics reachable on %s, want loopback only", addr)
		} else {
			t.Logf("metrics on %s: %v", addr, err)
		}
	}

	req := otlpLogs(t, "exposure-check", "sent without the token")
	for _, path := range []string{"/v1/logs", "/v1/traces"} {
		got, _, err := postOTLP(http.DefaultClient, "http://"+gw.OTLPHTTP+path, contentTypeProto, "", req)
		t.Logf("POST %s without the token: %d", path, got)
		if err != nil || got != http.StatusUnauthorized {
			t.Errorf("POST %s without the token: %d (%v), want 401", path, got, err)
		}
	}
	if got := grpcExport(t, gw.OTLPGRPC, ""); got != codes.Unauthenticated {
		t.Errorf("gRPC without the token: %v, want Unauthenticated", got)
	}
}

// nonLoopbackIP returns an address of this machine that other hosts could
// reach, preferring IPv4, or nil.
func nonLoopbackIP(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var v6 net.IP
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.IsLoopback() || ipnet.IP.IsLinkLocalUnicast() {
			continue
		}
		if ipnet.IP.To4() != nil {
			return ipnet.IP
		}
		if v6 == nil {
			v6 = ipnet.IP
		}
	}
	return v6
}

// memoryLimit matches the memory_limiter's start-up line and its limit.
var memoryLimit = regexp.MustCompile(`Memory limiter configured.*"limit_mib": (\d+), "spike_limit_mib": (\d+)`)

// TestAgentMemoryLimitIsAbsolute checks the promise that the agent's
// memory_limiter has an absolute limit, 512 MiB unless
// HYPHA_MEMORY_LIMIT_MIB says otherwise, rather than a share of the
// host's RAM.
func TestAgentMemoryLimitIsAbsolute(t *testing.T) {
	bins := hyphaOnly(t)
	for _, c := range []struct {
		name string
		env  []string
		want int
	}{
		{"default", nil, 512},
		{"HYPHA_MEMORY_LIMIT_MIB=300", []string{"HYPHA_MEMORY_LIMIT_MIB=300"}, 300},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			unused, err := harness.FreeAddr()
			if err != nil {
				t.Fatal(err)
			}
			agent := startHypha(t, bins, dir, harness.HyphaOptions{Mode: "agent", Env: append([]string{
				"HYPHA_GATEWAY_ENDPOINT=" + unused,
				"HYPHA_LOG_INCLUDE=" + filepath.Join(dir, "app-logs", "*.log"),
				"HYPHA_STORAGE_DIR=" + filepath.Join(dir, "agent-storage"),
			}, c.env...)})
			waitForOutput(t, agent.Process, "Memory limiter configured", 20*time.Second)
			m := memoryLimit.FindStringSubmatch(agent.Tail(1 << 20))
			if m == nil {
				t.Fatalf("no limit_mib in the memory limiter's line; output ends:\n%s", agent.Tail(3000))
			}
			t.Logf("limit_mib %s, spike_limit_mib %s", m[1], m[2])
			if got, _ := strconv.Atoi(m[1]); got != c.want {
				t.Errorf("limit_mib %d, want %d", got, c.want)
			}
		})
	}
}
