// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
)

// The log stores the UI can read.
const (
	storeVictoriaLogs = "victorialogs"
	storeLoki         = "loki"
)

// Config configures the hypha_ui extension.
type Config struct {
	// ServerConfig is where the UI listens: endpoint (loopback by default),
	// TLS, and the collector's server settings.
	confighttp.ServerConfig `mapstructure:",squash"`

	// BearerToken, when set, is required on every request as
	// `Authorization: Bearer <token>`.
	BearerToken configopaque.String `mapstructure:"bearer_token"`
	// BasicAuth, when its username is set, is required on every request.
	// With bearer_token too, either one is accepted.
	BasicAuth BasicAuthConfig `mapstructure:"basic_auth"`

	// Logs is the log store the UI reads.
	Logs LogsConfig `mapstructure:"logs"`
	// Jaeger is Jaeger's query service (its HTTP API, /api/v3).
	Jaeger confighttp.ClientConfig `mapstructure:"jaeger"`
	// Telemetry is the collector's own Prometheus metrics, read by the
	// pipeline health page.
	Telemetry confighttp.ClientConfig `mapstructure:"telemetry"`

	// GrafanaURL and JaegerUIURL, when set, make the UI link every log line
	// and trace to Grafana Explore and the Jaeger UI.
	GrafanaURL string `mapstructure:"grafana_url"`
	// GrafanaLogsDatasource is the uid of Grafana's log data source, used
	// in the Explore links.
	GrafanaLogsDatasource string `mapstructure:"grafana_logs_datasource"`
	JaegerUIURL           string `mapstructure:"jaeger_ui_url"`

	// DefaultRange is the time range a page shows when it names none.
	DefaultRange time.Duration `mapstructure:"default_range"`
	// MaxRange bounds the time range of any query.
	MaxRange time.Duration `mapstructure:"max_range"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// BasicAuthConfig is a username and password for HTTP basic auth.
type BasicAuthConfig struct {
	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
}

// LogsConfig is the log store: which kind, and how to reach its query API.
type LogsConfig struct {
	// Store is victorialogs or loki.
	Store string `mapstructure:"store"`
	// ClientConfig's endpoint is the store's base URL, for example
	// http://victorialogs:9428 or http://loki:3100. Headers and auth go to
	// the store only, never to the browser.
	confighttp.ClientConfig `mapstructure:",squash"`
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint must be set, for example 127.0.0.1:16680"))
	}
	if c.BasicAuth.Username == "" && c.BasicAuth.Password != "" {
		errs = append(errs, errors.New("basic_auth::username must be set when basic_auth::password is"))
	}
	if c.BasicAuth.Username != "" && c.BasicAuth.Password == "" {
		errs = append(errs, errors.New("basic_auth::password must be set when basic_auth::username is"))
	}
	switch c.Logs.Store {
	case storeVictoriaLogs, storeLoki:
	default:
		errs = append(errs, fmt.Errorf("logs::store %q: use victorialogs or loki", c.Logs.Store))
	}
	errs = append(errs,
		checkURL("logs::endpoint", c.Logs.Endpoint, true),
		checkURL("jaeger::endpoint", c.Jaeger.Endpoint, true),
		checkURL("telemetry::endpoint", c.Telemetry.Endpoint, false),
		checkURL("grafana_url", c.GrafanaURL, false),
		checkURL("jaeger_ui_url", c.JaegerUIURL, false),
	)
	for key, t := range map[string]time.Duration{"logs::timeout": c.Logs.Timeout, "jaeger::timeout": c.Jaeger.Timeout, "telemetry::timeout": c.Telemetry.Timeout} {
		if t <= 0 {
			errs = append(errs, fmt.Errorf("%s must be greater than 0: a store that hangs must not hang the page", key))
		}
		// The answer naming the store must be written before the server
		// gives up on the request.
		if c.WriteTimeout > 0 && t >= c.WriteTimeout {
			errs = append(errs, fmt.Errorf("%s (%s) must be shorter than write_timeout (%s)", key, t, c.WriteTimeout))
		}
	}
	if c.DefaultRange <= 0 {
		errs = append(errs, errors.New("default_range must be greater than 0"))
	}
	if c.MaxRange < c.DefaultRange {
		errs = append(errs, errors.New("max_range must be at least default_range"))
	}
	return errors.Join(errs...)
}

// checkURL reports an error naming key when raw is not an absolute http(s)
// URL; an empty raw is an error only when required.
func checkURL(key, raw string, required bool) error {
	if raw == "" {
		if required {
			return fmt.Errorf("%s must be set", key)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q: use an http:// or https:// URL", key, raw)
	}
	return nil
}
