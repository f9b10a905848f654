//go:build !openblas

package main

// testBuildTags are the build tags this test binary was compiled with (see
// tags_openblas_test.go): none, so the binary under test is pure Go.
const testBuildTags = ""
