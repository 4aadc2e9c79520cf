// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/hypha-obs/hypha/internal/yamltree"
)

// KubeAPI is a running kube-apiserver on its own etcd: no scheduler, no
// kubelet, no controllers. Objects are what the test writes, as a cluster's
// controllers would have written them.
type KubeAPI struct {
	Etcd, Server *Process
	URL          string // https://127.0.0.1:<port>
	CAFile       string // the server's self-signed certificate
	adminToken   string
	client       *http.Client
}

// StartKubeAPI starts etcd and kube-apiserver on free loopback ports, with
// RBAC authorization, a static admin token for the test, and service account
// tokens signed by a key made here.
func StartKubeAPI(dir, apiserverBin, etcdBin string) (*KubeAPI, error) {
	k := &KubeAPI{adminToken: "admin-token-for-the-test"}
	var etcdURL string
	if err := onFreePorts(func() error {
		client, err := FreeAddr()
		if err != nil {
			return err
		}
		peer, err := FreeAddr()
		if err != nil {
			return err
		}
		etcdURL = "http://" + client
		p, err := Start(dir, "etcd", etcdBin, []string{
			"--data-dir", filepath.Join(dir, "etcd-data"),
			"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
			"--listen-peer-urls", "http://" + peer, "--initial-advertise-peer-urls", "http://" + peer,
			"--initial-cluster", "default=http://" + peer,
			"--log-level", "warn",
		}, nil)
		if err != nil {
			return err
		}
		k.Etcd = p
		return waitHealthy(p, etcdURL+"/health")
	}); err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}

	keyFile := filepath.Join(dir, "service-account.key")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return nil, err
	}
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(k.adminToken+",admin,admin,system:masters\n"), 0o600); err != nil {
		return nil, err
	}
	certDir := filepath.Join(dir, "apiserver-certs")
	k.CAFile = filepath.Join(certDir, "apiserver.crt")
	if err := onFreePorts(func() error {
		port, err := FreePort()
		if err != nil {
			return err
		}
		k.URL = fmt.Sprintf("https://127.0.0.1:%d", port)
		p, err := Start(dir, "kube-apiserver", apiserverBin, []string{
			"--etcd-servers", etcdURL,
			"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
			"--secure-port", fmt.Sprint(port), "--cert-dir", certDir,
			"--authorization-mode", "RBAC",
			"--token-auth-file", tokens,
			"--service-account-issuer", "https://kubernetes.default.svc",
			"--service-account-key-file", keyFile,
			"--service-account-signing-key-file", keyFile,
			"--service-cluster-ip-range", "10.96.0.0/24",
			// No kubernetes Service endpoints: the only address is loopback,
			// which they may not hold.
			"--endpoint-reconciler-type", "none",
			// No controller makes the namespaces' default ServiceAccount.
			"--disable-admission-plugins", "ServiceAccount",
		}, nil)
		if err != nil {
			return err
		}
		k.Server = p
		return k.waitReady()
	}); err != nil {
		k.Stop()
		return nil, fmt.Errorf("kube-apiserver: %w", err)
	}
	return k, nil
}

// waitReady waits for /readyz, trusting the certificate the server made.
func (k *KubeAPI) waitReady() error {
	return Eventually(2*startTimeout, 500*time.Millisecond, func() error {
		if exited, err := k.Server.Exited(); exited {
			return Permanent(fmt.Errorf("exited while starting (%w):\n%s", err, k.Server.Tail(4000)))
		}
		if k.client == nil {
			pemBytes, err := os.ReadFile(k.CAFile)
			if err != nil {
				return err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pemBytes) {
				return errors.New("apiserver.crt holds no certificate")
			}
			k.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		}
		_, err := k.Do(http.MethodGet, "/readyz", nil)
		return err
	})
}

// Do sends a request as the cluster's admin; body (if any) is encoded as
// JSON, and the answer is decoded into a map.
func (k *KubeAPI) Do(method, path string, body any) (map[string]any, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, k.URL+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.adminToken)
	req.Header.Set("Content-Type", "application/json")
	if method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, out)
	}
	var m map[string]any
	if len(bytes.TrimSpace(out)) > 0 && out[0] == '{' {
		if err := json.Unmarshal(out, &m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Kubeconfig writes a kubeconfig that acts as a service account, with a
// token the server issues for it.
func (k *KubeAPI) Kubeconfig(path, namespace, serviceAccount string) error {
	resp, err := k.Do(http.MethodPost, "/api/v1/namespaces/"+namespace+"/serviceaccounts/"+serviceAccount+"/token",
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": map[string]any{"expirationSeconds": 3600}})
	if err != nil {
		return err
	}
	token := yamltree.String(resp, "status", "token")
	if token == "" {
		return fmt.Errorf("no token in the TokenRequest answer: %v", resp)
	}
	caFile, err := filepath.Abs(k.CAFile)
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: %s
      certificate-authority: %s
users:
  - name: %s
    user:
      token: %s
contexts:
  - name: test
    context: {cluster: test, user: %s}
current-context: test
`, k.URL, caFile, serviceAccount, token, serviceAccount)
	return os.WriteFile(path, []byte(cfg), 0o600)
}

// Stop ends the server, then etcd.
func (k *KubeAPI) Stop() {
	if k.Server != nil {
		k.Server.Stop(10 * time.Second)
	}
	if k.Etcd != nil {
		k.Etcd.Stop(10 * time.Second)
	}
}
