// Package jsonsafe turns Go values into JSON that encoding/json accepts
// even when they hold NaN or ±Inf floats (which it rejects): those become
// null. Results in rbmscope use NaN for "not measured".
package jsonsafe

import (
	"encoding/json"
	"fmt"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Value returns v as plain maps, slices and scalars, honouring json tags,
// with every NaN or ±Inf float replaced by nil.
func Value(v any) any { return scrub(reflect.ValueOf(v)) }

// NaNless marshals V with every NaN or ±Inf float replaced by null.
type NaNless struct{ V any }

// MarshalJSON implements json.Marshaler.
func (n NaNless) MarshalJSON() ([]byte, error) { return json.Marshal(Value(n.V)) }

// scrub converts v into plain maps/slices honouring json tags, with NaN and
// ±Inf floats replaced by nil (encoding/json rejects them).
func scrub(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Kind() != reflect.Pointer && v.CanInterface() {
		if m, ok := v.Interface().(json.Marshaler); ok {
			if b, err := m.MarshalJSON(); err == nil {
				var out any
				if json.Unmarshal(b, &out) == nil {
					return out
				}
			}
		}
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return f
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return scrub(v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = scrub(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[fmt.Sprint(k.Interface())] = scrub(v.MapIndex(k))
		}
		return out
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t
		}
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, omit := f.Name, false
			if tag := f.Tag.Get("json"); tag != "" {
				parts := strings.Split(tag, ",")
				if parts[0] == "-" {
					continue
				}
				if parts[0] != "" {
					name = parts[0]
				}
				for _, p := range parts[1:] {
					omit = omit || p == "omitempty" || p == "omitzero"
				}
			}
			fv := v.Field(i)
			if omit && fv.IsZero() {
				continue
			}
			out[name] = scrub(fv)
		}
		return out
	}
	return v.Interface()
}

// WriteFile is the one JSON file writer of rbmscope: it writes v to path
// atomically (creating its directory) with NaN and ±Inf as null, indented
// by indent ("" = one line), ending in a newline.
func WriteFile(path string, v any, indent string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var b []byte
	var err error
	if indent == "" {
		b, err = json.Marshal(Value(v))
	} else {
		b, err = json.MarshalIndent(Value(v), "", indent)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}
