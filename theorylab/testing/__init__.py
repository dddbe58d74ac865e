"""Testing utilities for theorylab: hypothesis strategies in :mod:`theorylab.testing.strategies`."""
