#!/usr/bin/env bash
# The race detector over every package that starts goroutines (parallel
# kernels, AIS chains, the data loader, run-directory locks, the sweep's local pool) and the
# packages built on them, with the pure-Go backend and (when libopenblas
# is installed; RACE_OPENBLAS=no skips it) with OpenBLAS. -short skips the
# slow integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

pkgs=(./tensor ./rbm ./dataset ./rundir ./train ./partition ./reciprocal ./dynamics ./symmetry ./sweep)
# TestKurtosisCurve is single-threaded SVD work (4 s plain, 40 s under the
# race detector); the goroutines it calls (GaussianMatrix) are raced by the
# Marchenko–Pastur tests.
# In dynamics the long single-threaded spectra and the large Langevin and
# closure-regime runs would add minutes; their parallel paths are raced by
# TestLangevinWalls, TestEmpiricalPotentialGaussian and TestRelaxExactSmallRBM.
# In partition the statistical checks against exact log Z (hundreds of
# independent AIS runs, long PT runs) take two thirds of its time under the
# race detector; the goroutines they run (the kernels, PT's parallel rung
# groups, resampling) are raced by the small AIS, PT and trajectory-AIS
# tests (TestAISDeterministicAndCancellable, TestAISResampling,
# TestTrajectoryLadder, TestFixedLadderTrajectory, TestPlantedPath,
# TestTrajectoryAISInputAndDeterminism, TestPilotSchedule).
skip='^(TestKurtosisCurve|TestFPSchrodingerDoubleWell|TestFPHarmonic|TestFP2DClosureMode|TestLangevinClosureMode|TestRelaxClosureRegime|ExampleRunLangevin'
# TestMNISTOneEpoch (train) decodes all of MNIST and trains an epoch: 83 s
# under the detector; the loader's goroutines are raced in dataset and
# training's by the small train tests.
skip+='|TestMNISTOneEpoch|ExampleTrajectory|TestPlantedModes|TestGenealogyVarianceMatchesSpread|TestTrajectorySmallExact|TestReverseAISUnbiased|TestAISAndReverseAISMatchExact|TestTrajectoryAISUnbiased|TestTrajectoryAISExact)$'
echo "== go test -race -short -count=1 -skip '$skip' ${pkgs[*]}" >&2
start=$SECONDS
go test -race -short -count=1 -timeout 10m -skip "$skip" "${pkgs[@]}"

# The OpenBLAS build has its own goroutine-parallel C kernels.
if [[ "${RACE_OPENBLAS:-auto}" != no ]] && ldconfig -p 2>/dev/null | grep libopenblas >/dev/null; then
  obl=(./tensor ./rbm ./train ./partition)
  echo "== go test -race -short -count=1 -skip '$skip' -tags openblas ${obl[*]}" >&2
  go test -race -short -count=1 -timeout 10m -skip "$skip" -tags openblas "${obl[@]}"
fi
echo "== race: ok ($((SECONDS - start)) s)" >&2
