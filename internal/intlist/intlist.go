// Package intlist parses the comma-separated integer lists of flags such
// as --hidden 500,784 or --modes 1,2,3.
package intlist

import (
	"strconv"
	"strings"

	"github.com/rbmscope/rbmscope/internal/badinput"
)

// Parse parses "1,2,3" into integers ≥ lo (empty items are skipped); a bad
// item is bad input naming --flag.
func Parse(flag, s string, lo int) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(part)
		if err != nil || v < lo {
			return nil, badinput.Errorf("--%s: %q is not an integer ≥ %d (use a comma-separated list like 1,2,3)", flag, part, lo)
		}
		out = append(out, v)
	}
	return out, nil
}
