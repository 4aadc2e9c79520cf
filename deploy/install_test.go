// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The host install script install-agent.sh: shellcheck, the files it writes, dry run, and the input it refuses.

package deploy_test

import (
	"bytes"
	"io/fs"
	"maps"
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
	out, err := exec.Command(sc, "install-agent.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck install-agent.sh: %v\n%s", err, out)
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
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	override := filepath.Join(dir, "agent.yaml")
	os.WriteFile(token, []byte("s3cr3t.t0ken\n"), 0o600)
	os.WriteFile(override, []byte("service:\n  telemetry:\n    logs:\n      level: debug\n"), 0o644)
	root := t.TempDir()
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

	// --memory-limit-mib goes to agent.env, and twice it to MemoryMax; the
	// default gives the template's MemoryMax.
	for limit, wantMax := range map[string]int64{"1024": 2048 << 20, strconv.Itoa(defaultMemoryLimitMiB): unitMemoryMax(t, template)} {
		if _, stderr, err := runInstall(t, "--binary", bin, "--gateway", "10.0.0.5:4317", "--logs", "/var/log/a.log",
			"--memory-limit-mib", limit, "--destdir", root); err != nil {
			t.Fatalf("install --memory-limit-mib %s: %v\n%s", limit, err, stderr)
		}
		files = tree(t, root)
		if env := files["/etc/hypha/agent.env"]; !strings.Contains(env, "\nHYPHA_MEMORY_LIMIT_MIB="+limit+"\n") {
			t.Errorf("--memory-limit-mib %s: agent.env lacks HYPHA_MEMORY_LIMIT_MIB=%s:\n%s", limit, limit, env)
		}
		if got := unitMemoryMax(t, files["/etc/systemd/system/hypha-agent.service"]); got != wantMax {
			t.Errorf("--memory-limit-mib %s: MemoryMax is %d bytes, want %d", limit, got, wantMax)
		}
	}

	// Uninstall removes every file install wrote.
	if _, stderr, err := runInstall(t, "--uninstall", "--destdir", root); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, stderr)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("uninstall left %v", slices.Collect(maps.Keys(left)))
	}
}

func TestInstallAgentDryRun(t *testing.T) {
	bin, calls := fakeBinary(t)
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("hidden-token"), 0o600)
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
