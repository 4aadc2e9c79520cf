// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"
)

// ui is the running extension: one HTTP server with the assets and the API.
type ui struct {
	cfg *Config
	set extension.Settings

	server *http.Server
	// addr is the address the server listens on, once started.
	addr string
	done sync.WaitGroup
}

func newUI(set extension.Settings, cfg *Config) *ui {
	return &ui{cfg: cfg, set: set}
}

// Start builds the stores' clients and starts serving.
func (u *ui) Start(ctx context.Context, host component.Host) error {
	exts := host.GetExtensions()
	api, err := newAPI(ctx, u.cfg, exts, u.set.TelemetrySettings)
	if err != nil {
		return err
	}
	handler, err := newHandler(u.cfg, api, u.set.Logger)
	if err != nil {
		return err
	}
	ln, err := u.cfg.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("hypha_ui: listening on %s: %w", u.cfg.NetAddr.Endpoint, err)
	}
	u.server, err = u.cfg.ToServer(ctx, exts, u.set.TelemetrySettings, handler)
	if err != nil {
		_ = ln.Close()
		return err
	}
	u.addr = ln.Addr().String()
	u.set.Logger.Info("Hypha UI listening", zap.String("endpoint", u.addr),
		zap.String("logs", u.cfg.Logs.Store))
	u.done.Add(1)
	go func() {
		defer u.done.Done()
		if err := u.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	return nil
}

// Shutdown stops the server and waits for it.
func (u *ui) Shutdown(ctx context.Context) error {
	if u.server == nil {
		return nil
	}
	err := u.server.Shutdown(ctx)
	u.done.Wait()
	return err
}
