// Command rbmscope trains restricted Boltzmann machines fast on a CPU,
// measures their log-likelihood honestly and analyses them in reciprocal
// space (the SVD frame of W). Every subcommand is a thin layer over the
// library packages; run "rbmscope help" for the list.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/spf13/cobra"
)

// rootCmd is the top-level command; subcommands register themselves in
// their own files with rootCmd.AddCommand in an init function.
var rootCmd = &cobra.Command{
	Use:   "rbmscope",
	Short: "Train RBMs fast and study them in reciprocal space",
	Long: `rbmscope trains Bernoulli RBMs on MNIST (or any 0/1 data) with CD-k, PCD-k or Rdm-k,
estimates their log-likelihood with exact enumeration, AIS and reverse AIS, and analyses
them in the SVD frame of W as in Toledo-Marin et al., "Exploring the Energy Landscape of RBMs".

Exit status: 0 done, 1 failed while running, 2 bad usage or input, 3 the run directory is
held by another live process (its lock.json names it; see docs/failure-modes.md).`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	rootCmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badinput.Wrap(err) })
	if err := tensor.CheckSIMDRequest(); err != nil {
		fmt.Fprintln(os.Stderr, "rbmscope: "+err.Error())
		os.Exit(2)
	}
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "rbmscope: "+err.Error())
		os.Exit(exitStatus(err))
	}
}

// exitStatus is the one place where errors become exit statuses: bad input
// (internal/badinput, from any package, and cobra's own usage errors) is
// 2, a run directory held by another live process (rundir.BusyError) 3,
// anything else 1.
func exitStatus(err error) int {
	var busy *rundir.BusyError
	switch {
	case badinput.Is(err) || isCobraUsage(err):
		return 2
	case errors.As(err, &busy):
		return 3
	}
	return 1
}

// isCobraUsage recognises cobra's own argument errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
