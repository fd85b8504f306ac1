"""Backbone families: one module each, keyed by the checkpoint's `model_type`.

  mt5    (mt5)        MT5ForConditionalGeneration, no language codes          families/mt5.py
  mbart  (mbart)      MBartForConditionalGeneration, mBART-50 codes (ru_RU)   families/mbart.py
  nllb   (m2m_100)    M2M100ForConditionalGeneration, NLLB-200 codes          families/nllb.py
  causal (llama, qwen2, qwen3, gemma*, mistral, cohere*, phi3, ...)           families/causal.py
         decoder-only LLMs: prompt template (or chat template), loss on the completion only,
         left padding, an instruction naming the output language (or none)

Every stage loads models only with `from_pretrained(path)` and reads the family back from
the checkpoint's `model_type` (`family_of`), so a hub checkpoint and a demo one go through
the same code. The config names a backbone's family in `backbone_catalog.<name>.family`
(one of FAMILIES' keys), with the family's settings beside it (`Family.setting_defaults`).
A new family is one module with a Family subclass, listed here.
"""

from __future__ import annotations

import random
from typing import Callable

from xlgen.families.base import Family, GenerationRequest
from xlgen.families.causal import Causal
from xlgen.families.mbart import MBart
from xlgen.families.mt5 import MT5
from xlgen.families.nllb import NLLB
from xlgen.io import InputError

FAMILIES: dict[str, Family] = {family.name: family for family in (MT5(), MBart(), NLLB(), Causal())}
MODEL_TYPES: dict[str, str] = {model_type: family.name for family in FAMILIES.values()
                               for model_type in family.model_types}
# the catalog keys that hold family settings (backbone_catalog.<name>.<key>)
SETTING_KEYS: tuple[str, ...] = tuple(dict.fromkeys(k for f in FAMILIES.values() for k in f.setting_defaults))


def family_name(model_or_config) -> str:
    """The family name of a loaded model or config, by its `model_type`."""
    config = getattr(model_or_config, "config", model_or_config)
    try:
        return MODEL_TYPES[config.model_type]
    except KeyError:
        raise InputError(f"unsupported model_type {config.model_type!r}; supported: "
                         f"{', '.join(MODEL_TYPES)}") from None


def get_family(family, settings: dict | None = None) -> Family:
    """The Family of a name ('mbart'), of a model or config (its model_type), or `family`
    itself, configured with a backbone's `settings` (see family_settings) when given."""
    if not isinstance(family, Family):
        if isinstance(family, str):
            if family not in FAMILIES:
                raise InputError(f"unknown backbone family {family!r}; known: {', '.join(FAMILIES)}")
            family = FAMILIES[family]
        else:
            family = FAMILIES[family_name(family)]
    return family.configure(settings) if settings else family


def family_settings(spec: dict) -> dict:
    """The family settings of a backbone_catalog entry (its keys in SETTING_KEYS)."""
    return {key: spec[key] for key in SETTING_KEYS if key in spec}


def pretraining_examples(family, tokenizer, unlabeled: dict[str, list[str]],
                         parallel: dict[str, list[tuple[str, str]]], objectives: list[str],
                         rng: random.Random, max_length: int = 96,
                         phrases: dict[str, list[tuple[str, str]]] | None = None) -> Callable[[], dict]:
    """A sampler of pretraining examples (`input_ids`, `labels`) mixing the objectives.

    denoising: the family's own objective (mT5 span corruption: sentinels in, spans out;
    mBART/NLLB text infilling: <mask> in, whole text out; decoder-only: causal LM on the
    text); reconstruction: the corrupted text in, the whole text out (T5's "BERT-style"
    objective; decoder-only: the text with spans deleted in a prompt, the whole text its
    completion; for mBART/NLLB the same as denoising); translation: English <->
    target pairs in both directions with the family's language control; phrases: the same
    on aligned phrase pairs (names, places, dates, numbers), for an MT model. `family`: a
    name or a Family (the demo builder, intermediate tuning and mix_unsup know the
    family by name).
    """
    family = get_family(family)
    phrases = phrases or {}
    langs = sorted(unlabeled)

    def denoise(reconstruct: bool = False) -> dict:
        lang = rng.choice(langs)
        lines = unlabeled[lang]
        start = rng.randrange(len(lines))
        text = " ".join(lines[start:start + rng.randint(1, 3)])  # 1-3 sentences: article-like
        return family.denoising_example(tokenizer, text, lang, rng, reconstruct, max_length)

    def translate(pairs: dict[str, list[tuple[str, str]]]) -> dict:
        lang = rng.choice(sorted(pairs))
        en, xx = pairs[lang][rng.randrange(len(pairs[lang]))]
        src_lang, tgt_lang, src, tgt = ("en", lang, en, xx) if rng.random() < 0.5 else (lang, "en", xx, en)
        return family.translation_example(tokenizer, src_lang, tgt_lang, src, tgt, max_length)

    usable = [o for o in objectives if o not in ("translation", "phrases") or (parallel if o == "translation"
                                                                                 else phrases)]

    def sample() -> dict:
        objective = rng.choice(usable)  # the objectives in equal shares
        if objective in ("translation", "phrases"):
            return translate(parallel if objective == "translation" else phrases)
        return denoise(reconstruct=objective == "reconstruction")

    return sample


__all__ = ["FAMILIES", "MODEL_TYPES", "SETTING_KEYS", "Family", "GenerationRequest", "family_name",
           "family_settings", "get_family", "pretraining_examples"]
