// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphajsonlimitextension // import "github.com/hypha-obs/hypha/extension/hyphajsonlimitextension"

import (
	"context"
	"io"
	"mime"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"

	"github.com/hypha-obs/hypha/extension/hyphajsonlimitextension/internal/metadata"
)

var _ extensionmiddleware.HTTPServer = (*jsonLimit)(nil)

type jsonLimit struct {
	component.StartFunc
	component.ShutdownFunc
	telemetry *metadata.TelemetryBuilder
}

func newJSONLimit(set extension.Settings) (*jsonLimit, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &jsonLimit{
		telemetry: tb,
		ShutdownFunc: func(context.Context) error {
			tb.Shutdown()
			return nil
		},
	}, nil
}

// GetHTTPHandler wraps the receiver's handler. It runs after decompression,
// so it reads the JSON itself.
func (l *jsonLimit) GetHTTPHandler(context.Context) (extensionmiddleware.WrapHTTPHandlerFunc, error) {
	return func(_ context.Context, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isJSON(r) {
				r.Body = &limitedBody{body: r.Body, scanner: newDepthScanner(), refused: func() {
					l.telemetry.ExtensionHyphaJSONLimitRefusedRequests.Add(r.Context(), 1)
				}}
			}
			next.ServeHTTP(w, r)
		}), nil
	}, nil
}

func isJSON(r *http.Request) bool {
	media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && media == "application/json"
}

// limitedBody fails the receiver's read of the body once the scanner
// refuses it; the OTLP receiver answers a failed read with 400.
type limitedBody struct {
	body    io.ReadCloser
	scanner *depthScanner
	err     error
	refused func()
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.body.Read(p)
	if scanErr := b.scanner.scan(p[:n]); scanErr != nil {
		b.err = scanErr
		b.refused()
		return 0, scanErr
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.body.Close() }
