// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector // import "github.com/hypha-obs/hypha/connector/hyphadeadletterconnector"

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/hypha-obs/hypha/connector/hyphadeadletterconnector/internal/metadata"
)

const (
	reasonTooLarge = "too_large"
	reasonRefused  = "refused"
)

// maxCauses bounds the set of causes already logged; past it, new causes
// are counted but no longer logged one by one.
const maxCauses = 64

// maxCauseBytes is how much of a refusal's error text tells causes apart.
const maxCauseBytes = 160

type deadLetter struct {
	component.StartFunc
	component.ShutdownFunc

	maxBodyBytes int
	maxAge       time.Duration
	maxAhead     time.Duration
	store        consumer.Logs
	deadLetter   consumer.Logs // nil when only file is set
	file         *fileWriter   // nil when not set
	retimedOnce  sync.Once
	logger       *zap.Logger
	telemetry    *metadata.TelemetryBuilder
	tooLarge     metric.MeasurementOption
	refused      metric.MeasurementOption

	mu     sync.Mutex
	logged map[string]bool // causes already logged
}

func newDeadLetter(set connector.Settings, cfg *Config, store, dl consumer.Logs) (*deadLetter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	var file *fileWriter
	if cfg.File != nil {
		file = newFileWriter(cfg.File)
	}
	return &deadLetter{
		maxBodyBytes: cfg.MaxBodyBytes,
		maxAge:       cfg.MaxAge,
		maxAhead:     cfg.MaxAhead,
		store:        store,
		deadLetter:   dl,
		file:         file,
		logger:       set.Logger,
		telemetry:    tb,
		tooLarge:     metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reasonTooLarge))),
		refused:      metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reasonRefused))),
		logged:       map[string]bool{},
		ShutdownFunc: func(context.Context) error {
			tb.Shutdown()
			if file != nil {
				return file.close()
			}
			return nil
		},
	}, nil
}

// The connector moves records out of the logs it is given.
func (*deadLetter) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (d *deadLetter) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if large, ok := d.takeTooLarge(ld); ok {
		n := large.LogRecordCount()
		d.note(reasonTooLarge, fmt.Sprintf("body longer than max_body_bytes (%d)", d.maxBodyBytes), n)
		if err := d.toDeadLetters(ctx, large, reasonTooLarge, n); err != nil {
			return err
		}
	}
	if ld.LogRecordCount() == 0 {
		return nil
	}
	d.retime(ctx, ld)
	// A store pipeline that changes the records would leave changed records
	// for the dead letters; it gets a copy.
	sent := ld
	if d.store.Capabilities().MutatesData {
		sent = plog.NewLogs()
		ld.CopyTo(sent)
	}
	err := d.store.ConsumeLogs(ctx, sent)
	if err == nil || !consumererror.IsPermanent(err) {
		return err // retryable: the sender keeps the data and tries again
	}
	n := ld.LogRecordCount()
	d.note(reasonRefused, err.Error(), n)
	return d.toDeadLetters(ctx, ld, reasonRefused, n)
}

// toDeadLetters writes to the dead-letter pipelines. If that fails too the
// error is retryable: the sender keeps the records rather than losing them.
func (d *deadLetter) toDeadLetters(ctx context.Context, ld plog.Logs, reason string, n int) error {
	var err error
	if d.file != nil {
		err = d.file.write(ld)
	}
	if err == nil && d.deadLetter != nil {
		err = d.deadLetter.ConsumeLogs(ctx, ld)
	}
	if err != nil {
		d.logger.Error("Could not write dead letters; the sender keeps them and retries",
			zap.String("reason", reason), zap.Int("records", n), zap.Error(err))
		return fmt.Errorf("writing %d dead-lettered records: %w", n, err)
	}
	opt := d.refused
	if reason == reasonTooLarge {
		opt = d.tooLarge
	}
	d.telemetry.ConnectorHyphaDeadLetterLogRecords.Add(ctx, int64(n), opt)
	return nil
}

// note logs a cause the first time it is seen.
func (d *deadLetter) note(reason, cause string, records int) {
	if len(cause) > maxCauseBytes {
		cause = cause[:maxCauseBytes]
	}
	key := reason + "\x00" + cause
	d.mu.Lock()
	seen, full := d.logged[key], len(d.logged) >= maxCauses
	if !seen && !full {
		d.logged[key] = true
	}
	d.mu.Unlock()
	if seen || full {
		return
	}
	d.logger.Warn("Records written to the dead letters instead of the store; later records with the same cause are only counted (otelcol_connector_hypha_dead_letter_log_records)",
		zap.String("reason", reason), zap.String("cause", cause), zap.Int("records", records))
}

// takeTooLarge moves the records whose body is longer than maxBodyBytes out
// of ld into the logs it returns, keeping their resource and scope; false
// when there are none, without allocating.
func (d *deadLetter) takeTooLarge(ld plog.Logs) (plog.Logs, bool) {
	if d.maxBodyBytes == 0 || !d.anyTooLarge(ld) {
		return plog.Logs{}, false
	}
	large := plog.NewLogs()
	for _, rl := range ld.ResourceLogs().All() {
		var dstRL plog.ResourceLogs
		for _, sl := range rl.ScopeLogs().All() {
			var dstSL plog.ScopeLogs
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				if !d.tooLong(lr.Body()) {
					return false
				}
				if dstSL == (plog.ScopeLogs{}) {
					if dstRL == (plog.ResourceLogs{}) {
						dstRL = large.ResourceLogs().AppendEmpty()
						rl.Resource().CopyTo(dstRL.Resource())
						dstRL.SetSchemaUrl(rl.SchemaUrl())
					}
					dstSL = dstRL.ScopeLogs().AppendEmpty()
					sl.Scope().CopyTo(dstSL.Scope())
					dstSL.SetSchemaUrl(sl.SchemaUrl())
				}
				lr.MoveTo(dstSL.LogRecords().AppendEmpty())
				return true
			})
		}
	}
	return large, true
}

// anyTooLarge is the common case's fast path: no record is too long, and
// nothing is copied.
func (d *deadLetter) anyTooLarge(ld plog.Logs) bool {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if d.tooLong(lr.Body()) {
					return true
				}
			}
		}
	}
	return false
}

func (d *deadLetter) tooLong(body pcommon.Value) bool {
	switch body.Type() {
	case pcommon.ValueTypeStr:
		return len(body.Str()) > d.maxBodyBytes
	case pcommon.ValueTypeBytes:
		return body.Bytes().Len() > d.maxBodyBytes
	}
	return false
}
