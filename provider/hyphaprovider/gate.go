// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaprovider

// Imported for its side effect: pkg/stanza registers the
// stanza.synchronousLogEmitter feature gate in its package initialisation,
// and Go runs an imported package's init before ours, so the gate exists
// when init in provider.go enables it.
import _ "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/adapter"
