// Package hypha holds the agent and gateway configurations that ship inside
// the hypha binary. The hypha: confmap provider serves them, so that one
// binary runs either mode: `hypha --config hypha:agent`.
package hypha

import _ "embed"

// AgentConfig is agent-config/config.yaml: tail log files, correlate, queue
// on disk and send to the gateway.
//
//go:embed agent-config/config.yaml
var AgentConfig []byte

// GatewayConfig is gateway-config/config.yaml: receive from agents,
// correlate what is still uncorrelated, export to Loki and Jaeger.
//
//go:embed gateway-config/config.yaml
var GatewayConfig []byte
