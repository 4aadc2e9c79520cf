// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package certs

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestGenerateMakesAChainThatVerifies(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, Options{Hosts: []string{"hypha-gateway", "127.0.0.1"}, Validity: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(filepath.Join(dir, Files.CA))
	if err != nil {
		t.Fatal(err)
	}
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.crt holds no certificate")
	}
	for _, c := range []struct {
		cert, key string
		usage     x509.ExtKeyUsage
		names     []string
	}{
		{Files.Server, Files.ServerKey, x509.ExtKeyUsageServerAuth, []string{"hypha-gateway", "127.0.0.1"}},
		{Files.Client, Files.ClientKey, x509.ExtKeyUsageClientAuth, nil},
	} {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, c.cert), filepath.Join(dir, c.key))
		if err != nil {
			t.Fatalf("%s: %v", c.cert, err)
		}
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range append(c.names, "") {
			opts := x509.VerifyOptions{Roots: pool, DNSName: name, KeyUsages: []x509.ExtKeyUsage{c.usage}}
			if _, err := leaf.Verify(opts); err != nil {
				t.Errorf("%s for %q: %v", c.cert, name, err)
			}
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "elsewhere.example"}); err == nil && c.names != nil {
			t.Errorf("%s verifies for a host it was not made for", c.cert)
		}
		st, err := os.Stat(filepath.Join(dir, c.key))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", c.key, st.Mode().Perm())
		}
	}
}

func TestGenerateRefusesToOverwriteAndBadOptions(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir, Options{Hosts: []string{"gw"}, Validity: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := Generate(dir, Options{Hosts: []string{"gw"}, Validity: time.Hour}); err == nil {
		t.Error("a second Generate into the same folder must fail, not replace the CA")
	}
	if err := Generate(t.TempDir(), Options{Validity: time.Hour}); err == nil {
		t.Error("no hosts must be an error")
	}
	if err := Generate(t.TempDir(), Options{Hosts: []string{"gw"}}); err == nil {
		t.Error("zero validity must be an error")
	}
}
