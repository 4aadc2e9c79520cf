// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphacorrelationprocessor links log records to the spans that
// wrote them. It finds the trace id and span id inside a log line written by
// an instrumented logger (pino, winston, bunyan, slog, zap, zerolog and many
// more) and sets the record's native TraceID, SpanID and Flags, plus its
// severity and timestamp when those are unset.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"
