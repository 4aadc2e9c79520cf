// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaprovider // import "github.com/hypha-obs/hypha/provider/hyphaprovider"

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/featuregate"
)

// The UI's settings. Where a deployment already says where the stores and
// the metrics are (HYPHA_LOKI_ENDPOINT, HYPHA_JAEGER_ENDPOINT,
// HYPHA_METRICS_HOST/PORT), the UI follows them.
const (
	uiSwitch      = "HYPHA_UI"
	uiEndpoint    = "HYPHA_UI_ENDPOINT"
	uiLogsStore   = "HYPHA_UI_LOGS_STORE"
	uiLogsURL     = "HYPHA_UI_LOGS_ENDPOINT"
	uiJaegerURL   = "HYPHA_UI_JAEGER_ENDPOINT"
	uiMetricsURL  = "HYPHA_UI_METRICS_URL"
	uiToken       = "HYPHA_UI_TOKEN"
	uiUsername    = "HYPHA_UI_USERNAME"
	uiPassword    = "HYPHA_UI_PASSWORD"
	uiGrafanaURL  = "HYPHA_UI_GRAFANA_URL"
	uiJaegerUIURL = "HYPHA_UI_JAEGER_UI_URL"

	// uiDefaultEndpoint is loopback: the UI shows every log line.
	uiDefaultEndpoint = "127.0.0.1:16680"
	// allowNoPipelines lets the UI run alone, with no pipeline.
	allowNoPipelines = "service.AllowNoPipelines"
)

// uiOn decides whether the gateway serves the UI: HYPHA_UI=on, or an
// address in HYPHA_UI_ENDPOINT; HYPHA_UI=off turns it off whatever else is
// set.
func uiOn(string) (bool, error) {
	switch v := os.Getenv(uiSwitch); v {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "":
		return os.Getenv(uiEndpoint) != "", nil
	default:
		return false, fmt.Errorf("%s=%q: use on or off", uiSwitch, v)
	}
}

// uiConf is the hypha_ui extension's configuration, built from the
// environment.
func uiConf() (*confmap.Conf, error) {
	store, logsURL, err := uiLogs()
	if err != nil {
		return nil, err
	}
	ext := map[string]any{
		"endpoint": envOr(uiEndpoint, uiDefaultEndpoint),
		"logs":     map[string]any{"store": store, "endpoint": logsURL},
		"jaeger":   map[string]any{"endpoint": envOr(uiJaegerURL, jaegerQueryURL())},
		"telemetry": map[string]any{
			"endpoint": envOr(uiMetricsURL, metricsURL()),
		},
		"grafana_url":   os.Getenv(uiGrafanaURL),
		"jaeger_ui_url": os.Getenv(uiJaegerUIURL),
	}
	if err := uiAccess(ext); err != nil {
		return nil, err
	}
	return confmap.NewFromStringMap(map[string]any{"extensions": map[string]any{"hypha_ui": escapeDollars(ext)}}), nil
}

// uiAccess sets the UI's authentication: a bearer token, basic auth, or
// both. An empty variable counts as unset, as compose files leave them.
func uiAccess(ext map[string]any) error {
	if token := os.Getenv(uiToken); token != "" {
		ext["bearer_token"] = token
	}
	user, pass := os.Getenv(uiUsername), os.Getenv(uiPassword)
	if (user == "") != (pass == "") {
		return fmt.Errorf("%s and %s go together: set both or neither", uiUsername, uiPassword)
	}
	if user != "" {
		ext["basic_auth"] = map[string]any{"username": user, "password": pass}
	}
	return nil
}

// uiLogs is the log store: HYPHA_UI_LOGS_STORE and HYPHA_UI_LOGS_ENDPOINT,
// or what the gateway's own log exporter endpoint shows: Loki's /otlp or
// VictoriaLogs' /insert/opentelemetry.
func uiLogs() (store, endpoint string, err error) {
	store, endpoint = os.Getenv(uiLogsStore), os.Getenv(uiLogsURL)
	if store != "" && store != "loki" && store != "victorialogs" {
		return "", "", fmt.Errorf("%s=%q: use loki or victorialogs", uiLogsStore, store)
	}
	if store != "" && endpoint != "" {
		return store, endpoint, nil
	}
	exporter := strings.TrimSuffix(envOr("HYPHA_LOKI_ENDPOINT", "http://loki:3100/otlp"), "/")
	derived, found := "", ""
	if base, ok := strings.CutSuffix(exporter, "/insert/opentelemetry"); ok {
		derived, found = "victorialogs", base
	} else if base, ok := strings.CutSuffix(exporter, "/otlp"); ok {
		derived, found = "loki", base
	}
	if store == "" {
		store = derived
	}
	if endpoint == "" && store == derived {
		endpoint = found
	}
	if store == "" || endpoint == "" {
		return "", "", fmt.Errorf("the UI cannot tell the log store's query API from HYPHA_LOKI_ENDPOINT=%q: set %s and %s", exporter, uiLogsStore, uiLogsURL)
	}
	return store, endpoint, nil
}

// jaegerQueryURL is Jaeger's query service on the host the gateway sends
// traces to (HYPHA_JAEGER_ENDPOINT, OTLP/gRPC), at Jaeger's query port.
func jaegerQueryURL() string {
	target := envOr("HYPHA_JAEGER_ENDPOINT", "jaeger:4317")
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		target = u.Host
	}
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		host = target
	}
	return "http://" + net.JoinHostPort(host, "16686")
}

// metricsURL is the collector's own Prometheus endpoint; an address that
// listens everywhere is read on loopback.
func metricsURL() string {
	host := envOr("HYPHA_METRICS_HOST", "127.0.0.1")
	if host == "0.0.0.0" || host == "::" || host == "[::]" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(strings.Trim(host, "[]"), envOr("HYPHA_METRICS_PORT", "8888")) + "/metrics"
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// escapeDollars doubles every $ in the values: the collector expands
// ${...} in what a provider returns, and a password is not a reference.
func escapeDollars(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = strings.ReplaceAll(v, "$", "$$")
		case map[string]any:
			out[k] = escapeDollars(v)
		default:
			out[k] = v
		}
	}
	return out
}

// enableNoPipelines turns on the collector's gate that lets hypha:ui run
// with no pipeline. It is set only when that mode is asked for.
func enableNoPipelines() error {
	if err := featuregate.GlobalRegistry().Set(allowNoPipelines, true); err != nil {
		return fmt.Errorf("hypha:ui runs no pipeline and needs the collector's %s gate: %w", allowNoPipelines, err)
	}
	return nil
}

// appendExtension adds name to service::extensions.
func appendExtension(conf *confmap.Conf, name string) error {
	var list []any
	switch v := conf.Get("service::extensions").(type) {
	case nil:
	case []any:
		list = v
	default:
		return errors.New("service::extensions is not a list")
	}
	for _, e := range list {
		if e == name {
			return nil
		}
	}
	return conf.Merge(confmap.NewFromStringMap(map[string]any{"service": map[string]any{"extensions": append(list, name)}}))
}
