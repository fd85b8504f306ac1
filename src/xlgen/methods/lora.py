"""`lora`: low-rank adapters (Hu et al. 2022) with peft on attention projections, the
backbone frozen.

Settings: `r` (8), `alpha` (16), `dropout` (0.05), `target_modules`: null for each family's
query and value projections (mT5 `q`, `v`; mBART/NLLB and most LLMs `q_proj`, `v_proj`; the
family module says where they are named otherwise, xlgen.families), a list of module names
for every family, or a mapping family -> list (families left out keep the default). peft's
task type is the family's (SEQ_2_SEQ_LM, or CAUSAL_LM for decoder-only backbones).
"""

from __future__ import annotations

from pathlib import Path

from xlgen.families import FAMILIES, get_family
from xlgen.io import InputError
from xlgen.methods.base import Method
from xlgen.methods.peft_io import load_peft, peft_model, save_peft

DEFAULTS = {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": None}


def target_modules(setting, family, model_type: str | None = None) -> list[str]:
    """The module names LoRA wraps in a backbone of `family` (a name or Family; `model_type`
    picks a decoder-only model's own names) under the `target_modules` setting."""

    family = get_family(family)
    if setting is None:
        return family.lora_target_modules(model_type)
    if isinstance(setting, dict):
        unknown = sorted(set(setting) - set(FAMILIES))
        if unknown:
            raise InputError(f"lora: target_modules has unknown families {unknown}")
        return list(setting.get(family.name, family.lora_target_modules(model_type)))
    return list(setting)


class LoRA(Method):
    name = "lora"
    trainable_share_bound = 0.05  # the study's settings train under 2% (docs/cluster.md)
    description = "LoRA (peft)"

    def config_problem(self, family, settings: dict) -> tuple[str, str] | None:
        """(setting, why) when `settings` cannot run on a backbone of `family`, else None."""
        try:
            target_modules({**DEFAULTS, **settings}["target_modules"], family)
        except InputError as err:
            return "target_modules", str(err).removeprefix("lora: ")
        return None

    def prepare(self, model, settings: dict):
        from peft import LoraConfig, TaskType


        family = get_family(model)
        settings = {**DEFAULTS, **settings}
        config = LoraConfig(
            task_type=getattr(TaskType, family.peft_task_type), r=int(settings["r"]), lora_alpha=settings["alpha"],
            lora_dropout=settings["dropout"], bias="none",
            target_modules=target_modules(settings["target_modules"], family, model.config.model_type),
        )
        return peft_model(model, config)

    def save(self, model, tokenizer, out_dir: Path) -> None:
        save_peft(model, tokenizer, out_dir)

    def load(self, backbone_path: Path, out_dir: Path):
        return load_peft(backbone_path, out_dir)
