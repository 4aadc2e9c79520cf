// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The template itself, offline: it parses, every reference resolves, the
// images and configs are compose's, the ports agree with the security and
// target groups, the health checks hit what each server serves, and each
// task's IAM role allows only what that server needs. Nothing here reaches
// AWS: a real deployment is the one check these cannot make.

package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"gopkg.in/yaml.v3"

	"github.com/hypha-obs/hypha/internal/yamltree"
)

const certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/0b6e7a1c"

// scenarios are the parameter sets a user deploys with; each must evaluate.
var scenarios = map[string]map[string]string{
	"new VPC with a certificate": {"CertificateArn": certificate},
	"new VPC without a certificate, narrowed ranges": {
		"AgentCidr": "203.0.113.0/24", "GrafanaCidr": "198.51.100.7/32",
	},
	"existing VPC, private task subnets": {
		"CertificateArn": certificate, "VpcId": "vpc-0a1b2c",
		"LoadBalancerSubnetIds": "subnet-pub1,subnet-pub2", "TaskSubnetIds": "subnet-priv1,subnet-priv2",
		"AssignPublicIp": "DISABLED", "CpuArchitecture": "ARM64",
	},
}

// The tasks, by the compose service each one runs.
var tasks = map[string]string{"gateway": "GatewayTask", "loki": "LokiTask", "jaeger": "JaegerTask", "grafana": "GrafanaTask"}

func forEachScenario(t *testing.T, check func(t *testing.T, s *stack)) {
	raw := rawTemplate(t)
	for name, params := range scenarios {
		t.Run(name, func(t *testing.T) {
			s, err := evaluate(raw, params)
			if err != nil {
				t.Fatal(err)
			}
			check(t, s)
		})
	}
}

func (s *stack) task(t *testing.T, service string) *ecs.TaskDefinition {
	t.Helper()
	td, err := s.typed.GetECSTaskDefinitionWithName(tasks[service])
	if err != nil {
		t.Fatal(err)
	}
	return td
}

func container(t *testing.T, td *ecs.TaskDefinition, name string) *ecs.TaskDefinition_ContainerDefinition {
	t.Helper()
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].Name == name {
			return &td.ContainerDefinitions[i]
		}
	}
	t.Fatalf("task has no container %s", name)
	return nil
}

func env(c *ecs.TaskDefinition_ContainerDefinition) map[string]string {
	out := map[string]string{}
	for _, kv := range c.Environment {
		out[deref(kv.Name)] = deref(kv.Value)
	}
	return out
}

func containerPorts(td *ecs.TaskDefinition) map[string]int {
	out := map[string]int{}
	for _, c := range td.ContainerDefinitions {
		for _, p := range c.PortMappings {
			out[deref(p.Name)] = deref(p.ContainerPort)
		}
	}
	return out
}

func TestScenariosParse(t *testing.T) {
	forEachScenario(t, func(t *testing.T, s *stack) {
		if len(s.typed.Resources) != len(s.resources) {
			t.Errorf("goformation read %d resources of %d", len(s.typed.Resources), len(s.resources))
		}
		_, createdVpc := s.types["Vpc"]
		if createdVpc != (s.params["VpcId"] == "") {
			t.Errorf("VpcId %q: the template's own VPC exists = %v", s.params["VpcId"], createdVpc)
		}
	})
}

// TestRulesRefuse: without a certificate the token and the Grafana
// password would cross the internet in clear, so the stack is refused unless
// both address ranges are narrowed; a VpcId needs its subnets.
func TestRulesRefuse(t *testing.T) {
	raw := rawTemplate(t)
	for name, c := range map[string]struct {
		params map[string]string
		err    string
	}{
		"defaults: no certificate, open to all": {map[string]string{}, "set AgentCidr"},
		"no certificate, agents open":           {map[string]string{"GrafanaCidr": "198.51.100.7/32"}, "set AgentCidr"},
		"no certificate, Grafana open":          {map[string]string{"AgentCidr": "203.0.113.0/24"}, "set GrafanaCidr"},
		"VPC without subnets":                   {map[string]string{"CertificateArn": certificate, "VpcId": "vpc-0a1b2c"}, "give LoadBalancerSubnetIds"},
		"VPC without task subnets":              {map[string]string{"CertificateArn": certificate, "VpcId": "vpc-0a1b2c", "LoadBalancerSubnetIds": "subnet-1,subnet-2"}, "give TaskSubnetIds"},
		"no image tag":                          {map[string]string{"CertificateArn": certificate, "GatewayImageTag": ""}, "GatewayImageTag"},
		"a certificate that is not ACM's":       {map[string]string{"CertificateArn": "arn:aws:iam::123456789012:server-certificate/x"}, "CertificateArn"},
	} {
		_, err := evaluate(raw, c.params)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v: got error %v, want one about %q", name, c.params, err, c.err)
		}
	}
}

// TestReferencesResolve walks the whole template, every branch of every
// Fn::If included: each Ref, GetAtt, Sub variable, condition and DependsOn
// names something that exists, and every parameter and condition is used.
func TestReferencesResolve(t *testing.T) {
	raw := rawTemplate(t)
	r := &refChecker{
		t: t, params: section(raw, "Parameters"), conds: section(raw, "Conditions"), resources: section(raw, "Resources"),
		usedParams: map[string]bool{}, usedConds: map[string]bool{},
	}
	for _, sec := range []string{"Rules", "Conditions", "Resources", "Outputs"} {
		for name, v := range section(raw, sec) {
			r.walk(sec+"."+name, v)
			if sec != "Resources" {
				continue
			}
			if c, ok := v.(map[string]any)["Condition"].(string); ok {
				r.condition(name, c)
			}
			for _, dep := range dependsOn(v.(map[string]any)) {
				if _, ok := r.resources[dep]; !ok {
					t.Errorf("%s depends on %s, which is not a resource", name, dep)
				}
			}
		}
	}
	for name := range r.params {
		if !r.usedParams[name] {
			t.Errorf("parameter %s is never used", name)
		}
	}
	for name := range r.conds {
		if !r.usedConds[name] {
			t.Errorf("condition %s is never used", name)
		}
	}
}

// refChecker follows the template's references, reporting each that names
// nothing and noting the parameters and conditions used.
type refChecker struct {
	t                        *testing.T
	params, conds, resources map[string]any
	usedParams, usedConds    map[string]bool
}

// ref checks a Ref (or a ${Name} in Fn::Sub): a pseudo parameter, a
// parameter or a resource.
func (r *refChecker) ref(where, name string) {
	if _, ok := pseudoParams[name]; ok || name == "AWS::NoValue" {
		return
	}
	if _, ok := r.params[name]; ok {
		r.usedParams[name] = true
		return
	}
	if _, ok := r.resources[name]; !ok {
		r.t.Errorf("%s: Ref %s names no parameter or resource", where, name)
	}
}

// getAtt checks a GetAtt (or a ${Res.Attr} in Fn::Sub) against the
// attributes the tests know each resource type to have.
func (r *refChecker) getAtt(where, res, attr string) {
	rs, ok := r.resources[res].(map[string]any)
	if !ok {
		r.t.Errorf("%s: GetAtt %s.%s names no resource", where, res, attr)
		return
	}
	if !slices.Contains(getAtts[rs["Type"].(string)], attr) {
		r.t.Errorf("%s: GetAtt %s.%s: %s has no such attribute in the tests' list", where, res, attr, rs["Type"])
	}
}

// condition checks a condition's name and notes it used.
func (r *refChecker) condition(where, name string) {
	r.usedConds[name] = true
	if _, ok := r.conds[name]; !ok {
		r.t.Errorf("%s: condition %s is not defined", where, name)
	}
}

// walk checks every intrinsic function in v, the branches of Fn::If included.
func (r *refChecker) walk(where string, v any) {
	yamltree.Walk(v, func(_ []any, node any) bool {
		for k, e := range yamltree.Map(node) {
			switch k {
			case "Ref":
				r.ref(where, e.(string))
			case "Fn::GetAtt":
				res, attr, _ := strings.Cut(fmt.Sprint(e), ".")
				if l, ok := e.([]any); ok {
					res, attr = l[0].(string), l[1].(string)
				}
				r.getAtt(where, res, attr)
			case "Fn::Sub":
				r.sub(where, e.(string))
			case "Fn::If":
				r.condition(where, e.([]any)[0].(string))
			}
		}
		return true
	})
}

// sub checks the variables of an Fn::Sub string (${!x} is a literal).
func (r *refChecker) sub(where, s string) {
	for _, m := range subVar.FindAllStringSubmatch(s, -1) {
		if strings.HasPrefix(m[1], "!") {
			continue
		}
		if res, attr, ok := strings.Cut(m[1], "."); ok {
			r.getAtt(where, res, attr)
		} else {
			r.ref(where, m[1])
		}
	}
}

func TestImagesPinnedAndComposes(t *testing.T) {
	c, err := loadCompose()
	if err != nil {
		t.Fatal(err)
	}
	version, err := os.ReadFile(versionFile)
	if err != nil {
		t.Fatal(err)
	}
	if def := section(rawTemplate(t), "Parameters")["GatewayImageTag"].(map[string]any)["Default"]; def != strings.TrimSpace(string(version)) {
		t.Errorf("GatewayImageTag defaults to %v, want VERSION %s", def, version)
	}
	forEachScenario(t, func(t *testing.T, s *stack) {
		for service, name := range tasks {
			td := s.task(t, service)
			for _, ct := range td.ContainerDefinitions {
				if !pinnedImage(ct.Image) {
					t.Errorf("%s/%s: image %q is not pinned", name, ct.Name, ct.Image)
				}
				want := c.Services[ct.Name].Image
				switch {
				case ct.Name == "config":
					want = c.Services["jaeger"].Image
				case ct.Name == "gateway":
					want = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hypha:" + strings.TrimSpace(string(version))
				case ct.Name != service:
					t.Errorf("%s: container %s is not the compose service %s", name, ct.Name, service)
				}
				if ct.Image != want {
					t.Errorf("%s/%s: image %q, compose has %q", name, ct.Name, ct.Image, want)
				}
			}
		}
	})
}

func pinnedImage(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	_, tag, ok := strings.Cut(ref[strings.LastIndex(ref, "/")+1:], ":")
	return ok && tag != "" && tag != "latest"
}

// TestComposeSettings: each server runs with compose's command, environment
// and health check, plus only what ECS needs.
func TestComposeSettings(t *testing.T) {
	c, err := loadCompose()
	if err != nil {
		t.Fatal(err)
	}
	// What ECS adds to or takes from compose's settings, and why.
	extraArgs := map[string][]string{"loki": {"-config.expand-env=true"}} // the bucket from LOKI_S3_BUCKET
	asSecret := map[string][]string{"grafana": {"GF_SECURITY_ADMIN_PASSWORD"}, "gateway": {"HYPHA_AUTH_TOKEN"}}
	forEachScenario(t, func(t *testing.T, s *stack) {
		for service := range tasks {
			cs := c.Services[service]
			ct := container(t, s.task(t, service), service)
			if want := append(slices.Clone(cs.Command), extraArgs[service]...); !slices.Equal(ct.Command, want) {
				t.Errorf("%s: command %q, want compose's %q", service, ct.Command, want)
			}
			secrets := map[string]string{}
			for _, sec := range ct.Secrets {
				secrets[sec.Name] = sec.ValueFrom
			}
			for _, name := range asSecret[service] {
				if refName(secrets[name]) == "" {
					t.Errorf("%s: %s must come from a Secrets Manager secret of the stack, got %q", service, name, secrets[name])
				}
			}
			e := env(ct)
			if service == "gateway" {
				// The gateway's compose settings are for loopback; ECS's are checked in TestGateway.
				continue
			}
			for k, v := range cs.Environment {
				if slices.Contains(asSecret[service], k) {
					if _, plain := e[k]; plain {
						t.Errorf("%s: %s is in the plain environment", service, k)
					}
					continue
				}
				if e[k] != v {
					t.Errorf("%s: %s=%q, compose sets %q", service, k, e[k], v)
				}
			}
			h := cs.Healthcheck
			if ct.HealthCheck == nil || !slices.Equal(ct.HealthCheck.Command, h.Test) {
				t.Errorf("%s: health check %v, want compose's %q", service, ct.HealthCheck, h.Test)
			}
		}
	})
}

// configFiles returns what a task's config container writes: container
// path -> content, read back from its script and environment.
func configFiles(t *testing.T, td *ecs.TaskDefinition) map[string]string {
	t.Helper()
	init := container(t, td, "config")
	if deref(init.Essential) || !slices.Equal(init.EntryPoint, []string{"/bin/sh", "-c"}) || len(init.Command) != 1 {
		t.Fatalf("config container: want a non-essential /bin/sh -c SCRIPT, got %v %q essential=%v", init.EntryPoint, init.Command, deref(init.Essential))
	}
	e := env(init)
	files := map[string]string{}
	write := regexp.MustCompile(`^printf '%s' "\$(\w+)" > (/\S+)$`)
	for _, line := range strings.Split(strings.TrimSpace(init.Command[0]), "\n") {
		if m := write.FindStringSubmatch(line); m != nil {
			content, ok := e[m[1]]
			if !ok {
				t.Errorf("config script writes $%s, which the container does not set", m[1])
			}
			files[m[2]] = content
		} else if line != "set -e" && !strings.HasPrefix(line, "mkdir -p /out/") {
			t.Errorf("config script line %q", line)
		}
	}
	// The config container mounts each volume under /out; the server mounts
	// the same volume read-only where compose mounts the files.
	initMounts := map[string]string{}
	for _, m := range init.MountPoints {
		initMounts[deref(m.SourceVolume)] = deref(m.ContainerPath)
	}
	server := map[string]string{}
	for _, ct := range td.ContainerDefinitions {
		if ct.Name == "config" {
			continue
		}
		if !slices.ContainsFunc(ct.DependsOnProp, func(d ecs.TaskDefinition_ContainerDependency) bool {
			return deref(d.ContainerName) == "config" && deref(d.Condition) == "SUCCESS"
		}) {
			t.Errorf("%s does not wait for the config container to succeed", ct.Name)
		}
		for _, m := range ct.MountPoints {
			if dir, ok := initMounts[deref(m.SourceVolume)]; ok {
				if !deref(m.ReadOnly) {
					t.Errorf("%s mounts %s writable", ct.Name, deref(m.SourceVolume))
				}
				if dir != "/out"+deref(m.ContainerPath) {
					t.Errorf("volume %s: config container at %s, %s at %s", deref(m.SourceVolume), dir, ct.Name, deref(m.ContainerPath))
				}
				server[dir] = deref(m.ContainerPath)
			}
		}
	}
	out := map[string]string{}
	for p, content := range files {
		mapped := false
		for dir, dst := range server {
			if strings.HasPrefix(p, dir+"/") {
				out[dst+strings.TrimPrefix(p, dir)] = content
				mapped = true
			}
		}
		if !mapped {
			t.Errorf("config container writes %s, outside every volume the server mounts", p)
		}
	}
	return out
}

// TestConfigsAreComposes: each task gets exactly the files compose mounts,
// at the same paths, with the same content (Loki's storage aside).
func TestConfigsAreComposes(t *testing.T) {
	c, err := loadCompose()
	if err != nil {
		t.Fatal(err)
	}
	forEachScenario(t, func(t *testing.T, s *stack) {
		for _, service := range []string{"loki", "jaeger", "grafana"} {
			got := configFiles(t, s.task(t, service))
			want := map[string]string{} // container path -> repo file
			for _, b := range c.Services[service].binds() {
				src := filepath.Join(deployDir, b[0])
				err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					rel, _ := filepath.Rel(src, p)
					dst := b[1]
					if rel != "." {
						dst = path.Join(b[1], filepath.ToSlash(rel))
					}
					want[dst] = p
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			for dst, file := range want {
				content, ok := got[dst]
				if !ok {
					t.Errorf("%s: %s (%s) is not written into the task", service, dst, file)
					continue
				}
				repo, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case strings.HasSuffix(file, filepath.Join("loki", "config.yaml")):
					checkLokiOnS3(t, repo, []byte(content))
				case strings.HasSuffix(file, ".json"):
					var a, b any
					if json.Unmarshal(repo, &a) != nil || json.Unmarshal([]byte(content), &b) != nil || !reflect.DeepEqual(a, b) {
						t.Errorf("%s: %s differs from %s", service, dst, file)
					}
				case content != string(repo):
					t.Errorf("%s: %s differs from %s", service, dst, file)
				}
			}
			for dst := range got {
				if _, ok := want[dst]; !ok {
					t.Errorf("%s: %s is written, but compose mounts no such file", service, dst)
				}
			}
		}
		// The variables Loki expands are the container's.
		loki := container(t, s.task(t, "loki"), "loki")
		e := env(loki)
		if e["LOKI_S3_BUCKET"] != ref("LokiBucket") || e["LOKI_S3_REGION"] != "eu-west-1" {
			t.Errorf("loki: LOKI_S3_BUCKET=%q LOKI_S3_REGION=%q, want the stack's bucket and Region", e["LOKI_S3_BUCKET"], e["LOKI_S3_REGION"])
		}
		for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(configFiles(t, s.task(t, "loki"))["/etc/loki/config.yaml"], -1) {
			if _, ok := e[m[1]]; !ok {
				t.Errorf("loki config expands ${%s}, which the container does not set", m[1])
			}
		}
	})
}

// checkLokiOnS3: the ECS Loki config is compose's but for the storage, which
// is the stack's S3 bucket.
func checkLokiOnS3(t *testing.T, composeCfg, ecsCfg []byte) {
	t.Helper()
	var a, b map[string]any
	if err := yaml.Unmarshal(composeCfg, &a); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(ecsCfg, &b); err != nil {
		t.Fatalf("ECS Loki config: %v", err)
	}
	storage := b["common"].(map[string]any)["storage"]
	wantStorage := map[string]any{"s3": map[string]any{"bucketnames": "${LOKI_S3_BUCKET}", "region": "${LOKI_S3_REGION}"}}
	if !reflect.DeepEqual(storage, wantStorage) {
		t.Errorf("ECS Loki common.storage = %v, want %v", storage, wantStorage)
	}
	// Set aside the storage of both; what remains must be the same.
	for _, store := range storeSettings(t, b) {
		if store != "s3" {
			t.Errorf("ECS Loki stores in %q, want s3", store)
		}
	}
	storeSettings(t, a)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the ECS Loki config differs from deploy/loki/config.yaml beyond the storage:\ncompose %v\nECS     %v", a, b)
	}
}

// storeSettings removes common.storage and the object store names from a
// Loki config, and returns the names.
func storeSettings(t *testing.T, cfg map[string]any) []any {
	t.Helper()
	delete(cfg["common"].(map[string]any), "storage")
	var out []any
	for _, sc := range cfg["schema_config"].(map[string]any)["configs"].([]any) {
		sc := sc.(map[string]any)
		out = append(out, sc["object_store"])
		delete(sc, "object_store")
	}
	comp := cfg["compactor"].(map[string]any)
	out = append(out, comp["delete_request_store"])
	delete(comp, "delete_request_store")
	return out
}

// sgRule is one admitted flow: a port from a CIDR or from a security group.
type sgRule struct {
	group, from string
	port        int
}

func ingress(t *testing.T, s *stack) map[sgRule]bool {
	out := map[sgRule]bool{}
	for name, sg := range s.typed.GetAllEC2SecurityGroupResources() {
		for _, r := range sg.SecurityGroupIngress {
			if r.IpProtocol != "tcp" || deref(r.FromPort) != deref(r.ToPort) {
				t.Errorf("%s: rule %+v: want one TCP port", name, r)
			}
			from := deref(r.CidrIp)
			if g := refName(deref(r.SourceSecurityGroupId)); g != "" {
				from = g
			}
			out[sgRule{name, from, deref(r.FromPort)}] = true
		}
	}
	return out
}

// serviceOf returns the ECS service running a task, and its security group.
func serviceOf(t *testing.T, s *stack, task string) (*ecs.Service, string) {
	t.Helper()
	for _, svc := range s.typed.GetAllECSServiceResources() {
		if refName(deref(svc.TaskDefinition)) == task {
			groups := svc.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups
			if len(groups) != 1 {
				t.Fatalf("%s's service: want one security group, got %v", task, groups)
			}
			return svc, refName(groups[0])
		}
	}
	t.Fatalf("no service runs %s", task)
	return nil, ""
}

// clientsOf maps host:port to the compose services that connect there, as
// their configs say: the gateway's exporters, Grafana's data sources.
func clientsOf(t *testing.T, s *stack) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	gw := env(container(t, s.task(t, "gateway"), "gateway"))
	u, err := url.Parse(gw["HYPHA_LOKI_ENDPOINT"])
	if err != nil || u.Port() == "" {
		t.Fatalf("HYPHA_LOKI_ENDPOINT %q: want http://host:port/otlp", gw["HYPHA_LOKI_ENDPOINT"])
	}
	out[u.Host] = append(out[u.Host], "gateway")
	out[gw["HYPHA_JAEGER_ENDPOINT"]] = append(out[gw["HYPHA_JAEGER_ENDPOINT"]], "gateway")
	// The Hypha UI on the gateway queries Loki (the exporter's host, above)
	// and Jaeger's query port on the exporter's host (hyphaprovider's ui.go).
	if gw["HYPHA_UI_ENDPOINT"] != "" || gw["HYPHA_UI"] == "on" {
		host, _, err := net.SplitHostPort(gw["HYPHA_JAEGER_ENDPOINT"])
		if err != nil {
			t.Fatalf("HYPHA_JAEGER_ENDPOINT: %v", err)
		}
		query := net.JoinHostPort(host, "16686")
		out[query] = append(out[query], "gateway")
	}
	var ds struct {
		Datasources []struct{ URL string } `yaml:"datasources"`
	}
	files := configFiles(t, s.task(t, "grafana"))
	if err := yaml.Unmarshal([]byte(files["/etc/grafana/provisioning/datasources/datasources.yaml"]), &ds); err != nil || len(ds.Datasources) == 0 {
		t.Fatalf("Grafana's data sources in the task: %v", err)
	}
	for _, d := range ds.Datasources {
		u, err := url.Parse(d.URL)
		if err != nil {
			t.Fatal(err)
		}
		out[u.Host] = append(out[u.Host], "grafana")
	}
	return out
}

// TestNetwork: every listener, target group, Service Connect name and EFS
// mount is matched by a security group rule from exactly the side that
// needs it, and no rule admits anything else.
func TestNetwork(t *testing.T) {
	forEachScenario(t, func(t *testing.T, s *stack) {
		cert := s.conditions["HasCertificate"]
		want := map[sgRule]bool{}
		// Who may reach each load balancer.
		users := map[string]string{"Nlb": s.params["AgentCidr"].(string), "Alb": s.params["GrafanaCidr"].(string)}
		targetLB := map[string]string{} // target group -> the load balancer's security group
		for name, l := range s.typed.GetAllElasticLoadBalancingV2ListenerResources() {
			lbName := refName(l.LoadBalancerArn)
			lb, err := s.typed.GetElasticLoadBalancingV2LoadBalancerWithName(lbName)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(lb.SecurityGroups) != 1 || len(l.DefaultActions) != 1 {
				t.Fatalf("%s: want one security group on %s and one action", name, lbName)
			}
			lbSG := refName(lb.SecurityGroups[0])
			tg := refName(deref(l.DefaultActions[0].TargetGroupArn))
			targetLB[tg] = lbSG
			want[sgRule{lbSG, users[lbName], deref(l.Port)}] = true
			tls := map[bool]string{true: "TLS", false: "TCP"}
			if deref(lb.Type) == "application" {
				tls = map[bool]string{true: "HTTPS", false: "HTTP"}
				wantPort := map[bool]int{true: 443, false: 80}[cert]
				if tg == "UiTargetGroup" {
					wantPort = 16680 // the Hypha UI, beside Grafana
				}
				if deref(l.Port) != wantPort {
					t.Errorf("%s: port %d, want %d", name, deref(l.Port), wantPort)
				}
			} else if cert && !slices.Equal(l.AlpnPolicy, []string{"HTTP2Preferred"}) {
				t.Errorf("%s: ALPN %v: gRPC clients need h2 offered", name, l.AlpnPolicy)
			}
			if deref(l.Protocol) != tls[cert] || (len(l.Certificates) == 1) != cert {
				t.Errorf("%s: protocol %s with %d certificates; with a certificate given = %v want %s", name, deref(l.Protocol), len(l.Certificates), cert, tls[cert])
			}
		}
		targetGroupRules(t, s, targetLB, want)
		serviceConnectRules(t, s, want)
		efsRules(t, s, want)

		got := ingress(t, s)
		for r := range want {
			if !got[r] {
				t.Errorf("%s does not admit port %d from %s", r.group, r.port, r.from)
			}
		}
		for r := range got {
			if !want[r] {
				t.Errorf("%s admits port %d from %s, which nothing needs", r.group, r.port, r.from)
			}
		}
	})
}

// targetGroupRules adds, for each service behind a load balancer, the rules
// for its traffic and health ports from the load balancer's group.
func targetGroupRules(t *testing.T, s *stack, targetLB map[string]string, want map[sgRule]bool) {
	t.Helper()
	// Each service behind a load balancer: its traffic and health ports.
	for service, task := range tasks {
		svc, sg := serviceOf(t, s, task)
		ports := containerPorts(s.task(t, service))
		for _, lb := range svc.LoadBalancers {
			tgName := refName(deref(lb.TargetGroupArn))
			tg, err := s.typed.GetElasticLoadBalancingV2TargetGroupWithName(tgName)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(slices.Collect(maps.Values(ports)), deref(lb.ContainerPort)) || deref(tg.Port) != deref(lb.ContainerPort) || deref(tg.TargetType) != "ip" {
				t.Errorf("%s: target group %s port %d (%s), container port %d, mapped %v", service, tgName, deref(tg.Port), deref(tg.TargetType), deref(lb.ContainerPort), ports)
			}
			hc := deref(tg.Port)
			if p := deref(tg.HealthCheckPort); p != "" && p != "traffic-port" {
				hc, _ = strconv.Atoi(p)
			}
			if !slices.Contains(slices.Collect(maps.Values(ports)), hc) {
				t.Errorf("%s: %s checks health on port %d, which the container does not map", service, tgName, hc)
			}
			if targetLB[tgName] == "" {
				t.Errorf("%s: no listener forwards to %s", service, tgName)
			}
			want[sgRule{sg, targetLB[tgName], deref(lb.ContainerPort)}] = true
			want[sgRule{sg, targetLB[tgName], hc}] = true
		}
	}
}

// serviceConnectRules checks that each name clients use is served, and adds
// the rules that admit those clients.
func serviceConnectRules(t *testing.T, s *stack, want map[sgRule]bool) {
	t.Helper()
	// Service Connect: each name clients use is served, and admitted from them.
	clients := clientsOf(t, s)
	served := map[string]bool{}
	for service, task := range tasks {
		svc, sg := serviceOf(t, s, task)
		sc := svc.ServiceConnectConfiguration
		if sc == nil || !sc.Enabled || deref(sc.Namespace) != getAtt("Namespace", "Arn") {
			t.Errorf("%s: Service Connect must be on, in the stack's namespace", service)
			continue
		}
		ports := containerPorts(s.task(t, service))
		for _, scs := range sc.Services {
			port, ok := ports[scs.PortName]
			if !ok || len(scs.ClientAliases) != 1 {
				t.Errorf("%s: Service Connect port %s is not a named port mapping (%v)", service, scs.PortName, ports)
				continue
			}
			alias := scs.ClientAliases[0]
			if alias.Port != port {
				t.Errorf("%s: %s listens on %d, the container on %d", service, deref(alias.DnsName), alias.Port, port)
			}
			addr := net.JoinHostPort(deref(alias.DnsName), strconv.Itoa(alias.Port))
			served[addr] = true
			if len(clients[addr]) == 0 {
				t.Errorf("%s: %s is served, but no config connects to it", service, addr)
			}
			for _, client := range clients[addr] {
				_, clientSG := serviceOf(t, s, tasks[client])
				want[sgRule{sg, clientSG, port}] = true
			}
		}
	}
	for addr, who := range clients {
		if !served[addr] {
			t.Errorf("%v connect to %s, which no Service Connect alias serves", who, addr)
		}
	}
}

// efsRules adds the rules from the tasks that mount EFS, through every
// mount target.
func efsRules(t *testing.T, s *stack, want map[sgRule]bool) {
	t.Helper()
	// EFS: from the tasks that mount it, through every mount target.
	for service, task := range tasks {
		for _, v := range s.task(t, service).Volumes {
			if v.EFSVolumeConfiguration == nil {
				continue
			}
			_, sg := serviceOf(t, s, task)
			want[sgRule{"EfsSecurityGroup", sg, 2049}] = true
			if deref(v.EFSVolumeConfiguration.TransitEncryption) != "ENABLED" || deref(v.EFSVolumeConfiguration.AuthorizationConfig.IAM) != "ENABLED" {
				t.Errorf("%s: EFS volume %s needs TLS and IAM authorization", service, deref(v.Name))
			}
		}
	}
	for name, mt := range s.typed.GetAllEFSMountTargetResources() {
		if !slices.Equal(mt.SecurityGroups, []string{ref("EfsSecurityGroup")}) {
			t.Errorf("%s: security groups %v", name, mt.SecurityGroups)
		}
	}
}

const gatewayConfigDir = "../../provider/hyphaprovider/gateway-config"

// TestGateway: the gateway's settings are ones it reads, its ports and
// health endpoint are what its config serves, and it talks to Loki and
// Jaeger by the names the stack creates.
func TestGateway(t *testing.T) {
	// The receivers and the health check, which the gateway shares with the load balancer.
	gwCfg := readYAMLFile(t, filepath.Join(gatewayConfigDir, "shared.yaml"))
	known := gatewaySources(t)
	lokiCfg := readYAMLFile(t, "../loki/config.yaml")
	jaegerCfg := readYAMLFile(t, "../jaeger/config.yaml")
	forEachScenario(t, func(t *testing.T, s *stack) {
		td := s.task(t, "gateway")
		gw := container(t, td, "gateway")
		e := env(gw)
		for _, sec := range gw.Secrets {
			e[sec.Name] = sec.ValueFrom
		}
		for name := range e {
			if name != "GOMEMLIMIT" && !strings.Contains(known, `"`+name+`"`) && !strings.Contains(known, "env:"+name) {
				t.Errorf("gateway: %s is set, but the gateway reads no such variable", name)
			}
		}
		if e["HYPHA_AUTH"] != "bearer" || e["HYPHA_AUTH_TOKEN"] != ref("AuthToken") {
			t.Errorf("gateway: HYPHA_AUTH=%q HYPHA_AUTH_TOKEN from %q; want bearer with the stack's secret", e["HYPHA_AUTH"], e["HYPHA_AUTH_TOKEN"])
		}
		ports := containerPorts(td)
		for name, endpoint := range map[string]any{
			"otlp-grpc": yamltree.Get(gwCfg, "receivers", "otlp", "protocols", "grpc", "endpoint"),
			"otlp-http": yamltree.Get(gwCfg, "receivers", "otlp", "protocols", "http", "endpoint"),
			"health":    yamltree.Get(gwCfg, "extensions", "health_check", "endpoint"),
		} {
			if p := port(t, endpoint.(string)); ports[name] != p {
				t.Errorf("gateway: port %s is %d, its config listens on %d", name, ports[name], p)
			}
		}
		if p := yamltree.Get(gwCfg, "extensions", "health_check", "path"); p != nil {
			t.Errorf("gateway health_check sets path %v: the target groups check /", p)
		}
		for _, name := range []string{"GrpcTargetGroup", "HttpTargetGroup"} {
			tg, err := s.typed.GetElasticLoadBalancingV2TargetGroupWithName(name)
			if err != nil {
				t.Fatal(err)
			}
			if deref(tg.HealthCheckProtocol) != "HTTP" || deref(tg.HealthCheckPath) != "/" || deref(tg.HealthCheckPort) != strconv.Itoa(ports["health"]) {
				t.Errorf("%s: health check %s %s:%s, want HTTP / on the health_check port %d", name, deref(tg.HealthCheckProtocol), deref(tg.HealthCheckPath), deref(tg.HealthCheckPort), ports["health"])
			}
		}
		checkGatewayExports(t, s, e, lokiCfg, jaegerCfg)
		// GOMEMLIMIT below the container's memory, as in Kubernetes (80%).
		limit := regexp.MustCompile(`^(\d+)MiB$`).FindStringSubmatch(e["GOMEMLIMIT"])
		if limit == nil || gw.Memory == nil {
			t.Fatalf("gateway: GOMEMLIMIT %q and container memory %v", e["GOMEMLIMIT"], gw.Memory)
		}
		if n, _ := strconv.Atoi(limit[1]); n*100 > *gw.Memory*82 || n*100 < *gw.Memory*75 {
			t.Errorf("gateway: GOMEMLIMIT %s is not about 80%% of %d MiB", e["GOMEMLIMIT"], *gw.Memory)
		}
		if td.Memory == nil || *gw.Memory >= atoi(*td.Memory) {
			t.Errorf("gateway: container memory %d leaves nothing of the task's %v for the Service Connect proxy", *gw.Memory, td.Memory)
		}
	})
}

// gatewaySources is the text of the gateway's configs and of the provider
// that serves them: a variable the gateway reads is named in it.
func gatewaySources(t *testing.T) string {
	t.Helper()
	var known string
	for _, pattern := range []string{gatewayConfigDir + "/*.yaml", "../../provider/hyphaprovider/*.go"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			known += string(b)
		}
	}
	return known
}

// checkGatewayExports: the names the gateway exports to are Service Connect
// aliases of the Loki and Jaeger services, on the ports their configs
// listen on.
func checkGatewayExports(t *testing.T, s *stack, e map[string]string, lokiCfg, jaegerCfg map[string]any) {
	t.Helper()
	aliases := map[string]string{} // host:port -> compose service
	for service, task := range tasks {
		svc, _ := serviceOf(t, s, task)
		for _, scs := range svc.ServiceConnectConfiguration.Services {
			for _, a := range scs.ClientAliases {
				aliases[net.JoinHostPort(deref(a.DnsName), strconv.Itoa(a.Port))] = service
			}
		}
	}
	u, err := url.Parse(e["HYPHA_LOKI_ENDPOINT"])
	if err != nil || u.Path != "/otlp" || aliases[u.Host] != "loki" {
		t.Errorf("HYPHA_LOKI_ENDPOINT %q: want http://<the Loki service's alias>/otlp; aliases %v", e["HYPHA_LOKI_ENDPOINT"], aliases)
	} else if p := port(t, u.Host); p != yamltree.Get(lokiCfg, "server", "http_listen_port") {
		t.Errorf("HYPHA_LOKI_ENDPOINT port %d, Loki listens on %v", p, yamltree.Get(lokiCfg, "server", "http_listen_port"))
	}
	jaeger := e["HYPHA_JAEGER_ENDPOINT"]
	if aliases[jaeger] != "jaeger" {
		t.Errorf("HYPHA_JAEGER_ENDPOINT %q is no alias of the Jaeger service; aliases %v", jaeger, aliases)
	} else if p := port(t, jaeger); p != port(t, yamltree.Get(jaegerCfg, "receivers", "otlp", "protocols", "grpc", "endpoint").(string)) {
		t.Errorf("HYPHA_JAEGER_ENDPOINT port %d is not Jaeger's OTLP/gRPC port", p)
	}
	if got := containerPorts(s.task(t, "jaeger"))["jaeger-query"]; got != port(t, yamltree.Get(jaegerCfg, "extensions", "jaeger_query", "http", "endpoint").(string)) {
		t.Errorf("jaeger-query maps %d, Jaeger's query API listens elsewhere", got)
	}
}

// TestHealthChecks: each health check asks the endpoint its server serves.
func TestHealthChecks(t *testing.T) {
	jaegerCfg := readYAMLFile(t, "../jaeger/config.yaml")
	forEachScenario(t, func(t *testing.T, s *stack) {
		jaeger := container(t, s.task(t, "jaeger"), "jaeger").HealthCheck.Command
		u, err := url.Parse(jaeger[len(jaeger)-1])
		if err != nil || u.Path != "/status" || port(t, u.Host) != port(t, yamltree.Get(jaegerCfg, "extensions", "healthcheckv2", "http", "endpoint").(string)) || yamltree.Get(jaegerCfg, "extensions", "healthcheckv2", "use_v2") != true {
			t.Errorf("jaeger: health check %q: want healthcheckv2's /status on its port", jaeger)
		}
		if loki := container(t, s.task(t, "loki"), "loki").HealthCheck.Command; !slices.Equal(loki, []string{"CMD", "/usr/bin/loki", "-health"}) {
			t.Errorf("loki: health check %q", loki)
		}
		grafana := container(t, s.task(t, "grafana"), "grafana").HealthCheck.Command
		gu, err := url.Parse(grafana[len(grafana)-1])
		if err != nil {
			t.Fatal(err)
		}
		tg, err := s.typed.GetElasticLoadBalancingV2TargetGroupWithName("GrafanaTargetGroup")
		if err != nil {
			t.Fatal(err)
		}
		if deref(tg.HealthCheckPath) != gu.Path || gu.Path != "/api/health" || deref(tg.Port) != port(t, gu.Host) {
			t.Errorf("GrafanaTargetGroup checks %s on %d; Grafana's own check is %s", deref(tg.HealthCheckPath), deref(tg.Port), gu)
		}
	})
}

// needsStar are the actions that IAM accepts only on Resource "*":
// ecr:GetAuthorizationToken returns a registry-wide token and has no
// resource to scope it to.
var needsStar = []string{"ecr:GetAuthorizationToken"}

// grant is one action on one resource, under a condition (JSON) if any.
type grant struct{ action, resource, condition string }

// roleGrants returns what a role's inline policies allow, and checks that it
// can be assumed by ECS tasks only and needs nothing beyond CAPABILITY_IAM.
func roleGrants(t *testing.T, s *stack, role string) map[grant]bool {
	t.Helper()
	props, _ := s.resources[role]["Properties"].(map[string]any)
	for _, key := range []string{"RoleName", "ManagedPolicyArns", "PermissionsBoundary"} {
		if props[key] != nil {
			t.Errorf("%s sets %s: inline policies only, and no name (CAPABILITY_IAM)", role, key)
		}
	}
	for _, st := range yamltree.Get(props, "AssumeRolePolicyDocument", "Statement").([]any) {
		if yamltree.Get(st, "Effect") != "Allow" || yamltree.Get(st, "Principal", "Service") != "ecs-tasks.amazonaws.com" || yamltree.Get(st, "Action") != "sts:AssumeRole" {
			t.Errorf("%s: trust statement %v: only ECS tasks may assume it", role, st)
		}
	}
	out := map[grant]bool{}
	for _, p := range props["Policies"].([]any) {
		for _, st := range yamltree.Get(p, "PolicyDocument", "Statement").([]any) {
			if yamltree.Get(st, "Effect") != "Allow" {
				t.Errorf("%s: statement %v: want Allow statements only", role, st)
			}
			actions, resources := asList(yamltree.Get(st, "Action")), asList(yamltree.Get(st, "Resource"))
			cond := ""
			if c := yamltree.Get(st, "Condition"); c != nil {
				b, _ := json.Marshal(c)
				cond = string(b)
			}
			for _, a := range actions {
				if strings.Contains(a, "*") {
					t.Errorf("%s: action %s is a wildcard", role, a)
				}
				for _, r := range resources {
					if r == "*" && !slices.Contains(needsStar, a) {
						t.Errorf("%s: %s on Resource \"*\"; only %v need it", role, a, needsStar)
					}
					out[grant{a, r, cond}] = true
				}
			}
		}
	}
	return out
}

// TestIAM: each role allows exactly what its tasks need, derived from the
// task definitions: their logs, the secrets they read, the image they pull,
// Loki's bucket, each one's own EFS access point.
func TestIAM(t *testing.T) {
	forEachScenario(t, func(t *testing.T, s *stack) {
		want := roleWants{}
		for service := range tasks {
			td := s.task(t, service)
			want.executionRole(t, service, td)
			want.taskRole(t, service, td)
		}
		for role := range s.typed.GetAllIAMRoleResources() {
			if want[role] == nil {
				t.Errorf("role %s is used by no task", role)
				continue
			}
			got := roleGrants(t, s, role)
			for g := range want[role] {
				if !got[g] {
					t.Errorf("%s lacks %s on %s %s", role, g.action, g.resource, g.condition)
				}
			}
			for g := range got {
				if !want[role][g] {
					t.Errorf("%s allows %s on %s %s, which its tasks do not need", role, g.action, g.resource, g.condition)
				}
			}
		}
		checkStoragePolicies(t, s)
	})
}

// roleWants is what each role must allow, by role name.
type roleWants map[string]map[grant]bool

func (w roleWants) add(role string, g ...grant) {
	if w[role] == nil {
		w[role] = map[grant]bool{}
	}
	for _, x := range g {
		w[role][x] = true
	}
}

// executionRole adds what ECS needs to start the service's task: its log
// streams, the secrets its containers read, the images it pulls from ECR.
func (w roleWants) executionRole(t *testing.T, service string, td *ecs.TaskDefinition) {
	t.Helper()
	exec := strings.TrimSuffix(strings.TrimPrefix(deref(td.ExecutionRoleArn), "{{"), ".Arn}}")
	w.add(exec)
	for _, ct := range td.ContainerDefinitions {
		if ct.LogConfiguration == nil || ct.LogConfiguration.Options["awslogs-group"] != ref("LogGroup") {
			t.Errorf("%s/%s: logs go to the stack's log group", service, ct.Name)
		}
		w.add(exec, grant{"logs:CreateLogStream", getAtt("LogGroup", "Arn"), ""}, grant{"logs:PutLogEvents", getAtt("LogGroup", "Arn"), ""})
		for _, sec := range ct.Secrets {
			w.add(exec, grant{"secretsmanager:GetSecretValue", sec.ValueFrom, ""})
		}
		if repo, ok := strings.CutPrefix(ct.Image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/"); ok {
			repo, _, _ = strings.Cut(repo, ":")
			arn := "arn:aws:ecr:eu-west-1:123456789012:repository/" + repo
			w.add(exec, grant{"ecr:GetAuthorizationToken", "*", ""}, grant{"ecr:BatchGetImage", arn, ""}, grant{"ecr:GetDownloadUrlForLayer", arn, ""})
		}
	}
}

// taskRole adds what the service's own processes need: their EFS access
// point, and for Loki its bucket. Loki and Jaeger must have a task role.
func (w roleWants) taskRole(t *testing.T, service string, td *ecs.TaskDefinition) {
	t.Helper()
	taskRole := strings.TrimSuffix(strings.TrimPrefix(deref(td.TaskRoleArn), "{{"), ".Arn}}")
	if taskRole == "" {
		if service == "loki" || service == "jaeger" {
			t.Errorf("%s has no task role", service)
		}
		return
	}
	w.add(taskRole)
	for _, v := range td.Volumes {
		if v.EFSVolumeConfiguration == nil {
			continue
		}
		ap := refName(deref(v.EFSVolumeConfiguration.AuthorizationConfig.AccessPointId))
		cond := `{"StringEquals":{"elasticfilesystem:AccessPointArn":"` + getAtt(ap, "Arn") + `"}}`
		fs := getAtt(refName(v.EFSVolumeConfiguration.FilesystemId), "Arn")
		w.add(taskRole, grant{"elasticfilesystem:ClientMount", fs, cond}, grant{"elasticfilesystem:ClientWrite", fs, cond})
	}
	if service == "loki" {
		bucket := getAtt("LokiBucket", "Arn")
		w.add(taskRole, grant{"s3:ListBucket", bucket, ""})
		for _, a := range []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} {
			w.add(taskRole, grant{a, bucket + "/*", ""})
		}
	}
}

// checkStoragePolicies: the file system's own policy only denies (clients
// without TLS), so that mounting takes one of the roles' grants; Loki's
// bucket blocks all public access.
func checkStoragePolicies(t *testing.T, s *stack) {
	t.Helper()
	fs, err := s.typed.GetEFSFileSystemWithName("FileSystem")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range yamltree.Get(fs.FileSystemPolicy, "Statement").([]any) {
		if yamltree.Get(st, "Effect") != "Deny" {
			t.Errorf("FileSystem policy statement %v: want Deny only", st)
		}
	}
	b, err := s.typed.GetS3BucketWithName("LokiBucket")
	if err != nil {
		t.Fatal(err)
	}
	if p := b.PublicAccessBlockConfiguration; p == nil || !deref(p.BlockPublicAcls) || !deref(p.BlockPublicPolicy) || !deref(p.IgnorePublicAcls) || !deref(p.RestrictPublicBuckets) {
		t.Error("LokiBucket must block all public access")
	}
}

// TestAgentTLSOverride: agent-tls.yaml turns on TLS on the agent's exporter
// the way the built-in tls.yaml does for HYPHA_TLS_ENABLED, on an exporter
// the agent config has.
func TestAgentTLSOverride(t *testing.T) {
	override := readYAMLFile(t, "agent-tls.yaml")
	builtin := readYAMLFile(t, "../../provider/hyphaprovider/agent-config/config.yaml")
	tls := readYAMLFile(t, "../../provider/hyphaprovider/agent-config/tls.yaml")
	exporters, _ := override["exporters"].(map[string]any)
	if len(exporters) != 1 || len(override) != 1 {
		t.Fatalf("agent-tls.yaml: want one exporter's TLS setting only, got %v", override)
	}
	for name := range exporters {
		if yamltree.Get(builtin, "exporters", name, "tls", "insecure") != true {
			t.Errorf("the agent config has no plain-text exporter %s", name)
		}
		if got, want := yamltree.Get(override, "exporters", name, "tls", "insecure"), yamltree.Get(tls, "exporters", name, "tls", "insecure"); got != false || got != want {
			t.Errorf("agent-tls.yaml sets %s tls.insecure %v; tls.yaml sets %v", name, got, want)
		}
	}
}

// TestDocs: docs/deploy/ecs.md names every parameter, and the outputs its
// commands read exist.
func TestDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/deploy/ecs.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	raw := rawTemplate(t)
	for name := range section(raw, "Parameters") {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/deploy/ecs.md does not describe parameter %s", name)
		}
	}
	outputs := section(raw, "Outputs")
	for _, m := range regexp.MustCompile(`\$\(out (\w+)\)`).FindAllStringSubmatch(doc, -1) {
		if _, ok := outputs[m[1]]; !ok {
			t.Errorf("docs/deploy/ecs.md reads output %s, which the template does not have", m[1])
		}
	}
	for _, want := range []string{"--template-file deploy/ecs/hypha.yaml", "--capabilities CAPABILITY_IAM", "deploy/ecs/agent-tls.yaml", "never been deployed"} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/deploy/ecs.md lacks %q", want)
		}
	}
}
