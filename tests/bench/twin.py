"""Runs one benchmark case on PyTorch and prints one JSON line (the C# benchmark starts it).

  /usr/bin/python3 tests/bench/twin.py --case mlp-ae --threads 2 [--quick]
  /usr/bin/python3 tests/bench/twin.py --sgemm --threads 2 [--sgemm-n 2048 --reps 12]
  ONEDNN_VERBOSE=1 /usr/bin/python3 tests/bench/twin.py --case vq-vae-32 --profile 5   (the kernel profile's side)

The measurements mirror tests/AeLab.Bench/CaseRunner.cs: warm-up steps, then the median of timed
training steps (zero_grad, loss, backward, optimizer step), inference (encode + decode, no_grad,
eval mode) in images/s, resident memory after warm-up and after every step, and the peak (VmHWM).
Every output names the BLAS library this PyTorch actually calls (see blas_info) and the model's parameter count.
"""
import argparse
import contextlib
import ctypes
import json
import os
import re
import statistics
import sys
import time

import torch

import models
import vq_models


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
    # The discrete models of VqCases.cs: 32 px, 32 channels, two downsamplings, a 256 x 32 codebook, batch 16.
    if case == "vq-vae-32":
        m = vq_models.VqGanModel()
        return m, torch.optim.Adam(m.parameters(), 2e-4, betas=(0.5, 0.9)), 16, lambda b: torch.rand(b, 3, 32, 32) * 2 - 1
    if case == "vq-gan-32":
        step = vq_models.VqGanStep(vq_models.VqGanModel(), vq_models.PatchDiscriminator())
        return step, None, 16, lambda b: torch.rand(b, 3, 32, 32) * 2 - 1  # the step owns its two optimizers
    if case == "vq-transformer":
        m = vq_models.MaskGitPrior(256, 8, 8)
        return m, torch.optim.Adam(m.parameters(), 3e-4), 64, lambda b: torch.randint(0, 256, (b, 8, 8))
    raise SystemExit(f"twin.py: unknown case '{case}'")


def step_count(first_seconds, budget, lo, hi):
    """As many timed steps as fit in the budget (seconds), at least lo, at most hi."""
    return max(lo, min(hi, int(budget / max(first_seconds, 1e-6))))


def prepare(case, precision="float32"):
    """(model, batch, input, training step) for a case, seeded, in training mode."""
    torch.manual_seed(0)
    model, opt, batch, make = build(case)
    x = make(batch)
    model.train()
    return model, batch, x, train_step(model, opt, x, precision)


def precision_scope(precision):
    """bfloat16: torch.autocast on the CPU, as the library's trainer wraps a step's forward pass; float32: nothing."""
    if precision == "bfloat16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train_step(model, opt, x, precision="float32"):
    def step():
        if opt is None:
            with precision_scope(precision):  # the whole two-optimizer step, as the library's trainer runs it
                model.train_step(x)
            return
        opt.zero_grad(set_to_none=True)  # as the library clears them (and PyTorch 2 does by default)
        with precision_scope(precision):
            loss, _ = model.loss(x)
        loss.backward()
        opt.step()
    return step


def mark(line):
    """A marker line after everything oneDNN has buffered in C stdio (KernelProfile.cs reads between two)."""
    sys.stdout.flush()
    ctypes.CDLL(None).fflush(None)
    print(line, flush=True)


def profile_case(args):
    """--profile N: warm-up, then N steps between the markers; oneDNN's log (ONEDNN_VERBOSE=1) lies between them."""
    model, batch, x, step = prepare(args.case, args.precision)
    for _ in range(args.warmup):
        step()
    mark("AELAB-PROFILE-BEGIN")
    steps = []
    for _ in range(args.profile):
        t = time.perf_counter(); step(); steps.append(time.perf_counter() - t)
    mark("AELAB-PROFILE-END")
    return {"case": args.case, "batch": batch, "threads": torch.get_num_threads(), "step_ms_all": [1000 * s for s in steps]}


def run_case(args):
    model, batch, x, step = prepare(args.case, args.precision)

    infer_once = getattr(model, "infer", None) or (lambda t: model.decode(model.encode(t)))

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
            t = time.perf_counter(); infer_once(x); dt = time.perf_counter() - t
            if i >= args.warmup:
                infer.append(dt)
    return {
        "case": args.case, "batch": batch, "threads": torch.get_num_threads(), "precision": args.precision,
        "parameters": sum(p.numel() for p in model.parameters()),
        "step_ms": 1000 * statistics.median(steps), "steps": n, "warmup": len(times),
        "step_ms_all": [1000 * s for s in steps],
        "infer_images_per_s": batch / statistics.median(infer),
        "rss_after_warmup_mib": rss_after_warmup, "rss_end_mib": rss_end,
        "rss_growth": rss_end / rss_after_warmup, "growth_steps": n + extra,
        "peak_rss_mib": rss_mib("VmHWM"),
    }


def sgemm(args):
    """The same measurement as Peak.cs: best (and median) of several n x n products after two warm-ups."""
    n = args.sgemm_n
    a, b = torch.rand(n, n), torch.rand(n, n)
    for _ in range(2):
        a @ b
    times = [_timed(lambda: a @ b) for _ in range(args.reps)]
    flop = 2 * n ** 3
    # The same product in float64 (off the BLAS kernel being checked): a kernel the CPU runs wrongly shows here.
    exact = (a.double() @ b.double())
    error = ((a @ b).double() - exact).abs().max().item() / exact.abs().max().item()
    return {"sgemm_n": n, "sgemm_reps": args.reps, "sgemm_gflops": flop / min(times) / 1e9,
            "sgemm_median_gflops": flop / statistics.median(times) / 1e9, "threads": torch.get_num_threads(),
            "sgemm_max_relative_error": error}


def _mapped_libraries():
    """Shared libraries mapped into this process (resolved paths, in load order)."""
    seen = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].startswith("/") and ".so" in parts[5]:
                    path = parts[5].strip()
                    if path not in seen:
                        seen.append(path)
    except OSError:
        pass
    return seen


def _openblas(path):
    """OpenBLAS's own description of itself, and its thread count (set to the benchmark's, like torch's threads)."""
    lib = ctypes.CDLL(path)
    lib.openblas_get_config.restype = ctypes.c_char_p
    info = {"config": lib.openblas_get_config().decode(errors="replace").strip()}
    try:
        lib.openblas_get_corename.restype = ctypes.c_char_p
        info["core"] = lib.openblas_get_corename().decode(errors="replace")
    except AttributeError:
        pass
    try:
        lib.openblas_get_parallel.restype = ctypes.c_int
        info["parallel"] = {0: "sequential", 1: "pthread", 2: "OpenMP"}.get(lib.openblas_get_parallel(), "?")
    except AttributeError:
        pass
    lib.openblas_get_num_threads.restype = ctypes.c_int
    return lib, info


def blas_info(threads):
    """Which BLAS this PyTorch calls, from what is loaded (not from how it was built). Debian's python3-torch links the
    libblas.so.3 alternative: reference BLAS, or OpenBLAS once libopenblas0-pthread is installed. torch.__config__
    only says what it was built against (BLAS_INFO=generic there), so the mapped libraries decide."""
    a = torch.rand(64, 64)
    a @ a  # a product, so whatever BLAS backs torch.mm is loaded
    libs = _mapped_libraries()
    cfg = torch.__config__.show()
    built = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
    blas_libs = [p for p in libs if re.search(r"(blas|mkl|blis|atlas)", os.path.basename(p), re.I)]
    out = {"blas_libraries": blas_libs, "torch_blas_info": built.group(1) if built else None,
           "torch_use_mkl": "USE_MKL=ON" in cfg}
    openblas = next((p for p in blas_libs if "openblas" in os.path.basename(p).lower()), None)
    if openblas:
        lib, info = _openblas(openblas)
        try:
            lib.openblas_set_num_threads(ctypes.c_int(threads))
        except AttributeError:
            pass
        info["threads"] = lib.openblas_get_num_threads()
        version = re.search(r"OpenBLAS\s+([0-9.]+)", info["config"])
        extras = [x for x in (info.get("core"), info.get("parallel"), f"{info['threads']} threads") if x]
        out.update(blas=f"OpenBLAS {version.group(1) if version else ''} ({', '.join(extras)})".replace("  ", " "),
                   blas_library=openblas, blas_config=info["config"])
    elif any("mkl" in os.path.basename(p).lower() for p in blas_libs) or out["torch_use_mkl"]:
        out.update(blas="MKL", blas_library=next((p for p in blas_libs if "mkl" in p.lower()), None))
    elif any("blis" in os.path.basename(p).lower() for p in blas_libs):
        out.update(blas="BLIS", blas_library=next(p for p in blas_libs if "blis" in p.lower()))
    elif any("atlas" in p.lower() for p in blas_libs):
        out.update(blas="ATLAS", blas_library=next(p for p in blas_libs if "atlas" in p.lower()))
    elif blas_libs:
        path = next((p for p in blas_libs if os.path.basename(p).startswith("libblas")), blas_libs[0])
        out.update(blas="reference BLAS (netlib)" if "/blas/" in path else os.path.basename(path), blas_library=path)
    else:
        out.update(blas=f"BLAS_INFO={out['torch_blas_info']} (no BLAS library mapped)", blas_library=None)
    return out


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
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--precision", choices=["float32", "bfloat16"], default="float32",
                   help="training steps' precision: bfloat16 runs each step's forward under torch.autocast('cpu')")
    p.add_argument("--sgemm-n", type=int, default=1024)
    p.add_argument("--profile", type=int, default=0, help="profile this many steps between marker lines (KernelProfile.cs)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    blas = blas_info(args.threads)  # before the work: it also sets OpenBLAS's own thread count
    out = sgemm(args) if args.sgemm else profile_case(args) if args.profile else run_case(args)
    out["torch_version"] = torch.__version__
    out.update(blas)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
