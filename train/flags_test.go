package train

import (
	"testing"

	"github.com/spf13/pflag"
)

// TestConfigFlags: the flags default to DefaultConfig; on a stored
// configuration only the flags given are applied.
func TestConfigFlags(t *testing.T) {
	f := pflag.NewFlagSet("train", pflag.ContinueOnError)
	config := ConfigFlags(f)
	if err := f.Parse([]string{"--epochs", "7", "--lr", "0.0125"}); err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	if c := config(nil); c.Epochs != 7 || c.LR != 0.0125 || c.Hidden != def.Hidden || c.Method != def.Method {
		t.Errorf("fresh config %+v", c)
	}
	stored := def
	stored.Hidden, stored.Method, stored.Seed = 33, "cd", 5
	c := config(&stored)
	if c.Epochs != 7 || c.LR != 0.0125 || c.Hidden != 33 || c.Method != "cd" || c.Seed != 5 {
		t.Errorf("resumed config %+v", c)
	}
	if stored.Epochs == 7 {
		t.Error("the stored configuration was changed in place")
	}
}
