// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver // import "github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver"

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/input/file"

	"github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/join"
)

// inputBuilder builds stanza's file input with the joining split function.
// Upstream's file input takes no split function from outside, so this is
// its operator with that one option added.
type inputBuilder struct {
	file.Config
	maxLines int // 0: lines are not joined
}

func (b *inputBuilder) Build(set component.TelemetrySettings) (operator.Operator, error) {
	inputOperator, err := b.InputConfig.Build(set)
	if err != nil {
		return nil, err
	}
	in := &input{
		InputOperator: inputOperator,
		binary:        b.Encoding == "nop",
		recordNumber:  b.IncludeFileRecordNumber,
		recordOffset:  b.IncludeFileRecordOffset,
	}
	var opts []fileconsumer.Option
	if b.maxLines > 0 {
		opts = append(opts, fileconsumer.WithSplitFunc(join.SplitFunc(join.Options{
			MaxLines: b.maxLines,
			MaxBytes: int(b.MaxLogSize),
		})))
	}
	in.fileConsumer, err = b.Config.Config.Build(set, in.emitBatch, opts...)
	if err != nil {
		return nil, err
	}
	return in, nil
}

// input is stanza's file input operator.
type input struct {
	helper.InputOperator
	fileConsumer *fileconsumer.Manager
	binary       bool // encoding nop: the body is the bytes
	recordNumber bool
	recordOffset bool
}

func (i *input) Start(persister operator.Persister) error { return i.fileConsumer.Start(persister) }

func (i *input) Stop() error { return i.fileConsumer.Stop() }

// emitBatch turns the tokens of one read into entries and writes them on
// together; its return is what lets the reader move its offset.
func (i *input) emitBatch(ctx context.Context, tokens [][]byte, attributes map[string]any, lastRecordNumber int64, offsets []int64) error {
	entries := make([]*entry.Entry, 0, len(tokens))
	var errs []error
	for k, token := range tokens {
		if len(token) == 0 {
			continue
		}
		// As upstream does: the token is the decoder's copy, which nothing
		// writes to again, so the string shares its bytes.
		var body any = unsafe.String(unsafe.SliceData(token), len(token))
		if i.binary {
			body = token
		}
		ent, err := i.NewEntry(body)
		if err != nil {
			errs = append(errs, fmt.Errorf("create entry: %w", err))
			continue
		}
		for key, v := range attributes {
			if err := ent.Set(entry.NewAttributeField(key), v); err != nil {
				i.Logger().Error("set attribute", zap.Error(err))
			}
		}
		if i.recordNumber {
			_ = ent.Set(entry.NewAttributeField(attrs.LogFileRecordNumber), lastRecordNumber-int64(len(tokens))+int64(k)+1)
		}
		if i.recordOffset {
			_ = ent.Set(entry.NewAttributeField(attrs.LogFileRecordOffset), offsets[k])
		}
		entries = append(entries, ent)
	}
	if err := i.WriteBatch(ctx, entries); err != nil {
		errs = append(errs, fmt.Errorf("consume entries: %w", err))
	}
	return errors.Join(errs...)
}
