// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphajsonlimitextension // import "github.com/hypha-obs/hypha/extension/hyphajsonlimitextension"

// Config configures the hypha_json_limit extension. It has no settings: the
// limit is protobuf's, so that JSON and protobuf requests are held to the
// same rule.
type Config struct {
	// prevent unkeyed literal initialization
	_ struct{}
}
