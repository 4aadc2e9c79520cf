// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package correlation holds the benchmarks that compare hypha_correlation
// with the transform processor (OTTL) doing the same job, and the processor
// on the agent pipeline benchmark's lines. They live in the bench module so
// that the processor's own module does not depend on transform.
package correlation
