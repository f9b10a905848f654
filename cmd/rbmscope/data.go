package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/internal/badinput"
)

var dataCmd = &cobra.Command{
	Use:   "data",
	Short: "Work with the MNIST files embedded in the binary",
	Long: `MNIST is embedded in the rbmscope binary: the four original gzip IDX files of LeCun,
Cortes and Burges (11.6 MB), so --data mnist needs no download, no Go toolchain and no
module cache, and a binary copied to cluster nodes trains on MNIST as it is.

  rbmscope data export --out DIR   writes the four files into DIR
                                   (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
                                   t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz),
                                   each atomically, for other tools or a shared directory.

DIR then works as --data DIR, or as RBMSCOPE_MNIST=DIR, which replaces the embedded copy
wherever "mnist" is asked for.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error { return badinput.Errorf("data needs a subcommand: export") },
}

var dataExportFlags struct{ out string }

var dataExportCmd = &cobra.Command{
	Use:   "export",
	Short: "Write the embedded MNIST IDX files (gzip, as published) into a directory",
	Long: `Write the four MNIST IDX files embedded in the binary into --out (created if needed), each
atomically (a temporary file renamed into place), gzip-compressed exactly as published.
Files already there with the same bytes are left alone. Prints the paths written.`,
	Example: `  rbmscope data export --out /shared/mnist
  RBMSCOPE_MNIST=/shared/mnist rbmscope train --data mnist ...`,
	Args: cobra.NoArgs,
	RunE: runDataExport,
}

func init() {
	dataExportCmd.Flags().StringVar(&dataExportFlags.out, "out", "", "directory to write the IDX files into (required)")
	dataCmd.AddCommand(dataExportCmd)
	rootCmd.AddCommand(dataCmd)
}

func runDataExport(cmd *cobra.Command, _ []string) error {
	out := dataExportFlags.out
	if out == "" {
		return badinput.Errorf("--out is required (a directory for the MNIST files)")
	}
	if st, err := os.Stat(out); err == nil && !st.IsDir() {
		return badinput.Errorf("--out %s is a file, not a directory", out)
	}
	paths, err := dataset.ExportMNIST(out)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(cmd.OutOrStdout(), p)
	}
	return nil
}
