"""MLQA's official exact match and token F1 (mlqa_evaluation_v1.py, facebookresearch/MLQA),
the numbers MLQA papers report: the metric flavour "mlqa" (xlgen.metrics.flavours).

Reimplemented because the official evaluation is a script, not an importable package; the
semantics are the script's, step for step, for the answer language `lang`:
  1. lower-case (str.lower);
  2. drop every punctuation character: Unicode categories P* and string.punctuation;
  3. drop articles: en a|an|the, es un|una|unos|unas|el|la|los|las, de
     ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des, vi của|là|cái|chiếc|những
     (word-bounded, replaced by a space); ar: the script's pattern '\\sال^|ال' can only match
     its second branch, so every "ال" is replaced by a space, also inside a word (kept as the
     published numbers were computed with it); hi and zh: none;
  4. tokens: whitespace split; zh: mixed segmentation, every CJK ideograph (U+4E00-U+9FA5)
     and punctuation character its own token, the runs between them split on whitespace;
  5. EM: the normalized strings are equal; F1: token-count overlap (0 without a common
     token); each the maximum over the gold answers.
Another language is an error, as in the script. Values are 0-100 per example.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from functools import lru_cache

from xlgen.io import InputError

MLQA_LANGUAGES = ("ar", "de", "en", "es", "hi", "vi", "zh")
_WHITESPACE_LANGS = ("en", "es", "hi", "vi", "de", "ar")
_ARTICLES = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
}
_CJK = re.compile(r"[\u4e00-\u9fa5]")


@lru_cache(maxsize=4096)
def _is_punct(ch: str) -> bool:
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


def _check_language(lang: str) -> None:
    if lang not in MLQA_LANGUAGES:
        raise InputError(f"mlqa metric: no MLQA normalization for language {lang!r} "
                         f"(MLQA languages: {' '.join(MLQA_LANGUAGES)})")


def mixed_segmentation(text: str) -> list[str]:
    """MLQA's Chinese tokens: each CJK ideograph or punctuation character alone, whitespace
    tokens in between."""
    tokens: list[str] = []
    run = ""
    for ch in text:
        if _CJK.match(ch) or _is_punct(ch):
            tokens.extend(run.split())
            run = ""
            tokens.append(ch)
        else:
            run += ch
    tokens.extend(run.split())
    return tokens


@lru_cache(maxsize=65536)
def mlqa_normalize(text: str, lang: str) -> str:
    """MLQA's normalize_answer: the normalized tokens joined by single spaces."""
    _check_language(lang)
    text = "".join(ch for ch in text.lower() if not _is_punct(ch))
    if lang in _ARTICLES:
        text = _ARTICLES[lang].sub(" ", text)
    elif lang == "ar":
        text = text.replace("ال", " ")
    tokens = text.split() if lang in _WHITESPACE_LANGS else mixed_segmentation(text)
    return " ".join(token for token in tokens if token.strip())


def _f1(prediction: list[str], gold: list[str]) -> float:
    common = sum((Counter(prediction) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(prediction), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def mlqa_exact_match(prediction: str, golds: list[str], lang: str) -> float:
    """100 if the MLQA-normalized prediction equals some normalized gold answer, else 0."""
    pred = mlqa_normalize(prediction, lang)
    return 100.0 * max(float(pred == mlqa_normalize(gold, lang)) for gold in golds)


def mlqa_f1(prediction: str, golds: list[str], lang: str) -> float:
    """MLQA's token F1 x 100 against the best gold answer."""
    pred = mlqa_normalize(prediction, lang).split()
    return 100.0 * max(_f1(pred, mlqa_normalize(gold, lang).split()) for gold in golds)


def mlqa_per_example(lang: str, predictions: list[str], references: list[list[str]]) -> dict[str, list[float]]:
    """The flavour's per-example metrics: "mlqa_em" and "mlqa_f1" (0-100)."""
    _check_language(lang)
    out: dict[str, list[float]] = {"mlqa_em": [], "mlqa_f1": []}
    for prediction, golds in zip(predictions, references, strict=True):
        golds = [golds] if isinstance(golds, str) else list(golds)
        out["mlqa_em"].append(mlqa_exact_match(prediction, golds, lang))
        out["mlqa_f1"].append(mlqa_f1(prediction, golds, lang))
    return out
