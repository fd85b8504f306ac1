"""`graddrop`: `mix_unsup` whose task and unlabeled gradients are combined with GradDrop.

GradDrop (Chen et al. 2020, gradient sign dropout) keeps, element by element, only the
positive or only the negative gradient components where the two losses disagree, choosing
the side with probability given by their sign purity (`xlgen.training.graddrop`).
"""

from __future__ import annotations

from xlgen.methods.mix_unsup import MixUnsup


class GradDropMix(MixUnsup):
    name = "graddrop"
    combine = "graddrop"
