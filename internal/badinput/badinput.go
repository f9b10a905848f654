// Package badinput is the one "bad input" error of rbmscope: a failure
// caused by what the user gave (flags, settings, specs, plans, data files,
// run directories) rather than by the computation. Every package marks
// such errors with Wrap or Errorf; cmd/rbmscope maps them to exit status 2
// in one place (main.go).
package badinput

import (
	"errors"
	"fmt"
)

// Error marks Err as bad input.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap marks err as bad input (nil stays nil).
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return &Error{err}
}

// Errorf formats a bad-input error (%w works as in fmt.Errorf).
func Errorf(format string, args ...any) error {
	return &Error{fmt.Errorf(format, args...)}
}

// Is reports whether err is (or wraps) bad input.
func Is(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
