// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphalogsamplingprocessor makes logs follow the tail-sampling
// decision of their trace. One instance, under one component id, sits in
// two pipelines of a sampling gateway: in the traces pipeline after
// tail_sampling, where it notes the trace ids that were kept, and in the
// logs pipeline, where it holds each record that has a trace id until that
// trace is kept (then the record goes on) or the wait ends (then it is
// dropped, like its trace). Records without a trace id pass at once.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphalogsamplingprocessor // import "github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor"
