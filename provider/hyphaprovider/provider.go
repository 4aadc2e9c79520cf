// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphaprovider is a confmap provider for the "hypha" scheme. It
// serves the configurations embedded in the binary, so `--config hypha:agent`
// and `--config hypha:gateway` need no file on disk. Users layer their own
// settings on top with further --config flags; the collector merges them
// left to right.
package hyphaprovider // import "github.com/hypha-obs/hypha/provider/hyphaprovider"

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/featuregate"
)

const scheme = "hypha"

// configs holds, per mode, config.yaml (the mode's pipelines) and the
// fragments merged on top of it when the environment asks for them:
// auth.yaml and tls.yaml.
//
//go:embed agent-config/*.yaml gateway-config/*.yaml
var configs embed.FS

// synchronousEmitterGate makes the file_log receiver hand records to the
// pipeline synchronously, so a file offset is checkpointed only after the
// records behind it reached the persistent sending queue. hypha turns it on
// by default; `--feature-gates=-stanza.synchronousLogEmitter` turns it off.
const synchronousEmitterGate = "stanza.synchronousLogEmitter"

// A fragment is merged on top of a mode's config.yaml when the environment
// asks for it, so that a deployment without these variables runs exactly
// config.yaml.
type fragment struct {
	file string
	// when reports whether to merge the fragment, or why the environment
	// is wrong.
	when func(mode string) (bool, error)
}

// modes maps the part after "hypha:" to the fragments that may be merged on
// top of that mode's config.yaml.
var modes = map[string][]fragment{
	"agent": {
		{file: "auth.yaml", when: bearerAuth},
		{file: "tls.yaml", when: anySet("HYPHA_TLS_ENABLED", "HYPHA_TLS_CA_FILE", "HYPHA_TLS_CERT_FILE")},
	},
	"gateway": {
		{file: "auth.yaml", when: bearerAuth},
		{file: "tls.yaml", when: anySet("HYPHA_TLS_CERT_FILE")},
	},
}

// bearerAuth decides from HYPHA_AUTH and HYPHA_AUTH_TOKEN whether requests
// carry (agent) or need (gateway) a bearer token. Running without one is an
// explicit choice, HYPHA_AUTH=none: a token variable that is set but empty,
// as a missing Secret or an unset shell variable leaves it, is an error and
// never a silent way to turn authentication off.
func bearerAuth(mode string) (bool, error) {
	token, tokenSet := os.LookupEnv("HYPHA_AUTH_TOKEN")
	switch auth := os.Getenv("HYPHA_AUTH"); auth {
	case "none":
		if token != "" {
			return false, errors.New("HYPHA_AUTH=none but HYPHA_AUTH_TOKEN is set: unset one of them")
		}
		return false, nil
	case "bearer":
		if token == "" {
			return false, errors.New("HYPHA_AUTH=bearer needs a token in HYPHA_AUTH_TOKEN")
		}
		return true, nil
	case "":
		switch {
		case token != "":
			return true, nil
		case tokenSet:
			return false, errors.New("HYPHA_AUTH_TOKEN is set but empty: set the token, or HYPHA_AUTH=none to run without authentication")
		case mode == "gateway":
			return false, errors.New("the gateway needs a token: set HYPHA_AUTH_TOKEN, or HYPHA_AUTH=none to accept data without authentication")
		}
		return false, nil // an agent without a token sends none
	default:
		return false, fmt.Errorf("HYPHA_AUTH=%q: use bearer or none", auth)
	}
}

// anySet returns a condition that holds when any of the variables is set to
// a non-empty value.
func anySet(vars ...string) func(string) (bool, error) {
	return func(string) (bool, error) {
		for _, v := range vars {
			if os.Getenv(v) != "" {
				return true, nil
			}
		}
		return false, nil
	}
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
	fragments, ok := modes[mode]
	if !ok {
		return nil, fmt.Errorf("unknown hypha mode %q in %q: use hypha:agent or hypha:gateway", mode, uri)
	}
	conf, err := load(mode, "config.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range fragments {
		merge, err := f.when(mode)
		if err != nil {
			return nil, fmt.Errorf("hypha:%s: %w", mode, err)
		}
		if !merge {
			continue
		}
		extra, err := load(mode, f.file)
		if err != nil {
			return nil, err
		}
		if err := conf.Merge(extra); err != nil {
			return nil, fmt.Errorf("merging %s-config/%s: %w", mode, f.file, err)
		}
	}
	return confmap.NewRetrieved(conf.ToStringMap())
}

// load reads one embedded file. The ${env:...} references in it stay as they
// are: the collector's resolver expands them after the merge.
func load(mode, file string) (*confmap.Conf, error) {
	name := path.Join(mode+"-config", file)
	raw, err := configs.ReadFile(name)
	if err != nil {
		return nil, err
	}
	retrieved, err := confmap.NewRetrievedFromYAML(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return retrieved.AsConf()
}

func (provider) Scheme() string { return scheme }

func (provider) Shutdown(context.Context) error { return nil }
