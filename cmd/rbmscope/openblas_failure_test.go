//go:build openblas

package main

// Under -tags openblas the failure tests build and run the OpenBLAS binary.
func init() { failureBuildTags = "openblas" }
