// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package packaging_test checks the release artefacts `make dist` writes to
// dist/: the checksums, the tarballs' contents and stamped version, the .deb
// and .rpm contents, owners, modes and maintainer scripts, and, as root in
// CI (or with HYPHA_TEST_DPKG=1), a real dpkg install, upgrade, removal and
// purge of the .deb on this machine. `make test` builds dist/ first; without
// it the artefact tests skip outside CI and fail in CI.
package packaging_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hypha-obs/hypha/internal/testtool"
)

const distDir = "../dist"

// The package's names on the system, as packaging/nfpm.yaml installs them.
const (
	pkgBin      = "/usr/bin/hypha"
	pkgUnit     = "/usr/lib/systemd/system/hypha-agent.service"
	pkgEnv      = "/etc/hypha/agent.env"
	pkgConfDir  = "/etc/hypha"
	pkgStateDir = "/var/lib/hypha"
	pkgUser     = "hypha"
	// The dead-letter replay script, deploy/replay-dead-letters.sh.
	pkgReplay = "/usr/share/hypha/replay-dead-letters.sh"
)

// requireTool returns the path of an external program: see testtool.Require.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	return testtool.Require(t, name)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// run runs a command and returns its output, failing the test on an error.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func version(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(readFile(t, "../VERSION"))
}

// artefacts lists, per architecture, the files `make dist` writes.
func artefacts(v string) map[string][]string {
	return map[string][]string{
		"amd64": {"hypha_" + v + "_linux_amd64.tar.gz", "hypha_" + v + "-1_amd64.deb", "hypha-" + v + "-1.x86_64.rpm", "hypha_" + v + "_image_linux_amd64.tar"},
		"arm64": {"hypha_" + v + "_linux_arm64.tar.gz", "hypha_" + v + "-1_arm64.deb", "hypha-" + v + "-1.aarch64.rpm", "hypha_" + v + "_image_linux_arm64.tar"},
	}
}

// requireDist skips the test when dist/ has not been built, except in CI,
// where `make test` builds it first. It returns the artefacts of each
// architecture built: make dist builds amd64 and arm64, make test only this
// machine's.
func requireDist(t *testing.T) map[string][]string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(distDir, "SHA256SUMS")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("dist/SHA256SUMS is missing: make test runs make dist before the unit tests")
		}
		t.Skip("dist/ is not built: run make dist (make test does) to check the release artefacts")
	}
	built := map[string][]string{}
	for arch, names := range artefacts(version(t)) {
		if exists(filepath.Join(distDir, names[0])) {
			built[arch] = names
		}
	}
	if _, ok := built[runtime.GOARCH]; !ok {
		t.Fatalf("dist/ has no artefacts for this machine's architecture %s: run make dist", runtime.GOARCH)
	}
	return built
}

// TestVersionOneSource: VERSION, builder-config.yaml's dist.version and the
// literal ocb writes into components/main.go agree, so that the version
// `make build` stamps is the one the packages carry.
func TestVersionOneSource(t *testing.T) {
	v := version(t)
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("VERSION %q is not MAJOR.MINOR.PATCH", v)
	}
	if !regexp.MustCompile(`(?m)^dist:\n(?:  .*\n)*?  version: ` + regexp.QuoteMeta(v) + `\n`).MatchString(readFile(t, "../builder-config.yaml")) {
		t.Errorf("builder-config.yaml's dist.version is not %s (VERSION); set it and run make generate", v)
	}
	if !strings.Contains(readFile(t, "../components/main.go"), "Version:     \""+v+"\",") {
		t.Errorf("components/main.go does not carry Version %q; run make generate", v)
	}
}

// TestNoticeCoversDependencies: every module compiled into hypha that ships
// a NOTICE file has its notices in NOTICE (Apache-2.0, section 4(d)).
func TestNoticeCoversDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("lists the distribution's dependencies")
	}
	out := run(t, "../components", "go", "list", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Dir}}{{end}}", ".")
	notice := readFile(t, "../NOTICE")
	seen := map[string]bool{}
	for line := range strings.Lines(out) {
		path, dir, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || seen[path] || dir == "" {
			continue
		}
		seen[path] = true
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(strings.ToUpper(e.Name()), "NOTICE") && !strings.Contains(notice, "\n"+path+"\n") {
				t.Errorf("%s ships %s, but NOTICE does not carry its notices", path, e.Name())
			}
		}
	}
}

func TestPackagingShellcheck(t *testing.T) {
	sc := requireTool(t, "shellcheck")
	scripts, _ := filepath.Glob("scripts/*.sh")
	if len(scripts) != 4 {
		t.Fatalf("want the four maintainer scripts, got %v", scripts)
	}
	run(t, ".", sc, append([]string{"--shell=sh"}, scripts...)...)
}

// TestDistChecksums: SHA256SUMS covers every artefact, and each one matches.
func TestDistChecksums(t *testing.T) {
	built := requireDist(t)
	requireTool(t, "sha256sum")
	run(t, distDir, "sha256sum", "--check", "--strict", "SHA256SUMS")

	v := version(t)
	want := []string{"hypha_" + v + "_sbom.cdx.json"}
	for _, names := range built {
		want = append(want, names...)
	}
	var listed []string
	for line := range strings.Lines(readFile(t, filepath.Join(distDir, "SHA256SUMS"))) {
		if f := strings.Fields(line); len(f) == 2 {
			listed = append(listed, strings.TrimPrefix(f[1], "*"))
		}
	}
	entries, err := os.ReadDir(distDir)
	if err != nil {
		t.Fatal(err)
	}
	var present []string
	for _, e := range entries {
		if e.Name() != "SHA256SUMS" {
			present = append(present, e.Name())
		}
	}
	slices.Sort(want)
	slices.Sort(listed)
	if !slices.Equal(listed, present) {
		t.Errorf("SHA256SUMS lists %v, but dist/ holds %v", listed, present)
	}
	if !slices.Equal(present, want) {
		t.Errorf("dist/ holds %v, want %v", present, want)
	}
	if sbom := readFile(t, filepath.Join(distDir, "hypha_"+v+"_sbom.cdx.json")); !strings.Contains(sbom, `"bomFormat": "CycloneDX"`) ||
		!strings.Contains(sbom, "pkg:golang/go.opentelemetry.io/collector/otelcol@") {
		t.Error("the SBOM is not a CycloneDX document of the distribution's modules")
	}
}

// stampedVersion is what `hypha --version` prints for a build of VERSION v.
func stampedVersion(v string) *regexp.Regexp {
	return regexp.MustCompile(`^hypha version ` + regexp.QuoteMeta(v) + ` \(commit [0-9a-f]{7,}(, dirty)?\)\n$`)
}

// TestDistTarball: each tarball holds the documented files, and the
// host's one runs and prints the stamped version.
func TestDistTarball(t *testing.T) {
	built := requireDist(t)
	v := version(t)
	for arch, names := range built {
		top := "hypha_" + v + "_linux_" + arch
		dir := t.TempDir()
		run(t, ".", "tar", "-xzf", filepath.Join(distDir, names[0]), "-C", dir)
		same := map[string]string{
			"LICENSE": "../LICENSE", "NOTICE": "../NOTICE", "README.md": "../README.md", "agent.env": "agent.env",
			"systemd/hypha-agent.service": "../deploy/systemd/hypha-agent.service",
			"replay-dead-letters.sh":      "../deploy/replay-dead-letters.sh",
		}
		for _, mode := range []string{"agent", "gateway"} {
			configs, _ := filepath.Glob("../provider/hyphaprovider/" + mode + "-config/*.yaml")
			for _, c := range configs {
				same[mode+"-config/"+filepath.Base(c)] = c
			}
		}
		var got []string
		walkErr := filepath.WalkDir(filepath.Join(dir, top), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(filepath.Join(dir, top), path)
				got = append(got, rel)
			}
			return err
		})
		if walkErr != nil {
			t.Fatal(walkErr)
		}
		want := []string{"hypha"}
		for rel, src := range same {
			want = append(want, rel)
			if readFile(t, filepath.Join(dir, top, rel)) != readFile(t, src) {
				t.Errorf("%s: %s differs from %s", names[0], rel, src)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s holds %v under %s/, want %v", names[0], got, top, want)
		}
		checkReplayScript(t, names[0], filepath.Join(dir, top, "replay-dead-letters.sh"))
		if arch != runtime.GOARCH {
			continue
		}
		out := run(t, ".", filepath.Join(dir, top, "hypha"), "--version")
		if !stampedVersion(v).MatchString(out) {
			t.Errorf("%s: hypha --version printed %q, want %s", names[0], out, stampedVersion(v))
		}
	}
}

// entry is one file of a package as its tool lists it.
type entry struct{ mode, owner, group string }

// packagedFiles is what every package installs, with its mode and owners.
var packagedFiles = map[string]entry{
	pkgBin:                         {"-rwxr-xr-x", "root", "root"},
	pkgUnit:                        {"-rw-r--r--", "root", "root"},
	pkgEnv:                         {"-rw-r-----", "root", pkgUser},
	pkgStateDir:                    {"drwxr-x---", pkgUser, pkgUser},
	pkgConfDir:                     {"drwxr-xr-x", "root", "root"},
	"/usr/share/doc/hypha/LICENSE": {"-rw-r--r--", "root", "root"},
	"/usr/share/doc/hypha/NOTICE":  {"-rw-r--r--", "root", "root"},
	pkgReplay:                      {"-rwxr-xr-x", "root", "root"},
}

// checkReplayScript: the shipped replay script is executable and runs: with
// no arguments it prints its usage and exits 2.
func checkReplayScript(t *testing.T, artefact, path string) {
	t.Helper()
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("%s: %s is not an executable file of mode 0755: %v", artefact, filepath.Base(path), err)
		return
	}
	out, err := exec.Command(path).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "usage: ") {
		t.Errorf("%s: %s with no arguments: %v, %q; want its usage and exit status 2", artefact, filepath.Base(path), err, out)
	}
}

func checkPackagedFiles(t *testing.T, pkg string, got map[string]entry) {
	t.Helper()
	for path, want := range packagedFiles {
		if g, ok := got[path]; !ok {
			t.Errorf("%s does not install %s", pkg, path)
		} else if g != want {
			t.Errorf("%s: %s is %v, want %v", pkg, path, g, want)
		}
	}
	for path, g := range got {
		if _, ok := packagedFiles[path]; !ok && !strings.HasPrefix(g.mode, "d") {
			t.Errorf("%s installs an unexpected file %s", pkg, path)
		}
	}
}

// checkPackagedUnit: the package's unit is deploy/systemd's with ExecStart
// at /usr/bin/hypha and the built-in agent config alone.
func checkPackagedUnit(t *testing.T, pkg, unit string) {
	t.Helper()
	template := readFile(t, "../deploy/systemd/hypha-agent.service")
	wantExec := "\nExecStart=" + pkgBin + " --config hypha:agent\n"
	if !strings.Contains(unit, wantExec) {
		t.Errorf("%s: the unit lacks %q", pkg, strings.TrimSpace(wantExec))
	}
	stripped := regexp.MustCompile(`(?m)^ExecStart=.*\n`).ReplaceAllString(unit, "")
	if !strings.HasSuffix(stripped, regexp.MustCompile(`(?m)^ExecStart=.*\n`).ReplaceAllString(template, "")) {
		t.Errorf("%s: the unit is not deploy/systemd/hypha-agent.service with another ExecStart:\n%s", pkg, unit)
	}
}

func TestDistDeb(t *testing.T) {
	built := requireDist(t)
	dpkgDeb := requireTool(t, "dpkg-deb")
	v := version(t)
	for arch, names := range built {
		deb := filepath.Join(distDir, names[1])
		if got := run(t, ".", dpkgDeb, "--show", "--showformat", "${Package} ${Version} ${Architecture}", deb); got != "hypha "+v+"-1 "+arch {
			t.Errorf("%s: package %q, want %q", names[1], got, "hypha "+v+"-1 "+arch)
		}
		got := map[string]entry{}
		for line := range strings.Lines(run(t, ".", dpkgDeb, "--contents", deb)) {
			// drwxr-x--- hypha/hypha 0 2026-12-04 02:21 ./var/lib/hypha/
			f := strings.Fields(line)
			owner, group, _ := strings.Cut(f[1], "/")
			got[strings.TrimSuffix(strings.TrimPrefix(f[len(f)-1], "."), "/")] = entry{f[0], owner, group}
		}
		checkPackagedFiles(t, names[1], got)

		ctrl := t.TempDir()
		run(t, ".", dpkgDeb, "--control", deb, ctrl)
		for script, src := range map[string]string{"preinst": "preinstall", "postinst": "postinstall", "prerm": "preremove", "postrm": "postremove"} {
			if readFile(t, filepath.Join(ctrl, script)) != readFile(t, "scripts/"+src+".sh") {
				t.Errorf("%s: %s is not packaging/scripts/%s.sh", names[1], script, src)
			}
		}
		if got := strings.TrimSpace(readFile(t, filepath.Join(ctrl, "conffiles"))); got != pkgEnv {
			t.Errorf("%s: conffiles %q, want %s alone (kept on upgrade)", names[1], got, pkgEnv)
		}
		root := t.TempDir()
		run(t, ".", dpkgDeb, "--extract", deb, root)
		checkPackagedUnit(t, names[1], readFile(t, root+pkgUnit))
		if readFile(t, root+pkgEnv) != readFile(t, "agent.env") {
			t.Errorf("%s: %s is not packaging/agent.env", names[1], pkgEnv)
		}
		if readFile(t, root+pkgReplay) != readFile(t, "../deploy/replay-dead-letters.sh") {
			t.Errorf("%s: %s is not deploy/replay-dead-letters.sh", names[1], pkgReplay)
		}
		checkReplayScript(t, names[1], root+pkgReplay)
		// The replay script sends with curl; nothing else needs it.
		if got := strings.TrimSpace(run(t, ".", dpkgDeb, "--field", deb, "Recommends")); got != "curl" {
			t.Errorf("%s: Recommends %q, want curl", names[1], got)
		}
	}
}

func TestDistRPM(t *testing.T) {
	built := requireDist(t)
	rpm := requireTool(t, "rpm")
	v := version(t)
	rpmArch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}
	for arch, names := range built {
		pkg := filepath.Join(distDir, names[2])
		if got := run(t, ".", rpm, "-qp", "--qf", "%{NAME} %{VERSION} %{RELEASE} %{ARCH}", pkg); got != "hypha "+v+" 1 "+rpmArch[arch] {
			t.Errorf("%s: package %q, want %q", names[2], got, "hypha "+v+" 1 "+rpmArch[arch])
		}
		got := map[string]entry{}
		for line := range strings.Lines(run(t, ".", rpm, "-qlvp", pkg)) {
			// -rw-r-----    1 root     hypha     1171 Dec  4 02:21 /etc/hypha/agent.env
			f := strings.Fields(line)
			got[f[len(f)-1]] = entry{f[0], f[2], f[3]}
		}
		checkPackagedFiles(t, names[2], got)
		// c: %config, n: noreplace, so that an upgrade keeps the file.
		if flags := run(t, ".", rpm, "-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\n]", pkg); !strings.Contains(flags, "cn "+pkgEnv+"\n") {
			t.Errorf("%s: %s is not %%config(noreplace):\n%s", names[2], pkgEnv, flags)
		}
		if got := strings.TrimSpace(run(t, ".", rpm, "-qp", "--recommends", pkg)); got != "curl" {
			t.Errorf("%s: recommends %q, want curl", names[2], got)
		}
		scripts := run(t, ".", rpm, "-qp", "--scripts", pkg)
		for section, src := range map[string]string{"preinstall": "preinstall", "postinstall": "postinstall", "preuninstall": "preremove", "postuninstall": "postremove"} {
			body := readFile(t, "scripts/"+src+".sh")
			if !strings.Contains(scripts, section+" scriptlet (using /bin/sh):\n"+body) {
				t.Errorf("%s: the %s scriptlet is not packaging/scripts/%s.sh", names[2], section, src)
			}
		}
	}
}

// hostDeb returns the path of the .deb for this machine, skipping the test
// unless it may install it (see dpkgAllowed).
func hostDeb(t *testing.T) (dpkg, deb string) {
	t.Helper()
	built := requireDist(t)
	if !dpkgAllowed() {
		t.Skip("installs the .deb into this system: runs as root in CI, or with HYPHA_TEST_DPKG=1")
	}
	dpkg = requireTool(t, "dpkg")
	debArch := strings.TrimSpace(run(t, ".", dpkg, "--print-architecture"))
	names, ok := built[debArch]
	if !ok {
		t.Skipf("no .deb for this machine's architecture %s", debArch)
	}
	deb, err := filepath.Abs(filepath.Join(distDir, names[1]))
	if err != nil {
		t.Fatal(err)
	}
	return dpkg, deb
}

// requireCleanHost fails the test when a hypha install is already on this
// machine, and purges the package the test installs when it ends.
func requireCleanHost(t *testing.T, dpkg string) {
	t.Helper()
	if exec.Command(dpkg, "--status", "hypha").Run() == nil || userExists(pkgUser) || exists(pkgBin) || exists(pkgConfDir) || exists(pkgStateDir) {
		t.Fatalf("this machine already has a hypha package, user, %s, %s or %s; the test would change them", pkgBin, pkgConfDir, pkgStateDir)
	}
	t.Cleanup(func() {
		if exec.Command(dpkg, "--status", "hypha").Run() == nil {
			if err := exec.Command(dpkg, "--purge", "hypha").Run(); err != nil {
				t.Logf("dpkg --purge hypha: %v", err)
			}
		}
	})
}

// dpkgAllowed reports whether this test may install the .deb into the real
// system: as root, in CI or when asked with HYPHA_TEST_DPKG=1.
func dpkgAllowed() bool {
	return os.Geteuid() == 0 && (os.Getenv("CI") != "" || os.Getenv("HYPHA_TEST_DPKG") == "1")
}

// envFile reads a systemd EnvironmentFile: KEY=VALUE lines, values
// optionally in single or double quotes, # comments.
func envFile(t *testing.T, path string) []string {
	t.Helper()
	var env []string
	sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=VALUE", path, line)
		}
		if len(val) >= 2 && (val[0] == '\'' || val[0] == '"') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
		}
		env = append(env, k+"="+val)
	}
	return env
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func userExists(name string) bool {
	return exec.Command("getent", "passwd", name).Run() == nil
}

func groupExists(name string) bool {
	return exec.Command("getent", "group", name).Run() == nil
}

// owner returns a file's mode, user and group names.
func owner(t *testing.T, path string) string {
	t.Helper()
	return strings.TrimSpace(run(t, ".", "stat", "-c", "%A %U %G", path))
}

// TestDebInstall installs the host's .deb with dpkg on this machine, checks
// what it installed and that the agent's config validates with the
// packaged settings, upgrades it over an edited env file, then removes and
// purges it and checks that nothing is left.
func TestDebInstall(t *testing.T) {
	dpkg, deb := hostDeb(t)
	requireCleanHost(t, dpkg)

	run(t, ".", dpkg, "--install", deb)
	if !userExists(pkgUser) {
		t.Fatalf("the package did not create the %s user", pkgUser)
	}
	for path, want := range map[string]string{
		pkgBin:      "-rwxr-xr-x root root",
		pkgEnv:      "-rw-r----- root " + pkgUser,
		pkgStateDir: "drwxr-x--- " + pkgUser + " " + pkgUser,
		pkgUnit:     "-rw-r--r-- root root",
		pkgReplay:   "-rwxr-xr-x root root",
	} {
		if got := owner(t, path); got != want {
			t.Errorf("%s is %q, want %q", path, got, want)
		}
	}
	if out := run(t, ".", pkgBin, "--version"); !stampedVersion(version(t)).MatchString(out) {
		t.Errorf("the installed hypha --version printed %q", out)
	}
	// Off until enabled: the agent needs a gateway and log files first.
	if wants, _ := filepath.Glob("/etc/systemd/system/*.wants/hypha-agent.service"); len(wants) != 0 {
		t.Errorf("the package enabled the unit: %v", wants)
	}

	validate := exec.Command(pkgBin, "validate", "--config", "hypha:agent")
	validate.Env = append(os.Environ(), envFile(t, pkgEnv)...)
	if out, err := validate.CombinedOutput(); err != nil {
		t.Errorf("hypha validate --config hypha:agent with %s: %v\n%s", pkgEnv, err, out)
	}
	if sa, err := exec.LookPath("systemd-analyze"); err == nil {
		out, err := exec.Command(sa, "verify", pkgUnit).CombinedOutput()
		// verify exits 0 on unknown keys and only warns: any output is a finding.
		if err != nil || len(bytes.TrimSpace(out)) != 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", pkgUnit, err, out)
		}
	} else if os.Getenv("CI") != "" {
		t.Error("systemd-analyze is not installed; .ci/run must install it")
	}

	// An upgrade (here a reinstall of the same version) keeps an edited env
	// file, and the state.
	edited := readFile(t, pkgEnv) + "HYPHA_SERVICE_NAME=edited\n"
	if err := os.WriteFile(pkgEnv, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(pkgStateDir, "checkpoint")
	if err := os.WriteFile(state, []byte("offsets"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, ".", dpkg, "--install", deb)
	if readFile(t, pkgEnv) != edited {
		t.Errorf("reinstalling the package replaced the edited %s", pkgEnv)
	}

	// Removal keeps the settings, the state and the user; purge removes them.
	run(t, ".", dpkg, "--remove", "hypha")
	for _, gone := range []string{pkgBin, pkgUnit, pkgReplay} {
		if exists(gone) {
			t.Errorf("dpkg --remove left %s", gone)
		}
	}
	if !exists(pkgEnv) || !exists(state) || !userExists(pkgUser) {
		t.Errorf("dpkg --remove should keep %s, %s and the %s user", pkgEnv, state, pkgUser)
	}
	run(t, ".", dpkg, "--purge", "hypha")
	var left []string
	for _, path := range []string{pkgBin, pkgUnit, pkgConfDir, pkgStateDir, "/usr/share/doc/hypha", "/usr/share/hypha"} {
		if exists(path) {
			left = append(left, path)
		}
	}
	if userExists(pkgUser) {
		left = append(left, "user "+pkgUser)
	}
	if groupExists(pkgUser) {
		left = append(left, "group "+pkgUser)
	}
	if len(left) != 0 {
		t.Errorf("dpkg --purge left %v", left)
	}
	if exec.Command(dpkg, "--status", "hypha").Run() == nil {
		t.Error("dpkg still knows the hypha package after --purge")
	}
}

// TestInstallAgentFromDeb: deploy/install-agent.sh --from the .deb checks it
// against dist/SHA256SUMS, installs it with dpkg, and lays its settings over
// the packaged unit; --uninstall removes the package.
func TestInstallAgentFromDeb(t *testing.T) {
	dpkg, deb := hostDeb(t)
	requireCleanHost(t, dpkg)
	script := "../deploy/install-agent.sh"
	dropin := "/etc/systemd/system/hypha-agent.service.d/install-agent.conf"
	out := run(t, ".", "bash", script, "--from", deb, "--gateway", "gw.example.com:4317",
		"--logs", "/var/log/app/*.log", "--memory-limit-mib", "256")
	if !strings.Contains(out, filepath.Base(deb)+" matches its SHA-256") {
		t.Errorf("install-agent.sh --from did not report the checksum:\n%s", out)
	}
	if exec.Command(dpkg, "--status", "hypha").Run() != nil {
		t.Fatal("install-agent.sh --from the .deb did not install the package")
	}
	if env := readFile(t, pkgEnv); !strings.Contains(env, "\nHYPHA_GATEWAY_ENDPOINT=gw.example.com:4317\n") {
		t.Errorf("%s lacks the gateway:\n%s", pkgEnv, env)
	}
	want := "[Service]\nExecStart=\nExecStart=" + pkgBin + " --config hypha:agent\nMemoryMax=512M\n"
	if got := readFile(t, dropin); !strings.HasSuffix(got, want) {
		t.Errorf("%s:\n%s\nwant it to end with\n%s", dropin, got, want)
	}
	if exists("/etc/systemd/system/hypha-agent.service") || exists("/usr/local/bin/hypha") {
		t.Error("a package install should not write the tarball install's unit or binary")
	}
	if sa, err := exec.LookPath("systemd-analyze"); err == nil {
		// verify reads the drop-in with the unit.
		if out, err := exec.Command(sa, "verify", "hypha-agent.service").CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) != 0 {
			t.Errorf("systemd-analyze verify hypha-agent.service with the drop-in: %v\n%s", err, out)
		}
	}

	run(t, ".", "bash", script, "--uninstall")
	if exec.Command(dpkg, "--status", "hypha").Run() == nil && !strings.Contains(run(t, ".", "dpkg-query", "-W", "-f", "${Status}", "hypha"), "config-files") {
		t.Error("install-agent.sh --uninstall left the hypha package installed")
	}
	for _, path := range []string{pkgBin, pkgEnv, dropin} {
		if exists(path) {
			t.Errorf("install-agent.sh --uninstall left %s", path)
		}
	}
}
