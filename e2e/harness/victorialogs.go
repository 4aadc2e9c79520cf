// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// VictoriaLogs: starting it, and querying the records it stored.

package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
)

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

// LogRecord is one record as VictoriaLogs returns it: every field is a string.
type LogRecord map[string]string

// Query runs a LogsQL query and returns every matching record. It flushes
// first, since fresh data is otherwise invisible for about 1.6 s.
func (v *VictoriaLogs) Query(query string) ([]LogRecord, error) {
	if _, err := Get(v.URL + "/internal/force_flush"); err != nil {
		return nil, err
	}
	body, err := Get(v.URL + "/select/logsql/query?" + url.Values{"query": {query}}.Encode())
	if err != nil {
		return nil, err
	}
	var out []LogRecord
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r LogRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("VictoriaLogs answer: %w", err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// Count returns how many records match a LogsQL filter.
func (v *VictoriaLogs) Count(filter string) (int, error) {
	recs, err := v.Query(filter + " | stats count() as n")
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, nil
	}
	return strconv.Atoi(recs[0]["n"])
}
