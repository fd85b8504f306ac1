"""`prompt`: prompt tuning (Lester et al. 2021) with peft: trainable soft tokens before the
encoder input (a decoder-only backbone: before the prompt), the backbone frozen.

Settings: `num_virtual_tokens` (20), `init` ("vocab": embeddings of tokens sampled from the
vocabulary, as Lester et al. recommend; "random": peft's random soft tokens).
"""

from __future__ import annotations

from pathlib import Path

from xlgen.families import get_family
from xlgen.io import InputError
from xlgen.methods.base import Method
from xlgen.methods.peft_io import load_peft, peft_model, save_peft

DEFAULTS = {"num_virtual_tokens": 20, "init": "vocab"}
INITS = {"vocab": "SAMPLE_VOCAB", "random": "RANDOM"}


class PromptTuning(Method):
    name = "prompt"
    trainable_share_bound = 0.05  # the study's settings train under 2% (docs/cluster.md)
    description = "soft prompt tuning (peft)"

    def prepare(self, model, settings: dict):
        from peft import PromptTuningConfig, TaskType


        family = get_family(model)
        settings = {**DEFAULTS, **settings}
        if settings["init"] not in INITS:
            raise InputError(f"prompt: init must be one of {', '.join(INITS)}, got {settings['init']!r}")
        config = PromptTuningConfig(
            task_type=getattr(TaskType, family.peft_task_type),
            num_virtual_tokens=int(settings["num_virtual_tokens"]),
            prompt_tuning_init=INITS[settings["init"]],
            # encoder side only (decoder-only models have one side): peft's seq2seq default (2)
            # allocates decoder-side prompts that prompt tuning never feeds to the model, yet
            # counts them as trainable
            num_transformer_submodules=1,
        )
        return peft_model(model, config)

    def save(self, model, tokenizer, out_dir: Path) -> None:
        save_peft(model, tokenizer, out_dir)

    def load(self, backbone_path: Path, out_dir: Path):
        return load_peft(backbone_path, out_dir)
