"""Run many claims through a :class:`concurrent.futures.Executor`.

Each claim runs in a worker process (a :class:`~concurrent.futures.ProcessPoolExecutor`
by default; any executor with the same interface, such as dask's
``Client.get_executor()``, drops in).  Results are appended to
``<out>/results.jsonl`` the moment they finish, so an interrupted run loses no
finished result, and ``resume=True`` skips every claim already finished with
the same seed and budget.

A check that raises or runs past its time limit is ``inconclusive`` (see
:func:`theorylab.claims.run_claim`); a worker process that dies is replaced and
the claims it took down are rerun one at a time, so that only the one that
crashes is reported as such.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from theorylab.claims import BUDGETS, CheckResult, load_claims, run_claim

RESULTS_LOG = "results.jsonl"

Progress = Callable[[CheckResult, int, int], None]


def run_one(claim_id: str, seed: int, budget: str, out_dir: str | None,
            modules: Sequence[str] = (), time_limit: float | None = None) -> dict[str, Any]:
    """Worker entry point: import the claims, run one, return its JSON form."""
    registry = load_claims(modules)
    return run_claim(registry[claim_id], seed=seed, budget=budget, out_dir=out_dir,
                     time_limit=time_limit).to_json()


def read_log(out_dir: str | Path) -> list[dict[str, Any]]:
    """The results recorded in ``out_dir/results.jsonl`` (a torn last line is ignored)."""
    path = Path(out_dir) / RESULTS_LOG
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def run_claims(
    ids: Iterable[str],
    *,
    seed: int = 0,
    budget: str = "quick",
    workers: int | None = None,
    out_dir: str | Path = "report",
    resume: bool = False,
    modules: Sequence[str] = (),
    time_limit: float | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> list[CheckResult]:
    """Run the claims ``ids`` and return their results, sorted by ID.

    Parameters
    ----------
    ids : iterable of str
        Registered claim IDs (see :func:`theorylab.claims.load_claims`).
    seed, budget
        Passed to every claim.
    workers : int, optional
        Worker processes of the default executor (default: the CPU count).
    out_dir : path
        Where ``results.jsonl`` and figures go.
    resume : bool
        Keep results already in ``results.jsonl`` with the same seed and budget
        and run only the others; otherwise the log starts afresh.
    modules : sequence of str
        Extra modules registering claims, imported in every worker.
    time_limit : float, optional
        Seconds per claim, overriding the claims' and tiers' defaults.
    executor : Executor, optional
        Use this executor instead of a local process pool (it is not shut down).
    progress : callable, optional
        Called as ``progress(result, done, total)`` after each claim.
    """
    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}; got {budget!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1; got {workers}")
    registry = load_claims(modules)
    ids = sorted(dict.fromkeys(ids))
    unknown = [i for i in ids if i not in registry]
    if unknown:
        raise ValueError(f"unknown claim IDs: {', '.join(unknown)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    log = out / RESULTS_LOG

    done: dict[str, CheckResult] = {}
    if resume:
        for row in read_log(out):
            if row.get("id") in ids and row.get("seed") == seed and row.get("budget") == budget:
                done[row["id"]] = CheckResult(**row)
    else:
        log.write_text("")
    todo = [i for i in ids if i not in done]
    total = len(ids)

    def finish(row: dict[str, Any]) -> None:
        result = CheckResult(**row)
        done[result.id] = result
        with log.open("a") as fh:
            fh.write(json.dumps(row, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if progress is not None:
            progress(result, len(done), total)

    if progress is not None:
        for k, result in enumerate(done.values(), 1):
            progress(result, k, total)
    def fail(claim_id: str, message: str) -> None:
        c = registry[claim_id]
        finish(CheckResult(
            id=claim_id, paper=c.paper, title=c.title, kind=c.kind, source=c.source,
            statement=c.statement, seed=seed, budget=budget, verdict="inconclusive", message=message,
        ).to_json())

    args = (seed, budget, str(out), tuple(modules), time_limit)
    if executor is not None:
        for claim_id in _drain(executor, todo, args, finish, fail):
            fail(claim_id, "worker process died while running this check")
    else:
        n = workers or os.cpu_count() or 1
        crashed = _run_in_pool(todo, args, finish, fail, n)
        for claim_id in crashed:  # isolate: rerun each alone in a fresh process
            if _run_in_pool([claim_id], args, finish, fail, 1):
                fail(claim_id, "worker process died while running this check")
    return [done[i] for i in ids]


def _run_in_pool(ids: list[str], args: tuple, finish: Callable[[dict], None],
                 fail: Callable[[str, str], None], workers: int) -> list[str]:
    """Run ``ids`` in a fresh process pool; return the IDs lost to a dead worker."""
    if not ids:
        return []
    with ProcessPoolExecutor(max_workers=min(workers, len(ids))) as pool:
        return _drain(pool, ids, args, finish, fail)


def _drain(executor: Executor, ids: list[str], args: tuple, finish: Callable[[dict], None],
           fail: Callable[[str, str], None]) -> list[str]:
    """Submit ``ids``, record each result as it finishes; return the IDs lost to a dead worker."""
    futures: dict[Future, str] = {executor.submit(run_one, i, *args): i for i in ids}
    lost: list[str] = []
    try:
        for fut in as_completed(futures):
            try:
                row = fut.result()
            except BrokenProcessPool:
                lost.append(futures[fut])
                continue
            except Exception as exc:  # the executor itself failed this task
                fail(futures[fut], f"executor error: {type(exc).__name__}: {exc}")
                continue
            finish(row)
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    return sorted(lost)
