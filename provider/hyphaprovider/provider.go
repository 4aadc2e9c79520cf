// Package hyphaprovider is a confmap provider for the "hypha" scheme. It
// serves the configurations embedded in the binary, so `--config hypha:agent`
// and `--config hypha:gateway` need no file on disk. Users layer their own
// settings on top with further --config flags; the collector merges them
// left to right.
package hyphaprovider // import "github.com/hypha-obs/hypha/provider/hyphaprovider"

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/featuregate"

	"github.com/hypha-obs/hypha"
)

const scheme = "hypha"

// synchronousEmitterGate makes the file_log receiver hand records to the
// pipeline synchronously, so a file offset is checkpointed only after the
// records behind it reached the persistent sending queue. hypha turns it on
// by default; `--feature-gates=-stanza.synchronousLogEmitter` turns it off.
const synchronousEmitterGate = "stanza.synchronousLogEmitter"

// modes maps the part after "hypha:" to the embedded configuration.
var modes = map[string][]byte{
	"agent":   hypha.AgentConfig,
	"gateway": hypha.GatewayConfig,
}

func init() {
	// The gate is registered by pkg/stanza, which every hypha binary links
	// through the file_log receiver; see gate.go for the import that orders
	// its registration before this init.
	if err := featuregate.GlobalRegistry().Set(synchronousEmitterGate, true); err != nil {
		panic(fmt.Sprintf("hypha: enabling %s: %v", synchronousEmitterGate, err))
	}
}

// NewFactory returns a factory for the hypha: provider.
func NewFactory() confmap.ProviderFactory {
	return confmap.NewProviderFactory(func(confmap.ProviderSettings) confmap.Provider {
		return provider{}
	})
}

type provider struct{}

func (provider) Retrieve(_ context.Context, uri string, _ confmap.WatcherFunc) (*confmap.Retrieved, error) {
	mode, ok := strings.CutPrefix(uri, scheme+":")
	if !ok {
		return nil, fmt.Errorf("%q uri is not supported by the %q provider", uri, scheme)
	}
	cfg, ok := modes[mode]
	if !ok {
		return nil, fmt.Errorf("unknown hypha mode %q in %q: use hypha:agent or hypha:gateway", mode, uri)
	}
	return confmap.NewRetrievedFromYAML(cfg)
}

func (provider) Scheme() string { return scheme }

func (provider) Shutdown(context.Context) error { return nil }
