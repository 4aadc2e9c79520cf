// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package certs makes the certificates a Hypha deployment needs for TLS
// between agents and the gateway: a private CA, a server certificate for the
// gateway and a client certificate for agents (for mutual TLS).
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files names what Generate writes into its folder.
var Files = struct {
	CA, CAKey, Server, ServerKey, Client, ClientKey string
}{
	CA: "ca.crt", CAKey: "ca.key",
	Server: "gateway.crt", ServerKey: "gateway.key",
	Client: "agent.crt", ClientKey: "agent.key",
}

// Options configure Generate.
type Options struct {
	// Hosts are the names and IP addresses agents use to reach the gateway;
	// they become the server certificate's subject alternative names.
	Hosts []string
	// Validity is how long the certificates are valid.
	Validity time.Duration
}

// Generate writes a CA, a gateway certificate for opts.Hosts and an agent
// client certificate into dir. Private keys are written with mode 0600. It
// refuses to overwrite existing files, so a deployment's CA is never
// replaced by accident.
func Generate(dir string, opts Options) error {
	if len(opts.Hosts) == 0 {
		return errors.New("hosts: at least one gateway host name or IP address is needed")
	}
	if opts.Validity <= 0 {
		return errors.New("validity must be positive")
	}
	for _, name := range []string{Files.CA, Files.CAKey, Files.Server, Files.ServerKey, Files.Client, Files.ClientKey} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("%s already exists; remove it first to make new certificates", filepath.Join(dir, name))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	now := time.Now().Add(-time.Minute) // tolerate small clock skew
	notAfter := now.Add(opts.Validity)

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Hypha CA"},
		NotBefore:             now,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caCert, err := sign(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	if err := write(dir, Files.CA, Files.CAKey, caCert, caKey); err != nil {
		return err
	}

	server := &x509.Certificate{
		Subject:     pkix.Name{CommonName: opts.Hosts[0]},
		NotBefore:   now,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range opts.Hosts {
		h = strings.TrimSpace(h)
		if ip := net.ParseIP(h); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else if h != "" {
			server.DNSNames = append(server.DNSNames, h)
		}
	}
	if err := issue(dir, Files.Server, Files.ServerKey, server, caKey, caCert); err != nil {
		return err
	}

	client := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "hypha-agent"},
		NotBefore:   now,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return issue(dir, Files.Client, Files.ClientKey, client, caKey, caCert)
}

func issue(dir, certName, keyName string, tmpl *x509.Certificate, caKey *ecdsa.PrivateKey, caCert *x509.Certificate) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	cert, err := sign(tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	return write(dir, certName, keyName, cert, key)
}

func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func write(dir, certName, keyName string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, certName), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, keyName), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
}
