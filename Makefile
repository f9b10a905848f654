# rbmscope — the commands that matter:
#   make reproduce  the whole paper, quick preset (Figs. 1–8, report.html, 23 claims):
#                   5 min 3 s on a quiet 2-vCPU AMD EPYC Zen 5 (AVX-512): runs/paper (docs/reproduce.md)
#   make test       installs what the tests need and runs the whole suite
#   make demo       a 15-second smoke run: a small RBM on the embedded MNIST,
#                   with metrics, checkpoints and a sample grid in runs/demo
#   make bench      bench/cd1.sh: rbmscope vs scikit-learn, PyTorch and NumPy
#   make best500    scripts/best500.sh: rbmscope's best 784×500 MNIST RBM and its
#                   log-likelihood bracket in runs/best500/ll.json (docs/likelihood.md)
GO      ?= go
TAGS    ?= openblas
BIN     := bin/rbmscope
DEMO    ?= runs/demo

.PHONY: setup build demo test bench clean reproduce best500

setup:
	./scripts/setup.sh

build: setup
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/rbmscope

demo: build
	$(BIN) train --hidden 100 --method pcd --k 5 --epochs 5 --eval-subset 500 --out $(DEMO) --force
	$(BIN) sample --model $(DEMO)/checkpoints/epoch-0005.npz --chains 100 --steps 1000 --out $(DEMO)/samples.png
	@echo "demo: metrics in $(DEMO)/metrics.csv, checkpoints in $(DEMO)/checkpoints, samples in $(DEMO)/samples.png"

test: setup
	./scripts/test.sh

reproduce: build
	$(BIN) reproduce --preset quick --out runs/paper

bench: build
	./bench/cd1.sh

best500: build
	BIN=$(BIN) ./scripts/best500.sh

clean:
	rm -rf bin runs/demo
