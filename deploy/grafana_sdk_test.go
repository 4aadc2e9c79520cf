// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The dashboards decoded strictly with Grafana's own Go types
// (grafana-foundation-sdk): an unknown field, a typo in a Loki target or a
// wrong type fails here, where no Grafana can run to show it.

package deploy_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// decodeDashboard decodes raw strictly. The SDK returns an empty error list
// as a non-nil error, which means no error.
func decodeDashboard(raw []byte) error {
	var d dashboard.Dashboard //nolint:staticcheck // the provisioned files are the classic (v1) dashboard model that file provisioning reads
	err := d.UnmarshalJSONStrict(raw)
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}

func TestDashboardsDecodeStrictly(t *testing.T) {
	// Panels and queries decode into the types of their plugin: timeseries,
	// logs, text, and the Loki query.
	plugins.RegisterDefaultPlugins()
	files, err := filepath.Glob("grafana/dashboards/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := decodeDashboard(raw); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		// The check itself: the same dashboard with a typo in a Loki
		// target's field, or an unknown panel option, must fail.
		for _, typo := range [][2]string{{`"expr":`, `"exp":`}, {`"showTime":`, `"showTimes":`}, {`"refresh": "30s"`, `"refresh": 30`}} {
			if !strings.Contains(string(raw), typo[0]) {
				continue
			}
			bad := strings.Replace(string(raw), typo[0], typo[1], 1)
			if err := decodeDashboard([]byte(bad)); err == nil {
				t.Errorf("%s with %s in place of %s decodes: the check is not strict", f, typo[1], typo[0])
			}
		}
	}
}
