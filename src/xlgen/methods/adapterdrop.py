"""`adapterdrop`: bottleneck adapters whose lowest layers are dropped (Rücklé et al. 2021).

Training: at each step (each forward pass of the model in training mode) the adapters of
the lowest `drop_layers` layers of every adapted stack are skipped, all together, with
probability `drop_prob`, so the upper adapters learn to work without them (the paper's
robust AdapterDrop samples how many layers to drop; here the number is fixed and the drop
itself is random; `drop_prob` 1.0 is the paper's specialized variant). Evaluation mode and
the loaded model run without them: the dev loss during training is that of the model that
generates, and `load` builds adapters only in the upper layers, which saves their compute.

Settings: those of `adapter`, plus `drop_layers` (1; the paper dropped 5 of 12) and
`drop_prob` (0.5).
"""

from __future__ import annotations

from xlgen.io import InputError
from xlgen.methods.adapter import BottleneckAdapters
from xlgen.methods.parts import layers


class LowestLayerDrop:
    """Forward pre-hook on the model: one draw per training forward pass decides whether
    the given adapters are skipped in it."""

    def __init__(self, adapters: list, prob: float):
        self.adapters = adapters
        self.prob = prob

    def __call__(self, model, args):
        import torch

        if model.training:
            dropped = bool(torch.rand(()) < self.prob)
            for adapter in self.adapters:
                adapter.dropped = dropped


class AdapterDrop(BottleneckAdapters):
    name = "adapterdrop"
    description = "adapters, those of the lowest layers dropped (AdapterDrop)"
    DEFAULTS = {**BottleneckAdapters.DEFAULTS, "drop_layers": 1, "drop_prob": 0.5}

    def resolve(self, model, settings: dict) -> dict:

        config = super().resolve(model, settings)
        depth = min(len(layers(model, s)) for s in config["stacks"])
        if not 0 <= config["drop_layers"] <= depth:
            raise InputError(f"adapterdrop: drop_layers must be between 0 and {depth} (layers of "
                             f"the shallowest adapted stack), got {config['drop_layers']}")
        if not 0.0 <= config["drop_prob"] <= 1.0:
            raise InputError(f"adapterdrop: drop_prob must be between 0 and 1, got {config['drop_prob']}")
        return config

    def prepare(self, model, settings: dict):
        from xlgen.methods.bottleneck import attached_adapters  # torch: the config check imports methods

        model = super().prepare(model, settings)
        config = model.xlgen_adapter_config
        lowest = [a for _stack, index, _site, a in attached_adapters(model) if index < config["drop_layers"]]
        for adapter in lowest:
            adapter.drop_at_inference = True
        model.register_forward_pre_hook(LowestLayerDrop(lowest, config["drop_prob"]))
        return model

    def inference_skip(self, config: dict) -> int:
        return config["drop_layers"]
