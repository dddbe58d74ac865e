from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

TESTS = Path(__file__).parent
REPO = TESTS.parent
SPEC = REPO.parent / "shared" / "spec"

# toy_claims must be importable by worker processes and by `theorylab --module toy_claims`.
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
