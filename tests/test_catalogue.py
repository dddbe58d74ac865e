"""Every registered claim of the seed papers uses a catalogue ID."""

from __future__ import annotations

import pytest
from conftest import SPEC

from theorylab.claims import PAPERS, catalogue_ids, load_claims


@pytest.mark.skipif(not SPEC.is_dir(), reason="the claim catalogue (../shared/spec) is not beside this checkout")
def test_registered_ids_are_in_the_catalogue():
    registry = load_claims()
    catalogue = {i for p in PAPERS for i in catalogue_ids(p, SPEC)}
    ours = [i for i, c in registry.items() if c.paper in PAPERS and c.module.startswith("proofs_checks")]
    assert ours, "no seed-paper claims are registered"
    stray = [i for i in ours if i.removesuffix(".corrected") not in catalogue]
    assert not stray, f"IDs not in the catalogue: {stray}"


def test_builtin_claims_carry_their_procedure():
    registry = load_claims()
    missing = [i for i, c in registry.items() if c.module.startswith("proofs_checks") and not c.procedure]
    assert not missing, f"claims without a docstring (procedure): {missing}"
