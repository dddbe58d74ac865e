"""theorylab: executable checks and simulations for optimizer-theory papers."""

from __future__ import annotations

from theorylab.claims import (
    REGISTRY,
    CheckResult,
    Claim,
    Comparison,
    Context,
    NumericalFailure,
    claim,
    load_claims,
)

__version__ = "0.1.0"

__all__ = [
    "REGISTRY",
    "CheckResult",
    "Claim",
    "Comparison",
    "Context",
    "NumericalFailure",
    "claim",
    "load_claims",
    "__version__",
]
