//go:build openblas

package main

// testBuildTags are the build tags this test binary was compiled with;
// TestMain builds the rbmscope binary under test with the same ones, so
// the OpenBLAS pass (go test -tags openblas) runs the OpenBLAS binary.
const testBuildTags = "openblas"
