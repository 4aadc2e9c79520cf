// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaprovider // import "github.com/hypha-obs/hypha/provider/hyphaprovider"

import (
	"os"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

// hostNameVar overrides the host name the agent puts on what it sends.
const hostNameVar = "HYPHA_HOST_NAME"

// machineIDFiles are where systemd and D-Bus keep the machine id, which
// OpenTelemetry's semantic conventions take as host.id on Linux.
var machineIDFiles = []string{"/etc/machine-id", "/var/lib/dbus/machine-id"}

// hostResource names the host on every record and span the agent sends:
// host.name from HYPHA_HOST_NAME or the kernel's host name, host.id from the
// machine id where the host has one. It fills the attributes of the
// agent's resource/host processor. Inserted only: what an app already set
// stays. The resourcedetection processor would do the same at 58 MB more
// binary; these two values need no more than this.
func hostResource() (*confmap.Conf, error) {
	name := os.Getenv(hostNameVar)
	if name == "" {
		var err error
		if name, err = os.Hostname(); err != nil {
			return nil, err
		}
	}
	attrs := []any{map[string]any{"key": "host.name", "value": name, "action": "insert"}}
	if id := machineID(); id != "" {
		attrs = append(attrs, map[string]any{"key": "host.id", "value": id, "action": "insert"})
	}
	return confmap.NewFromStringMap(map[string]any{
		"processors": map[string]any{"resource/host": map[string]any{"attributes": attrs}},
	}), nil
}

// machineID is the first machine id found, or "" (containers often have
// none).
func machineID() string {
	for _, f := range machineIDFiles {
		if b, err := os.ReadFile(f); err == nil {
			if id := strings.TrimSpace(string(b)); id != "" {
				return id
			}
		}
	}
	return ""
}
