// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command hypha-image assembles the hypha container image from a built
// binary, without a Docker engine and without pulling a base image: one
// layer holding what the Dockerfile's distroless stage gives the binary (CA
// certificates, a nonroot user 65532, /tmp, and /var/lib/hypha owned by that
// user), and the same entrypoint, command, user and ports. It writes a
// tarball that `docker load` and `podman load` read.
//
//	make image   (cd tools/image && go run . -binary ../../bin/hypha -version 0.1.0 -out ../../dist/hypha_0.1.0_image_linux_amd64.tar)
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// nonroot is distroless's nonroot user, which the Dockerfile runs as.
const nonroot = 65532

func main() {
	var opts options
	flag.StringVar(&opts.binary, "binary", "bin/hypha", "the hypha binary (static, linux)")
	flag.StringVar(&opts.arch, "arch", "amd64", "the binary's architecture")
	flag.StringVar(&opts.version, "version", "", "the release version, for the tag and the version label")
	flag.StringVar(&opts.caBundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "CA certificates to put in the image")
	flag.StringVar(&opts.out, "out", "", "the image tarball to write")
	flag.Parse()
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "hypha-image:", err)
		os.Exit(1)
	}
}

type options struct {
	binary, arch, version, caBundle, out string
}

func run(opts options) error {
	if opts.out == "" || opts.version == "" {
		return errors.New("-out and -version are required")
	}
	img, err := build(opts)
	if err != nil {
		return err
	}
	tag, err := name.NewTag("hypha-obs/hypha:" + opts.version)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(opts.out, tag, img); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s (%s, %s)\n", opts.out, tag, digest)
	return nil
}

// build makes the image: one layer and the config.
func build(opts options) (v1.Image, error) {
	binary, err := os.ReadFile(opts.binary)
	if err != nil {
		return nil, err
	}
	certs, err := os.ReadFile(opts.caBundle)
	if err != nil {
		return nil, fmt.Errorf("CA certificates: %w", err)
	}
	layerTar, err := rootfs(binary, certs)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", opts.arch
	cf.Created = v1.Time{Time: epoch}
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", nonroot, nonroot),
		Entrypoint: []string{"/hypha"},
		Cmd:        []string{"--config", "hypha:gateway"},
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
		},
		// OTLP gRPC, OTLP HTTP, health_check, the collector's own metrics.
		ExposedPorts: map[string]struct{}{"4317/tcp": {}, "4318/tcp": {}, "13133/tcp": {}, "8888/tcp": {}},
		WorkingDir:   "/",
		Labels: map[string]string{
			"org.opencontainers.image.title":    "hypha",
			"org.opencontainers.image.version":  opts.version,
			"org.opencontainers.image.licenses": "Apache-2.0",
			"org.opencontainers.image.source":   "https://github.com/hypha-obs/hypha",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// epoch is every file's time, so that the same inputs give the same image.
var epoch = time.Unix(0, 0).UTC()

// entry is one file or folder of the image.
type entry struct {
	path     string
	mode     int64
	uid, gid int
	data     []byte // nil for a folder
}

// rootfs is the layer: the files the Dockerfile's final stage holds.
func rootfs(binary, certs []byte) ([]byte, error) {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", nonroot, nonroot)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", nonroot)
	entries := []entry{
		{path: "etc/", mode: 0o755},
		{path: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{path: "etc/group", mode: 0o644, data: []byte(group)},
		{path: "etc/ssl/", mode: 0o755},
		{path: "etc/ssl/certs/", mode: 0o755},
		{path: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: certs},
		{path: "home/", mode: 0o755},
		{path: "home/nonroot/", mode: 0o700, uid: nonroot, gid: nonroot},
		{path: "tmp/", mode: 0o1777},
		{path: "var/", mode: 0o755},
		{path: "var/lib/", mode: 0o755},
		// The gateway's dead letters and the agent's state.
		{path: "var/lib/hypha/", mode: 0o755, uid: nonroot, gid: nonroot},
		{path: "var/lib/hypha/dead-letter/", mode: 0o755, uid: nonroot, gid: nonroot},
		{path: "hypha", mode: 0o755, data: binary},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.path, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: epoch, Format: tar.FormatPAX}
		if e.data == nil {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
