"""An adaptation method written the way a user adds one: this module (on PYTHONPATH) and its
name in the config's `methods` with a `method_settings.norms_only` entry are all it takes.

`norms_only` trains the normalization layers alone (LayerNorm tuning, Zhao et al. 2024),
optionally with every bias too (`biases`, as BitFit); the rest of the backbone stays frozen.
The whole model is saved, as `full` saves it.
"""

from xlgen.methods.full import FullFinetuning


def is_norm(module) -> bool:
    """A LayerNorm- or RMSNorm-type module (nn.LayerNorm, T5LayerNorm, LlamaRMSNorm, ...)."""
    import torch

    return (isinstance(module, (torch.nn.LayerNorm, torch.nn.RMSNorm))
            or type(module).__name__.endswith(("LayerNorm", "RMSNorm")))


class NormsOnly(FullFinetuning):
    name = "norms_only"
    description = "only the layer norms (and optionally the biases) train"
    settings_schema = {
        "type": "object", "additionalProperties": False, "required": ["lrs"],
        "properties": {"lrs": {"$ref": "#/$defs/lrs"},
                       "biases": {"type": "boolean", "description": "also train every bias (default false)"}},
    }

    def prepare(self, model, settings: dict):
        model.requires_grad_(False)
        for module in model.modules():
            if is_norm(module):
                module.requires_grad_(True)
        if settings.get("biases", False):
            for name, p in model.named_parameters():
                if name.endswith(".bias"):
                    p.requires_grad_(True)
        return model


METHOD = NormsOnly()
