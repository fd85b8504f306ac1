"""Denoising and translation objectives: the pretraining examples of a backbone family.

Used by the demo backbone builder (pretraining), intermediate tuning (xlgen.intermediate)
and `mix_unsup` (xlgen.methods.mix_unsup): each draws examples of the family's own
pretraining objective (span corruption for mT5, text infilling for mBART/NLLB, causal LM
for decoder-only LLMs; Family.denoising_example) from target-language text, or translation
examples from English<->X pairs (Family.translation_example).
"""

from __future__ import annotations

import random
from typing import Callable

from xlgen.families import get_family


def span_corruption(ids: list[int], sentinel_ids: list[int], eos_id: int, rng: random.Random,
                    noise: float = 0.15, mean_span: float = 3.0) -> tuple[list[int], list[int]]:
    """T5 span corruption: masked spans become sentinels in the input, the target lists them."""
    n = len(ids)
    n_noise = max(1, round(n * noise))
    n_spans = max(1, min(len(sentinel_ids) - 1, round(n_noise / mean_span)))
    starts = sorted(rng.sample(range(n), min(n_spans, n)))
    source, target, cursor = [], [], 0
    for k, start in enumerate(starts):
        if start < cursor:
            continue
        length = max(1, min(n - start, round(rng.expovariate(1 / mean_span))))
        source += ids[cursor:start] + [sentinel_ids[k]]
        target += [sentinel_ids[k]] + ids[start:start + length]
        cursor = start + length
    source += ids[cursor:] + [eos_id]
    target += [sentinel_ids[len(starts)], eos_id]
    return source, target


def text_infilling(body: list[int], mask_id: int, rng: random.Random, noise: float = 0.35,
                   mean_span: float = 3.5) -> list[int]:
    """BART/mBART text infilling: spans covering ~`noise` of the tokens become one <mask>."""
    out, i, n = [], 0, len(body)
    budget = round(n * noise)
    while i < n:
        if budget > 0 and rng.random() < noise / mean_span:
            length = max(1, min(budget, round(rng.expovariate(1 / mean_span))))
            out.append(mask_id)
            i += length
            budget -= length
        else:
            out.append(body[i])
            i += 1
    return out


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
    name or a Family.
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
