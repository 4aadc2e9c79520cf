// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/hypha-obs/hypha/processor/hyphaackprocessor/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{}, cfg)
	// There is no default extension to report to: the user names it.
	assert.ErrorContains(t, cfg.(*Config).Validate(), "storage")
}

func TestCreateProcessor(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.LogsStability, f.LogsStability())

	cfg := &Config{Storage: ackStorageID}
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	assert.False(t, p.Capabilities().MutatesData, "the records are handed on untouched")

	// Start and Shutdown with the extension: TestStartNeedsTheAckStorage
	// and pipeline in processor_test.go.

	// Only file_log's logs are acknowledged: there is no traces or metrics side.
	_, err = f.CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.Error(t, err)
	_, err = f.CreateMetrics(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	assert.Error(t, err)
}
