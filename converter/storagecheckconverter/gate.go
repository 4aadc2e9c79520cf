// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package storagecheckconverter

import (
	"fmt"
	"sync"

	// Imported for its side effect: pkg/stanza registers the
	// stanza.synchronousLogEmitter gate in its package initialisation,
	// which has run by the time NewFactory is called.
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/adapter"
	"go.opentelemetry.io/collector/featuregate"
)

// synchronousEmitterGate makes the file_log receiver hand records to the
// pipeline synchronously, so that a file offset is checkpointed only after
// the records behind it reached the next consumer (the persistent sending
// queue, or hypha_ack). The checks of this package keep the checkpoints
// usable; this gate keeps them honest. hypha turns it on by default;
// `--feature-gates=-stanza.synchronousLogEmitter` turns it off, because the
// collector applies that flag after main has built its settings, which is
// where NewFactory runs.
const synchronousEmitterGate = "stanza.synchronousLogEmitter"

var enableGate sync.Once

// enableSynchronousEmitter turns synchronousEmitterGate on, once.
func enableSynchronousEmitter() {
	enableGate.Do(func() {
		if err := featuregate.GlobalRegistry().Set(synchronousEmitterGate, true); err != nil {
			panic(fmt.Sprintf("hypha: enabling %s: %v", synchronousEmitterGate, err))
		}
	})
}
