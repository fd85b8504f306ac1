"""`adapter`: bottleneck adapters in every layer, the backbone frozen (Houlsby et al. 2019;
Pfeiffer et al. 2021).

An adapter maps a sublayer's output h to h + W_up f(W_down h), before the sublayer's residual
connection. Placement "houlsby": after self-attention, cross-attention (decoder) and the
feed-forward block; "pfeiffer": after the feed-forward block only. W_up starts at zero, so
the prepared model computes exactly what the backbone computes.

Settings: `placement` ("houlsby"), `reduction_factor` (16: bottleneck = d_model / 16),
`bottleneck` (null; a size overrides `reduction_factor`), `activation` ("relu"), `stacks`
([encoder, decoder]), `train_layer_norms` (false; true also trains the layer norms of those
stacks, as Houlsby et al. did).

Saved: the trained tensors (`xlgen_adapters.safetensors`), the resolved settings
(`xlgen_adapters.json`) and the tokenizer; `load` rebuilds the backbone and its adapters.
"""
# peft has no bottleneck adapters and AdapterHub's `adapters` pins transformers 4.x: our own, in bottleneck.py.

from __future__ import annotations

import json
from pathlib import Path

from xlgen.methods.parts import STACKS

WEIGHTS_FILE = "xlgen_adapters.safetensors"
CONFIG_FILE = "xlgen_adapters.json"


class BottleneckAdapters:
    name = "adapter"
    DEFAULTS = {"placement": "houlsby", "reduction_factor": 16, "bottleneck": None,
                "activation": "relu", "stacks": ["encoder", "decoder"], "train_layer_norms": False}

    def resolve(self, model, settings: dict) -> dict:
        """The full adapter configuration for `model` under `settings` (what is saved)."""
        from xlgen.backbones import family_of
        from xlgen.methods.bottleneck import PLACEMENTS

        config = {key: settings.get(key, default) for key, default in self.DEFAULTS.items()}
        if config["placement"] not in PLACEMENTS:
            raise ValueError(f"{self.name}: placement must be one of {', '.join(PLACEMENTS)}, "
                             f"got {config['placement']!r}")
        unknown = sorted(set(config["stacks"]) - set(STACKS))
        if unknown or not config["stacks"]:
            raise ValueError(f"{self.name}: stacks must be a non-empty subset of {list(STACKS)}, "
                             f"got {config['stacks']!r}")
        if not (config["bottleneck"] or 0) > 0 and not config["reduction_factor"] > 0:
            raise ValueError(f"{self.name}: give a positive bottleneck or reduction_factor")
        d_model = model.config.d_model
        config["bottleneck"] = int(config["bottleneck"] or max(1, d_model // config["reduction_factor"]))
        config.update(method=self.name, family=family_of(model), d_model=d_model)
        return config

    def prepare(self, model, settings: dict):
        from xlgen.methods.bottleneck import add_adapters, is_layer_norm
        from xlgen.methods.parts import stack

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

        from xlgen.methods.bottleneck import trained_tensors

        config = model.xlgen_adapter_config
        out_dir = Path(out_dir)
        save_file(trained_tensors(model, config), out_dir / WEIGHTS_FILE)
        (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        tokenizer.save_pretrained(out_dir)

    def load(self, backbone_path: Path, out_dir: Path):
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        from xlgen.backbones import check_files, load_backbone
        from xlgen.methods.bottleneck import ATTRIBUTE, add_adapters

        check_files(out_dir, ((CONFIG_FILE,), (WEIGHTS_FILE,)))  # a damaged run: one line naming the file

        out_dir = Path(out_dir)
        config = json.loads((out_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        model, _ = load_backbone(backbone_path)
        add_adapters(model, config, skip_lowest=self.inference_skip(config))
        weights = load_file(out_dir / WEIGHTS_FILE)
        own = model.state_dict()
        absent = [k for k in weights if k not in own]
        if any(f".{ATTRIBUTE}." not in k for k in absent):
            raise ValueError(f"{out_dir}: weights that match no parameter of the backbone: {absent[:5]}")
        missing = model.load_state_dict({k: v for k, v in weights.items() if k in own}, strict=False).missing_keys
        untrained = [k for k in missing if f".{ATTRIBUTE}." in k]
        if untrained:
            raise ValueError(f"{out_dir}: no saved weights for adapters {untrained[:5]}")
        model.requires_grad_(False)
        model.eval()
        model.xlgen_adapter_config = config
        return model, AutoTokenizer.from_pretrained(out_dir)
