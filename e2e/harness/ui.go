// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// UIEnv turns the gateway's hypha_ui extension on at addr (host:port),
// reading VictoriaLogs and Jaeger; the health page reads the gateway's own
// metrics.
func UIEnv(addr string, logs *VictoriaLogs, jaeger *Jaeger) []string {
	return []string{
		"HYPHA_UI_ENDPOINT=" + addr,
		"HYPHA_UI_LOGS_STORE=victorialogs",
		"HYPHA_UI_LOGS_ENDPOINT=" + logs.URL,
		"HYPHA_UI_JAEGER_ENDPOINT=" + jaeger.QueryURL,
	}
}

// startUI adds the UI's settings to the gateway's options, at addr or a
// free loopback port, and returns the UI's base URL; the gateway's health check does not cover the extension,
// so StartStack waits for the UI's /api/config too.
func startUI(opts *HyphaOptions, addr string, logs *VictoriaLogs, jaeger *Jaeger) (string, error) {
	if addr == "" {
		var err error
		if addr, err = FreeAddr(); err != nil {
			return "", err
		}
	}
	opts.Env = append(opts.Env, UIEnv(addr, logs, jaeger)...)
	return "http://" + addr, nil
}

// Chromium finds Debian's chromium-headless-shell (CHROMIUM_BIN overrides).
func Chromium() (string, error) {
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("CHROMIUM_BIN: %w", err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return filepath.Clean(p), nil
		}
	}
	return "", errors.New("chromium-headless-shell not found: apt-get install chromium-headless-shell (.ci/run does), or set CHROMIUM_BIN")
}
