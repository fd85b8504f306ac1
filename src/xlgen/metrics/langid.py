"""Wrong-language rate: is an output written in the target language, or in another one?

The study's question is whether a model asked for Russian answers in Russian or slips into
another language (mostly English, the finetuning language). `judge` answers it for one
output with the first rule that applies; the rule is the verdict's `judge` (a column of
every score file, so a verdict from the script alone is never silent):

1. `none`: no letters (empty, digits, punctuation): undetermined. Numbers alone do not
   make a text wrong, nor right.
2. `span`: the output occurs verbatim (whitespace and case folded) in the target-language
   input it was made from (the QA context, the article): it is in the input's language,
   correct. A gold extractive answer is therefore never wrong.
3. `script`: for a target with a script of its own, the output's letters mostly in other
   scripts: wrong. Letters are weighted by their information (a Han character counts 3,
   scripts.text_length) and capitalised or all-caps foreign words (names, acronyms) are left
   out when the output has any letter of the target's script: `ARPANET和SITA HLN于 1969年
   开始运营。` is Chinese, `Denver Broncos` for a Russian target is not.
4. `fasttext`: fastText lid.176 (xlgen.metrics.fasttext_lid) restricted to the plausible
   candidates written in the target's script: the target, the source language (English
   when the target is written in Latin letters) and the target's close languages
   (xlgen.languages.CLOSE_LANGUAGE_GROUPS: Russian for Ukrainian, Arabic for Persian,
   Hindi for Marathi, Spanish for Portuguese stay wrong). An output of `min_chars`
   Latin-letter equivalents or more goes to the candidate with the highest probability.
   A shorter one is decided only with a clear margin (the winner's share of the candidates'
   probability at least SHORT_MARGIN, else undetermined), and only where the source
   language is a candidate (short same-script outputs of a non-Latin target count as
   correct by their script: lid.176 cannot tell 10 letters of Russian from Bulgarian);
   a short output made only of names and numbers is undetermined; one whose every word
   occurs in the input (`input-words`) is correct.
5. A target lid.176 does not know is judged by its script alone (`script`); a target with
   neither a known script nor a lid.176 label is not measurable: NaN with a reason.

Calibration on real text (XQuAD, `xlgen calibrate-langid`, README): see xlgen.calibration.
fastText is deterministic, so verdicts are the same in every run and process.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import regex

from xlgen.io import InputError
from xlgen.languages import close_languages, describe_language
from xlgen.metrics import fasttext_lid
from xlgen.metrics.scripts import (
    DENSE_SCRIPTS,
    DENSE_WEIGHT,
    dominant_script,
    letter_scripts,
    normalize,
    target_scripts,
    text_length,
)

# The one judge today; the config key stays so that another judge can be added beside it.
MODES = ("fasttext",)
DEFAULT_MODE = "fasttext"
# Latin-letter equivalents (scripts.text_length) from which lid.176's best candidate is
# trusted without a margin. Measured on XQuAD (README table): gold sentences of 20+ letters
# are called wrong at most 0.X% in every fixture language.
DEFAULT_MIN_CHARS = 20
# Below min_chars the winner needs this share of the candidates' probability: at 0.8, 93-99%
# of the English XQuAD answers are judged and >= 99% of those called wrong (README).
SHORT_MARGIN = 0.8
SOURCE_LANGUAGE = "en"

CORRECT, WRONG, UNDETERMINED = "correct", "wrong", "undetermined"
JUDGES = ("none", "span", "input-words", "script", "fasttext")

# lid.176's 176 labels (fasttext.cc/docs/en/language-identification.html).
LID176_LABELS = frozenset("""
af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb co cs cv
cy da de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he hi hif hr hsb ht
hu hy ia id ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez li lmo lo lrc lt lv mai mg
mhr min mk ml mn mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no oc or os pa pam pfl pl pms pnb
ps pt qu rm ro ru rue sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk tl tr tt tyv ug
uk ur uz vec vep vi vls vo wa war wuu xal xmf yi yo yue zh
""".split())

# A word: letters and marks (with inner apostrophes or hyphens), optionally with digits.
_WORD_RE = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*")


@dataclass(frozen=True)
class Verdict:
    """The judgement on one output: `status` (correct/wrong/undetermined), `label` (the
    language it was judged to be in, "script:<Script>" where only its script was judged,
    None when undetermined) and `judge` (the rule that decided, JUDGES)."""

    status: str
    label: str | None
    judge: str


def _check_mode(mode: str, min_chars: int = DEFAULT_MIN_CHARS) -> None:
    if mode not in MODES:
        raise InputError(f"unknown langid_mode {mode!r}; known: {', '.join(MODES)}")
    if isinstance(min_chars, bool) or not isinstance(min_chars, int) or min_chars < 0:
        raise InputError(f"min_chars must be a non-negative integer, got {min_chars!r}")


def _collapse(text: str) -> str:
    return " ".join(normalize(text).split()).casefold()


def _name_like(word: str) -> bool:
    """A capitalised or all-caps word, or one with a digit: a name, an acronym, a number."""
    return word[:1].isupper() or any(ch.isdigit() for ch in word)


def _word_script(word: str) -> str | None:
    counts = letter_scripts(word)
    return counts.most_common(1)[0][0] if counts else None


def _weight(word: str) -> int:
    counts = letter_scripts(word)
    return sum(n * (DENSE_WEIGHT if name in DENSE_SCRIPTS else 1) for name, n in counts.items())


@lru_cache(maxsize=1024)
def candidates(lang: str, source: str = SOURCE_LANGUAGE) -> tuple[str, ...]:
    """lid.176 labels an output for target `lang` is compared among: the target first,
    then the source language and the close languages written in the target's script."""
    scripts = target_scripts(lang)
    others = [code for code in (source, *close_languages(lang))
              if code != lang and code in LID176_LABELS and (not scripts or target_scripts(code) == scripts)]
    return (lang, *dict.fromkeys(others))


def na_reason(lang: str, mode: str = DEFAULT_MODE) -> str | None:
    """Why the wrong-language rate of target `lang` cannot be measured, or None.
    ValueError for a code that is not ISO 639-1 (xlgen.languages.describe_language)."""
    _check_mode(mode)
    row = describe_language(lang)
    if lang in LID176_LABELS or target_scripts(lang):
        return None
    return (f"no language identifier knows {row.name} ({lang!r}) and its script "
            f"({row.script}) is not one xlgen tells apart")


def judged_by(lang: str) -> str:
    """What decides the verdicts of target `lang` beyond spans: "fasttext+script",
    "script" (lid.176 does not know the language) or "none" (not measurable)."""
    if na_reason(lang) is not None:
        return "none"
    return "fasttext+script" if lang in LID176_LABELS else "script"


@lru_cache(maxsize=200_000)
def _judge_text(text: str, lang: str, min_chars: int, has_input: bool = False) -> Verdict:
    """Rules 3-5 of the module docstring. `has_input`: the output was checked against its
    input and is not made of the input's words, so its names are not the input's."""
    words = _WORD_RE.findall(normalize(text))
    scripts = target_scripts(lang)
    kept = words
    if scripts:
        in_target = [_word_script(w) in scripts for w in words]
        has_target = any(in_target)
        kept, weights = [], Counter()
        for word, native in zip(words, in_target):
            if has_target and not native and _name_like(word):
                continue
            kept.append(word)
            weights[native] += _weight(word)
        total = weights[True] + weights[False]
        if total and weights[True] / total < 0.5:
            label, prob = fasttext_lid.top_label(" ".join(kept))
            dominant = dominant_script(" ".join(kept)) or "none"
            return Verdict(WRONG, label if prob >= 0.5 else f"script:{dominant}", "script")
    if lang not in LID176_LABELS:
        return Verdict(CORRECT, f"script:{scripts[0]}", "script")
    pool = candidates(lang)
    if len(pool) == 1:  # no other candidate in the target's script: the script has decided
        return Verdict(CORRECT, lang, "script")
    probs = fasttext_lid.probabilities(" ".join(kept))
    scores = {code: probs.get(code, 0.0) for code in pool}
    best = max(pool, key=lambda code: scores[code])  # ties go to the target (listed first)
    total = sum(scores.values())
    if text_length(text) >= min_chars:
        if total <= 0.0:
            return Verdict(UNDETERMINED, None, "fasttext")
        return Verdict(CORRECT if best == lang else WRONG, best, "fasttext")
    if SOURCE_LANGUAGE not in pool:
        return Verdict(CORRECT, lang, "script")
    if not has_input and all(_name_like(w) for w in kept):
        return Verdict(UNDETERMINED, None, "fasttext")
    if total <= 0.0 or scores[best] / total < SHORT_MARGIN:
        return Verdict(UNDETERMINED, None, "fasttext")
    return Verdict(CORRECT if best == lang else WRONG, best, "fasttext")


def judge(text: str, lang: str, input_text: str | None = None, mode: str = DEFAULT_MODE,
          min_chars: int = DEFAULT_MIN_CHARS) -> Verdict:
    """Is output `text` in target language `lang`? `input_text`: the target-language text the
    output was made from (QA context, article), or None. See the module docstring.

    ValueError for an unknown mode, a code that is not ISO 639-1, or a target that cannot be
    measured (check `na_reason` first).
    """
    _check_mode(mode, min_chars)
    reason = na_reason(lang, mode)
    if reason is not None:
        raise InputError(reason)
    if not regex.search(r"\p{L}", text):
        return Verdict(UNDETERMINED, None, "none")
    if input_text:
        collapsed = _collapse(text)
        haystack = _collapse(input_text)
        if collapsed in haystack:
            return Verdict(CORRECT, lang, "span")
        if text_length(text) < min_chars:
            vocabulary = set(_WORD_RE.findall(haystack))
            if all(w in vocabulary for w in _WORD_RE.findall(collapsed)):
                return Verdict(CORRECT, lang, "input-words")
            return _judge_text(text, lang, min_chars, has_input=True)
    return _judge_text(text, lang, min_chars)


def language_verdicts(predictions: list[str], lang: str, mode: str = DEFAULT_MODE,
                      min_chars: int = DEFAULT_MIN_CHARS, inputs: list[str | None] | None = None
                      ) -> list[Verdict] | None:
    """One Verdict per prediction (with its input, when `inputs` is given), or None when
    `lang` cannot be measured."""
    if na_reason(lang, mode) is not None:
        return None
    inputs = inputs if inputs is not None else [None] * len(predictions)
    if len(inputs) != len(predictions):
        raise InputError(f"{len(predictions)} predictions but {len(inputs)} inputs")
    return [judge(text, lang, source, mode, min_chars) for text, source in zip(predictions, inputs)]


def wrong_language_per_example(verdicts: list[Verdict] | None, n: int) -> list[float]:
    """1.0 wrong, 0.0 correct, NaN undetermined or unmeasurable: nanmean = wrong_lang_rate."""
    if verdicts is None:
        return [math.nan] * n
    values = {WRONG: 1.0, CORRECT: 0.0, UNDETERMINED: math.nan}
    return [values[v.status] for v in verdicts]


def wrong_language_stats(predictions: list[str], lang: str, mode: str = DEFAULT_MODE,
                         min_chars: int = DEFAULT_MIN_CHARS, inputs: list[str | None] | None = None) -> dict:
    """Wrong-language summary of `predictions` for target `lang` (see verdict_stats)."""
    _check_mode(mode, min_chars)
    return verdict_stats(language_verdicts(predictions, lang, mode, min_chars, inputs), lang, mode, min_chars)


def verdict_stats(verdicts: list[Verdict] | None, lang: str, mode: str = DEFAULT_MODE,
                  min_chars: int = DEFAULT_MIN_CHARS) -> dict:
    """Summary of the outputs' verdicts (rates are fractions 0-1, NaN with a zero denominator).

    Keys: wrong_lang_rate (n_wrong / n_determined), undetermined_rate (n_undetermined / n),
    english_rate (share of the determined labelled "en"), detected_langs (share of each
    label among the determined, sorted), judges (share of all outputs decided by each rule),
    langid_judge (what decides beyond spans: "fasttext+script", "script" or "none"), n_wrong,
    n_undetermined, langid_mode, langid_min_chars, wrong_lang_na_reason (None, or why every
    rate is NaN).
    """
    _check_mode(mode, min_chars)
    stats = {"langid_mode": mode, "langid_min_chars": min_chars, "langid_judge": judged_by(lang)}
    if verdicts is None:
        nan = math.nan
        return {**stats, "wrong_lang_rate": nan, "undetermined_rate": nan, "english_rate": nan,
                "detected_langs": {}, "judges": {}, "n_wrong": None, "n_undetermined": None,
                "wrong_lang_na_reason": na_reason(lang, mode)}
    n = len(verdicts)
    statuses = Counter(v.status for v in verdicts)
    labels = Counter(v.label for v in verdicts if v.status != UNDETERMINED)
    judges = Counter(v.judge for v in verdicts)
    determined = n - statuses[UNDETERMINED]

    def share(count: int, total: int) -> float:
        return count / total if total else math.nan

    return {
        **stats,
        "wrong_lang_rate": share(statuses[WRONG], determined),
        "undetermined_rate": share(statuses[UNDETERMINED], n),
        "english_rate": share(labels[SOURCE_LANGUAGE], determined),
        "detected_langs": {label: labels[label] / determined for label in sorted(labels)},
        "judges": {name: judges[name] / n for name in sorted(judges)},
        "n_wrong": statuses[WRONG],
        "n_undetermined": statuses[UNDETERMINED],
        "wrong_lang_na_reason": None,
    }
