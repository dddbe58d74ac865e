r"""Common interface of the budget programs: results, errors, validation, solver policy.

Every budget program of the paper (problems P2 and P3 of "Optimizing
optimizers for fast gradient-based learning") has the form

.. math::

    P^\star(\Sigma) = \max_{Q \in \mathcal{Q}} \langle Q, \Sigma\rangle

over a convex budget set :math:`\mathcal{Q}`. A budget object (one class per
budget family) knows its closed form as the paper states it, a corrected
form where one can be derived, its cvxpy programs (full-matrix and, where the
budget is unitarily invariant, eigenbasis-reduced), an independent upper bound
on :math:`P^\star` (a dual-feasible point evaluated exactly) and a uniqueness
test. :func:`theorylab.budgets.solve` runs one of these methods and returns a
:class:`BudgetSolution` with a :class:`Certificate`.
"""

from __future__ import annotations

import math
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import cvxpy as cp
import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from theorylab.claims import NumericalFailure

FloatArray = NDArray[np.float64]

#: Methods understood by :func:`theorylab.budgets.solve`.
METHODS = ("closed-form", "corrected", "cvxpy", "cvxpy-reduced")

#: Full-matrix SDPs up to this size go to Clarabel, larger ones to SCS.
CLARABEL_MAX_SDP_SIZE = 30

#: SCS settings for SDPs whose matrices (not only values) are compared.
SCS_TIGHT_OPTIONS: dict[str, Any] = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 100_000}

#: Relative feasibility tolerance of a certificate, by the source of the solution.
FEASIBILITY_TOL = {"closed-form": 1e-9, "CLARABEL": 1e-7, "HIGHS": 1e-7, "SCS": 1e-6, "default": 1e-6}

#: Relative objective tolerance (gap to the upper bound), by the source of the solution.
OBJECTIVE_TOL = {"closed-form": 1e-9, "CLARABEL": 1e-6, "HIGHS": 1e-7, "SCS": 1e-5, "default": 1e-5}

#: Relative size below which an eigenvalue counts as zero or two eigenvalues as tied.
EIGEN_TIE_TOL = 1e-9


class SolverFailure(NumericalFailure):
    """A cvxpy solver did not return status ``optimal``.

    The status (``optimal_inaccurate``, ``infeasible``, ``unbounded``,
    ``user_limit``, a solver error, ...) is kept in :attr:`status`; such a
    result is never accepted as an answer. Being a
    :class:`theorylab.claims.NumericalFailure`, it turns a claim check into an
    inconclusive verdict.
    """

    def __init__(self, message: str, *, status: str | None = None, solver: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.solver = solver


class NotConvexError(ValueError):
    """The requested program is not convex for this input, so cvxpy cannot solve it.

    Raised for the data-metric budget :math:`\\operatorname{Tr}(Q\\Sigma Q) \\le B`
    with an indefinite :math:`\\Sigma`.
    """


class _AttrDict(dict):
    """A dict with attribute access and a fixed set of fields (as scipy's ``OptimizeResult``)."""

    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown {type(self).__name__} fields {sorted(unknown)}; expected {self.FIELDS}")
        values = dict.fromkeys(self.FIELDS)
        values.update(kwargs)
        super().__init__(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __repr__(self) -> str:
        width = max(map(len, self.FIELDS))
        rows = []
        for key in self.FIELDS:
            value = self.get(key)
            if value is None:
                continue
            if isinstance(value, np.ndarray) and value.size > 9:
                text = f"array(shape={value.shape}, dtype={value.dtype})"
            elif isinstance(value, _AttrDict):
                text = "\n" + "\n".join("    " + line for line in repr(value).splitlines())
            else:
                text = repr(value)
            rows.append(f"{key.rjust(width)}: {text}")
        return "\n".join(rows)


class Certificate(_AttrDict):
    r"""Solver-independent evidence about one solution :math:`Q`.

    Fields
    ------
    finite : bool
        All entries of :math:`Q` are finite.
    constraints : dict
        For each budget constraint, ``(value at Q, bound)``.
    budget_residual : float
        :math:`\max_i (\text{value}_i - \text{bound}_i)/\text{bound}_i`; positive means violated.
    min_eigenvalue : float or None
        :math:`\lambda_{\min}(Q)` (smallest over lags for dynamic programs) where the budget requires
        :math:`Q \succeq 0`.
    psd_residual : float
        :math:`\max(0, -\lambda_{\min}(Q))/m` with :math:`m = \max(\|Q\|_F, \text{q\_scale})` and
        ``q_scale`` the budget's own magnitude of a boundary point (:meth:`Budget.q_scale`: :math:`\sqrt{B}`,
        :math:`\min(\tau, \lambda)`, ...). Measuring against the budget rather than :math:`\|Q\|_F` alone keeps
        an optimum :math:`Q^\star = 0` (e.g. :math:`\Sigma \preceq 0`) feasible when a solver returns it with
        round-off eigenvalues of size :math:`10^{-10}`.
    structure_residual : float
        Violation of a structural constraint (off-diagonal mass of a diagonal budget, asymmetry), relative to
        the same :math:`m`.
    feasible : bool
        All residuals at most ``feasibility_tol``.
    power : float
        :math:`\langle Q, \Sigma\rangle` evaluated in numpy.
    upper_bound : float
        An upper bound on :math:`P^\star` from a dual-feasible point evaluated exactly (``inf`` if none is
        available): the support-function formula of the budget, or the solver's dual variables made
        feasible, whichever is smaller.
    bound_source : str
        Where ``upper_bound`` comes from.
    bound_is_exact : bool
        Whether the analytic bound is known to equal :math:`P^\star` for this input.
    relative_gap : float
        :math:`(\text{upper\_bound} - \text{power})/\text{scale}`, with ``scale`` an a-priori bound on
        :math:`|\langle Q, \Sigma\rangle|` over the budget set.
    optimal : bool or None
        Feasible and :math:`|\text{relative\_gap}| \le` ``objective_tol``; None when the gap exceeds the
        tolerance but the bound is not known to be exact (undecided).
    lower_bound : float or None
        The value of an explicit feasible point known independently of the method (where the budget
        provides one): a power below it proves the solution suboptimal.
    unique : bool or None
        Whether the maximizer is unique (None: unknown), with ``uniqueness_reason``.
    feasibility_tol, objective_tol : float
        The tolerances used.
    q_magnitude : float
        The :math:`m` the PSD and structure residuals are measured against.
    """

    FIELDS = (
        "finite", "constraints", "budget_residual", "min_eigenvalue", "psd_residual", "structure_residual",
        "feasible", "power", "upper_bound", "bound_source", "bound_is_exact", "relative_gap", "scale",
        "lower_bound", "optimal", "unique", "uniqueness_reason", "feasibility_tol", "objective_tol",
        "q_magnitude",
    )

    def summary(self) -> str:
        """One line: feasibility, gap to the bound, uniqueness."""
        parts = [
            f"feasible={self.feasible}",
            f"budget_residual={_fmt(self.budget_residual)}",
        ]
        if self.min_eigenvalue is not None:
            parts.append(f"lambda_min(Q)={_fmt(self.min_eigenvalue)}")
        parts += [
            f"upper_bound={_fmt(self.upper_bound)} ({self.bound_source})",
            f"relative_gap={_fmt(self.relative_gap)}",
            f"optimal={self.optimal}",
            f"unique={self.unique}",
        ]
        return ", ".join(parts)


class BudgetSolution(_AttrDict):
    r"""The answer of one method on one budget program.

    Fields
    ------
    Q : numpy.ndarray
        The optimizer: ``(n, n)`` for static budgets, ``(K + 1, d, d)`` for dynamic ones,
        ``(K + 1, d)`` (diagonals) for dynamic diagonal budgets, ``(M, d, d)`` complex for
        per-frequency budgets.
    power : float
        :math:`\langle Q, \Sigma\rangle` evaluated from ``Q`` (``Tr(QΣ)`` for static budgets).
    stated_power : float or None
        The paper's separate formula for :math:`P^\star` (closed forms only).
    method, solver, status : str
        ``status`` is ``"optimal"`` for cvxpy answers (nothing else is returned), ``"evaluated"`` for a
        formula evaluated to finite numbers, ``"undefined"`` when the formula gives non-finite values
        (e.g. :math:`0/0` at :math:`\Sigma = 0`).
    seconds : float
        Wall time of the method (cvxpy: problem construction, compilation and solve).
    solve_seconds : float or None
        Time reported by the solver itself.
    certificate : Certificate
    budget : Budget
    message : str
    details : dict
        Method-specific extras (reduced variables ``q``, solver value, iterations, ...).
    """

    FIELDS = (
        "Q", "power", "stated_power", "method", "solver", "status", "seconds", "solve_seconds",
        "certificate", "budget", "message", "details",
    )


def _fmt(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3e}"
    return str(value)


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def positive_scalar(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is a finite positive real number, else raise ``ValueError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a positive finite real number; got {value!r}")
    result = float(value)
    if not (math.isfinite(result) and result > 0.0):
        raise ValueError(f"{name} must be a positive finite real number; got {value!r}")
    return result


def positive_vector(value: Any, name: str) -> FloatArray:
    """Return ``value`` as a 1-D float array of finite positive entries, else raise ``ValueError``."""
    try:
        if np.iscomplexobj(value):
            raise TypeError
        array = np.atleast_1d(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive finite real number or 1-D array of them; got {value!r}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a positive scalar or a non-empty 1-D array; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = np.flatnonzero(~np.isfinite(array)).tolist()
        raise ValueError(f"{name} must be finite; got non-finite entries at positions {bad}")
    if not np.all(array > 0.0):
        bad = np.flatnonzero(~(array > 0.0)).tolist()
        raise ValueError(f"{name} must be strictly positive; got {array[bad].tolist()} at positions {bad}")
    return array


def real_array(value: Any, name: str) -> FloatArray:
    """``value`` as a float64 array; ``ValueError`` for complex, non-numeric or non-finite input."""
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must be real; got a complex array")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers; got {type(value).__name__}") from None
    if not np.all(np.isfinite(array)):
        where = np.argwhere(~np.isfinite(array))[:3].tolist()
        raise ValueError(f"{name} must have finite entries (no NaN or inf); found non-finite entries at {where}")
    return array


def symmetric_matrix(value: Any, name: str = "sigma", *, rtol: float = 1e-10) -> FloatArray:
    r"""Validate a symmetric matrix and return it exactly symmetrised.

    Parameters
    ----------
    value : array_like
        A real square matrix with finite entries, symmetric up to ``rtol`` times its largest entry.
        It need not be positive semidefinite.
    name : str
        Name used in error messages.
    rtol : float
        Relative tolerance on :math:`\max_{ij} |\Sigma_{ij} - \Sigma_{ji}|`.

    Returns
    -------
    numpy.ndarray
        :math:`(\Sigma + \Sigma^\top)/2` as float64.

    Raises
    ------
    ValueError
        For non-numeric, complex, non-2-D, non-square, empty, non-finite or non-symmetric input.
    """
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must be a real symmetric matrix; got a complex array")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a real symmetric matrix (array-like of floats); got {type(value).__name__}") from None
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D square matrix; got an array of shape {array.shape}")
    if array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be square; got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{name} must be at least 1x1; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        where = np.argwhere(~np.isfinite(array))[:3].tolist()
        raise ValueError(f"{name} must have finite entries (no NaN or inf); found non-finite entries at {where}")
    scale = float(np.max(np.abs(array)))
    asymmetry = float(np.max(np.abs(array - array.T)))
    if asymmetry > rtol * scale:
        raise ValueError(
            f"{name} must be symmetric: max |S_ij - S_ji| = {asymmetry:.3g} exceeds {rtol:g} * max |S_ij| = "
            f"{rtol * scale:.3g}; symmetrise it ((S + S.T)/2) if the asymmetry is round-off"
        )
    return (array + array.T) / 2.0


# ---------------------------------------------------------------------------
# spectral helpers
# ---------------------------------------------------------------------------


def eigh_descending(matrix: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Eigenvalues in decreasing order and the matching orthonormal eigenvectors (columns)."""
    values, vectors = np.linalg.eigh(matrix)
    return values[::-1].copy(), vectors[:, ::-1].copy()


def top_eigenpairs(matrix: FloatArray, count: int) -> tuple[FloatArray, FloatArray]:
    """The ``count`` largest eigenvalues (decreasing) and their orthonormal eigenvectors.

    A partial eigendecomposition (``syevr`` with an index range) when ``count < n``; exact in the same sense
    as the full one (the computed eigenpairs are those the full decomposition returns, to round-off).
    """
    n = matrix.shape[0]
    count = max(0, min(int(count), n))
    if count >= n:
        return eigh_descending(matrix)
    if count == 0:
        return np.zeros(0), np.zeros((n, 0))
    matrix = np.asarray(matrix, dtype=np.float64)
    if not np.all(np.isfinite(matrix)):
        raise ValueError("top_eigenpairs needs a finite matrix")
    values, vectors = scipy.linalg.eigh(matrix, subset_by_index=[n - count, n - 1], driver="evr",
                                        check_finite=False)
    return values[::-1].copy(), vectors[:, ::-1].copy()


def zero_tolerance(eigenvalues: FloatArray) -> float:
    r"""Eigenvalues with :math:`|\sigma| \le n\,\varepsilon\,\max|\sigma|` count as zero.

    The same threshold as ``numpy.linalg.matrix_rank``.
    """
    if eigenvalues.size == 0:
        return 0.0
    return float(eigenvalues.size * np.finfo(np.float64).eps * np.max(np.abs(eigenvalues)))


def psd_tolerance(eigenvalues: FloatArray) -> float:
    r"""Round-off allowance below zero for a matrix that is PSD in exact arithmetic.

    :math:`100\,n\,\varepsilon\max|\sigma|`.
    """
    return 100.0 * zero_tolerance(eigenvalues)


def is_psd(eigenvalues: FloatArray) -> bool:
    """Whether the spectrum is PSD up to :func:`psd_tolerance`."""
    return bool(eigenvalues.size == 0 or np.min(eigenvalues) >= -psd_tolerance(eigenvalues))


def from_eigen(vectors: FloatArray, values: FloatArray) -> FloatArray:
    r""":math:`U \operatorname{diag}(q) U^\top`, exactly symmetric."""
    matrix = (vectors * values) @ vectors.T
    return (matrix + matrix.T) / 2.0


def psd_part(matrix: FloatArray) -> FloatArray:
    r"""The positive part :math:`\Sigma_+ = U \max(\sigma, 0) U^\top` of a symmetric matrix."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return from_eigen(vectors, np.maximum(values, 0.0))


def stable_norm(array: np.ndarray) -> float:
    r"""Euclidean (Frobenius) norm of all entries, scaled by :math:`\max|a_i|` so squares cannot underflow."""
    largest = float(np.max(np.abs(array))) if array.size else 0.0
    if largest == 0.0 or not math.isfinite(largest):
        return largest
    return largest * float(np.linalg.norm((array / largest).ravel()))


def moment_scale(array: np.ndarray) -> float:
    """Largest absolute entry of a moment (1 for the zero moment): the unit used to condition solver input."""
    largest = float(np.max(np.abs(array))) if array.size else 0.0
    return largest if largest > 0.0 and math.isfinite(largest) else 1.0


def psd_gauge(Q: np.ndarray, value: float, tol: float = 1e-9) -> float:
    """``value`` if the symmetric matrix ``Q`` is PSD (relative tolerance ``tol``), ``inf`` otherwise."""
    matrix = np.asarray(Q, dtype=float)
    if float(np.max(np.abs(matrix - matrix.T), initial=0.0)) > tol * max(float(np.max(np.abs(matrix))), 1e-300):
        return math.inf
    values = np.linalg.eigvalsh((matrix + matrix.T) / 2.0)
    return value if values[0] >= -tol * max(float(np.max(np.abs(values))), 1e-300) else math.inf


def min_eigenvalue(matrix: FloatArray) -> float:
    """Smallest eigenvalue of the symmetric part (NaN if the matrix is not finite)."""
    if not np.all(np.isfinite(matrix)):
        return math.nan
    sym = (matrix + matrix.conj().T) / 2.0
    return float(np.linalg.eigvalsh(sym)[0])


# ---------------------------------------------------------------------------
# cvxpy programs and the solver policy
# ---------------------------------------------------------------------------


@dataclass
class Program:
    """A cvxpy program for one budget and one moment, with what is needed to read and certify its answer.

    Attributes
    ----------
    problem : cvxpy.Problem
    kind : str
        ``"sdp"``, ``"socp"`` or ``"lp"`` (drives the default solver).
    size : int
        Matrix size of the largest PSD cone (SDP) or number of variables.
    recover : callable
        Returns the optimizer :math:`Q` (in the original coordinates) from the solved variables.
    objective : cvxpy.Expression
        The objective expression (for the face test).
    functional : callable or None
        ``functional(W)`` is the cvxpy expression of :math:`\\langle W, Q\\rangle` (for the face test).
    dual_bound : callable or None
        After a solve, an upper bound on :math:`P^*` from the solver's dual variables made feasible
        and evaluated exactly.
    details : callable or None
        Extra values to report (e.g. the reduced vector ``q``).
    """

    problem: cp.Problem
    kind: str
    size: int
    recover: Callable[[], np.ndarray]
    objective: cp.Expression
    functional: Callable[[np.ndarray], cp.Expression] | None = None
    dual_bound: Callable[[], float] | None = None
    details: Callable[[], dict[str, Any]] | None = None
    constraints: list[Any] = field(default_factory=list)


def default_solver(kind: str, size: int) -> str:
    """Solver policy: Clarabel for small SDPs and all SOCPs, SCS for large SDPs, HiGHS for LPs."""
    if kind == "lp":
        return "HIGHS"
    if kind == "sdp" and size > CLARABEL_MAX_SDP_SIZE:
        return "SCS"
    return "CLARABEL"


def normalize_solver(solver: str | None) -> str | None:
    """Upper-case solver name, checked against the installed cvxpy solvers."""
    if solver is None:
        return None
    if not isinstance(solver, str):
        raise ValueError(f"solver must be a solver name such as 'CLARABEL' or 'SCS'; got {solver!r}")
    name = solver.upper()
    installed = cp.installed_solvers()
    if name not in installed:
        raise ValueError(f"solver {solver!r} is not installed; installed cvxpy solvers: {', '.join(installed)}")
    return name


def solve_to_optimality(problem: cp.Problem, solver: str, what: str = "program", **options: Any) -> float:
    """Solve a cvxpy ``problem`` with ``solver`` and return its value, insisting on status ``optimal``.

    Raises
    ------
    SolverFailure
        For any status other than ``optimal`` (``optimal_inaccurate`` included) or a solver error; ``what``
        names the program in the message.
    """
    try:
        with warnings.catch_warnings():
            # an inaccurate solution is reported through the status below, not as a warning
            warnings.simplefilter("ignore", UserWarning)
            problem.solve(solver=solver, **options)
    except cp.error.SolverError as exc:
        raise SolverFailure(f"{solver} failed on the {what}: {exc}", status="solver_error", solver=solver) from exc
    if problem.status != cp.OPTIMAL:
        raise SolverFailure(f"{solver} returned status {problem.status!r} on the {what}; only 'optimal' is accepted",
                            status=problem.status, solver=solver)
    return float(problem.value)


def run_program(
    program: Program, solver: str | None = None, options: Mapping[str, Any] | None = None
) -> tuple[str, float | None, dict[str, Any]]:
    """Solve ``program`` and insist on status ``optimal``.

    Returns
    -------
    solver : str
        The solver used.
    solve_seconds : float or None
        The solver's own timing.
    info : dict
        ``value`` (solver objective), ``iterations``.

    Raises
    ------
    SolverFailure
        For any status other than ``optimal`` (``optimal_inaccurate`` included) or a solver error.
    """
    name = normalize_solver(solver) or default_solver(program.kind, program.size)
    kwargs: dict[str, Any] = dict(SCS_TIGHT_OPTIONS) if name == "SCS" else {}
    kwargs.update(options or {})
    value = solve_to_optimality(program.problem, name, f"{program.kind.upper()} of size {program.size}", **kwargs)
    stats = program.problem.solver_stats
    info = {"value": value, "iterations": getattr(stats, "num_iters", None)}
    return name, getattr(stats, "solve_time", None), info


# ---------------------------------------------------------------------------
# the budget interface
# ---------------------------------------------------------------------------


@dataclass
class Normalization:
    r"""An equivalent, well-scaled program: :math:`Q = \text{q\_factor}\cdot\hat Q` and
    :math:`\langle Q, \Sigma\rangle = \text{power\_factor}\cdot\langle\hat Q, \hat\Sigma\rangle`."""

    budget: Budget
    moment: np.ndarray
    q_factor: float = 1.0
    power_factor: float = 1.0


@dataclass
class Formula:
    """A closed-form answer: the optimizer, the paper's separate formula for the power, and a note."""

    Q: np.ndarray
    stated_power: float | None = None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class Budget(ABC):
    r"""A convex budget set :math:`\mathcal{Q}` and its program :math:`\max_{Q\in\mathcal{Q}}\langle Q,\Sigma\rangle`.

    Subclasses implement the formulas and programs; :func:`theorylab.budgets.solve` runs them.
    """

    #: Short name used in reports and by :mod:`theorylab.budgets.commands`.
    name: ClassVar[str] = "budget"
    #: Methods this budget supports.
    methods: ClassVar[tuple[str, ...]] = METHODS
    #: Whether the budget requires :math:`Q \succeq 0` (static) or lag-wise PSD.
    requires_psd: ClassVar[bool] = True

    # -- moments ---------------------------------------------------------
    def validate_moment(self, sigma: Any) -> np.ndarray:
        """The moment as a validated array (static budgets: a symmetric matrix)."""
        return symmetric_matrix(sigma, "sigma")

    def power(self, Q: np.ndarray, sigma: np.ndarray) -> float:
        r""":math:`\langle Q, \Sigma\rangle = \operatorname{Tr}(Q^\top\Sigma)`."""
        return float(np.sum(Q * sigma))

    def normalized(self, sigma: np.ndarray) -> Normalization:
        """The same program rescaled to unit moment and unit budget (solvers have absolute tolerances).

        By positive homogeneity the maximizer of the rescaled program, multiplied by ``q_factor``, is a
        maximizer of the original one. The default only rescales the moment.
        """
        scale = moment_scale(sigma)
        return Normalization(self, sigma / scale, 1.0, scale)

    # -- formulas --------------------------------------------------------
    @abstractmethod
    def closed_form(self, sigma: np.ndarray) -> Formula:
        """The paper's closed form, evaluated exactly as stated."""

    def corrected_form(self, sigma: np.ndarray) -> Formula:
        """A derived form that is correct on every input (where one exists)."""
        raise ValueError(f"the {self.name} budget has no separate corrected form")

    # -- programs --------------------------------------------------------
    @abstractmethod
    def full_program(self, sigma: np.ndarray) -> Program:
        """The cvxpy program in full-matrix form."""

    def reduced_program(self, sigma: np.ndarray) -> Program:
        """The cvxpy program in eigenbasis-reduced vector form."""
        raise ValueError(f"the {self.name} budget has no eigenbasis-reduced form; use method='cvxpy'")

    # -- certificates ----------------------------------------------------
    @abstractmethod
    def constraint_values(self, Q: np.ndarray, sigma: np.ndarray) -> dict[str, tuple[float, float]]:
        """For each budget constraint, ``(value at Q, bound)``."""

    def structure_residual(self, Q: np.ndarray) -> float:
        """Relative violation of structural constraints (symmetry by default)."""
        norm = float(np.linalg.norm(Q))
        return float(np.linalg.norm(Q - np.swapaxes(Q, -1, -2))) / norm if norm > 0 else 0.0

    def psd_eigenvalues(self, Q: np.ndarray) -> float | None:
        """Smallest eigenvalue relevant to the PSD requirement (None if not required)."""
        return min_eigenvalue(Q) if self.requires_psd else None

    @abstractmethod
    def upper_bound(self, sigma: np.ndarray) -> tuple[float, bool]:
        """An upper bound on :math:`P^\\star` from a dual-feasible point, and whether it is exact."""

    def q_scale(self, sigma: np.ndarray) -> float:
        """The budget's own magnitude of :math:`Q`: the Frobenius norm of a typical boundary point.

        The PSD and structure residuals of a certificate are measured against
        :math:`\\max(\\|Q\\|_F, \\text{q\\_scale})`, so that a solution :math:`Q \\approx 0` is judged by the
        size the budget allows, not by its own (round-off) size. 0 means "no budget magnitude": residuals are
        then relative to :math:`\\|Q\\|_F`.
        """
        return 0.0

    @abstractmethod
    def scale(self, sigma: np.ndarray) -> float:
        """An a-priori bound on :math:`|\\langle Q,\\Sigma\\rangle|` over the budget set (for relative gaps)."""

    @abstractmethod
    def uniqueness(self, sigma: np.ndarray) -> tuple[bool | None, str]:
        """Whether the maximizer is unique, with the reason."""

    def dual_program(self, sigma: np.ndarray) -> tuple[cp.Problem, str]:
        """The explicit conic dual of the program (an independent route to :math:`P^\\star`) and its kind."""
        raise ValueError(f"the {self.name} budget has no explicit dual program")

    def gauge(self, Q: np.ndarray) -> float:
        """The gauge :math:`\\gamma_{\\mathcal{Q}}(Q) = \\inf\\{t > 0 : Q \\in t\\mathcal{Q}\\}`.

        ``inf`` outside the cone generated by the budget set.
        """
        raise ValueError(f"the {self.name} budget has no gauge implementation")

    def lower_bound(self, sigma: np.ndarray) -> float | None:
        """The value of an explicit feasible point, where one is known independently of any method."""
        return None

    def describe(self) -> str:
        """Parameters as text."""
        return repr(self)


def certify(
    budget: Budget,
    sigma: np.ndarray,
    Q: np.ndarray,
    *,
    source: str,
    solver_dual_bound: float | None = None,
) -> Certificate:
    r"""Build the :class:`Certificate` of ``Q`` for ``budget`` at moment ``sigma``.

    ``source`` selects the tolerances (``"closed-form"`` or the solver name).
    """
    feas_tol = FEASIBILITY_TOL.get(source, FEASIBILITY_TOL["default"])
    obj_tol = OBJECTIVE_TOL.get(source, OBJECTIVE_TOL["default"])
    finite = bool(np.all(np.isfinite(Q)))
    power = budget.power(Q, sigma) if finite else math.nan
    constraints = budget.constraint_values(Q, sigma) if finite else {}
    residual = max(((v - b) / b for v, b in constraints.values()), default=0.0) if finite else math.nan
    lam_min = budget.psd_eigenvalues(Q) if finite else None
    norm = stable_norm(Q) if finite else math.nan
    magnitude = max(norm, budget.q_scale(sigma)) if finite else math.nan
    if finite and lam_min is not None:
        psd_residual = max(0.0, -lam_min) / magnitude if magnitude > 0 else 0.0
    else:
        psd_residual = 0.0 if finite else math.nan
    # structure residuals are relative to ||Q||_F; rescale them to the same magnitude
    structure = budget.structure_residual(Q) * norm / magnitude if finite and magnitude > 0 else (
        0.0 if finite else math.nan)
    feasible = bool(finite and residual <= feas_tol and psd_residual <= feas_tol and structure <= feas_tol)
    bound, exact = budget.upper_bound(sigma)
    bound_source = "support function (dual formula)"
    if solver_dual_bound is not None and math.isfinite(solver_dual_bound) and solver_dual_bound < bound:
        bound, bound_source = solver_dual_bound, "solver dual variables made feasible"
    scale = budget.scale(sigma)
    if not finite:
        gap = math.nan
    elif math.isinf(bound):
        gap = math.inf
    else:
        gap = (bound - power) / scale if scale > 0 else bound - power
    if not feasible or math.isnan(gap):
        optimal: bool | None = False
    elif abs(gap) <= obj_tol:
        optimal = True
    elif gap < -obj_tol:
        optimal = False
    else:
        optimal = False if exact else None
    lower = budget.lower_bound(sigma)
    if lower is not None and finite and power < lower - obj_tol * max(scale, abs(lower)):
        optimal = False
    unique, reason = budget.uniqueness(sigma)
    return Certificate(
        finite=finite, constraints=constraints, budget_residual=residual, min_eigenvalue=lam_min,
        psd_residual=psd_residual, structure_residual=structure, feasible=feasible, power=power,
        upper_bound=bound, bound_source=bound_source, bound_is_exact=exact, relative_gap=gap, scale=scale,
        lower_bound=lower, optimal=optimal, unique=unique, uniqueness_reason=reason, feasibility_tol=feas_tol,
        objective_tol=obj_tol, q_magnitude=magnitude,
    )


class Timer:
    """Wall-clock timer used as a context manager (``seconds`` after exit)."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = math.nan
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def relative_difference(a: float, b: float, floor: float = 0.0) -> float:
    r""":math:`|a - b| / \max(|a|, |b|, \text{floor})` (0 if both are 0)."""
    denominator = max(abs(a), abs(b), floor)
    if denominator == 0.0:
        return 0.0
    return abs(a - b) / denominator


def check_method(method: str, allowed: Sequence[str]) -> str:
    """Return ``method`` if allowed, else raise ``ValueError`` listing the allowed ones."""
    if method not in allowed:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(allowed)}")
    return method
