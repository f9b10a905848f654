"""CD-1 epoch timings of other implementations, for bench/cd1.sh.

usage: python3 cd1_python.py sklearn|torch|numpy MNIST_DIR
Prints "<name> <seconds>" for one epoch (784x500, batch 100, 60000 images,
float32, threshold-binarised MNIST), excluding data loading.
"""
import gzip, sys, time, os
import numpy as np

def load(d):
    with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    return (x >= 128).astype(np.float32)

def sig(x):
    return 1.0 / (1.0 + np.exp(-x))

def numpy_epoch(X, rng):
    W = (0.01 * rng.standard_normal((784, 500))).astype(np.float32)
    a = np.zeros(784, np.float32); b = np.zeros(500, np.float32); lr = np.float32(0.01)
    perm = rng.permutation(len(X))
    t = time.perf_counter()
    for i in range(0, len(X) - 99, 100):
        v0 = X[perm[i:i + 100]]
        ph0 = sig(v0 @ W + b)
        h0 = (rng.random(ph0.shape, dtype=np.float32) < ph0).astype(np.float32)
        pv1 = sig(h0 @ W.T + a)
        v1 = (rng.random(pv1.shape, dtype=np.float32) < pv1).astype(np.float32)
        ph1 = sig(v1 @ W + b)
        W += lr * (v0.T @ ph0 - v1.T @ ph1) / 100
        a += lr * (v0 - v1).mean(0); b += lr * (ph0 - ph1).mean(0)
    return time.perf_counter() - t

def torch_epoch(X, threads):
    import torch
    torch.set_num_threads(threads)
    Xt = torch.from_numpy(X)
    g = torch.Generator().manual_seed(0)
    W = 0.01 * torch.randn(784, 500, generator=g); a = torch.zeros(784); b = torch.zeros(500)
    perm = torch.randperm(len(X), generator=g)
    t = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(X) - 99, 100):
            v0 = Xt[perm[i:i + 100]]
            ph0 = torch.sigmoid(v0 @ W + b)
            h0 = torch.bernoulli(ph0, generator=g)
            v1 = torch.bernoulli(torch.sigmoid(h0 @ W.T + a), generator=g)
            ph1 = torch.sigmoid(v1 @ W + b)
            W += 0.01 * (v0.T @ ph0 - v1.T @ ph1) / 100
            a += 0.01 * (v0 - v1).mean(0); b += 0.01 * (ph0 - ph1).mean(0)
    return time.perf_counter() - t

def main():
    which, d = sys.argv[1], sys.argv[2]
    X = load(d)
    rng = np.random.default_rng(0)
    if which == "numpy":
        print("numpy %.4f" % numpy_epoch(X, rng))
    elif which == "torch":
        best = min((torch_epoch(X, th), th) for th in (1, 2))
        print("torch %.4f threads=%d" % best)
    elif which == "sklearn":
        from sklearn.neural_network import BernoulliRBM
        rbm = BernoulliRBM(n_components=500, batch_size=100, n_iter=1, learning_rate=0.01, random_state=0)
        t = time.perf_counter()
        rbm.fit(X)
        print("sklearn %.4f" % (time.perf_counter() - t))

if __name__ == "__main__":
    main()
