// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// health is the pipeline health page's data, read from the collector's own
// metrics. Stalled is nil when no hypha_stall_report processor runs.
type health struct {
	Source         string             `json:"source"`
	ReceivedRecord float64            `json:"receivedRecords"`
	SentRecords    float64            `json:"sentRecords"`
	RefusedRecords float64            `json:"refusedRecords"`
	FailedRecords  float64            `json:"failedRecords"`
	DeadLetters    float64            `json:"deadLetters"`
	QueueSize      float64            `json:"queueSize"`
	QueueCapacity  float64            `json:"queueCapacity"`
	Stalled        *bool              `json:"stalled"`
	Metrics        map[string]float64 `json:"metrics"`
}

// The collector's metric names as its Prometheus endpoint shows them,
// without the _total a counter may carry, and the dead-letter connector's
// and stall processor's own (their documentation.md).
const (
	mReceived    = "otelcol_receiver_accepted_log_records"
	mRefused     = "otelcol_receiver_refused_log_records"
	mSent        = "otelcol_exporter_sent_log_records"
	mFailed      = "otelcol_exporter_send_failed_log_records"
	mDeadLetters = "otelcol_connector_hypha_dead_letter_log_records"
	mQueueSize   = "otelcol_exporter_queue_size"
	mQueueCap    = "otelcol_exporter_queue_capacity"
	mStalled     = "otelcol_processor_hypha_stall_report_downstream_stalled"
	mStalls      = "otelcol_processor_hypha_stall_report_downstream_stalls"
)

// healthMetrics are the metrics the page lists, summed over their labels.
var healthMetrics = []string{mReceived, mRefused, mSent, mFailed, mDeadLetters, mQueueSize, mQueueCap, mStalled, mStalls}

// telemetry reads the collector's own Prometheus endpoint.
type telemetry struct{ c *storeClient }

func (t telemetry) health(ctx context.Context) (*health, error) {
	body, err := t.c.get(ctx, "", nil, nil)
	if err != nil {
		return nil, err
	}
	sums, err := sumMetrics(body)
	if err != nil {
		return nil, t.c.decodeError(err)
	}
	h := &health{
		Source:         t.c.base.Redacted(),
		ReceivedRecord: sums[mReceived],
		SentRecords:    sums[mSent],
		RefusedRecords: sums[mRefused],
		FailedRecords:  sums[mFailed],
		DeadLetters:    sums[mDeadLetters],
		QueueSize:      sums[mQueueSize],
		QueueCapacity:  sums[mQueueCap],
		Metrics:        map[string]float64{},
	}
	for _, name := range healthMetrics {
		if v, ok := sums[name]; ok {
			h.Metrics[name] = v
		}
	}
	if v, ok := sums[mStalled]; ok {
		stalled := v > 0
		h.Stalled = &stalled
	}
	return h, nil
}

// sumMetrics parses the Prometheus text format and sums each wanted
// metric's samples over their labels, keyed by the name without _total.
func sumMetrics(body []byte) (map[string]float64, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	want := map[string]bool{}
	for _, name := range healthMetrics {
		want[name] = true
	}
	sums := map[string]float64{}
	for name, fam := range families {
		key := strings.TrimSuffix(name, "_total")
		if !want[key] {
			continue
		}
		for _, m := range fam.GetMetric() {
			sums[key] += sampleValue(fam.GetType(), m)
		}
	}
	return sums, nil
}

func sampleValue(t dto.MetricType, m *dto.Metric) float64 {
	switch t {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}
