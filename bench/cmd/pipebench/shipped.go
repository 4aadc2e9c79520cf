// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/hypha-obs/hypha/internal/process"
)

// shippedCompression labels the shipped agent's rows: its exporters'
// compression is whatever the embedded configuration says.
const shippedCompression = "shipped"

// shippedOverride is layered over the embedded agent (hypha:agent). It
// changes only what a benchmark must: the file is written before the agent
// starts, so it is read from its beginning. The file, the storage folder
// and every endpoint come through the agent's own environment variables
// (shippedEnv).
const shippedOverride = `# pipebench: the shipped agent, hypha:agent, as a benchmark must run it.
receivers:
  file_log:
    start_at: beginning
`

// unsyncedCheckpoints is layered on top for -fsync's comparison: the
// shipped agent with its checkpoints not synced to disk.
const unsyncedCheckpoints = `extensions:
  file_storage:
    fsync: false
`

// shippedArgs writes the overrides for v into dir and returns the agent's
// command line.
func shippedArgs(dir, name string, v variant) ([]string, error) {
	args := []string{"--config", "hypha:agent"}
	layers := []string{shippedOverride}
	if !v.fsync {
		layers = append(layers, unsyncedCheckpoints)
	}
	for i, layer := range layers {
		path := filepath.Join(dir, name+"-override-"+strconv.Itoa(i)+".yaml")
		if err := os.WriteFile(path, []byte(layer), 0o644); err != nil {
			return nil, err
		}
		args = append(args, "--config", "file:"+path)
	}
	return args, nil
}

// shippedEnv sets the shipped agent's variables: what it reads, where it
// keeps its state, where it sends, and free loopback ports for what it
// serves. Authentication and TLS are off, as the sink takes neither;
// whatever the caller's environment holds for them is cleared.
func shippedEnv(linesFile, storage, sink string, metricsPort int) ([]string, error) {
	env := []string{
		"HYPHA_LOG_INCLUDE=" + linesFile,
		"HYPHA_STORAGE_DIR=" + storage,
		"HYPHA_GATEWAY_ENDPOINT=" + sink,
		"HYPHA_METRICS_HOST=127.0.0.1",
		"HYPHA_METRICS_PORT=" + strconv.Itoa(metricsPort),
		"HYPHA_AUTH=none", "HYPHA_AUTH_TOKEN=",
		"HYPHA_TLS_ENABLED=", "HYPHA_TLS_CA_FILE=", "HYPHA_TLS_CERT_FILE=",
	}
	for _, name := range []string{"HYPHA_OTLP_GRPC_ENDPOINT", "HYPHA_OTLP_HTTP_ENDPOINT", "HYPHA_HEALTH_ENDPOINT"} {
		addr, err := process.FreeAddr()
		if err != nil {
			return nil, err
		}
		env = append(env, name+"="+addr)
	}
	return env, nil
}
