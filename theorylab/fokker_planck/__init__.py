r"""Fokker–Planck engine: the population formulation of TrailMix, Appendix E.

.. math::

    \partial_t\mu_t + \nabla\cdot(\mu_tv_{\lambda_t}) = \sigma\Delta\mu_t \quad (7),\,(120),
    \qquad v_\lambda = \sum_i\lambda_id_i,

with the drift sign as a parameter (``sign="a"``: as printed, mass moves with
:math:`+v`; ``sign="b"``: :math:`\partial_t\mu = \nabla\cdot(\mu v) +
\sigma\Delta\mu`, mass moves with :math:`-v`), the replicator gate (121)–(122),
the free energy of Definition 4 and the terms of the claimed dissipation
(125). See ``docs/dynamics.md``.

Modules
-------
grid
    :class:`UniformGrid` (1-D / 2-D cell-centred), face fields.
scheme
    Scharfetter–Gummel finite volumes on scipy.sparse, implicit steppers,
    discrete Gibbs and stationary densities.
free_energy
    Free-energy terms, dissipation terms, exact rates of each term.
gaussian
    Exact Ornstein–Uhlenbeck (Gaussian) solutions and Gaussian closed forms.
particles
    Euler–Maruyama Langevin particles (also coupled with the gate).
fipy_reference
    FiPy solving the same problem (FiPy is imported on first use).
coupled
    The coupled PDE + replicator gate, Strang splitting.
trackers
    Mass, minimum density, free energy over time; flags increases.
bench
    ``theorylab bench dynamics``.
"""

from __future__ import annotations

from theorylab.fokker_planck._validation import SIGN_READINGS, transport_sign
from theorylab.fokker_planck.coupled import GatedPopulationModel, solve_coupled_fokker_planck
from theorylab.fokker_planck.fipy_reference import FIPY_CONVECTION_SCHEMES, FipyFokkerPlanck
from theorylab.fokker_planck.free_energy import (
    META_SCORES,
    alignment_functionals,
    differential_entropy,
    dissipation_terms,
    expectation,
    fisher_information,
    free_energy_rates,
    free_energy_terms,
    population_meta_scores,
    score_drift_integral,
)
from theorylab.fokker_planck.gaussian import (
    gaussian_density,
    gaussian_entropy,
    gaussian_fisher_information,
    gaussian_free_energy_terms,
    gaussian_quadratic_moments,
    linear_drift_gaussian_moments,
)
from theorylab.fokker_planck.grid import (
    FaceField,
    UniformGrid,
    as_face_field,
    face_field_combination,
    sample_on_faces,
)
from theorylab.fokker_planck.particles import (
    ParticleResult,
    histogram_density,
    simulate_coupled_particles,
    simulate_langevin_particles,
)
from theorylab.fokker_planck.scheme import (
    TIME_STEPPING_METHODS,
    FokkerPlanckResult,
    FokkerPlanckStepper,
    bernoulli,
    drift_from_potential,
    fokker_planck_operator,
    gibbs_density,
    solve_fokker_planck,
    stationary_density,
    zero_drift,
)
from theorylab.fokker_planck.trackers import (
    FreeEnergyTracker,
    FunctionalTracker,
    Increase,
    Tracker,
    mass_tracker,
    min_density_tracker,
)

__all__ = [
    "FIPY_CONVECTION_SCHEMES",
    "META_SCORES",
    "SIGN_READINGS",
    "TIME_STEPPING_METHODS",
    "FaceField",
    "FipyFokkerPlanck",
    "FokkerPlanckResult",
    "FokkerPlanckStepper",
    "FreeEnergyTracker",
    "FunctionalTracker",
    "GatedPopulationModel",
    "Increase",
    "ParticleResult",
    "Tracker",
    "UniformGrid",
    "alignment_functionals",
    "as_face_field",
    "bernoulli",
    "differential_entropy",
    "dissipation_terms",
    "drift_from_potential",
    "expectation",
    "face_field_combination",
    "fisher_information",
    "fokker_planck_operator",
    "free_energy_rates",
    "free_energy_terms",
    "gaussian_density",
    "gaussian_entropy",
    "gaussian_fisher_information",
    "gaussian_free_energy_terms",
    "gaussian_quadratic_moments",
    "gibbs_density",
    "histogram_density",
    "linear_drift_gaussian_moments",
    "mass_tracker",
    "min_density_tracker",
    "population_meta_scores",
    "sample_on_faces",
    "score_drift_integral",
    "simulate_coupled_particles",
    "simulate_langevin_particles",
    "solve_coupled_fokker_planck",
    "solve_fokker_planck",
    "stationary_density",
    "transport_sign",
    "zero_drift",
]
