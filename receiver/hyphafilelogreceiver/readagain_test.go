// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"

	"github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/metadata"
)

// gate is a consumer that holds its first call until released, as an
// acknowledging pipeline does while the gateway is away, and keeps every
// body it was handed.
type gate struct {
	held, release chan struct{}
	once          sync.Once
	mu            sync.Mutex
	bodies        []string
}

func (*gate) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (g *gate) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	g.once.Do(func() {
		close(g.held)
		select {
		case <-g.release:
		case <-ctx.Done():
		}
	})
	g.mu.Lock()
	defer g.mu.Unlock()
	g.bodies = appendBodies(g.bodies, ld)
	return nil
}

func (g *gate) seen() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := map[string]int{}
	for _, b := range g.bodies {
		n[b]++
	}
	return n
}

func writeLines(t *testing.T, path, prefix string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s line %05d of the test\n", prefix, i)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	_, err = f.WriteString(b.String())
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// TestCopyTruncateWhileReaderWaits holds the reader's first batch for more
// than a second, copies the file to app.log.1 and truncates it meanwhile,
// and writes new content past the reader's offset. With storage every line
// of the copy and of the new content arrives, and only the held batch twice;
// without it, the loss is logged at error. Both are counted.
func TestCopyTruncateWhileReaderWaits(t *testing.T) {
	require.NoError(t, featuregate.GlobalRegistry().Set("stanza.synchronousLogEmitter", true))
	t.Cleanup(func() { _ = featuregate.GlobalRegistry().Set("stanza.synchronousLogEmitter", false) })
	const oldLines, newLines = 1000, 600
	for _, withStorage := range []bool{true, false} {
		t.Run(fmt.Sprintf("storage=%v", withStorage), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			writeLines(t, path, "old", oldLines)

			cfg := NewFactory().CreateDefaultConfig().(*Config)
			cfg.InputConfig.Include = []string{filepath.Join(dir, "*.log"), filepath.Join(dir, "*.log.1")}
			cfg.InputConfig.StartAt = "beginning"
			cfg.InputConfig.IncludeFilePath = true
			cfg.InputConfig.PollInterval = 50 * time.Millisecond
			host := storagetest.NewStorageHost()
			if withStorage {
				id := storagetest.NewStorageID("offsets")
				cfg.StorageID = &id
				host = host.WithFileBackedStorageExtension("offsets", t.TempDir())
			}
			core, logs := observer.New(zapcore.WarnLevel)
			set := receivertest.NewNopSettings(metadata.Type)
			set.Logger = zap.New(core)
			g := &gate{held: make(chan struct{}), release: make(chan struct{})}
			rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, g)
			require.NoError(t, err)
			require.NoError(t, rcv.Start(context.Background(), host))
			defer func() { require.NoError(t, rcv.Shutdown(context.Background())) }()

			<-g.held
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path+".1", raw, 0o600))
			require.NoError(t, os.Truncate(path, 0))
			writeLines(t, path, "new", newLines)
			time.Sleep(longWait + 200*time.Millisecond)
			close(g.release)

			said := func() int {
				return logs.FilterMessageSnippet("truncated and written again while its reader waited").Len()
			}
			require.Eventually(t, func() bool { return said() == 1 }, 10*time.Second, 50*time.Millisecond)
			if !withStorage {
				assert.Equal(t, zapcore.ErrorLevel, logs.FilterMessageSnippet("truncated and written again").All()[0].Level)
				return
			}
			want := func() error {
				seen := g.seen()
				for _, p := range []struct {
					prefix string
					n      int
				}{{"old", oldLines}, {"new", newLines}} {
					for i := range p.n {
						if l := fmt.Sprintf("%s line %05d of the test", p.prefix, i); seen[l] == 0 {
							return fmt.Errorf("%q not received", l)
						}
					}
				}
				return nil
			}
			require.Eventually(t, func() bool { return want() == nil }, 15*time.Second, 100*time.Millisecond, "%v", want())
			twice := 0
			for _, n := range g.seen() {
				twice += n - 1
			}
			t.Logf("read twice: %d lines", twice)
			assert.LessOrEqual(t, twice, 100, "only the held batch is read twice")
			assert.Equal(t, zapcore.WarnLevel, logs.FilterMessageSnippet("truncated and written again").All()[0].Level)
		})
	}
}

func TestStoppedSaveSkipped(t *testing.T) {
	client := storagetest.NewInMemoryClient(component.KindReceiver, storagetest.NewStorageID("offsets"), "")
	p := stoppedSaveSkipped{operator.NewScopedPersister("file", client)}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	require.NoError(t, p.Set(canceled, "k", []byte("stale")))
	require.NoError(t, p.Batch(canceled, storage.SetOperation("k", []byte("stale"))))
	v, err := p.Get(context.Background(), "k")
	require.NoError(t, err)
	assert.Nil(t, v, "a save under a canceled context is left out")

	require.NoError(t, p.Batch(context.Background(), storage.SetOperation("k", []byte("final"))))
	v, err = p.Get(context.Background(), "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("final"), v)
}
