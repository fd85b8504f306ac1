"""`lora`: low-rank adapters (Hu et al. 2022) with peft on attention projections, the
backbone frozen.

Settings: `r` (8), `alpha` (16), `dropout` (0.05), `target_modules`: null for each family's
query and value projections (mT5 `q`, `v`; mBART/NLLB `q_proj`, `v_proj`), a list of module
names for every family, or a mapping family -> list (families left out keep the default).
"""

from __future__ import annotations

from pathlib import Path

from xlgen.methods.peft_io import load_peft, save_peft

DEFAULTS = {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": None}
DEFAULT_TARGETS = {"mt5": ["q", "v"], "mbart": ["q_proj", "v_proj"], "nllb": ["q_proj", "v_proj"]}


def target_modules(setting, family: str) -> list[str]:
    """The module names LoRA wraps in a backbone of `family` under the `target_modules` setting."""
    if setting is None:
        return list(DEFAULT_TARGETS[family])
    if isinstance(setting, dict):
        unknown = sorted(set(setting) - set(DEFAULT_TARGETS))
        if unknown:
            raise ValueError(f"lora: target_modules has unknown families {unknown}")
        return list(setting.get(family, DEFAULT_TARGETS[family]))
    return list(setting)


class LoRA:
    name = "lora"

    def prepare(self, model, settings: dict):
        from peft import LoraConfig, TaskType, get_peft_model

        from xlgen.backbones import family_of

        settings = {**DEFAULTS, **settings}
        config = LoraConfig(
            task_type=TaskType.SEQ_2_SEQ_LM, r=int(settings["r"]), lora_alpha=settings["alpha"],
            lora_dropout=settings["dropout"], bias="none",
            target_modules=target_modules(settings["target_modules"], family_of(model)),
        )
        return get_peft_model(model, config)

    def save(self, model, tokenizer, out_dir: Path) -> None:
        save_peft(model, tokenizer, out_dir)

    def load(self, backbone_path: Path, out_dir: Path):
        return load_peft(backbone_path, out_dir)
