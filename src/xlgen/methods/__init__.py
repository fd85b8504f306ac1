"""Adaptation methods: one small module each, one interface (`Method`), one registry.

A method decides which parameters of the backbone train and how what it trained is saved
and loaded back for generation; its optional hooks (batches, gradient combination, the
config check, its settings' schema) are `xlgen.methods.base.Method`'s, with defaults.
Adding a method is its module and one line in `METHODS`: the config schema's method lists
come from this registry (xlgen.config.schema_with_registries). A method outside the
package is a plug-in: naming an importable module in `methods` registers its `METHOD`
(`load_method`), in every process that asks for it.
"""

from __future__ import annotations

import importlib
import re

from xlgen.io import UnknownNameError
from xlgen.methods.adapter import BottleneckAdapters
from xlgen.methods.adapterdrop import AdapterDrop
from xlgen.methods.base import Method
from xlgen.methods.freeze import FreezeParts
from xlgen.methods.full import FullFinetuning
from xlgen.methods.graddrop import GradDropMix
from xlgen.methods.lora import LoRA
from xlgen.methods.mix_unsup import MixUnsup
from xlgen.methods.prompt import PromptTuning
from xlgen.remedies import DECODE_REMEDIES, remedy_of_suffix

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
# a plug-in is a top-level module whose name is its method's (the finetune rule's method wildcard: [a-z_]+)
_MODULE_NAME = re.compile(r"^[a-z_]+$")


# Data-translation baselines are variants of a method, named like backbone variants ('+it'):
# 'full+tt-ru' is `full` finetuned on the English training set machine-translated into ru
# (translate-train); 'full+ttest' is the English `full` run applied to target inputs
# machine-translated into English, its outputs translated back (translate-test).
# Decode-time remedies (issue 23) are variants too: 'full+mask' is the English `full` run
# decoding under the script mask, 'full+steer' with a steering vector (xlgen.remedies:
# DECODE_REMEDIES, each with its path suffix).
TRANSLATE_TRAIN = "+tt-"
TRANSLATE_TEST = "+ttest"
SCRIPT_MASK = DECODE_REMEDIES["script_mask"].suffix


def method_variant(name: str) -> tuple[str, str | None, str | None]:
    """(base method, variant, language): 'full' -> ('full', None, None), 'full+tt-ru' ->
    ('full', 'translate_train', 'ru'), 'full+ttest' -> ('full', 'translate_test', None),
    'full+mask' -> ('full', 'script_mask', None), 'full+steer' -> ('full', 'steering', None)."""
    if name.endswith(TRANSLATE_TEST):
        return name[: -len(TRANSLATE_TEST)], "translate_test", None
    remedy = remedy_of_suffix(name)
    if remedy is not None:
        return name[: -len(remedy.suffix)], remedy.name, None
    base, sep, lang = name.partition(TRANSLATE_TRAIN)
    if sep:
        return base, "translate_train", lang
    return name, None, None


def base_method(name: str) -> str:
    """The registered method a variant trains with: 'lora+tt-zh' -> 'lora'."""
    return method_variant(name)[0]


def get_method(name: str) -> Method:
    """The method of a name or of a translate-train/test variant of it (a plug-in's module
    is imported on first use, `load_method`)."""
    return load_method(base_method(name))


def load_method(name: str) -> Method:
    """The registered method `name`, or a plug-in's: the `METHOD` (a Method named `name`) of
    the importable module `name`, registered on first use. An UnknownNameError (a KeyError) of one line naming the
    known methods otherwise."""
    if name in METHODS:
        return METHODS[name]
    known = f"unknown method {name!r}; known: {', '.join(sorted(METHODS))}"
    if not _MODULE_NAME.match(name):
        raise UnknownNameError(known)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name and not name.startswith(f"{err.name}."):  # the plug-in's own import failed
            raise
        raise UnknownNameError(f"{known}; nor an importable module defining METHOD") from None
    method = getattr(module, "METHOD", None)
    if not isinstance(method, Method) or method.name != name:
        raise UnknownNameError(f"{known}; module {name} defines no METHOD (an xlgen.methods.Method named {name!r})")
    METHODS[name] = method
    return method


def trainable_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
