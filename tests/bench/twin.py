"""Runs one benchmark case on PyTorch and prints one JSON line (the C# benchmark starts it).

  /usr/bin/python3 tests/bench/twin.py --case mlp-ae --threads 2 [--quick]
  /usr/bin/python3 tests/bench/twin.py --sgemm --threads 2

The measurements mirror tests/AeLab.Bench/CaseRunner.cs: warm-up steps, then the median of timed
training steps (zero_grad, loss, backward, optimizer step), inference (encode + decode, no_grad,
eval mode) in images/s, resident memory after warm-up and after every step, and the peak (VmHWM).
"""
import argparse
import json
import statistics
import sys
import time

import torch

import models


def rss_mib(field="VmRSS"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def build(case):
    """(model, optimizer, batch, input maker) for a case name; the same table as Cases.cs."""
    if case == "mlp-ae":
        m = models.MlpAutoencoder()
        return m, torch.optim.Adam(m.parameters(), 1e-3), 512, lambda b: torch.rand(b, 1, 28, 28)
    if case == "mlp-vae":
        m = models.MlpVae()
        return m, torch.optim.Adam(m.parameters(), 1e-3), 128, lambda b: torch.rand(b, 1, 28, 28)
    if case == "res-ae-64":
        m = models.ResidualConvAutoencoder()
        return m, torch.optim.Adam(m.parameters(), 2e-4), 64, lambda b: torch.rand(b, 3, 64, 64)
    if case.startswith("conv-vae-"):
        size = int(case.rsplit("-", 1)[1])
        m = models.ConvVae()
        opt = torch.optim.AdamW(m.parameters(), 1e-3, weight_decay=1e-4)
        return m, opt, 8, lambda b: torch.rand(b, 3, size, size) * 2 - 1
    raise SystemExit(f"twin.py: unknown case '{case}'")


def step_count(first_seconds, budget, lo, hi):
    """As many timed steps as fit in the budget (seconds), at least lo, at most hi."""
    return max(lo, min(hi, int(budget / max(first_seconds, 1e-6))))


def run_case(args):
    torch.manual_seed(0)
    model, opt, batch, make = build(args.case)
    x = make(batch)
    model.train()

    def step():
        opt.zero_grad()
        loss, _ = model.loss(x)
        loss.backward()
        opt.step()

    times = []
    for _ in range(args.warmup):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
        if times[-1] > args.budget / 4:
            break  # a step this long is dominated by arithmetic, not by first-call costs
    rss_after_warmup = rss_mib()
    # Very slow steps (generic BLAS on conv models takes tens of seconds) are timed once, to keep the run short.
    lo = args.min_steps if times[-1] * args.min_steps <= 3 * args.budget else 1
    n = step_count(times[-1], args.budget, lo, args.max_steps)
    steps = []
    for _ in range(n):
        t = time.perf_counter(); step(); steps.append(time.perf_counter() - t)
    # More steps for the memory trend, within the same kind of budget.
    extra = step_count(statistics.median(steps), args.budget, 0, args.growth_steps - n) if args.growth_steps > n else 0
    for _ in range(extra):
        step()
    rss_end = rss_mib()

    model.eval()
    infer = []
    with torch.no_grad():
        for i in range(args.warmup + max(3, n)):
            t = time.perf_counter(); model.decode(model.encode(x)); dt = time.perf_counter() - t
            if i >= args.warmup:
                infer.append(dt)
    return {
        "case": args.case, "batch": batch, "threads": torch.get_num_threads(),
        "step_ms": 1000 * statistics.median(steps), "steps": n, "warmup": len(times),
        "step_ms_all": [1000 * s for s in steps],
        "infer_images_per_s": batch / statistics.median(infer),
        "rss_after_warmup_mib": rss_after_warmup, "rss_end_mib": rss_end,
        "rss_growth": rss_end / rss_after_warmup, "growth_steps": n + extra,
        "peak_rss_mib": rss_mib("VmHWM"),
    }


def sgemm(args):
    n = 1024
    a, b = torch.rand(n, n), torch.rand(n, n)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(args.reps))
    return {"sgemm_n": n, "sgemm_gflops": 2 * n ** 3 / best / 1e9, "threads": torch.get_num_threads()}


def _timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case")
    p.add_argument("--sgemm", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--min-steps", type=int, default=3)
    p.add_argument("--max-steps", type=int, default=20)
    p.add_argument("--growth-steps", type=int, default=60)
    p.add_argument("--budget", type=float, default=20.0, help="seconds for the timed steps (and again for the memory trend)")
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    out = sgemm(args) if args.sgemm else run_case(args)
    cfg = torch.__config__.show()
    out["torch_version"] = torch.__version__
    out["blas"] = "MKL" if "USE_MKL=ON" in cfg else ("OpenBLAS" if "OpenBLAS" in cfg else "generic BLAS (no MKL)")
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
