// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package harness starts the real programs the end-to-end tests and the demo
// need (hypha, Jaeger, VictoriaLogs, Node services) on free loopback ports,
// waits for them with bounded polls, and stops exactly the processes it
// started. Starting, waiting and stopping a process is internal/process,
// which the pipeline benchmark uses too; the names below keep the harness
// one import for the tests.
package harness

import (
	"net/http"
	"strings"

	"github.com/hypha-obs/hypha/internal/process"
)

// Process is a program started by the harness.
type Process = process.Process

// The process functions, under the harness's names.
var (
	FreePort   = process.FreePort
	FreeAddr   = process.FreeAddr
	Start      = process.Start
	StartCmd   = process.StartCmd
	Eventually = process.Eventually
	Permanent  = process.Permanent
	Get        = process.Get
)

// getWith is Get with request headers.
func getWith(url string, header http.Header) ([]byte, error) { return process.GetWith(url, header) }

// onFreePorts runs start, which picks its ports with FreePort and starts a
// program on them, and runs it again, with fresh ports, while the program
// could not bind one: a port free when picked can be taken before the
// program binds it, for example by an outgoing connection of another
// program under test.
func onFreePorts(start func() error) error {
	var err error
	for range 3 {
		if err = start(); err == nil || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
	return err
}
