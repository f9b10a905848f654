package jsonsafe

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNaNBecomesNull(t *testing.T) {
	type inner struct {
		X    float64 `json:"x"`
		Skip int     `json:"-"`
		Opt  string  `json:"opt,omitempty"`
	}
	v := struct {
		A  float64
		B  []float64 `json:"b"`
		In *inner    `json:"in"`
		M  map[int]float64
	}{math.NaN(), []float64{1, math.Inf(1)}, &inner{X: math.Inf(-1), Skip: 3}, map[int]float64{2: 0.5}}
	b, err := json.Marshal(NaNless{v})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"A":null,"M":{"2":0.5},"b":[1,null],"in":{"x":null}}`
	if string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
}
