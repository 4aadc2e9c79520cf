// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The host install script install-agent.sh: shellcheck, the files it writes, dry run, and the input it refuses.

package deploy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestInstallAgentShellcheck(t *testing.T) {
	sc := requireTool(t, "shellcheck")
	for _, script := range []string{"install-agent.sh", "replay-dead-letters.sh"} {
		out, err := exec.Command(sc, script).CombinedOutput()
		if err != nil {
			t.Fatalf("shellcheck %s: %v\n%s", script, err, out)
		}
	}
}

// fakeBinary writes an executable that records its arguments in calls.
func fakeBinary(t *testing.T) (bin, calls string) {
	dir := t.TempDir()
	bin, calls = filepath.Join(dir, "hypha"), filepath.Join(dir, "calls")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + calls + "'\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, calls
}

func runInstall(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"install-agent.sh"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// tree returns every regular file under root with its mode and content.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files["/"+filepath.ToSlash(rel)] = info.Mode().Perm().String() + "\n" + string(readFile(t, path))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestInstallAgent(t *testing.T) {
	bin, calls := fakeBinary(t)
	root := t.TempDir()
	args, files := checkFullInstall(t, bin, calls, root)

	// Idempotent: the same options give the same files.
	if _, stderr, err := runInstall(t, args...); err != nil {
		t.Fatalf("second install: %v\n%s", err, stderr)
	}
	if again := tree(t, root); !maps.Equal(again, files) {
		t.Error("a second install with the same options changed the files")
	}

	// Without an override the unit runs the built-in config alone, and the
	// old override goes.
	if _, stderr, err := runInstall(t, "--binary", bin, "--gateway", "10.0.0.5:4317", "--logs", "/var/log/a.log", "--destdir", root); err != nil {
		t.Fatalf("install without --config: %v\n%s", err, stderr)
	}
	files = tree(t, root)
	if _, ok := files["/etc/hypha/agent.yaml"]; ok {
		t.Error("agent.yaml from the previous install is still there")
	}
	unit := files["/etc/systemd/system/hypha-agent.service"]
	if !strings.Contains(unit, "\nExecStart=/usr/local/bin/hypha --config hypha:agent\n") {
		t.Errorf("unit without override: ExecStart is not the plain agent config:\n%s", unit)
	}
	if env := files["/etc/hypha/agent.env"]; !strings.Contains(env, "\nHYPHA_LOG_INCLUDE='/var/log/a.log'\n") ||
		strings.Contains(env, "HYPHA_AUTH_TOKEN") || strings.Contains(env, "HYPHA_SERVICE_NAME") {
		t.Errorf("agent.env for a single glob, no token, no service name:\n%s", env)
	}

	checkMemoryLimitOption(t, bin, root)

	// Uninstall removes every file install wrote.
	if _, stderr, err := runInstall(t, "--uninstall", "--destdir", root); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, stderr)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("uninstall left %v", slices.Collect(maps.Keys(left)))
	}
}

// checkFullInstall installs with every option into root and checks each
// file written, and that the new binary validated the config first. It
// returns the arguments and the files, for the second run.
func checkFullInstall(t *testing.T, bin, calls, root string) ([]string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	override := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(token, []byte("s3cr3t.t0ken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(override, []byte("service:\n  telemetry:\n    logs:\n      level: debug\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--binary", bin, "--gateway", "gateway.example.com:4317",
		"--logs", "/var/log/shop/*.log,/srv/cart/logs/*.json", "--logs", "/var/log/extra.log",
		"--service-name", "shop", "--token-file", token, "--config", override, "--destdir", root,
	}
	if _, stderr, err := runInstall(t, args...); err != nil {
		t.Fatalf("install: %v\n%s", err, stderr)
	}

	files := tree(t, root)
	template := string(readFile(t, "systemd/hypha-agent.service"))
	wantFiles := map[string]string{
		"/usr/local/bin/hypha": "-rwxr-xr-x\n" + string(readFile(t, bin)),
		"/etc/hypha/agent.env": "-rw-------\n" +
			"# Written by install-agent.sh; running it again rewrites this file.\n" +
			"HYPHA_GATEWAY_ENDPOINT=gateway.example.com:4317\n" +
			`HYPHA_LOG_INCLUDE='["/var/log/shop/*.log", "/srv/cart/logs/*.json", "/var/log/extra.log"]'` + "\n" +
			"HYPHA_STORAGE_DIR=/var/lib/hypha\n" +
			"HYPHA_SERVICE_NAME=shop\n" +
			"HYPHA_AUTH_TOKEN=s3cr3t.t0ken\n",
		"/etc/hypha/agent.yaml":                   "-rw-r--r--\n" + string(readFile(t, override)),
		"/etc/systemd/system/hypha-agent.service": "-rw-r--r--\n" + template,
	}
	for path, want := range wantFiles {
		if got, ok := files[path]; !ok {
			t.Errorf("install did not write %s", path)
		} else if got != want {
			t.Errorf("%s:\n got %q\nwant %q", path, got, want)
		}
	}
	for path := range files {
		if _, ok := wantFiles[path]; !ok {
			t.Errorf("install wrote an unexpected file %s", path)
		}
	}
	if got := string(readFile(t, calls)); got != "validate --config hypha:agent --config file:"+override+"\n" {
		t.Errorf("install should validate the config with the new binary first; binary calls: %q", got)
	}
	return args, files
}

// checkMemoryLimitOption: --memory-limit-mib goes to agent.env, and twice
// it to MemoryMax; the default gives the template's MemoryMax.
func checkMemoryLimitOption(t *testing.T, bin, root string) {
	t.Helper()
	template := string(readFile(t, "systemd/hypha-agent.service"))
	for limit, wantMax := range map[string]int64{"1024": 2048 << 20, strconv.Itoa(defaultMemoryLimitMiB): unitMemoryMax(t, template)} {
		if _, stderr, err := runInstall(t, "--binary", bin, "--gateway", "10.0.0.5:4317", "--logs", "/var/log/a.log",
			"--memory-limit-mib", limit, "--destdir", root); err != nil {
			t.Fatalf("install --memory-limit-mib %s: %v\n%s", limit, err, stderr)
		}
		files := tree(t, root)
		if env := files["/etc/hypha/agent.env"]; !strings.Contains(env, "\nHYPHA_MEMORY_LIMIT_MIB="+limit+"\n") {
			t.Errorf("--memory-limit-mib %s: agent.env lacks HYPHA_MEMORY_LIMIT_MIB=%s:\n%s", limit, limit, env)
		}
		if got := unitMemoryMax(t, files["/etc/systemd/system/hypha-agent.service"]); got != wantMax {
			t.Errorf("--memory-limit-mib %s: MemoryMax is %d bytes, want %d", limit, got, wantMax)
		}
	}
}

func TestInstallAgentDryRun(t *testing.T) {
	bin, calls := fakeBinary(t)
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("hidden-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	stdout, stderr, err := runInstall(t, "--dry-run", "--binary", bin, "--gateway", "gw:4317",
		"--logs", "/var/log/app/*.log", "--token-file", token, "--destdir", root)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, stderr)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("dry run wrote %v", slices.Collect(maps.Keys(left)))
	}
	if _, err := os.Stat(calls); err == nil {
		t.Error("dry run ran the binary")
	}
	for _, want := range []string{"/etc/hypha/agent.env", "/usr/local/bin/hypha", "hypha-agent.service", "nothing was changed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output does not mention %s:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "hidden-token") {
		t.Error("dry run printed the token")
	}
}

func TestInstallAgentRejectsBadInput(t *testing.T) {
	bin, _ := fakeBinary(t)
	base := func(extra ...string) []string {
		return append([]string{"--binary", bin, "--destdir", t.TempDir()}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no gateway", base("--logs", "/var/log/a.log"), "--gateway"},
		{"gateway without port", base("--gateway", "gw.example.com", "--logs", "/var/log/a.log"), "--gateway"},
		{"gateway port out of range", base("--gateway", "gw:70000", "--logs", "/var/log/a.log"), "--gateway"},
		{"no logs", base("--gateway", "gw:4317"), "--logs"},
		{"relative glob", base("--gateway", "gw:4317", "--logs", "logs/*.log"), "--logs"},
		{"quote in glob", base("--gateway", "gw:4317", "--logs", "/var/log/it's.log"), "--logs"},
		{"bad service name", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--service-name", "my app"), "--service-name"},
		{"missing token file", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--token-file", "/nonexistent"), "--token-file"},
		{"missing override", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--config", "/nonexistent.yaml"), "--config"},
		{"memory limit too small", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--memory-limit-mib", "32"), "--memory-limit-mib"},
		{"memory limit not a number", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--memory-limit-mib", "1G"), "--memory-limit-mib"},
		{"memory limit as arithmetic", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--memory-limit-mib", "a[$(id)]"), "--memory-limit-mib"},
		{"missing binary", []string{"--binary", "/nonexistent/hypha", "--gateway", "gw:4317", "--logs", "/var/log/a.log", "--destdir", t.TempDir()}, "--binary"},
		{"option without value", base("--gateway"), "--gateway"},
		{"unknown option", base("--frobnicate"), "--frobnicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := runInstall(t, tc.args...)
			if err == nil {
				t.Fatal("install accepted bad input")
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("the error should name %s: %q", tc.want, stderr)
			}
		})
	}
}

// fakeRelease writes a release directory as `make dist` does: a tarball
// holding the binary bin under hypha_<version>_linux_amd64/, and SHA256SUMS
// over it and another artefact. It returns the directory and the tarball's
// name.
func fakeRelease(t *testing.T, bin string) (dir, name string) {
	t.Helper()
	dir, name = t.TempDir(), "hypha_0.1.0_linux_amd64.tar.gz"
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		mode int64
		body []byte
	}{
		{"hypha_0.1.0_linux_amd64/hypha", 0o755, readFile(t, bin)},
		{"hypha_0.1.0_linux_amd64/LICENSE", 0o644, []byte("Apache License\n")},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	sums := fmt.Sprintf("%x  hypha_0.1.0-1_amd64.deb\n%x  %s\n", sha256.Sum256([]byte("another")), sum, name)
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, name
}

// serveTLS serves dir over https on loopback, with curl (run by the script)
// trusting the server's certificate.
func serveTLS(t *testing.T, dir string) string {
	t.Helper()
	requireTool(t, "curl")
	srv := httptest.NewTLSServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CURL_CA_BUNDLE", ca)
	return srv.URL
}

// TestInstallAgentFrom: a verified release tarball, local or downloaded,
// installs the same files as --binary with the binary it holds.
func TestInstallAgentFrom(t *testing.T) {
	bin, calls := fakeBinary(t)
	dir, name := fakeRelease(t, bin)
	common := []string{"--gateway", "gw.example.com:4317", "--logs", "/var/log/app/*.log", "--service-name", "app"}

	want := t.TempDir()
	if _, stderr, err := runInstall(t, append(common, "--binary", bin, "--destdir", want)...); err != nil {
		t.Fatalf("install --binary: %v\n%s", err, stderr)
	}
	os.Remove(calls)

	url := serveTLS(t, dir)
	// A copy of the tarball with no SHA256SUMS beside it.
	lonely := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(lonely, readFile(t, filepath.Join(dir, name)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"local file, SHA256SUMS beside it", []string{"--from", filepath.Join(dir, name)}},
		{"local file, --sha256sums", []string{"--from", lonely, "--sha256sums", filepath.Join(dir, "SHA256SUMS")}},
		{"https URL, SHA256SUMS beside it", []string{"--from", url + "/" + name}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			stdout, stderr, err := runInstall(t, append(common, append(tc.args, "--destdir", root)...)...)
			if err != nil {
				t.Fatalf("install --from: %v\n%s", err, stderr)
			}
			if !strings.Contains(stdout, name+" matches its SHA-256") {
				t.Errorf("install --from should say that the checksum matched:\n%s", stdout)
			}
			if got := tree(t, root); !maps.Equal(got, tree(t, want)) {
				t.Errorf("install --from wrote\n%v\nwant what --binary writes:\n%v", got, tree(t, want))
			}
			if got := string(readFile(t, calls)); got != "validate --config hypha:agent\n" {
				t.Errorf("install --from should validate with the tarball's binary first; binary calls: %q", got)
			}
			os.Remove(calls)
		})
	}

	// A dry run verifies the artefact, and changes nothing.
	root := t.TempDir()
	stdout, stderr, err := runInstall(t, append(common, "--dry-run", "--from", filepath.Join(dir, name), "--destdir", root)...)
	if err != nil || !strings.Contains(stdout, name+" matches its SHA-256") || !strings.Contains(stdout, "nothing was changed") {
		t.Errorf("install --dry-run --from: %v\n%s\n%s", err, stdout, stderr)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("a dry run wrote %v", slices.Collect(maps.Keys(left)))
	}

	// Without --sha256sums the list beside the artefact is used; with none
	// there, nothing is installed.
	_, stderr, err = runInstall(t, append(common, "--from", lonely, "--destdir", root)...)
	if err == nil || !strings.Contains(stderr, filepath.Join(filepath.Dir(lonely), "SHA256SUMS")) {
		t.Errorf("install --from without a SHA256SUMS beside it should fail naming it: %v\n%s", err, stderr)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("a refused --from wrote %v", slices.Collect(maps.Keys(left)))
	}
	if _, err := os.Stat(calls); err == nil {
		t.Error("a dry run or a refused --from ran the binary")
	}
}

// TestInstallAgentFromRefuses: an artefact that does not match its
// checksum, or that the script cannot verify, is refused before anything
// is written or run.
func TestInstallAgentFromRefuses(t *testing.T) {
	bin, calls := fakeBinary(t)
	good, name := fakeRelease(t, bin)
	tampered, _ := fakeRelease(t, bin)
	// One byte more after SHA256SUMS was written: what a swapped or
	// damaged download looks like.
	f, err := os.OpenFile(filepath.Join(tampered, name), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{0}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	unlisted, _ := fakeRelease(t, bin)
	if err := os.WriteFile(filepath.Join(unlisted, "SHA256SUMS"), []byte(strings.Repeat("0", 64)+"  other.tar.gz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := serveTLS(t, tampered)
	deb := filepath.Join(good, "hypha_0.1.0-1_amd64.deb")
	if err := os.WriteFile(deb, []byte("not a package"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"tampered local file", []string{"--from", filepath.Join(tampered, name)}, "does not match its checksum"},
		{"tampered download", []string{"--from", url + "/" + name}, "does not match its checksum"},
		{"tampered, dry run", []string{"--dry-run", "--from", filepath.Join(tampered, name)}, "does not match its checksum"},
		{"not in SHA256SUMS", []string{"--from", filepath.Join(unlisted, name)}, "lists no SHA-256 for " + name},
		{"plain http", []string{"--from", "http://127.0.0.1:1/" + name}, "only https://"},
		{"not an artefact", []string{"--from", filepath.Join(good, "SHA256SUMS")}, "--from"},
		{"with --binary", []string{"--from", filepath.Join(good, name), "--binary", bin}, "--from and --binary"},
		{"package into --destdir", []string{"--from", deb}, "--destdir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			args := append([]string{"--gateway", "gw:4317", "--logs", "/var/log/a.log", "--destdir", root}, tc.args...)
			stdout, stderr, err := runInstall(t, args...)
			if err == nil {
				t.Fatalf("install accepted it:\n%s", stdout)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("the error should say %q: %q", tc.want, stderr)
			}
			if left := tree(t, root); len(left) != 0 {
				t.Errorf("a refused --from wrote %v", slices.Collect(maps.Keys(left)))
			}
			if _, err := os.Stat(calls); err == nil {
				t.Error("a refused --from ran the binary")
			}
		})
	}
}
