// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"errors"
	"testing"
)

func TestOnFreePorts(t *testing.T) {
	clash := errors.New("hypha exited while starting: listen tcp 127.0.0.1:4317: bind: address already in use")
	other := errors.New("hypha exited while starting: invalid configuration")
	for _, tc := range []struct {
		name      string
		results   []error // what each start returns, in turn
		wantCalls int
		want      error
	}{
		{"started at once", []error{nil}, 1, nil},
		{"a port taken, then started", []error{clash, clash, nil}, 3, nil},
		{"another failure is not retried", []error{other}, 1, other},
		{"ports taken every time", []error{clash, clash, clash}, 3, clash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := onFreePorts(func() error {
				calls++
				return tc.results[calls-1]
			})
			if calls != tc.wantCalls || !errors.Is(err, tc.want) {
				t.Errorf("%d calls, error %v; want %d calls, error %v", calls, err, tc.wantCalls, tc.want)
			}
		})
	}
}
