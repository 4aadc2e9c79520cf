// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command hypha-certs makes the certificates for TLS between hypha agents and
// the gateway: a CA, a gateway server certificate and an agent client
// certificate. `make certs` runs it.
//
//	hypha-certs -out deploy/certs -hosts hypha-gateway,gateway.example.com,10.0.0.5
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypha-obs/hypha/internal/certs"
)

func main() {
	out := flag.String("out", "certs", "folder to write the certificates and keys into")
	hosts := flag.String("hosts", "localhost,127.0.0.1,hypha-gateway", "comma-separated host names and IP addresses agents use to reach the gateway")
	days := flag.Int("days", 365, "days the certificates are valid")
	flag.Parse()

	if err := certs.Generate(*out, certs.Options{
		Hosts:    strings.Split(*hosts, ","),
		Validity: time.Duration(*days) * 24 * time.Hour,
	}); err != nil {
		fmt.Fprintln(os.Stderr, "hypha-certs:", err)
		os.Exit(1)
	}
	f := certs.Files
	p := func(name string) string { return filepath.Join(*out, name) }
	fmt.Printf(`wrote %s
gateway: HYPHA_TLS_CERT_FILE=%s HYPHA_TLS_KEY_FILE=%s HYPHA_TLS_CA_FILE=%s (CA: require agent certificates)
agent:   HYPHA_TLS_CA_FILE=%s HYPHA_TLS_CERT_FILE=%s HYPHA_TLS_KEY_FILE=%s
keep %s and %s secret; %s can sign more certificates
`, *out, p(f.Server), p(f.ServerKey), p(f.CA), p(f.CA), p(f.Client), p(f.ClientKey), p(f.ServerKey), p(f.ClientKey), p(f.CAKey))
}
