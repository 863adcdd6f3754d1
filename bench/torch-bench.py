"""The PyTorch column of `npm run bench`: times one benchmark case in PyTorch on the CPU, the same
shapes and thread count as our rows, and prints the timings as one JSON line. Dev-time only;
`src/cli/bench-engines.ts` runs it once per case when `/usr/bin/python3` (or $RESSHIFT_PYTHON) has
`torch`, and skips the column with a note otherwise. On Debian: python3-torch, python3-scipy and
python3-pywt (the golden generator's imports), and libopenblas0-pthread: without it Debian's
torch multiplies matrices with the reference BLAS, about 50 times slower (matmul-1024: 434 ms
instead of 7.6 ms), which would flatter us.

    /usr/bin/python3 bench/torch-bench.py CASE THREADS ITERATIONS

The model is the reference module tree of the golden generator (`golden_lib.DualDomainUNet`,
width 64, 31 input channels), found next to this repository under shared/golden/torch/gen.
Weights and inputs are random: the benchmark times the work, not the values.
"""
import json
import os
import statistics
import sys
import time

# The thread count must reach the BLAS before it loads: OpenBLAS sizes its own pool from the
# environment and ignores torch.set_num_threads.
if __name__ == "__main__" and len(sys.argv) > 2:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = sys.argv[2]

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
for gen in (os.path.join(HERE, "..", "..", "shared", "golden", "torch", "gen"), "/work/shared/golden/torch/gen"):
    if os.path.isdir(gen):
        sys.path.insert(0, gen)
        break


def unet(width=64):
    from golden_lib import DualDomainUNet  # noqa: E402  (found through the path above)
    torch.manual_seed(0)
    return DualDomainUNet(in_channels=31, base_channels=width, time_dim=128)


def rand(*shape):
    return torch.rand(*shape) * 2 - 1


def train_step(batch, size):
    from golden_lib import augment_y0, multiscale_loss
    model = unet().train()
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=1e-4)
    xt, y0, x0 = rand(batch, 3, size, size), rand(batch, 3, size, size), rand(batch, 3, size, size)
    t = torch.tensor([float((i * 5) % 15) for i in range(batch)])

    def run():
        with torch.no_grad():
            y0_aug = augment_y0(y0)
        out = model(xt, y0_aug, t)
        loss = multiscale_loss(y0 + out, x0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=False)
    return run


def forward(size):
    model = unet().eval()
    xt, y0_aug, t = rand(1, 3, size, size), rand(1, 28, size, size), torch.tensor([7.0])

    def run():
        with torch.no_grad():
            model(xt, y0_aug, t)
    return run


def sample(size, width=64, steps=15, kappa=2.0):
    """ResShift's reverse process as our sampler runs it: the prior, then per step the network,
    the clamped prediction and the posterior mean plus noise (none at the last step)."""
    from golden_lib import augment_y0, make_eta_schedule
    model = unet(width).eval()
    eta = torch.from_numpy(make_eta_schedule(steps, 0.3, 0.008))
    y0 = rand(1, 3, size, size)

    def run():
        with torch.no_grad():
            y0_aug = augment_y0(y0)
            x = y0 + kappa * torch.sqrt(eta[steps]) * torch.randn_like(y0)
            for t in range(steps, 0, -1):
                pred = (y0 + model(x, y0_aug, torch.tensor([float(t)]))).clamp(-1, 1)
                et, et1 = eta[t], eta[t - 1]
                at = et - et1
                mean = (et1 / et) * x + (at / et) * (1 - et1) * pred + (at * et1 / et) * y0
                x = mean if t == 1 else mean + kappa * torch.sqrt(et1 / et * at) * torch.randn_like(y0)
    return run


def matmul(n):
    a, b = rand(n, n), rand(n, n)
    return lambda: torch.matmul(a, b)


def conv(fwd_only):
    x, w, g = rand(8, 64, 64, 64), rand(64, 64, 3, 3), rand(8, 64, 64, 64)
    if fwd_only:
        def run():
            with torch.no_grad():
                F.conv2d(x, w, padding=1)
        return run
    xg, wg = x.clone().requires_grad_(True), w.clone().requires_grad_(True)

    def run():
        xg.grad = None
        wg.grad = None
        F.conv2d(xg, wg, padding=1).backward(g)
    return run


CASES = {
    "matmul-1024": lambda: matmul(1024),
    "conv3x3-64-fwd": lambda: conv(True),
    "conv3x3-64-fwdbwd": lambda: conv(False),
    "unet-train-b4-64": lambda: train_step(4, 64),
    "unet-train-b8-128": lambda: train_step(8, 128),
    "unet-train-b8-256": lambda: train_step(8, 256),
    "unet-fwd-256": lambda: forward(256),
    "unet-sample-256": lambda: sample(256),
    "unet-sample-256-w32": lambda: sample(256, 32),
}


def blas_library():
    """The BLAS this process loaded (Debian picks it through update-alternatives)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return sorted(os.path.realpath(p) for p in libs)
    except OSError:
        return []


def main():
    name, threads, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if name not in CASES:
        print(json.dumps({"skip": "no PyTorch version of this case"}))
        return
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(0)
    run = CASES[name]()
    run()  # warm-up: allocator, oneDNN primitive caches
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({
        "blas": blas_library(),
        "medianMs": statistics.median(times), "minMs": min(times), "maxMs": max(times), "runs": len(times),
        "threads": torch.get_num_threads(), "version": torch.__version__,
    }))


if __name__ == "__main__":
    main()
