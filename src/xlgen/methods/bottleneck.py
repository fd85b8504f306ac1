"""Bottleneck adapter modules, attached where the backbone family says (Family.adapter_sites).

Kept apart from `xlgen.methods.adapter` so that importing the method registry does not
import torch (the workflow imports it to build the DAG).
"""
# peft has no bottleneck adapters and AdapterHub's `adapters` pins transformers 4.x: a small module of our own.

from __future__ import annotations

import torch
from torch import nn

from xlgen.families import get_family
from xlgen.methods.parts import layers, model_stacks, stack

ATTRIBUTE = "xlgen_adapters"  # each layer's ModuleDict of adapters: names say what is an adapter
PLACEMENTS = {"houlsby": ("self_attn", "cross_attn", "ffn"), "pfeiffer": ("ffn",)}


class Bottleneck(nn.Module):
    """h -> h + up(f(down(h))); `up` starts at zero, so a new adapter is the identity."""

    def __init__(self, d_model: int, size: int, activation: str):
        from transformers.activations import ACT2FN

        super().__init__()
        self.down = nn.Linear(d_model, size)  # default (Kaiming-uniform) init, like LoRA's A
        self.up = nn.Linear(size, d_model)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)
        self.act = ACT2FN[activation]
        self.drop_at_inference = False  # AdapterDrop: not part of the model that generates
        self.dropped = False            # AdapterDrop: skipped in the current training step

    def forward(self, hidden):
        return hidden + self.up(self.act(self.down(hidden)))

    def after_sublayer(self, module, args, output):
        """Forward hook on the sublayer: transform its output (the first item of a tuple)."""
        if (self.dropped if self.training else self.drop_at_inference):
            return None
        if isinstance(output, tuple):
            return (self(output[0]), *output[1:])
        return self(output)


def sublayers(block, family, stack_name: str) -> dict[str, nn.Module]:
    """{site: module whose output an adapter follows} for one layer of a backbone of `family`
    (a name or Family): self_attn, cross_attn (decoder of an encoder-decoder), ffn."""
    return get_family(family).adapter_sites(block, stack_name)


def add_adapters(model, config: dict, skip_lowest: int = 0) -> None:
    """Attach adapters as `config` says to every layer of its stacks but the lowest
    `skip_lowest` of each; they train (`requires_grad`), nothing else changes."""
    reference = next(model.parameters())
    for stack_name in config["stacks"]:
        for index, block in enumerate(layers(model, stack_name)):
            if index < skip_lowest:
                continue
            adapters = nn.ModuleDict()
            for site, module in sublayers(block, config["family"], stack_name).items():
                if site in PLACEMENTS[config["placement"]]:
                    adapter = Bottleneck(config["d_model"], config["bottleneck"], config["activation"])
                    adapter.to(device=reference.device, dtype=reference.dtype)
                    module.register_forward_hook(adapter.after_sublayer)
                    adapters[site] = adapter
            block.add_module(ATTRIBUTE, adapters)


def attached_adapters(model) -> list[tuple[str, int, str, Bottleneck]]:
    """(stack, layer index, site, adapter) for every adapter in `model`, lowest layers first."""
    found = []
    for stack_name in model_stacks(model):
        for index, block in enumerate(layers(model, stack_name)):
            for site, adapter in getattr(block, ATTRIBUTE, {}).items():
                found.append((stack_name, index, site, adapter))
    return found


def is_layer_norm(module) -> bool:
    # MT5LayerNorm; LlamaRMSNorm and the other LLMs' RMSNorms
    return isinstance(module, nn.LayerNorm) or type(module).__name__.endswith(("LayerNorm", "RMSNorm"))


def trained_tensors(model, config: dict) -> dict[str, torch.Tensor]:
    """The tensors the method trains, by their names in `model`: adapters (and layer norms)."""
    names = {name for name, _ in model.named_parameters() if f".{ATTRIBUTE}." in name}
    if config["train_layer_norms"]:
        for stack_name in config["stacks"]:
            prefix = _module_name(model, stack(model, stack_name))
            for name, module in stack(model, stack_name).named_modules():
                if is_layer_norm(module):
                    names |= {f"{prefix}.{name}.{p}" for p, _ in module.named_parameters()}
    params = dict(model.named_parameters())
    return {name: params[name].detach().contiguous() for name in sorted(names)}


def _module_name(model, module) -> str:
    return next(name for name, m in model.named_modules() if m is module)
