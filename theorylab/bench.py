"""``theorylab bench NAME``: performance measured side by side in one run.

Each benchmark is a function ``run(full: bool) -> str`` in its engine's package,
returning the table it measured; ``full`` adds the large sizes.  Ratios are
measured in one process, one after the other, so that they compare like with
like on whatever machine runs them.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

import numpy as np

#: Benchmark name -> "module:function".
BENCHES = {
    "budgets": "theorylab.budgets.bench:run",
    "dynamics": "theorylab.bench:dynamics",
}


def dynamics(full: bool) -> str:
    """The Fokker-Planck tables followed by the ODE batch throughput."""
    from theorylab.fokker_planck.bench import run as fokker_planck

    return fokker_planck(full) + "\n" + ode_batch_throughput(full) + "\n"


def ode_batch_throughput(full: bool) -> str:
    r"""Trajectories per second of the coupled (x, \lambda) flow: batched RK4 against solve_ivp one by one.

    The system is the replicator form with the advantage score on the
    quadratic :math:`f = \tfrac12 x^\top A x` (d = 4) with K = 3 scaled bases,
    integrated to t = 5.  The batch uses fixed-step RK4 (400 steps); the
    reference integrates each trajectory with ``solve_ivp`` (DOP853, rtol
    1e-10).  The last column is the largest difference of the final points.
    """
    from theorylab.flows import CoupledFlow, integrate_batch, integrate_flow, scaled_bases
    from theorylab.problems import quadratic

    rng = np.random.default_rng(0)
    d, k = 4, 3
    problem = quadratic(np.diag([0.5, 1.0, 2.0, 4.0]), np.zeros(d))
    flow = CoupledFlow(problem, scaled_bases([0.3, 1.0, 2.0], d), weight_dynamics="rep", score="adv", theta=1.0)
    n_reference = 20 if not full else 100
    rows = ["ODE batch throughput (coupled flow, replicator/advantage, d=4, K=3, t in [0, 5])",
            f"{'batch':>8} {'RK4 batch s':>12} {'traj/s':>10} {'solve_ivp traj/s':>17} {'speed-up':>9} "
            f"{'max |diff|':>11}"]
    for n in (10, 1000, 10000) if not full else (10, 1000, 10000, 100000):
        x0 = rng.uniform(-2, 2, (n, d))
        lam0 = rng.dirichlet(np.ones(k), n)
        start = time.perf_counter()
        batch = integrate_batch(flow, x0, lam0, 5.0, 400, record_every=400)
        batch_s = time.perf_counter() - start
        m = min(n, n_reference)
        start = time.perf_counter()
        finals = [integrate_flow(flow, x0[i], lam0[i], 5.0, n_dense=2).x[-1] for i in range(m)]
        ref_rate = m / (time.perf_counter() - start)
        diff = float(np.max(np.abs(np.array(finals) - batch.x[-1, :m])))
        rows.append(f"{n:>8} {batch_s:>12.4f} {n / batch_s:>10.0f} {ref_rate:>17.1f} "
                    f"{n / batch_s / ref_rate:>9.0f} {diff:>11.2e}")
    return "\n".join(rows)


def get_bench(name: str) -> Callable[[bool], str]:
    """The benchmark function registered as ``name``."""
    if name not in BENCHES:
        raise ValueError(f"unknown benchmark {name!r}; available: {', '.join(sorted(BENCHES))}")
    module, func = BENCHES[name].split(":")
    return getattr(importlib.import_module(module), func)
