"""`adapter`: bottleneck adapters in every layer, the backbone frozen (Houlsby et al. 2019;
Pfeiffer et al. 2021).

An adapter maps a sublayer's output h to h + W_up f(W_down h), before the sublayer's residual
connection. Placement "houlsby": after self-attention, cross-attention (decoder) and the
feed-forward block; "pfeiffer": after the feed-forward block only. W_up starts at zero, so
the prepared model computes exactly what the backbone computes.

Settings: `placement` ("houlsby"), `reduction_factor` (16: bottleneck = d_model / 16),
`bottleneck` (null; a size overrides `reduction_factor`), `activation` ("relu"), `stacks`
(default: every stack of the backbone, [encoder, decoder], or [decoder] for a decoder-only
one, whose layers get adapters after self-attention and the MLP), `train_layer_norms` (false;
true also trains the layer norms of those stacks, as Houlsby et al. did). Where the adapters
sit in a layer is the backbone family's (xlgen.families, Family.adapter_sites).

Saved: the trained tensors (`xlgen_adapters.safetensors`), the resolved settings
(`xlgen_adapters.json`) and the tokenizer; `load` rebuilds the backbone and its adapters.
"""
# peft has no bottleneck adapters and AdapterHub's `adapters` pins transformers 4.x: our own, in bottleneck.py.

from __future__ import annotations

import json
from pathlib import Path

from xlgen.backbones import check_files, load_backbone
from xlgen.families import get_family
from xlgen.io import InputError
from xlgen.methods.base import Method
from xlgen.methods.parts import stack

WEIGHTS_FILE = "xlgen_adapters.safetensors"
CONFIG_FILE = "xlgen_adapters.json"


class BottleneckAdapters(Method):
    name = "adapter"
    trainable_share_bound = 0.05  # the study's settings train under 2% (docs/cluster.md)
    description = "bottleneck adapters (Houlsby or Pfeiffer)"
    DEFAULTS = {"placement": "houlsby", "reduction_factor": 16, "bottleneck": None,
                "activation": "relu", "stacks": None, "train_layer_norms": False}  # stacks None: all

    def check_stacks(self, family, stacks) -> list[str]:
        """The stacks adapters go into in a backbone of `family` (a name or Family): `stacks`,
        or all of the family's; ValueError naming the setting for a stack it does not have."""

        family = get_family(family)
        stacks = list(family.stacks) if stacks is None else list(stacks)
        unknown = sorted(set(stacks) - set(family.stacks))
        if unknown or not stacks:
            kind = " (decoder-only)" if not family.is_encoder_decoder else ""
            raise InputError(f"{self.name}: stacks must be a non-empty subset of {list(family.stacks)} for "
                             f"family {family.name}{kind}, got {stacks!r}")
        return stacks

    def config_problem(self, family, settings: dict) -> tuple[str, str] | None:
        """(setting, why) when `settings` cannot run on a backbone of `family`, else None."""
        try:
            self.check_stacks(family, settings.get("stacks"))
        except InputError as err:
            return "stacks", str(err).removeprefix(f"{self.name}: ")
        return None

    def resolve(self, model, settings: dict) -> dict:
        """The full adapter configuration for `model` under `settings` (what is saved)."""
        from xlgen.methods.bottleneck import PLACEMENTS  # torch: the config check imports methods

        family = get_family(model)
        config = {key: settings.get(key, default) for key, default in self.DEFAULTS.items()}
        if config["placement"] not in PLACEMENTS:
            raise InputError(f"{self.name}: placement must be one of {', '.join(PLACEMENTS)}, "
                             f"got {config['placement']!r}")
        config["stacks"] = self.check_stacks(family, config["stacks"])
        if not (config["bottleneck"] or 0) > 0 and not config["reduction_factor"] > 0:
            raise InputError(f"{self.name}: give a positive bottleneck or reduction_factor")
        d_model = family.hidden_size(model.config)
        config["bottleneck"] = int(config["bottleneck"] or max(1, d_model // config["reduction_factor"]))
        config.update(method=self.name, family=family.name, d_model=d_model)
        return config

    def prepare(self, model, settings: dict):
        from xlgen.methods.bottleneck import add_adapters, is_layer_norm  # torch: the config check imports methods

        config = self.resolve(model, settings)
        for p in model.parameters():
            p.requires_grad_(False)
        add_adapters(model, config)
        if config["train_layer_norms"]:
            for stack_name in config["stacks"]:
                for module in stack(model, stack_name).modules():
                    if is_layer_norm(module):
                        module.requires_grad_(True)
        model.xlgen_adapter_config = config
        return model

    def inference_skip(self, config: dict) -> int:
        """Lowest layers of each stack whose adapters the model used for generation lacks."""
        return 0

    def save(self, model, tokenizer, out_dir: Path) -> None:
        from safetensors.torch import save_file

        from xlgen.methods.bottleneck import trained_tensors  # torch: the config check imports methods

        config = model.xlgen_adapter_config
        out_dir = Path(out_dir)
        save_file(trained_tensors(model, config), out_dir / WEIGHTS_FILE)
        (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        tokenizer.save_pretrained(out_dir)

    def load(self, backbone_path: Path, out_dir: Path):
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        from xlgen.methods.bottleneck import ATTRIBUTE, add_adapters  # torch: the config check imports methods

        check_files(out_dir, ((CONFIG_FILE,), (WEIGHTS_FILE,)))  # a damaged run: one line naming the file

        out_dir = Path(out_dir)
        config = json.loads((out_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        model, _ = load_backbone(backbone_path)
        add_adapters(model, config, skip_lowest=self.inference_skip(config))
        weights = load_file(out_dir / WEIGHTS_FILE)
        own = model.state_dict()
        absent = [k for k in weights if k not in own]
        if any(f".{ATTRIBUTE}." not in k for k in absent):
            raise InputError(f"{out_dir}: weights that match no parameter of the backbone: {absent[:5]}")
        missing = model.load_state_dict({k: v for k, v in weights.items() if k in own}, strict=False).missing_keys
        untrained = [k for k in missing if f".{ATTRIBUTE}." in k]
        if untrained:
            raise InputError(f"{out_dir}: no saved weights for adapters {untrained[:5]}")
        model.requires_grad_(False)
        model.eval()
        model.xlgen_adapter_config = config
        return model, AutoTokenizer.from_pretrained(out_dir)
