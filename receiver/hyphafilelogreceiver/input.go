// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver // import "github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/input/file"

	"github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/join"
	"github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/metadata"
)

// inputBuilder builds stanza's file input with the joining split function.
// Upstream's file input takes no split function from outside, so this is
// its operator with that one option added.
type inputBuilder struct {
	file.Config
	maxLines     int  // 0: lines are not joined
	offsetsSaved bool // a storage extension keeps the offsets
}

func (b *inputBuilder) Build(set component.TelemetrySettings) (operator.Operator, error) {
	inputOperator, err := b.InputConfig.Build(set)
	if err != nil {
		return nil, err
	}
	telemetry, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	in := &input{
		InputOperator: inputOperator,
		binary:        b.Encoding == "nop",
		recordNumber:  b.IncludeFileRecordNumber,
		recordOffset:  b.IncludeFileRecordOffset,
		offsetsSaved:  b.offsetsSaved,
		watch:         newTruncationWatch(int(b.FingerprintSize)),
		telemetry:     telemetry,
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
	binary       bool // encoding nop: the body is the bytes
	recordNumber bool
	recordOffset bool
	offsetsSaved bool
	watch        *truncationWatch
	telemetry    *metadata.TelemetryBuilder

	// mu orders Start, Stop and a restart of fileConsumer.
	mu           sync.Mutex
	fileConsumer *fileconsumer.Manager
	persister    operator.Persister
	stopped      bool
}

func (i *input) Start(persister operator.Persister) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.persister, i.stopped = stoppedSaveSkipped{persister}, false
	return i.fileConsumer.Start(i.persister)
}

func (i *input) Stop() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.stopped = true
	return i.fileConsumer.Stop()
}

// stoppedSaveSkipped leaves out the offsets fileconsumer saves at the end
// of a poll whose context was already canceled, at a stop or a restart:
// with hypha_ack_storage such a save waits for acknowledgements and fails
// with the canceled context, and the error line would read like a lost
// checkpoint. Manager.Stop saves the same offsets right after, under a
// context that does not end.
type stoppedSaveSkipped struct{ operator.Persister }

func (p stoppedSaveSkipped) Set(ctx context.Context, key string, value []byte) error {
	if ctx.Err() != nil {
		return nil
	}
	return p.Persister.Set(ctx, key, value)
}

func (p stoppedSaveSkipped) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if ctx.Err() != nil {
		return nil
	}
	return p.Persister.Batch(ctx, ops...)
}

// readAgain handles a file found truncated and written again while its
// reader waited inside it: it stops every reader and starts reading again
// from the saved offsets. The reader's offset then stays before the batch
// it handed on last, the rotated copy (which has the old first bytes) is
// resumed from there, and the new content, a file not seen before, is read
// from its start. The cost is that batch, and the one other readers were
// reading, read twice. Without storage there are no saved offsets to go
// back to, and the loss can only be said.
func (i *input) readAgain(ctx context.Context, path string, waited time.Duration) {
	i.telemetry.FileLogTruncatedWhileReading.Add(context.WithoutCancel(ctx), 1)
	if !i.offsetsSaved {
		i.Logger().Error("A log file was truncated and written again while its reader waited inside it (copytruncate during an outage); without storage the reader goes on at its old offset inside the new content, so lines of the rotated copy past that offset are lost. Set storage to read them.",
			zap.String("path", path), zap.Duration("waited", waited))
		return
	}
	i.Logger().Warn("A log file was truncated and written again while its reader waited inside it (copytruncate during an outage); reading starts again from the saved offsets, so the rotated copy is read on from where the reader was and the new content from its start. The last batch of each open file is read twice.",
		zap.String("path", path), zap.Duration("waited", waited))
	go i.restart(ctx)
	// The reader must not read on in the new content: it waits here until
	// the restart has ended its context.
	<-ctx.Done()
}

// restart stops and starts fileConsumer, unless the run whose context is
// ctx has already ended (another reader asked first, or the receiver stops).
func (i *input) restart(ctx context.Context) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped || ctx.Err() != nil {
		return
	}
	if err := i.fileConsumer.Stop(); err != nil {
		i.Logger().Error("stop reading files", zap.Error(err))
	}
	if err := i.fileConsumer.Start(i.persister); err != nil {
		i.Logger().Error("start reading files again after a truncation; no file is read until the collector restarts", zap.Error(err))
	}
}

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
	path, _ := attributes[attrs.LogFilePath].(string)
	i.watch.before(path)
	start := time.Now()
	if err := i.WriteBatch(ctx, entries); err != nil {
		errs = append(errs, fmt.Errorf("consume entries: %w", err))
	}
	if waited := time.Since(start); waited >= longWait && i.watch.after(path) {
		i.readAgain(ctx, path, waited)
	}
	return errors.Join(errs...)
}
