package intlist

import (
	"slices"
	"testing"

	"github.com/rbmscope/rbmscope/internal/badinput"
)

func TestParse(t *testing.T) {
	if got, err := Parse("hidden", " 500, 784,,", 2); err != nil || !slices.Equal(got, []int{500, 784}) {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := Parse("modes", "1,x", 1); !badinput.Is(err) {
		t.Errorf("bad item: %v", err)
	}
	if _, err := Parse("kurt-sizes", "1", 2); err == nil {
		t.Error("an item below lo was accepted")
	}
}
