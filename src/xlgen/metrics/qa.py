"""QA metrics: exact match and token F1, each in two normalizations, on a 0-100 scale.

* `squad_*`: the official SQuAD v1.1 evaluation (evaluate-v1.1.py), reimplemented line for
  line because it is a script, not an importable package: lowercase, drop ASCII punctuation,
  drop English articles, split on whitespace. Comparable to published XQuAD numbers, and
  wrong for scripts without spaces (a Chinese answer is one token).
* `unicode_*`: MLQA's evaluation (mlqa_evaluation_v1.py) generalized: NFKC, lowercase, drop
  every Unicode punctuation character (categories P*) and ASCII punctuation, drop the
  language's articles as MLQA does (en, es, de, vi, ar; none elsewhere), split on
  whitespace with each character of an unspaced script (zh, ja, th, lo, km, my) its own
  token.

Gold answers are a list: an example scores its best match over them. Both variants keep
SQuAD's F1 rule that no overlapping token gives 0 (also when both sides normalize to empty).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from functools import lru_cache

from xlgen.metrics.scripts import normalize
from xlgen.metrics.tokenize import split_unspaced

# --- SQuAD v1.1 official ----------------------------------------------------------------


def squad_normalize(text: str) -> str:
    """SQuAD v1.1 `normalize_answer`: lower, remove punctuation, articles, extra whitespace."""
    exclude = set(string.punctuation)
    text = text.lower()
    text = "".join(ch for ch in text if ch not in exclude)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def _f1(prediction_tokens: list[str], gold_tokens: list[str]) -> float:
    common = Counter(prediction_tokens) & Counter(gold_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(prediction_tokens)
    recall = num_same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_exact_match(prediction: str, golds: list[str]) -> float:
    """100 if `prediction` equals some gold answer after SQuAD normalization, else 0."""
    pred = squad_normalize(prediction)
    return 100.0 * max(float(pred == squad_normalize(gold)) for gold in golds)


def squad_f1(prediction: str, golds: list[str]) -> float:
    """SQuAD v1.1 token F1 x 100 against the best gold answer."""
    pred = squad_normalize(prediction).split()
    return 100.0 * max(_f1(pred, squad_normalize(gold).split()) for gold in golds)


# --- Unicode-aware (MLQA-style) -----------------------------------------------------------

# MLQA's article lists, word-bounded as in its script.
_ARTICLES = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    # MLQA writes '\sال^|ال', which deletes "ال" anywhere (مال -> م); we strip it where it
    # begins a word, the evident intent.
    "ar": re.compile(r"(?<!\w)ال"),
}


@lru_cache(maxsize=256)
def _is_punct(ch: str) -> bool:
    return ch in string.punctuation or unicodedata.category(ch).startswith("P")


@lru_cache(maxsize=65536)
def unicode_tokens(text: str, lang: str) -> tuple[str, ...]:
    """Tokens of `text` under the Unicode-aware normalization (see module docstring)."""
    text = normalize(text).lower()
    text = "".join(ch for ch in text if not _is_punct(ch))
    articles = _ARTICLES.get(lang)
    if articles is not None:
        text = articles.sub(" ", text)
    return tuple(split_unspaced(text))


def unicode_exact_match(prediction: str, golds: list[str], lang: str) -> float:
    """100 if the Unicode-normalized token sequences of prediction and some gold agree."""
    pred = unicode_tokens(prediction, lang)
    return 100.0 * max(float(pred == unicode_tokens(gold, lang)) for gold in golds)


def unicode_f1(prediction: str, golds: list[str], lang: str) -> float:
    """Token F1 x 100 under the Unicode-aware normalization, against the best gold."""
    pred = list(unicode_tokens(prediction, lang))
    return 100.0 * max(_f1(pred, list(unicode_tokens(gold, lang))) for gold in golds)


def qa_per_example(
    lang: str, predictions: list[str], references: list[list[str]]
) -> dict[str, list[float]]:
    """Per-example "em", "f1" (SQuAD official) and "em_unicode", "f1_unicode", 0-100."""
    out: dict[str, list[float]] = {"em": [], "f1": [], "em_unicode": [], "f1_unicode": []}
    for prediction, golds in zip(predictions, references, strict=True):
        out["em"].append(squad_exact_match(prediction, golds))
        out["f1"].append(squad_f1(prediction, golds))
        out["em_unicode"].append(unicode_exact_match(prediction, golds, lang))
        out["f1_unicode"].append(unicode_f1(prediction, golds, lang))
    return out
