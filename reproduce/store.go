package reproduce

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/jsonsafe"
)

// StepMarker is the content of results/steps/<step>.done.
type StepMarker struct {
	Step     string    `json:"step"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"seconds"`
}

// StepFailure is the content of results/steps/<step>.failed.
type StepFailure struct {
	Step  string    `json:"step"`
	Time  time.Time `json:"time"`
	Error string    `json:"error"`
}

func stepFile(dir, step, ext string) string {
	return filepath.Join(dir, "results", "steps", strings.ReplaceAll(step, "/", "_")+ext)
}

// stepDone reports whether step has a done marker.
func stepDone(dir, step string) bool {
	_, err := os.Stat(stepFile(dir, step, ".done"))
	return err == nil
}

func markDone(dir, step string, secs float64) error {
	os.Remove(stepFile(dir, step, ".failed"))
	return writeJSON(stepFile(dir, step, ".done"), StepMarker{Step: step, Finished: time.Now().UTC(), Seconds: secs})
}

func markFailed(dir, step string, err error) error {
	return writeJSON(stepFile(dir, step, ".failed"), StepFailure{Step: step, Time: time.Now().UTC(), Error: oneLine(err.Error())})
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// writeJSON writes v as indented JSON with NaN and ±Inf as null.
func writeJSON(path string, v any) error { return jsonsafe.WriteFile(path, v, "  ") }

// writeGob stores v (figure inputs, NaNs included) for later redraws.
func writeGob(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return atomicfile.WriteBytes(path, buf.Bytes())
}

func readGob(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w (delete it and its marker in results/steps to recompute)", path, err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, os.ErrNotExist)
}
