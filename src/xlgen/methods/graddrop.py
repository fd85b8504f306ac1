"""`graddrop`: `mix_unsup` whose task and unlabeled gradients are combined with GradDrop.

GradDrop (Chen et al. 2020, gradient sign dropout) keeps, element by element, only the
positive or only the negative gradient components where the two losses disagree, choosing
the side with probability given by their sign purity (`graddrop`). The training loop
back-propagates each named loss on its own and asks `GradDropMix.combine_gradients` for the
step's gradient. It trains in one process only (each process would draw its own mask).
"""

from __future__ import annotations

from xlgen.methods.mix_unsup import MixUnsup


def graddrop(grads: list, uniform) -> object:
    """Combine per-loss gradients of one tensor with GradDrop (Chen et al. 2020).

    Per element: purity P = (1 + sum_i g_i / sum_i |g_i|) / 2; with U the matching element of
    `uniform` (U ~ Uniform[0, 1)), loss i's gradient is kept where P > U and g_i > 0, or where
    P < U and g_i < 0; the result is the sum of the kept gradients. Elements where every
    loss agrees in sign keep their full sum; conflicting signs keep one side at random, the
    side with more total gradient mass more often.
    """
    import torch

    stacked = torch.stack(grads)
    mass = stacked.abs().sum(0)
    purity = 0.5 * (1 + stacked.sum(0) / torch.where(mass > 0, mass, torch.ones_like(mass)))
    keep = torch.where(stacked > 0, purity > uniform, (purity < uniform) & (stacked < 0))
    return (stacked * keep).sum(0)


class GradDropMix(MixUnsup):
    name = "graddrop"
    description = "as mix_unsup, the two losses' gradients combined by GradDrop"
    combine = "graddrop"
    gradient_copies = 2  # the task's and the unlabeled loss's gradients, kept apart until combined
    settings_schema = {"$ref": "#/$defs/method_mix_unsup"}  # mix_unsup's settings

    def combine_gradients(self, grads_by_loss: list[list], params: list) -> list:
        """GradDrop of each parameter's per-loss gradients, one uniform draw a parameter
        (torch's RNG, in parameter order)."""
        import torch

        return [graddrop([grads[i] for grads in grads_by_loss], torch.rand(p.shape, device=p.device))
                for i, p in enumerate(params)]
