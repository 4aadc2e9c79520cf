// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector // import "github.com/hypha-obs/hypha/connector/hyphadeadletterconnector"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
)

// originalTimeKey keeps a record's own time when the store gets another.
const originalTimeKey = "hypha.original_time"

// retime gives every record timed outside the store's window the time it was
// observed, or now, and keeps its own time in hypha.original_time. A store
// that refuses a whole request for one record out of its window (Loki) or
// drops such records silently (VictoriaLogs) then stores every record, and
// no good record goes to the dead letters for its neighbour's sake.
func (d *deadLetter) retime(ctx context.Context, ld plog.Logs) {
	if d.maxAge == 0 && d.maxAhead == 0 {
		return
	}
	now := time.Now()
	inWindow := func(ts pcommon.Timestamp) bool {
		t := ts.AsTime()
		return (d.maxAge == 0 || !t.Before(now.Add(-d.maxAge))) && (d.maxAhead == 0 || !t.After(now.Add(d.maxAhead)))
	}
	retimed := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				ts := lr.Timestamp()
				if ts == 0 || inWindow(ts) { // no time: the store uses the observed one
					continue
				}
				lr.Attributes().PutStr(originalTimeKey, ts.AsTime().UTC().Format(time.RFC3339Nano))
				if obs := lr.ObservedTimestamp(); obs != 0 && inWindow(obs) {
					lr.SetTimestamp(obs)
				} else {
					lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
				}
				retimed++
			}
		}
	}
	if retimed == 0 {
		return
	}
	d.telemetry.ConnectorHyphaDeadLetterRetimedLogRecords.Add(ctx, int64(retimed))
	d.retimedOnce.Do(func() {
		d.logger.Info("Records timed outside the store's window are stored at the time they were observed, their own time in the attribute "+originalTimeKey+"; later ones are only counted (otelcol_connector_hypha_dead_letter_retimed_log_records)",
			zap.Duration("max_age", d.maxAge), zap.Duration("max_ahead", d.maxAhead), zap.Int("records", retimed))
	})
}
