// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{
		SetSeverity:           true,
		SetTimestamp:          true,
		ServiceNameFromRecord: true,
	}, cfg)
	assert.NoError(t, cfg.(*Config).Validate())
}

func TestCreateProcessor(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.LogsStability, f.LogsStability())

	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	assert.True(t, p.Capabilities().MutatesData)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.Shutdown(context.Background()))

	// A config that does not validate is not built into a processor.
	bad := &Config{DefaultTimeZone: "Mars/Olympus"}
	_, err = f.CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), bad, consumertest.NewNop())
	require.ErrorContains(t, err, "default_time_zone")

	// The processor handles logs only.
	_, err = f.CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), consumertest.NewNop())
	assert.Error(t, err)
}
