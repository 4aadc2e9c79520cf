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
)

const scheme = "hypha"

// configs holds, per mode, config.yaml (the mode's pipelines) and the
// fragments merged on top of it when the environment asks for them:
// auth.yaml and tls.yaml.
//
//go:embed agent-config/*.yaml gateway-config/*.yaml loadbalancer-config/*.yaml ui-config/*.yaml
var configs embed.FS

// A fragment is merged on top of a mode's config.yaml when the environment
// asks for it, so that a deployment without these variables runs exactly
// config.yaml.
type fragment struct {
	file string
	// mode is the folder file is read from when it is another mode's: the
	// load balancer's receivers take TLS exactly as the gateway's do.
	mode string
	// conf, when set, makes the fragment from the environment instead of a
	// file.
	conf func() (*confmap.Conf, error)
	// when reports whether to merge the fragment, or why the environment
	// is wrong.
	when func(mode string) (bool, error)
	// extension, when set, is added to service::extensions after the merge:
	// a list in a fragment would replace the one it is merged on.
	extension string
}

// modes maps the part after "hypha:" to the fragments that may be merged on
// top of that mode's config.yaml.
var modes = map[string][]fragment{
	"agent": {
		{file: "auth.yaml", when: bearerAuth},
		{file: "tls.yaml", when: anySet("HYPHA_TLS_ENABLED", "HYPHA_TLS_CA_FILE", "HYPHA_TLS_CERT_FILE")},
		{conf: hostResource, when: func(string) (bool, error) { return true, nil }},
	},
	"gateway": {
		{file: "auth.yaml", when: bearerAuth},
		{file: "tls.yaml", when: anySet("HYPHA_TLS_CERT_FILE")},
		{conf: uiConf, extension: "hypha_ui", when: uiOn},
	},
	// The UI alone, with no pipeline.
	"ui": {
		{conf: uiConf, extension: "hypha_ui", when: func(string) (bool, error) { return true, nil }},
	},
	"loadbalancer": {
		{file: "auth.yaml", when: bearerAuth},
		{file: "tls.yaml", mode: "gateway", when: anySet("HYPHA_TLS_CERT_FILE")},
		{file: "dns.yaml", when: func(string) (bool, error) { return os.Getenv(samplingGateways) == "", nil }},
		{conf: staticResolver, when: anySet(samplingGateways)},
	},
}

// shared lists, per mode, the files its config.yaml is merged onto: what
// several modes have in common, written once. The gateway and the load
// balancer take agents' data alike: the same receivers, memory limit,
// health check and metrics. config.yaml sets none of their keys.
var shared = map[string][]fragment{
	"gateway":      {{file: "shared.yaml"}},
	"loadbalancer": {{file: "shared.yaml", mode: "gateway"}},
}

// samplingGateways lists the load balancer's sampling gateways by hand,
// host:port,host:port, in place of the DNS lookup.
const samplingGateways = "HYPHA_SAMPLING_GATEWAYS"

// staticResolver lists the gateways of HYPHA_SAMPLING_GATEWAYS. A list
// cannot come from one ${env:...} reference in a file, so it is built here.
func staticResolver() (*confmap.Conf, error) {
	if os.Getenv("HYPHA_SAMPLING_DNS") != "" {
		return nil, fmt.Errorf("%s and HYPHA_SAMPLING_DNS are both set: the gateways come from one of them", samplingGateways)
	}
	var hosts []any
	for _, h := range strings.Split(os.Getenv(samplingGateways), ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("%s=%q names no gateway: use host:port,host:port", samplingGateways, os.Getenv(samplingGateways))
	}
	return confmap.NewFromStringMap(map[string]any{
		"exporters": map[string]any{"load_balancing": map[string]any{
			"resolver": map[string]any{"static": map[string]any{"hostnames": hosts}},
		}},
	}), nil
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
		case mode != "agent": // the gateway and the load balancer receive from other hosts
			return false, fmt.Errorf("the %s needs a token: set HYPHA_AUTH_TOKEN, or HYPHA_AUTH=none to accept data without authentication", mode)
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
		return nil, fmt.Errorf("unknown hypha mode %q in %q: use hypha:agent, hypha:gateway, hypha:loadbalancer or hypha:ui", mode, uri)
	}
	if mode == "ui" {
		if err := enableNoPipelines(); err != nil {
			return nil, err
		}
	}
	conf, err := modeConfig(mode)
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
		extra, err := f.load(mode)
		if err != nil {
			return nil, fmt.Errorf("hypha:%s: %w", mode, err)
		}
		if err := conf.Merge(extra); err != nil {
			return nil, fmt.Errorf("hypha:%s: merging %s: %w", mode, f.file, err)
		}
		if f.extension != "" {
			if err := appendExtension(conf, f.extension); err != nil {
				return nil, fmt.Errorf("hypha:%s: %w", mode, err)
			}
		}
	}
	return confmap.NewRetrieved(conf.ToStringMap())
}

// modeConfig is the mode's config.yaml merged onto the files it shares with
// other modes.
func modeConfig(mode string) (*confmap.Conf, error) {
	conf := confmap.New()
	for _, f := range shared[mode] {
		base, err := f.load(mode)
		if err != nil {
			return nil, err
		}
		if err := conf.Merge(base); err != nil {
			return nil, fmt.Errorf("hypha:%s: merging %s: %w", mode, f.file, err)
		}
	}
	own, err := load(mode, "config.yaml")
	if err != nil {
		return nil, err
	}
	if err := conf.Merge(own); err != nil {
		return nil, fmt.Errorf("hypha:%s: merging config.yaml: %w", mode, err)
	}
	return conf, nil
}

// load makes the fragment's config.
func (f fragment) load(mode string) (*confmap.Conf, error) {
	if f.conf != nil {
		return f.conf()
	}
	if f.mode != "" {
		mode = f.mode
	}
	return load(mode, f.file)
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
