// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector // import "github.com/hypha-obs/hypha/connector/hyphadeadletterconnector"

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/hypha-obs/hypha/connector/hyphadeadletterconnector/internal/metadata"
)

// NewFactory returns the factory for the hypha_dead_letter connector.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithLogsToLogs(createLogsToLogs, metadata.LogsToLogsStability),
	)
}

func createDefaultConfig() component.Config { return &Config{} }

func createLogsToLogs(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Logs, error) {
	c := cfg.(*Config)
	router, ok := next.(connector.LogsRouterAndConsumer)
	if !ok {
		return nil, errors.New("the connector must be the receiver of its store and dead_letter pipelines")
	}
	store, err := router.Consumer(c.Store...)
	if err != nil {
		return nil, err
	}
	var deadLetter consumer.Logs
	if len(c.DeadLetter) > 0 {
		if deadLetter, err = router.Consumer(c.DeadLetter...); err != nil {
			return nil, err
		}
	}
	return newDeadLetter(set, c, store, deadLetter)
}
