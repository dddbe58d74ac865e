"""The claims of the seed papers, one package per paper.

Importing this package registers every claim (see :func:`theorylab.load_claims`).
"""

from proofs_checks import optopt, trailmix  # noqa: F401
