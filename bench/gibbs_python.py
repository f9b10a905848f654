"""Block-Gibbs sweep timings of plain NumPy and PyTorch loops, for
bench/gibbs.sh.

usage: python3 gibbs_python.py numpy|torch MODEL.npz [K]
MODEL.npz holds W (N x M), a (N), b (M) and v0 (R x N starting states), as
written by `go run ./bench/gibbssweep -save MODEL.npz`. Runs one untimed
warm-up sweep, then K (default 100) sweeps v -> h -> v of all R chains in
float32, sampling both layers, and prints "<name> <seconds> <sweeps/s>".
"""
import sys, time
import numpy as np


def load(path):
    z = np.load(path)
    return [np.ascontiguousarray(z[k], dtype=np.float32) for k in ("W", "a", "b", "v0")]


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_sweeps(W, a, b, v0, k):
    rng = np.random.default_rng(0)

    def sweep(v):
        ph = sig(v @ W + b)
        h = (rng.random(ph.shape, dtype=np.float32) < ph).astype(np.float32)
        pv = sig(h @ W.T + a)
        return (rng.random(pv.shape, dtype=np.float32) < pv).astype(np.float32), h

    sweep(v0)
    v = v0
    t = time.perf_counter()
    for _ in range(k):
        v, h = sweep(v)
    return time.perf_counter() - t, v, h


def torch_sweeps(W, a, b, v0, k, threads):
    import torch
    torch.set_num_threads(threads)
    W, a, b, v0 = (torch.from_numpy(x) for x in (W, a, b, v0))
    g = torch.Generator().manual_seed(0)

    def sweep(v):
        h = torch.bernoulli(torch.sigmoid(v @ W + b), generator=g)
        return torch.bernoulli(torch.sigmoid(h @ W.T + a), generator=g), h

    with torch.no_grad():
        sweep(v0)
        v = v0
        t = time.perf_counter()
        for _ in range(k):
            v, h = sweep(v)
        el = time.perf_counter() - t
    return el, v.numpy(), h.numpy()


def main():
    which, path = sys.argv[1], sys.argv[2]
    k = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    W, a, b, v0 = load(path)
    if which == "numpy":
        el, v, h = numpy_sweeps(W, a, b, v0, k)
        extra = ""
    elif which == "torch":
        # the faster thread setting, as bench/cd1_python.py
        el, v, h, th = min((torch_sweeps(W, a, b, v0, k, th) + (th,) for th in (1, 2)), key=lambda r: r[0])
        extra = " threads=%d" % th
    else:
        sys.exit("usage: gibbs_python.py numpy|torch MODEL.npz [K]")
    print("%s %.4f %.1f%s" % (which, el, k / el, extra))
    print("%s: %d chains of %dx%d, %d sweeps; last states: %.1f %% visible ones, %.1f %% hidden ones"
          % (which, v0.shape[0], W.shape[0], W.shape[1], k, 100 * v.mean(), 100 * h.mean()), file=sys.stderr)


if __name__ == "__main__":
    main()
