// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"fmt"
	"os"
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
