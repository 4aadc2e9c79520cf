// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphalogsamplingprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{
		DecisionWait:   30 * time.Second,
		Grace:          5 * time.Second,
		RememberKept:   5 * time.Minute,
		MaxHeldRecords: 200_000,
	}, cfg)
	assert.NoError(t, cfg.(*Config).Validate())
}

func TestCreateProcessor(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.TracesStability, f.TracesStability())
	assert.Equal(t, metadata.LogsStability, f.LogsStability())

	// The two sides of one id share the kept traces, so its logs side starts;
	// the logs side of another id has no traces side and does not.
	sampled := processortest.NewNopSettings(metadata.Type)
	sampled.ID = component.MustNewIDWithName("hypha_log_sampling", "sampled")
	other := processortest.NewNopSettings(metadata.Type)
	other.ID = component.MustNewIDWithName("hypha_log_sampling", "other")

	tr, err := f.CreateTraces(context.Background(), sampled, f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	assert.False(t, tr.Capabilities().MutatesData)
	lg, err := f.CreateLogs(context.Background(), sampled, f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	assert.True(t, lg.Capabilities().MutatesData)
	lgOther, err := f.CreateLogs(context.Background(), other, f.CreateDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)

	require.NoError(t, tr.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, lg.Start(context.Background(), componenttest.NewNopHost()))
	require.ErrorContains(t, lgOther.Start(context.Background(), componenttest.NewNopHost()), "hypha_log_sampling/other is in a logs pipeline but in no traces pipeline")
	require.NoError(t, lgOther.Shutdown(context.Background()))
	require.NoError(t, lg.Shutdown(context.Background()))
	require.NoError(t, tr.Shutdown(context.Background()))

	// Metrics have no trace to follow.
	_, err = f.CreateMetrics(context.Background(), sampled, f.CreateDefaultConfig(), consumertest.NewNop())
	assert.Error(t, err)
}
