// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hypha-obs/hypha/e2e/harness"
	"github.com/hypha-obs/hypha/internal/certs"
)

const (
	testToken  = "s3cret-hypha-token-5f2a"
	wrongToken = "not-the-token-9c1e"
)

func grpcExport(t *testing.T, addr, token string) codes.Code {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("grpc auth check")
	_, err = plogotlp.NewGRPCClient(conn).Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
	return status.Code(err)
}

// TestGatewayTokenAuth: with HYPHA_AUTH_TOKEN set, the gateway refuses OTLP
// requests without the right bearer token, over HTTP and gRPC.
func TestGatewayTokenAuth(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	_, gw := startLogBackend(t, bins, dir, "HYPHA_AUTH_TOKEN="+testToken)

	url := "http://" + gw.OTLPHTTP + "/v1/logs"
	body := otlpLogs(t, "auth-check", "token auth check")
	for _, c := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", wrongToken, http.StatusUnauthorized},
		{"right token", testToken, http.StatusOK},
	} {
		got, _, err := postOTLP(http.DefaultClient, url, contentTypeProto, c.token, body)
		if err != nil || got != c.want {
			t.Errorf("HTTP with %s: status %d (%v), want %d", c.name, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name, token string
		want        codes.Code
	}{
		{"no token", "", codes.Unauthenticated},
		{"wrong token", wrongToken, codes.Unauthenticated},
		{"right token", testToken, codes.OK},
	} {
		if got := grpcExport(t, gw.OTLPGRPC, c.token); got != c.want {
			t.Errorf("gRPC with %s: %v, want %v", c.name, got, c.want)
		}
	}
	gw.Stop(10 * time.Second)
	assertNoSecret(t, gw.Process, testToken, wrongToken)
}

// loopbackCerts writes a CA with a server and a client certificate for
// localhost and 127.0.0.1 into dir/certs, valid for an hour, and returns
// that folder (its files are named in certs.Files).
func loopbackCerts(t *testing.T, dir string) string {
	t.Helper()
	certDir := filepath.Join(dir, "certs")
	if err := certs.Generate(certDir, certs.Options{Hosts: []string{"localhost", "127.0.0.1"}, Validity: time.Hour}); err != nil {
		t.Fatal(err)
	}
	return certDir
}

// TestAgentToGatewayOverMutualTLS: the agent sends to a gateway that serves
// TLS, requires a client certificate from the deployment's CA and a token;
// plain text to that gateway fails.
func TestAgentToGatewayOverMutualTLS(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	certDir := loopbackCerts(t, dir)
	cf := func(name string) string { return filepath.Join(certDir, name) }

	store, gw := startLogBackend(t, bins, dir,
		"HYPHA_AUTH_TOKEN="+testToken,
		"HYPHA_TLS_CERT_FILE="+cf(certs.Files.Server),
		"HYPHA_TLS_KEY_FILE="+cf(certs.Files.ServerKey),
		"HYPHA_TLS_CA_FILE="+cf(certs.Files.CA),
	)
	checkMutualTLSClients(t, gw, certDir)
	agent := checkAgentSendsOverMutualTLS(t, bins, dir, certDir, store, gw)
	plain, err := store.Count(`service.name:="tls-check"`)
	if err != nil {
		t.Fatal(err)
	}
	if plain != 1 {
		t.Errorf("%d records from the direct checks reached the store, want exactly the 1 sent with certificate and token", plain)
	}
	agent.Stop(10 * time.Second)
	gw.Stop(10 * time.Second)
	assertNoSecret(t, agent.Process, testToken)
	assertNoSecret(t, gw.Process, testToken, wrongToken)
}

// checkMutualTLSClients sends one request each way a client could try: the
// gateway takes only HTTPS with a client certificate of the CA in certDir
// and the token, so exactly one "tls-check" record is stored.
func checkMutualTLSClients(t *testing.T, gw *harness.Hypha, certDir string) {
	t.Helper()
	cf := func(name string) string { return filepath.Join(certDir, name) }
	body := otlpLogs(t, "tls-check", "tls check")

	if got, _, err := postOTLP(http.DefaultClient, "http://"+gw.OTLPHTTP+"/v1/logs", contentTypeProto, testToken, body); err == nil && got == http.StatusOK {
		t.Error("plain-text HTTP to the TLS gateway succeeded")
	}
	if got := grpcExport(t, gw.OTLPGRPC, testToken); got == codes.OK {
		t.Error("plain-text gRPC to the TLS gateway succeeded")
	}

	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(cf(certs.Files.CA))
	pool.AppendCertsFromPEM(caPEM)
	noClientCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if got, _, err := postOTLP(noClientCert, "https://"+gw.OTLPHTTP+"/v1/logs", contentTypeProto, testToken, body); err == nil && got == http.StatusOK {
		t.Error("HTTPS without a client certificate was accepted by a gateway that requires one")
	}
	pair, err := tls.LoadX509KeyPair(cf(certs.Files.Client), cf(certs.Files.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	mtls := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}}}
	if got, _, err := postOTLP(mtls, "https://"+gw.OTLPHTTP+"/v1/logs", contentTypeProto, "", body); err != nil || got != http.StatusUnauthorized {
		t.Errorf("mutual TLS without the token: %d (%v), want 401", got, err)
	}
	if got, _, err := postOTLP(mtls, "https://"+gw.OTLPHTTP+"/v1/logs", contentTypeProto, testToken, body); err != nil || got != http.StatusOK {
		t.Errorf("mutual TLS with the token: %d (%v), want 200", got, err)
	}
}

// checkAgentSendsOverMutualTLS starts an agent with the client certificate
// and token and checks that the lines it reads arrive; it returns the agent.
func checkAgentSendsOverMutualTLS(t *testing.T, bins harness.Binaries, dir, certDir string, store *harness.VictoriaLogs, gw *harness.Hypha) *harness.Hypha {
	t.Helper()
	cf := func(name string) string { return filepath.Join(certDir, name) }
	// The agent, configured only through the documented variables.
	// The file exists, with a line the agent skips, before the agent's first
	// look, which starts at its end (start_at: end); every line appended after
	// the agent has started watching it is read.
	logDir := filepath.Join(dir, "app-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(logDir, "app.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	if _, err := logFile.WriteString(`{"msg":"written before the agent started"}` + "\n"); err != nil {
		t.Fatal(err)
	}
	agent := startHypha(t, bins, dir, harness.HyphaOptions{Mode: "agent", Env: []string{
		"HYPHA_GATEWAY_ENDPOINT=localhost:" + strings.Split(gw.OTLPGRPC, ":")[1],
		"HYPHA_LOG_INCLUDE=" + filepath.Join(logDir, "*.log"),
		"HYPHA_STORAGE_DIR=" + filepath.Join(dir, "agent-storage"),
		"HYPHA_SERVICE_NAME=tls-app",
		"HYPHA_AUTH_TOKEN=" + testToken,
		"HYPHA_TLS_CA_FILE=" + cf(certs.Files.CA),
		"HYPHA_TLS_CERT_FILE=" + cf(certs.Files.Client),
		"HYPHA_TLS_KEY_FILE=" + cf(certs.Files.ClientKey),
	}})
	const lines = 50
	var buf strings.Builder
	for i := range lines {
		fmt.Fprintf(&buf, `{"level":30,"time":%d,"msg":"over tls %d","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}`+"\n", time.Now().UnixMilli(), i)
	}
	waitForOutput(t, agent.Process, "Started watching file", 30*time.Second)
	if _, err := logFile.WriteString(buf.String()); err != nil {
		t.Fatal(err)
	}
	if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
		n, err := store.Count(`service.name:="tls-app" trace_id:="4bf92f3577b34da6a3ce929d0e0e4736"`)
		if err != nil {
			return err
		}
		if n < lines {
			return fmt.Errorf("%d of %d lines arrived over TLS", n, lines)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\nagent:\n%s\ngateway:\n%s", err, agent.Tail(3000), gw.Tail(3000))
	}
	return agent
}

// waitForOutput waits until a process has written text to its output.
func waitForOutput(t *testing.T, p *harness.Process, text string, timeout time.Duration) {
	t.Helper()
	if err := harness.Eventually(timeout, 100*time.Millisecond, func() error {
		if !strings.Contains(p.Tail(1<<20), text) {
			return fmt.Errorf("%s has not logged %q", p.Name, text)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v; its output ends:\n%s", err, p.Tail(3000))
	}
}

// assertNoSecret fails when a token shows up in a process's output.
func assertNoSecret(t *testing.T, p *harness.Process, secrets ...string) {
	t.Helper()
	out, err := os.ReadFile(p.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("%s wrote a secret to its log", p.Name)
		}
	}
}
