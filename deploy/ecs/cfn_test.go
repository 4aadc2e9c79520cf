// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// A small CloudFormation evaluator: the template with given parameter values,
// as CloudFormation would hand it to the resource providers, parsed by
// goformation. References to resources stay symbolic ("{{Ref X}}",
// "{{X.Attr}}") so that the tests can follow them.

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// getAtts are the attributes the template may read, by resource type: the
// documented return values of each type that it uses.
var getAtts = map[string][]string{
	"AWS::EFS::AccessPoint":                     {"Arn"},
	"AWS::EFS::FileSystem":                      {"Arn"},
	"AWS::ECS::Service":                         {"Name"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {"DNSName"},
	"AWS::IAM::Role":                            {"Arn"},
	"AWS::Logs::LogGroup":                       {"Arn"},
	"AWS::S3::Bucket":                           {"Arn"},
	"AWS::ServiceDiscovery::HttpNamespace":      {"Arn"},
}

var pseudoParams = map[string]any{
	"AWS::AccountId": "123456789012",
	"AWS::Partition": "aws",
	"AWS::Region":    "eu-west-1",
	"AWS::StackName": "hypha",
	"AWS::URLSuffix": "amazonaws.com",
}

// noValue is what AWS::NoValue evaluates to: the property is removed.
type noValueType struct{}

var noValue = noValueType{}

func ref(name string) string                   { return "{{Ref " + name + "}}" }
func getAtt(resource, attribute string) string { return "{{" + resource + "." + attribute + "}}" }

// rawTemplate is the template as JSON values, intrinsics in long form.
func rawTemplate(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(outputFile)
	if err != nil {
		t.Fatal(err)
	}
	j, err := intrinsics.ProcessYAML(b, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatalf("%s: %v", outputFile, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(j, &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

func section(raw map[string]any, name string) map[string]any {
	m, _ := raw[name].(map[string]any)
	return m
}

// stack is the template evaluated for one set of parameter values.
type stack struct {
	raw        map[string]any
	params     map[string]any
	conditions map[string]bool
	types      map[string]string // resources that exist with these values, by name
	resources  map[string]map[string]any
	outputs    map[string]any
	typed      *cloudformation.Template
}

// evaluate resolves the template for the given parameter values (the rest
// keep their defaults). It fails where CloudFormation would: a reference to
// something that does not exist, or a Rules assertion that does not hold.
func evaluate(raw map[string]any, overrides map[string]string) (*stack, error) {
	s := &stack{raw: raw, params: map[string]any{}, conditions: map[string]bool{}, types: map[string]string{}, resources: map[string]map[string]any{}, outputs: map[string]any{}}
	for name, p := range section(raw, "Parameters") {
		p := p.(map[string]any)
		v, ok := overrides[name]
		value := p["Default"]
		if ok {
			value = v
		}
		if value == nil {
			return nil, fmt.Errorf("parameter %s has no value", name)
		}
		if err := checkParameter(name, p, value); err != nil {
			return nil, err
		}
		if p["Type"] == "CommaDelimitedList" {
			value = strings.Split(fmt.Sprint(value), ",")
		}
		s.params[name] = value
	}
	for name := range overrides {
		if _, ok := s.params[name]; !ok {
			return nil, fmt.Errorf("no parameter %s", name)
		}
	}
	for name := range section(raw, "Conditions") {
		if _, err := s.condition(name, nil); err != nil {
			return nil, err
		}
	}
	if err := s.checkRules(); err != nil {
		return nil, err
	}
	for name, r := range section(raw, "Resources") {
		r := r.(map[string]any)
		if c, ok := r["Condition"].(string); ok && !s.conditions[c] {
			continue
		}
		s.types[name] = r["Type"].(string)
	}
	for name, r := range section(raw, "Resources") {
		if _, ok := s.types[name]; !ok {
			continue
		}
		v, err := s.eval(r)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", name, err)
		}
		res := v.(map[string]any)
		for _, dep := range dependsOn(res) {
			if _, ok := s.types[dep]; !ok {
				return nil, fmt.Errorf("resource %s depends on %s, which does not exist here", name, dep)
			}
		}
		s.resources[name] = res
	}
	for name, o := range section(raw, "Outputs") {
		v, err := s.eval(o.(map[string]any)["Value"])
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		s.outputs[name] = v
	}
	b, err := json.Marshal(map[string]any{"AWSTemplateFormatVersion": raw["AWSTemplateFormatVersion"], "Resources": s.resources})
	if err != nil {
		return nil, err
	}
	// goformation decodes every resource into its type with unknown fields
	// refused: a misspelt property, or one of the wrong type, fails here.
	s.typed, err = goformation.ParseJSONWithOptions(b, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		return nil, fmt.Errorf("goformation: %w", err)
	}
	return s, nil
}

func dependsOn(r map[string]any) []string {
	switch d := r["DependsOn"].(type) {
	case string:
		return []string{d}
	case []any:
		var out []string
		for _, e := range d {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

func checkParameter(name string, p map[string]any, value any) error {
	s := fmt.Sprint(value)
	if pat, ok := p["AllowedPattern"].(string); ok && !regexp.MustCompile(pat).MatchString(s) {
		return fmt.Errorf("parameter %s: %q does not match %s", name, s, pat)
	}
	if allowed, ok := p["AllowedValues"].([]any); ok && !slices.ContainsFunc(allowed, func(a any) bool { return fmt.Sprint(a) == s }) {
		return fmt.Errorf("parameter %s: %q is not one of %v", name, s, allowed)
	}
	return nil
}

func (s *stack) condition(name string, seen []string) (bool, error) {
	if v, ok := s.conditions[name]; ok {
		return v, nil
	}
	if slices.Contains(seen, name) {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	expr, ok := section(s.raw, "Conditions")[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	v, err := s.evalCondition(expr, append(seen, name))
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	s.conditions[name] = v
	return v, nil
}

func (s *stack) evalCondition(expr any, seen []string) (bool, error) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("not a condition function: %v", expr)
	}
	for fn, arg := range m {
		if fn == "Condition" {
			return s.condition(arg.(string), seen)
		}
		args, _ := arg.([]any)
		switch fn {
		case "Fn::Equals":
			if len(args) != 2 {
				return false, fmt.Errorf("Fn::Equals takes two values")
			}
			a, err := s.eval(args[0])
			if err != nil {
				return false, err
			}
			b, err := s.eval(args[1])
			if err != nil {
				return false, err
			}
			return fmt.Sprint(a) == fmt.Sprint(b), nil
		case "Fn::Not":
			if len(args) != 1 {
				return false, fmt.Errorf("Fn::Not takes one condition")
			}
			v, err := s.evalCondition(args[0], seen)
			return !v, err
		case "Fn::And", "Fn::Or":
			all := fn == "Fn::And"
			for _, a := range args {
				v, err := s.evalCondition(a, seen)
				if err != nil {
					return false, err
				}
				if v != all {
					return v, nil
				}
			}
			return all, nil
		case "Fn::EachMemberEquals":
			if len(args) != 2 {
				return false, fmt.Errorf("Fn::EachMemberEquals takes a list and a value")
			}
			l, err := s.eval(args[0])
			if err != nil {
				return false, err
			}
			for _, e := range l.([]string) {
				if e != args[1] {
					return false, nil
				}
			}
			return true, nil
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	panic("unreachable")
}

// checkRules fails with the AssertDescription of the first assertion that
// does not hold, as CloudFormation refuses the stack.
func (s *stack) checkRules() error {
	for name, r := range section(s.raw, "Rules") {
		r := r.(map[string]any)
		if c, ok := r["RuleCondition"]; ok {
			v, err := s.evalCondition(c, nil)
			if err != nil {
				return fmt.Errorf("rule %s: %w", name, err)
			}
			if !v {
				continue
			}
		}
		for _, a := range r["Assertions"].([]any) {
			a := a.(map[string]any)
			v, err := s.evalCondition(a["Assert"], nil)
			if err != nil {
				return fmt.Errorf("rule %s: %w", name, err)
			}
			if !v {
				return fmt.Errorf("rule %s: %s", name, a["AssertDescription"])
			}
		}
	}
	return nil
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (s *stack) refValue(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue, nil
	}
	if v, ok := pseudoParams[name]; ok {
		return v, nil
	}
	if v, ok := s.params[name]; ok {
		return v, nil
	}
	if _, ok := s.types[name]; ok {
		return ref(name), nil
	}
	return nil, fmt.Errorf("Ref %s: no such parameter, or no such resource with these parameters", name)
}

func (s *stack) getAttValue(resource, attribute string) (any, error) {
	typ, ok := s.types[resource]
	if !ok {
		return nil, fmt.Errorf("GetAtt %s.%s: no such resource with these parameters", resource, attribute)
	}
	if !slices.Contains(getAtts[typ], attribute) {
		return nil, fmt.Errorf("GetAtt %s.%s: %s has no attribute %s that the tests know", resource, attribute, typ, attribute)
	}
	return getAtt(resource, attribute), nil
}

func (s *stack) eval(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		var out []any
		for _, e := range x {
			r, err := s.eval(e)
			if err != nil {
				return nil, err
			}
			if r != noValue {
				out = append(out, r)
			}
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if fn == "Ref" || strings.HasPrefix(fn, "Fn::") {
					return s.intrinsic(fn, arg)
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			r, err := s.eval(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if r != noValue {
				out[k] = r
			}
		}
		return out, nil
	}
	return v, nil
}

func (s *stack) intrinsic(fn string, arg any) (any, error) {
	args, _ := arg.([]any)
	switch fn {
	case "Ref":
		return s.refValue(arg.(string))
	case "Fn::GetAtt":
		var res, att string
		if str, ok := arg.(string); ok {
			res, att, _ = strings.Cut(str, ".")
		} else if len(args) == 2 {
			res, att = args[0].(string), args[1].(string)
		}
		return s.getAttValue(res, att)
	case "Fn::Sub":
		str, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: only the one-string form is used here")
		}
		var err error
		out := subVar.ReplaceAllStringFunc(str, func(m string) string {
			name := m[2 : len(m)-1]
			if strings.HasPrefix(name, "!") {
				return "${" + name[1:] + "}"
			}
			var v any
			var e error
			if res, att, ok := strings.Cut(name, "."); ok {
				v, e = s.getAttValue(res, att)
			} else {
				v, e = s.refValue(name)
			}
			if e != nil && err == nil {
				err = fmt.Errorf("Fn::Sub %q: %w", str, e)
			}
			return fmt.Sprint(v)
		})
		return out, err
	case "Fn::If":
		if len(args) != 3 {
			return nil, fmt.Errorf("Fn::If takes a condition and two values")
		}
		c, err := s.condition(args[0].(string), nil)
		if err != nil {
			return nil, err
		}
		if c {
			return s.eval(args[1])
		}
		return s.eval(args[2])
	case "Fn::Select":
		if len(args) != 2 {
			return nil, fmt.Errorf("Fn::Select takes an index and a list")
		}
		l, err := s.eval(args[1])
		if err != nil {
			return nil, err
		}
		i := int(args[0].(float64))
		list := toStrings(l)
		if i >= len(list) {
			return nil, fmt.Errorf("Fn::Select %d of %v", i, list)
		}
		return list[i], nil
	case "Fn::GetAZs":
		return []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, nil
	}
	return nil, fmt.Errorf("%s is not evaluated by the tests", fn)
}

func toStrings(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		var out []string
		for _, e := range l {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}
