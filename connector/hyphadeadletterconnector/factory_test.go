// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pipeline"

	"github.com/hypha-obs/hypha/connector/hyphadeadletterconnector/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{}, cfg)
	// The pipelines are the user's to name.
	assert.ErrorContains(t, cfg.(*Config).Validate(), "store must name at least one logs pipeline")
}

func TestCreateConnector(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.LogsToLogsStability, f.LogsToLogsStability())

	set := connectortest.NewNopSettings(metadata.Type)
	cfg := &Config{Store: []pipeline.ID{storeID}, DeadLetter: []pipeline.ID{dlID}}
	router := connector.NewLogsRouter(map[pipeline.ID]consumer.Logs{storeID: consumertest.NewNop(), dlID: consumertest.NewNop()})
	c, err := f.CreateLogsToLogs(context.Background(), set, cfg, router)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, c.Shutdown(context.Background()))

	// With the file alone, only the store pipelines are needed.
	fileOnly := &Config{Store: []pipeline.ID{storeID}, File: &FileConfig{Path: filepath.Join(t.TempDir(), "logs.jsonl")}}
	require.NoError(t, fileOnly.Validate())
	c, err = f.CreateLogsToLogs(context.Background(), set, fileOnly,
		connector.NewLogsRouter(map[pipeline.ID]consumer.Logs{storeID: consumertest.NewNop()}))
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, c.Shutdown(context.Background()))

	// It must route between its own pipelines.
	_, err = f.CreateLogsToLogs(context.Background(), set, cfg, consumertest.NewNop())
	require.EqualError(t, err, "the connector must be the receiver of its store and dead_letter pipelines")
	other := pipeline.NewIDWithName(pipeline.SignalLogs, "other")
	_, err = f.CreateLogsToLogs(context.Background(), set,
		&Config{Store: []pipeline.ID{other}, DeadLetter: []pipeline.ID{dlID}}, router)
	require.ErrorContains(t, err, "logs/other")

	// Only logs are dead-lettered.
	_, err = f.CreateTracesToTraces(context.Background(), set, cfg, consumertest.NewNop())
	assert.Error(t, err)
}
