package atomicfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// RemoveStale leaves the temporary of a live writer (here this process)
// and removes one whose writer is gone.
func ExampleRemoveStale() {
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	mine := filepath.Join(dir, atomicfile.TempPrefix("metrics.csv")+"1")
	old := filepath.Join(dir, ".metrics.csv.tmp-42") // no writer named: an older version's
	os.WriteFile(mine, nil, 0o644)
	os.WriteFile(old, nil, 0o644)
	for _, p := range atomicfile.RemoveStale(dir) {
		fmt.Println(filepath.Base(p))
	}
	// Output: .metrics.csv.tmp-42
}
