// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestImage builds the image from the real binary (HYPHA_BIN), reads the
// tarball back, checks its config and files against the Dockerfile's
// layout, and runs it in both modes: unpacked and entered with chroot as
// user 65532, since no container runtime can start a container on the
// machines this project is built on (see CONTRIBUTING.md).
func TestImage(t *testing.T) {
	bin := os.Getenv("HYPHA_BIN")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("HYPHA_BIN is not set; CI runs this through `make image-test`")
		}
		t.Skip("HYPHA_BIN is not set: run `make image-test`")
	}
	out := filepath.Join(t.TempDir(), "image.tar")
	if err := run(options{binary: bin, arch: "amd64", version: "0.0.0-test", caBundle: "/etc/ssl/certs/ca-certificates.crt", out: out}); err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" || !slices.Equal(c.Entrypoint, []string{"/hypha"}) || !slices.Equal(c.Cmd, []string{"--config", "hypha:gateway"}) {
		t.Errorf("config: user %q, entrypoint %q, cmd %q; want the Dockerfile's", c.User, c.Entrypoint, c.Cmd)
	}
	for _, port := range []string{"4317/tcp", "4318/tcp", "13133/tcp", "8888/tcp"} {
		if _, ok := c.ExposedPorts[port]; !ok {
			t.Errorf("port %s not exposed", port)
		}
	}

	root := t.TempDir()
	files := unpack(t, img, root)
	for path, want := range map[string]string{
		"hypha":                             "-rwxr-xr-x 0:0",
		"etc/ssl/certs/ca-certificates.crt": "-rw-r--r-- 0:0",
		"var/lib/hypha":                     "drwxr-xr-x 65532:65532",
		"var/lib/hypha/dead-letter":         "drwxr-xr-x 65532:65532",
		"tmp":                               "dtrwxrwxrwx 0:0",
	} {
		if got := files[path]; got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}

	version, err := exec.Command(filepath.Join(root, "hypha"), "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("the image's binary: %v\n%s", err, version)
	}
	t.Logf("image: %s", strings.TrimSpace(string(version)))

	if os.Geteuid() != 0 {
		t.Skip("entering the image with chroot needs root (CI runs as root)")
	}
	// A container runtime mounts /proc; the memory limiter reads the
	// container's memory limit there.
	proc := filepath.Join(root, "proc")
	if err := os.Mkdir(proc, 0o555); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "proc", "proc", proc).CombinedOutput(); err != nil {
		t.Fatalf("mount /proc in the image: %v\n%s", err, out)
	}
	defer func() { _ = exec.Command("umount", proc).Run() }()
	for _, mode := range []string{"gateway", "agent"} {
		t.Run(mode, func(t *testing.T) { runInImage(t, root, c.Env, mode) })
	}
}

// unpack writes the image's flattened filesystem under root, owners aside,
// and returns each entry's mode and owner as ls would print them.
func unpack(t *testing.T, img v1.Image, root string) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		files[name] = fmt.Sprintf("%s %d:%d", h.FileInfo().Mode(), h.Uid, h.Gid)
		target := filepath.Join(root, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, os.FileMode(h.Mode)&os.ModePerm); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&os.ModePerm)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, tr); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(target, h.Uid, h.Gid); err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeDir {
				_ = os.Chmod(target, h.FileInfo().Mode()) // keeps /tmp's sticky bit
			}
		}
	}
	return files
}

// runInImage starts /hypha in the unpacked image as its user, in a mode,
// and waits for the health endpoint to answer "up".
func runInImage(t *testing.T, root string, env []string, mode string) {
	health, grpcAddr, httpAddr, metrics := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	_, metricsPort, _ := net.SplitHostPort(metrics)
	cmd := exec.Command("chroot", "--userspec=65532:65532", root, "/hypha", "--config", "hypha:"+mode)
	cmd.Env = append(env,
		"HYPHA_HEALTH_ENDPOINT="+health,
		"HYPHA_OTLP_GRPC_ENDPOINT="+grpcAddr,
		"HYPHA_OTLP_HTTP_ENDPOINT="+httpAddr,
		"HYPHA_METRICS_PORT="+metricsPort,
		"HYPHA_AUTH=none",
		"HYPHA_LOG_INCLUDE=/tmp/*.log",
		"HYPHA_GATEWAY_ENDPOINT="+grpcAddr,
	)
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+health+"/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(body) == "up" {
				t.Logf("image, %s mode: healthy", mode)
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s mode in the image did not become healthy: %v\n%s", mode, err, output.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
