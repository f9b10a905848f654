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
them in the SVD frame of W as in Toledo-Marin et al., "Exploring the Energy Landscape of RBMs".`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

// usageError marks bad usage or bad input: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// badInput wraps err (or a formatted message) as a usage error (exit 2).
func badInput(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// asBadInput marks an existing error as bad input.
func asBadInput(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

func main() {
	rootCmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	if err := tensor.CheckSIMDRequest(); err != nil {
		fmt.Fprintln(os.Stderr, "rbmscope: "+err.Error())
		os.Exit(2)
	}
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "rbmscope: "+err.Error())
		var ue usageError
		if errors.As(err, &ue) || isCobraUsage(err) {
			os.Exit(2)
		}
		os.Exit(1)
	}
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
