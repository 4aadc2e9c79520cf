// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The container image: the Dockerfile, .dockerignore, and the image-pinning rule the deployment files follow.

package deploy_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pinnedImage reports whether an image reference names a fixed version: a
// tag other than latest, or a digest.
func pinnedImage(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && tag != "" && tag != "latest"
}

func TestPinnedImage(t *testing.T) {
	for ref, want := range map[string]bool{
		"grafana/loki:3.7.2":            true,
		"grafana/loki":                  false,
		"grafana/loki:latest":           false,
		"localhost:5000/hypha":          false,
		"localhost:5000/hypha:1.0":      true,
		"gcr.io/x/static@sha256:abcdef": true,
	} {
		if got := pinnedImage(ref); got != want {
			t.Errorf("pinnedImage(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestDockerfile(t *testing.T) {
	df := string(readFile(t, "../Dockerfile"))
	var froms []string
	for _, line := range strings.Split(df, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "FROM" {
			froms = append(froms, f[1])
		}
	}
	if len(froms) != 2 {
		t.Fatalf("want a build stage and a final stage, got FROM %v", froms)
	}
	for _, img := range froms {
		if !pinnedImage(img) {
			t.Errorf("FROM %s: pin a version", img)
		}
	}
	if !strings.HasPrefix(froms[0], "golang:1.26") {
		t.Errorf("build stage %s: want golang:1.26.x", froms[0])
	}
	if !strings.Contains(froms[1], "distroless/static") || !strings.Contains(froms[1], "@sha256:") {
		t.Errorf("final stage %s: want distroless static, pinned by digest", froms[1])
	}
	final := df[strings.LastIndex(df, "\nFROM "):]
	for _, want := range []string{
		"ENV CGO_ENABLED=0",
		"make build",
		`ENTRYPOINT ["/hypha"]`,
		`CMD ["--config", "hypha:gateway"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	m := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(final)
	if m == nil || m[1] == "root" || strings.HasPrefix(m[1], "0:") || m[1] == "0" {
		t.Errorf("final stage must run as a non-root user, got USER %v", m)
	}
	if !strings.Contains(final, "COPY --from=build /src/bin/hypha /hypha") {
		t.Error("final stage must copy the binary `make build` wrote (bin/hypha) to /hypha")
	}

	ignore := strings.Fields(string(readFile(t, "../.dockerignore")))
	for _, want := range []string{"bin/", ".cache/", "**/node_modules"} {
		if !slices.Contains(ignore, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}
