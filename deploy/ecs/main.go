// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command ecs writes hypha.yaml, the CloudFormation template of the Hypha
// backend on ECS Fargate, from hypha.yaml.tmpl and the files compose uses.
//
//	cd deploy/ecs && go run .
//
// deploy/compose.yaml stays the one list of images, commands, environments
// and health checks, and deploy/loki, deploy/jaeger and deploy/grafana stay
// the one copy of the config files: the template carries them into the
// tasks, where an init container writes them to the paths compose mounts
// them at. The only change is Loki's storage, from the filesystem to S3.
// The tests fail when the committed hypha.yaml is not what this writes.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

const (
	templateFile = "hypha.yaml.tmpl"
	outputFile   = "hypha.yaml"
	// Relative to deploy/ecs; compose's own paths are relative to deploy/.
	deployDir   = ".."
	versionFile = "../../VERSION"
	// Where the init container mounts the config volumes.
	initRoot = "/out"
)

func main() {
	out, err := generate()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(outputFile, out, 0o644); err != nil {
		log.Fatal(err)
	}
}

// composeFile is the part of deploy/compose.yaml the template takes.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Healthcheck struct {
		Test        []string `yaml:"test"`
		StartPeriod string   `yaml:"start_period"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
	} `yaml:"healthcheck"`
}

// configFile is one file compose mounts, as the tasks get it.
type configFile struct {
	Source    string // relative to deploy/
	Container string // the path compose mounts it at
	Content   []byte
}

// configMount is one compose bind mount: a volume of the task.
type configMount struct {
	Volume    string
	Container string // the directory the volume is mounted at
}

func loadCompose() (composeFile, error) {
	var c composeFile
	b, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		return c, err
	}
	return c, yaml.Unmarshal(b, &c)
}

func (c composeFile) service(name string) (composeService, error) {
	s, ok := c.Services[name]
	if !ok {
		return s, fmt.Errorf("compose.yaml has no service %s", name)
	}
	return s, nil
}

// binds returns compose's bind mounts of repository paths (relative to deploy/).
func (s composeService) binds() [][2]string {
	var out [][2]string
	for _, v := range s.Volumes {
		f := strings.Split(v, ":")
		if strings.HasPrefix(f[0], ".") && len(f) >= 2 {
			out = append(out, [2]string{filepath.Clean(f[0]), f[1]})
		}
	}
	return out
}

// safePath: paths go into a shell script unquoted-safe.
var safePath = regexp.MustCompile(`^/[A-Za-z0-9/._-]+$`)

// configOf returns the volumes and files a service's config container writes.
func configOf(s composeService) ([]configMount, []configFile, error) {
	var mounts []configMount
	var files []configFile
	for _, b := range s.binds() {
		src, dst := b[0], b[1]
		info, err := os.Stat(filepath.Join(deployDir, src))
		if err != nil {
			return nil, nil, err
		}
		dir := dst
		if !info.IsDir() {
			dir = path.Dir(dst)
		}
		mounts = append(mounts, configMount{Volume: "config-" + path.Base(dir), Container: dir})
		err = filepath.WalkDir(filepath.Join(deployDir, src), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(deployDir, p)
			if err != nil {
				return err
			}
			cp := dst
			if info.IsDir() {
				inner, _ := filepath.Rel(filepath.Join(deployDir, src), p)
				cp = path.Join(dst, filepath.ToSlash(inner))
			}
			if !safePath.MatchString(cp) {
				return fmt.Errorf("%s: container path %q has characters the config script does not quote", rel, cp)
			}
			content, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if content, err = forECS(filepath.ToSlash(rel), content); err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			files = append(files, configFile{Source: filepath.ToSlash(rel), Container: cp, Content: content})
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no config files mounted")
	}
	return mounts, files, nil
}

// forECS returns a config file as the tasks get it: Loki's with its storage
// on S3, JSON without its indentation (a template may have only 51,200
// bytes), the others as they are.
func forECS(rel string, content []byte) ([]byte, error) {
	switch {
	case rel == "loki/config.yaml":
		return lokiOnS3(content)
	case strings.HasSuffix(rel, ".json"):
		var buf bytes.Buffer
		if err := json.Compact(&buf, content); err != nil {
			return nil, err
		}
		return append(buf.Bytes(), '\n'), nil
	}
	return content, nil
}

// lokiOnS3 turns compose's Loki config (filesystem storage) into the one for
// ECS: chunks, index, rules and delete requests in the S3 bucket named by
// LOKI_S3_BUCKET (Loki runs with -config.expand-env=true). Everything else
// stays as it is; comments are dropped to keep the template small.
func lokiOnS3(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	stripComments(&doc)
	root := doc.Content[0]
	storage := lookup(root, "common", "storage")
	if storage == nil || lookup(storage, "filesystem") == nil {
		return nil, fmt.Errorf("common.storage.filesystem not found")
	}
	var s3 yaml.Node
	if err := yaml.Unmarshal([]byte("s3:\n  bucketnames: ${LOKI_S3_BUCKET}\n  region: ${LOKI_S3_REGION}\n"), &s3); err != nil {
		return nil, err
	}
	*storage = *s3.Content[0]
	configs := lookup(root, "schema_config", "configs")
	if configs == nil || len(configs.Content) == 0 {
		return nil, fmt.Errorf("schema_config.configs not found")
	}
	for _, c := range configs.Content {
		if setScalar(c, "object_store", "filesystem", "s3") != nil {
			return nil, fmt.Errorf("schema_config.configs: object_store is not filesystem")
		}
	}
	if setScalar(lookup(root, "compactor"), "delete_request_store", "filesystem", "s3") != nil {
		return nil, fmt.Errorf("compactor.delete_request_store is not filesystem")
	}
	var buf bytes.Buffer
	buf.WriteString("# deploy/loki/config.yaml with its storage on S3 (deploy/ecs/main.go).\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// seconds turns a compose duration ("30s") into ECS's whole seconds.
func seconds(d string) (int, error) {
	v, err := time.ParseDuration(d)
	if err != nil {
		return 0, err
	}
	return int(v / time.Second), nil
}

// configEnv is the variable that carries the i-th file to the config container.
func configEnv(i int) string { return fmt.Sprintf("HYPHA_CONFIG_%d", i+1) }

// generate renders the template with the compose services' settings.
func generate() ([]byte, error) {
	c, err := loadCompose()
	if err != nil {
		return nil, err
	}
	version, err := os.ReadFile(versionFile)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(templateFile)
	if err != nil {
		return nil, err
	}
	r := &renderer{compose: c, version: strings.TrimSpace(string(version))}
	t, err := template.New(templateFile).Funcs(r.funcs()).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := t.Execute(&out, nil); err != nil {
		return nil, err
	}
	return out.Bytes(), r.err
}

// renderer holds what the template's functions read: the compose services
// and the version. A function that returns only a string (image) cannot
// report a missing service itself; the first such error is kept in err.
type renderer struct {
	compose composeFile
	version string
	err     error
}

func (r *renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"version":       func() string { return r.version },
		"split":         strings.Fields,
		"image":         func(name string) string { return r.service(name).Image },
		"command":       r.command,
		"environment":   r.environment,
		"healthCheck":   r.healthCheck,
		"configVolumes": r.configVolumes,
		"configMounts":  r.configMounts,
		"configScript":  r.configScript,
		"configFiles":   r.configFiles,
	}
}

// service is the compose service name; a missing one is kept in r.err.
func (r *renderer) service(name string) composeService {
	s, err := r.compose.service(name)
	if err != nil && r.err == nil {
		r.err = err
	}
	return s
}

// config is the configuration files the service name mounts.
func (r *renderer) config(name string) ([]configMount, []configFile, error) {
	s, err := r.compose.service(name)
	if err != nil {
		return nil, nil, err
	}
	return configOf(s)
}

// command is the service's command with extra arguments, on one line.
func (r *renderer) command(name string, extra ...string) (string, error) {
	return flow(append(slices.Clone(r.service(name).Command), extra...))
}

// environment is the service's environment as ECS Name/Value pairs, sorted,
// without the variables in skip, indented by n; empty if none is left.
func (r *renderer) environment(n int, name string, skip ...string) (string, error) {
	env := r.service(name).Environment
	var items []*yaml.Node
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if !slices.Contains(skip, k) {
			items = append(items, mapping("Name", k, "Value", env[k]))
		}
	}
	if len(items) == 0 {
		return "", nil
	}
	out, err := indent(n, sequence(items...))
	return "\n" + out, err
}

// healthCheck is the service's healthcheck as an ECS HealthCheck, in seconds.
func (r *renderer) healthCheck(name string) (string, error) {
	h := r.service(name).Healthcheck
	if len(h.Test) == 0 {
		return "", fmt.Errorf("compose service %s has no healthcheck", name)
	}
	hc := struct {
		Command     []string
		StartPeriod int
		Interval    int
		Timeout     int
		Retries     int
	}{Command: h.Test, Retries: h.Retries}
	for _, d := range []struct {
		in  string
		out *int
	}{{h.StartPeriod, &hc.StartPeriod}, {h.Interval, &hc.Interval}, {h.Timeout, &hc.Timeout}} {
		v, err := seconds(d.in)
		if err != nil {
			return "", fmt.Errorf("%s healthcheck: %w", name, err)
		}
		*d.out = v
	}
	return flow(hc)
}

// configVolumes is one task volume per configuration folder the service mounts.
func (r *renderer) configVolumes(n int, name string) (string, error) {
	mounts, _, err := r.config(name)
	if err != nil {
		return "", err
	}
	var items []*yaml.Node
	for _, m := range mounts {
		items = append(items, mapping("Name", m.Volume))
	}
	return indent(n, sequence(items...))
}

// configMounts mounts those volumes under root: read-only at the service's
// own paths (root ""), writable under the init container's root.
func (r *renderer) configMounts(n int, name, root string) (string, error) {
	mounts, _, err := r.config(name)
	if err != nil {
		return "", err
	}
	var items []*yaml.Node
	for _, m := range mounts {
		item := mapping("SourceVolume", m.Volume, "ContainerPath", root+m.Container)
		if root == "" {
			item.Content = append(item.Content, scalar("ReadOnly"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		item.Style = yaml.FlowStyle
		items = append(items, item)
	}
	return indent(n, sequence(items...))
}

// configScript is the init container's script: it writes each file from
// its variable (configEnv) into the shared volumes.
func (r *renderer) configScript(n int, name string) (string, error) {
	_, files, err := r.config(name)
	if err != nil {
		return "", err
	}
	var dirs []string
	for _, f := range files {
		if d := initRoot + path.Dir(f.Container); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	script := "set -e\nmkdir -p " + strings.Join(dirs, " ") + "\n"
	for i, f := range files {
		script += fmt.Sprintf("printf '%%s' \"$%s\" > %s%s\n", configEnv(i), initRoot, f.Container)
	}
	return indent(n, sequence(scalar(script)))
}

// configFiles is the init container's environment: one variable per file,
// with the file it came from as a comment.
func (r *renderer) configFiles(n int, name string) (string, error) {
	_, files, err := r.config(name)
	if err != nil {
		return "", err
	}
	var items []*yaml.Node
	for i, f := range files {
		item := mapping("Name", configEnv(i), "Value", string(f.Content))
		item.Content[0].HeadComment = f.Source
		items = append(items, item)
	}
	return indent(n, sequence(items...))
}
