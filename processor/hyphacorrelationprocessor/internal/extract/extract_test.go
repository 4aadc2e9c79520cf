// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "testing"

// TestConcurrent shares one Extractor between goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	e := New(goldenOptions)
	done := make(chan bool)
	for range 4 {
		go func() {
			var r Result
			for range 1000 {
				e.FromString(benchPino, &r)
			}
			done <- r.HasTrace
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("no trace found")
		}
	}
}
