// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"testing"
)

// TestTemplateIsCurrent: hypha.yaml is what the generator writes from
// hypha.yaml.tmpl and the compose files today.
func TestTemplateIsCurrent(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(outputFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run `cd deploy/ecs && go run .` and commit it", outputFile)
	}
}

// TestTemplateSize: `aws cloudformation deploy --template-file` uploads at
// most 51,200 bytes without --s3-bucket.
func TestTemplateSize(t *testing.T) {
	b, err := os.ReadFile(outputFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 51200 {
		t.Errorf("%s is %d bytes; CloudFormation takes at most 51,200 without an S3 bucket", outputFile, len(b))
	}
}
