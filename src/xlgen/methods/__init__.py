"""Adaptation methods: one small module each, one interface, one registry.

A method decides which parameters of the backbone train and how what it trained is saved
and loaded back for generation. Adding a method means adding its module here, its name to
`METHODS`, and its settings to the config schema; nothing else changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from xlgen.io import UnknownNameError
from xlgen.methods.adapter import BottleneckAdapters
from xlgen.methods.adapterdrop import AdapterDrop
from xlgen.methods.freeze import FreezeParts
from xlgen.methods.full import FullFinetuning
from xlgen.methods.graddrop import GradDropMix
from xlgen.methods.lora import LoRA
from xlgen.methods.mix_unsup import MixUnsup
from xlgen.methods.prompt import PromptTuning


class Method(Protocol):
    name: str

    def prepare(self, model, settings: dict):
        """Return the model to train, with `requires_grad` set on what this method trains."""

    def save(self, model, tokenizer, out_dir: Path) -> None:
        """Save what the method trained (save_pretrained, peft adapters or safetensors) so `load` can rebuild it."""

    def load(self, backbone_path: Path, out_dir: Path):
        """(model, tokenizer) ready for generation, from the backbone and `out_dir`."""

    # Optional:
    # uses_unlabeled: bool                 the finetune rule passes target-language unlabeled text
    # batches(train_examples, context)     a batch source other than plain task batches
    #                                      (xlgen.methods.batches.BatchContext), e.g. task + denoising
    # combine: str                         how named losses of a batch combine: "sum" | "graddrop"
    # config_problem(family, settings)     (setting, why) when the settings cannot run on a backbone
    #                                      of that family (xlgen.families), for the config check


METHODS: dict[str, Method] = {
    "full": FullFinetuning(),
    "freeze": FreezeParts(),
    "prompt": PromptTuning(),
    "lora": LoRA(),
    "adapter": BottleneckAdapters(),
    "adapterdrop": AdapterDrop(),
    "mix_unsup": MixUnsup(),
    "graddrop": GradDropMix(),
}


# Data-translation baselines are variants of a method, named like backbone variants ('+it'):
# 'full+tt-ru' is `full` finetuned on the English training set machine-translated into ru
# (translate-train); 'full+ttest' is the English `full` run applied to target inputs
# machine-translated into English, its outputs translated back (translate-test).
TRANSLATE_TRAIN = "+tt-"
TRANSLATE_TEST = "+ttest"


def method_variant(name: str) -> tuple[str, str | None, str | None]:
    """(base method, variant, language): 'full' -> ('full', None, None), 'full+tt-ru' ->
    ('full', 'translate_train', 'ru'), 'full+ttest' -> ('full', 'translate_test', None)."""
    if name.endswith(TRANSLATE_TEST):
        return name[: -len(TRANSLATE_TEST)], "translate_test", None
    base, sep, lang = name.partition(TRANSLATE_TRAIN)
    if sep:
        return base, "translate_train", lang
    return name, None, None


def base_method(name: str) -> str:
    """The registered method a variant trains with: 'lora+tt-zh' -> 'lora'."""
    return method_variant(name)[0]


def get_method(name: str) -> Method:
    """The method of a name or of a translate-train/test variant of it."""
    try:
        return METHODS[base_method(name)]
    except KeyError:
        raise UnknownNameError(f"unknown method {name!r}; known: {', '.join(sorted(METHODS))}") from None


def trainable_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
