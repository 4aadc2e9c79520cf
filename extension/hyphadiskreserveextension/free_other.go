// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package hyphadiskreserveextension // import "github.com/hypha-obs/hypha/extension/hyphadiskreserveextension"

import "math"

// freeBytes is not measured outside Linux, Hypha's only release platform:
// nothing is refused there.
func freeBytes(string) (uint64, error) { return math.MaxUint64, nil }
