package badinput

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

func TestWrapAndIs(t *testing.T) {
	if Wrap(nil) != nil {
		t.Fatal("Wrap(nil) must be nil")
	}
	err := fmt.Errorf("step: %w", Errorf("bad %s: %w", "flag", os.ErrNotExist))
	if !Is(err) {
		t.Fatal("a wrapped bad-input error is not recognised")
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the cause is lost")
	}
	if err.Error() != "step: bad flag: file does not exist" {
		t.Fatalf("message %q", err.Error())
	}
	if Is(errors.New("plain")) {
		t.Fatal("a plain error is bad input")
	}
}
