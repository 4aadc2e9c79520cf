// Package hypha holds the agent and gateway configurations that ship inside
// the hypha binary. The hypha: confmap provider serves them, so that one
// binary runs either mode: `hypha --config hypha:agent`.
package hypha

import "embed"

// Configs holds, per mode, config.yaml (the mode's pipelines) and the
// fragments merged on top of it when their environment variables are set:
// auth.yaml (HYPHA_AUTH_TOKEN) and tls.yaml (HYPHA_TLS_*).
//
//go:embed agent-config/*.yaml gateway-config/*.yaml
var Configs embed.FS
