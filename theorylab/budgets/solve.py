r"""Solve a budget program by a closed form or by cvxpy, and test uniqueness of its maximizer.

:func:`solve` is the single entry point: it validates the moment, runs the requested method, and returns a
:class:`~theorylab.budgets.base.BudgetSolution` whose :class:`~theorylab.budgets.base.Certificate` is
computed independently of the method (constraint residuals in numpy, an upper bound from a dual-feasible
point, a uniqueness test).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import cvxpy as cp
import numpy as np

from theorylab.budgets.base import (
    Budget,
    BudgetSolution,
    Program,
    SolverFailure,
    Timer,
    certify,
    check_method,
    run_program,
)


def solve(
    budget: Budget,
    sigma: Any,
    method: str = "closed-form",
    solver: str | None = None,
    *,
    solver_options: Mapping[str, Any] | None = None,
) -> BudgetSolution:
    r"""Maximize :math:`\langle Q, \Sigma\rangle` over the budget set.

    Parameters
    ----------
    budget : Budget
        A budget object, e.g. ``FrobeniusBudget(B)``, ``SpectralBudget(tau, lam)``,
        ``LyapunovBudget(B, metric=None)``, ``DiagonalBudget(B, c)`` or a dynamic budget.
    sigma : array_like
        The moment: a symmetric ``(n, n)`` matrix for static budgets (not necessarily PSD); lag moments
        ``R`` of shape ``(K + 1, d, d)`` for dynamic budgets; spectral densities of shape ``(M, d, d)`` for
        :class:`~theorylab.budgets.dynamic.FrequencySpectralBudget`.
    method : {"closed-form", "corrected", "cvxpy", "cvxpy-reduced"}
        ``closed-form``: the paper's formula, evaluated exactly as stated (never repaired; the certificate
        shows where it is infeasible or suboptimal). ``corrected``: a derived form valid on every input
        (where one exists). ``cvxpy``: the full-matrix program. ``cvxpy-reduced``: the eigenbasis-reduced
        vector program (unitarily invariant budgets).
    solver : str, optional
        cvxpy solver name. Default policy: Clarabel for SOCPs and for SDPs up to
        ``CLARABEL_MAX_SDP_SIZE``, SCS (``eps_abs = eps_rel = 1e-9``, ``max_iters = 1e5``) for larger SDPs,
        HiGHS for LPs.
    solver_options : mapping, optional
        Extra keyword arguments for the solver (override the SCS defaults).

    Returns
    -------
    BudgetSolution
        ``Q``, ``power`` (:math:`\langle Q,\Sigma\rangle`), ``stated_power``, ``method``, ``solver``,
        ``status``, ``seconds``, ``certificate``, ...

    Raises
    ------
    ValueError
        For an invalid moment (not symmetric, NaN, wrong shape), an unknown method, a solver given with a
        closed form, or a method the budget does not have.
    NotConvexError
        (a ``ValueError``) when the program is not convex for this input (data metric, indefinite
        :math:`\Sigma`).
    SolverFailure
        (a :class:`theorylab.claims.NumericalFailure`) when the solver status is not ``optimal``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.budgets import FrobeniusBudget, solve
    >>> sigma = np.diag([2.0, 1.0])
    >>> round(solve(FrobeniusBudget(1.0), sigma).power, 6)
    2.236068
    >>> solve(FrobeniusBudget(1.0), sigma, method="cvxpy-reduced").certificate.optimal
    True
    """
    if not isinstance(budget, Budget):
        raise ValueError(f"budget must be a Budget object (e.g. FrobeniusBudget(B)); got {type(budget).__name__}")
    check_method(method, budget.methods)
    moment = budget.validate_moment(sigma)
    if method in ("closed-form", "corrected"):
        if solver is not None or solver_options:
            raise ValueError(f"solver and solver_options apply to the cvxpy methods, not to method={method!r}")
        with Timer() as timer:
            formula = budget.closed_form(moment) if method == "closed-form" else budget.corrected_form(moment)
        Q = formula.Q
        finite = bool(np.all(np.isfinite(Q))) and (formula.stated_power is None or math.isfinite(formula.stated_power))
        certificate = certify(budget, moment, Q, source="closed-form")
        return BudgetSolution(
            Q=Q, power=budget.power(Q, moment), stated_power=formula.stated_power, method=method, solver=None,
            status="evaluated" if finite else "undefined", seconds=timer.seconds, solve_seconds=None,
            certificate=certificate, budget=budget, message=formula.message, details=dict(formula.details))
    with Timer() as timer:
        scaled = budget.normalized(moment)
        program = (scaled.budget.full_program(scaled.moment) if method == "cvxpy"
                   else scaled.budget.reduced_program(scaled.moment))
        used, solve_seconds, info = run_program(program, solver, solver_options)
        Q = scaled.q_factor * program.recover()
    dual = program.dual_bound() if program.dual_bound is not None else None
    if dual is not None:
        dual *= scaled.power_factor
    certificate = certify(budget, moment, Q, source=used, solver_dual_bound=dual)
    details: dict[str, Any] = {"solver_value": info["value"] * scaled.power_factor, "iterations": info["iterations"],
                               "program": program.kind, "solver_dual_bound": dual,
                               "normalization": {"q_factor": scaled.q_factor, "power_factor": scaled.power_factor}}
    if program.details is not None:
        details.update(program.details())
    return BudgetSolution(
        Q=Q, power=budget.power(Q, moment), stated_power=None, method=method, solver=used, status="optimal",
        seconds=timer.seconds, solve_seconds=solve_seconds, certificate=certificate, budget=budget, message="",
        details=details)


def face_test(
    budget: Budget,
    sigma: Any,
    power: float | None = None,
    *,
    tolerances: tuple[float, float] = (1e-4, 1e-6),
    seed: int = 0,
    solver: str | None = None,
) -> dict[str, Any]:
    r"""Numerical uniqueness test of the maximizer (the catalogue's face test).

    For a random symmetric :math:`W` (``seed``; unit Frobenius norm) and a relative slack :math:`t`, solve

    .. math::

        \max / \min\ \langle W, Q\rangle \quad\text{s.t.}\quad Q \in \mathcal{Q},\
        \langle Q, \Sigma\rangle \ge P^\star - t\cdot\text{scale},

    and record the spread (max − min). For a unique maximizer the spread shrinks with :math:`t` (like
    :math:`\sqrt{t}` on a curved boundary, like :math:`t` at a vertex); on a non-trivial optimal face it
    stays at the size of the face. The test runs at two slacks ``tolerances = (t1, t2)`` and calls the
    maximizer unique when ``spread(t2) <= 0.3 * spread(t1)`` or the spread is below ``1e-6`` of
    :math:`\|Q^\star\|_F`.

    Parameters
    ----------
    budget, sigma
        As for :func:`solve` (full-matrix cvxpy program).
    power : float, optional
        :math:`P^\star`; computed with ``solve(..., method="cvxpy")`` if omitted.
    tolerances : tuple of float
        The two relative slacks :math:`t_1 > t_2`.
    seed : int
        Seed of the random functional :math:`W`.
    solver : str, optional
        cvxpy solver (default policy otherwise).

    Returns
    -------
    dict
        ``unique`` (bool), ``spreads`` (one per slack, relative to :math:`\|Q^\star\|_F`; ``[inf]`` when the
        optimal face is unbounded), ``power``, ``reason``.

    Raises
    ------
    SolverFailure
        If one of the auxiliary programs is not solved to status ``optimal``.
    """
    moment = budget.validate_moment(sigma)
    reference = solve(budget, moment, "cvxpy", solver)
    if power is None:
        power = reference.power
    scaled = budget.normalized(moment)
    # the test runs on the well-scaled program: Q-hat = Q / q_factor, power-hat = power / power_factor
    power_hat = power / scaled.power_factor
    q_scale = max(float(np.linalg.norm(reference.Q)) / scaled.q_factor, np.finfo(float).tiny)
    rng = np.random.default_rng(seed)
    probe = scaled.budget.full_program(scaled.moment)
    if probe.functional is None:
        raise ValueError(f"the {budget.name} budget's full program does not expose a linear functional")
    shape = reference.Q.shape
    W = rng.standard_normal(shape)
    if W.ndim >= 2 and W.shape[-1] == W.shape[-2]:
        W = (W + np.swapaxes(W, -1, -2)) / 2.0
    W /= np.linalg.norm(W)
    scale = scaled.budget.scale(scaled.moment)
    spreads = []
    for slack in tolerances:
        values = []
        for sense in (cp.Maximize, cp.Minimize):
            program = scaled.budget.full_program(scaled.moment)
            assert program.functional is not None
            constraints = list(program.constraints) + [program.objective >= power_hat - slack * scale]
            problem = cp.Problem(sense(program.functional(W)), constraints)
            try:
                run_program(Program(problem=problem, kind=program.kind, size=program.size,
                                    recover=program.recover, objective=program.objective), solver)
            except SolverFailure as exc:
                if exc.status not in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
                    raise
                # an unbounded optimal face: the maximizer is not unique
                return {"unique": False, "spreads": [math.inf], "tolerances": tolerances, "power": power,
                        "reason": f"the optimal face is unbounded ({exc.status})"}
            values.append(float(problem.value))
        spreads.append((values[0] - values[1]) / q_scale)
    unique = spreads[1] <= 0.3 * spreads[0] or spreads[1] <= 1e-6
    reason = "the spread shrinks with the slack" if unique else "the spread does not shrink with the slack"
    return {"unique": bool(unique), "spreads": spreads, "tolerances": tolerances, "power": power, "reason": reason}


def solve_dual(budget: Budget, sigma: Any, solver: str | None = None,
               *, solver_options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    r"""Solve the budget's explicit conic dual program (catalogue E1), an independent route to :math:`P^\star`.

    By weak duality its value bounds :math:`P^\star` from above; by strong duality (Slater holds: the budget
    sets contain a scaled identity or diagonal in their interior) it equals :math:`P^\star`. Theorem 1(ii)
    reads :math:`P^\star(\Sigma) = \gamma_{\mathcal{Q}^\circ}(\Sigma)`: this value decides membership
    :math:`\Sigma/t \in \mathcal{Q}^\circ \iff P^\star(\Sigma) \le t`.

    Returns
    -------
    dict
        ``value``, ``solver``, ``status`` (always ``"optimal"``), ``seconds``.

    Raises
    ------
    ValueError
        If the budget has no explicit dual program.
    SolverFailure
        If the solver does not return status ``optimal``.
    """
    moment = budget.validate_moment(sigma)
    with Timer() as timer:
        scaled = budget.normalized(moment)
        problem, kind = scaled.budget.dual_program(scaled.moment)
        size = moment.shape[0] if kind == "sdp" else moment.size
        program = Program(problem=problem, kind=kind, size=size, recover=lambda: np.zeros(0),
                          objective=problem.objective.expr)
        used, _, info = run_program(program, solver, solver_options)
    return {"value": info["value"] * scaled.power_factor, "solver": used, "status": "optimal",
            "seconds": timer.seconds}
