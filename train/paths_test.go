package train

import (
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
)

// Short names for the run-directory paths in this package's tests (the
// layout itself belongs to rundir).
var (
	CheckpointPath = rundir.CheckpointPath
	StatePath      = rundir.StatePath
	Checkpoints    = rundir.Checkpoints
	IsInputError   = badinput.Is
	ReadMetrics    = rundir.ReadMetrics
)
