"""Wrong-language rate: in which language did the model answer?

Two modes (`langid_mode`):

* "langdetect": langdetect decides. An output shorter than `min_chars` (default 20),
  counted in Latin-letter equivalents (letters plus combining marks after NFKC, a Han, kana
  or Hangul character counting 3: see scripts.text_length), or on which langdetect finds no
  features, is `undetermined`: counted apart, never wrong. An output is wrong when its
  detected label (`zh-cn`/`zh-tw` -> `zh`) differs from the target's. A label whose
  language is not written in the output's script is langdetect failing, not the model
  (langdetect calls plain Chinese "ko"): such outputs are undetermined too. A target
  langdetect has no profile for (lo, km, my) gets NaN rates and a `wrong_lang_na_reason`.
* "script+langdetect": for a target written in a non-Latin script, the script of the
  output's letters decides first. Fewer than half of the letters in the target's script
  -> wrong however short (label: langdetect's if the output is long enough and langdetect
  answers, else "script:<Script>"). Mostly in the target's script: langdetect decides if the
  output is long enough and the target has a profile, but a label whose language is not
  written in that script (langdetect calls short Chinese "ko") is overruled as correct;
  short outputs in the target's script count as correct ("script:<Script>"), so short
  right and short wrong outputs are judged alike and the rate is not biased upwards.
  Languages without a langdetect profile become measurable by script. Latin-script targets
  fall back to "langdetect" (the script cannot tell English from Spanish).

Determinism: langdetect samples n-grams at random. Detectors come from a private
DetectorFactory with seed 0 (each detection reseeds, so a text's label does not depend on
what was detected before) whose profiles are loaded in sorted file order (langdetect's own
`load_profile` follows `os.listdir` order, on which close calls can depend). Labels
are cached per text. The outputs of a file are detected together
(xlgen.metrics.langdetect_batch: langdetect's own arithmetic run on many texts at once,
the same labels bit for bit, about 6x faster).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY

from xlgen.languages import get_language
from xlgen.metrics.langdetect_batch import detect_batch
from xlgen.metrics.scripts import dominant_script, script_share, target_scripts, text_length

MODES = ("langdetect", "script+langdetect")
# Measured on whole-word windows of 50 news sentences in 10 languages (en ru es de ar zh hi
# th vi tr): langdetect is right on 92% of 10-letter windows (en, es: 77%), 97% at 15, 99%
# at 20. A misread output counts as wrong-language, so 20 letters (7 Han characters: on Han
# text langdetect's only misreading, "ko", is caught by `plausible`); short outputs are
# better judged by langid_mode="script+langdetect".
DEFAULT_MIN_CHARS = 20
SEED = 0

# Status of one output.
CORRECT, WRONG, UNDETERMINED = "correct", "wrong", "undetermined"

# The scripts each of langdetect's 55 profiles is written in, to overrule implausible labels.
_CJK = ("Han", "Hiragana", "Katakana")
LANGDETECT_SCRIPTS: dict[str, tuple[str, ...]] = {
    **{code: ("Latin",) for code in (
        "af ca cs cy da de en es et fi fr hr hu id it lt lv nl no pl pt ro sk sl so sq sv sw "
        "tl tr vi").split()},
    **{code: ("Cyrillic",) for code in ("bg", "mk", "ru", "uk")},
    **{code: ("Arabic",) for code in ("ar", "fa", "ur")},
    **{code: ("Devanagari",) for code in ("hi", "mr", "ne")},
    "bn": ("Bengali",), "el": ("Greek",), "gu": ("Gujarati",), "he": ("Hebrew",),
    "kn": ("Kannada",), "ml": ("Malayalam",), "pa": ("Gurmukhi",), "ta": ("Tamil",),
    "te": ("Telugu",), "th": ("Thai",), "ko": ("Hangul",), "ja": _CJK, "zh": ("Han",),
}

DetectorFactory.seed = SEED  # also seeds langdetect.detect() for any other caller


def normalize_label(label: str) -> str:
    """langdetect label -> registry label: `zh-cn`, `zh-tw` -> `zh`; others unchanged."""
    return "zh" if label.startswith("zh") else label


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    names = sorted(n for n in os.listdir(PROFILES_DIRECTORY) if not n.startswith("."))
    profiles = []
    for name in names:
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
            profiles.append(handle.read())
    factory.load_json_profile(profiles)
    factory.set_seed(SEED)
    return factory


_LABELS: dict[str, str | None] = {}  # normalized label per text, filled by detect_languages
_LABELS_MAX = 200_000


def detect_languages(texts: list[str]) -> list[str | None]:
    """detect_language of each text, detected together (xlgen.metrics.langdetect_batch: the
    same labels as one langdetect call per text, several times faster) and cached per text."""
    missing = list(dict.fromkeys(t for t in texts if t not in _LABELS))
    if missing:
        if len(_LABELS) + len(missing) > _LABELS_MAX:
            _LABELS.clear()
        for text, label in zip(missing, detect_batch(_factory(), missing)):
            _LABELS[text] = None if label in (None, "unknown") else normalize_label(label)
    return [_LABELS[t] if t in _LABELS else detect_languages([t])[0] for t in texts]


@lru_cache(maxsize=200_000)
def detect_language(text: str) -> str | None:
    """langdetect's normalized label for `text`, None when it finds nothing to judge.

    No length threshold here (see `judge`); deterministic across calls and processes.
    """
    return detect_languages([text])[0]


def plausible(label: str, script: str | None) -> bool:
    """Whether langdetect's `label` can be right for text mostly in `script`.

    False for e.g. "ko" on text without Hangul (langdetect's profiles share Han n-grams);
    True for labels whose script is not tabled.
    """
    scripts = LANGDETECT_SCRIPTS.get(label)
    return scripts is None or script in scripts


def na_reason(lang: str, mode: str = "langdetect") -> str | None:
    """Why the wrong-language rate of target `lang` cannot be measured in `mode`, or None."""
    _check_mode(mode)
    row = get_language(lang)
    if row.langdetect is not None:
        return None
    if mode == "script+langdetect" and row.script != "Latin":
        return None
    return f"langdetect has no profile for {row.name} ({lang!r}); try langid_mode='script+langdetect'"


def _check_mode(mode: str, min_chars: int = DEFAULT_MIN_CHARS) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown langid_mode {mode!r}; known: {', '.join(MODES)}")
    if isinstance(min_chars, bool) or not isinstance(min_chars, int) or min_chars < 0:
        raise ValueError(f"min_chars must be a non-negative integer, got {min_chars!r}")


@dataclass(frozen=True)
class Verdict:
    """The judgement on one output: `status` (correct/wrong/undetermined) and `label`.

    `label` is the detected language ("en", "zh"), "script:<Script>" where only the script
    was judged, or None when undetermined.
    """

    status: str
    label: str | None


@lru_cache(maxsize=200_000)
def judge(text: str, lang: str, mode: str = "langdetect", min_chars: int = DEFAULT_MIN_CHARS) -> Verdict:
    """Is output `text` in target language `lang`? See the module docstring for the rules.

    Raises ValueError for an unknown mode or a target that cannot be measured in it
    (check `na_reason` first).
    """
    _check_mode(mode, min_chars)
    reason = na_reason(lang, mode)
    if reason is not None:
        raise ValueError(reason)
    row = get_language(lang)
    length = text_length(text)
    if length == 0:
        return Verdict(UNDETERMINED, None)
    long_enough = length >= min_chars
    script = dominant_script(text)
    label = detect_language(text) if long_enough else None
    if mode == "langdetect" or row.script == "Latin":
        if label is None or not plausible(label, script):
            return Verdict(UNDETERMINED, None)
        return Verdict(CORRECT if label == row.langdetect else WRONG, label)

    scripts = target_scripts(lang)
    by_script = f"script:{script}"
    if script_share(text, scripts) < 0.5:
        # A target or implausible label on mostly foreign letters says nothing: name the script.
        trusted = label not in (None, row.langdetect) and plausible(label, script)
        return Verdict(WRONG, label if trusted else by_script)
    if label is None or row.langdetect is None:
        return Verdict(CORRECT, by_script)
    if label == row.langdetect:
        return Verdict(CORRECT, label)
    if plausible(label, script):
        return Verdict(WRONG, label)  # a real same-script confusion: uk for ru, fa for ar
    return Verdict(CORRECT, by_script)  # implausible label for this script: trust the script


def language_verdicts(
    predictions: list[str], lang: str, mode: str = "langdetect", min_chars: int = DEFAULT_MIN_CHARS
) -> list[Verdict] | None:
    """One Verdict per prediction, or None when `lang` cannot be measured in `mode`."""
    if na_reason(lang, mode) is not None:
        return None
    # judge() asks langdetect about every output long enough: detect those all at once first
    detect_languages([text for text in dict.fromkeys(predictions) if text_length(text) >= max(min_chars, 1)])
    return [judge(text, lang, mode, min_chars) for text in predictions]


def wrong_language_per_example(verdicts: list[Verdict] | None, n: int) -> list[float]:
    """1.0 wrong, 0.0 correct, NaN undetermined or unmeasurable: nanmean = wrong_lang_rate."""
    if verdicts is None:
        return [math.nan] * n
    values = {WRONG: 1.0, CORRECT: 0.0, UNDETERMINED: math.nan}
    return [values[v.status] for v in verdicts]


def wrong_language_stats(
    predictions: list[str], lang: str, mode: str = "langdetect", min_chars: int = DEFAULT_MIN_CHARS
) -> dict:
    """Wrong-language summary of `predictions` for target `lang` (rates are fractions 0-1).

    Keys: wrong_lang_rate (n_wrong / n_determined), undetermined_rate (n_undetermined / n),
    english_rate (share of determined outputs labelled "en"), detected_langs (share of each
    label among determined outputs, sorted by label), n_wrong, n_undetermined, langid_mode,
    langid_min_chars, wrong_lang_na_reason (None, or why every rate is NaN). Rates with a
    zero denominator are NaN.
    """
    _check_mode(mode, min_chars)
    return verdict_stats(language_verdicts(predictions, lang, mode, min_chars), lang, mode, min_chars)


def verdict_stats(verdicts: list[Verdict] | None, lang: str, mode: str = "langdetect",
                  min_chars: int = DEFAULT_MIN_CHARS) -> dict:
    """wrong_language_stats from the outputs' verdicts (language_verdicts), computed before."""
    _check_mode(mode, min_chars)
    stats = {"langid_mode": mode, "langid_min_chars": min_chars}
    if verdicts is None:
        nan = math.nan
        return {**stats, "wrong_lang_rate": nan, "undetermined_rate": nan, "english_rate": nan,
                "detected_langs": {}, "n_wrong": None, "n_undetermined": None,
                "wrong_lang_na_reason": na_reason(lang, mode)}
    n = len(verdicts)
    statuses = Counter(v.status for v in verdicts)
    labels = Counter(v.label for v in verdicts if v.status != UNDETERMINED)
    determined = n - statuses[UNDETERMINED]

    def share(count: int, total: int) -> float:
        return count / total if total else math.nan

    return {
        **stats,
        "wrong_lang_rate": share(statuses[WRONG], determined),
        "undetermined_rate": share(statuses[UNDETERMINED], n),
        "english_rate": share(labels["en"], determined),
        "detected_langs": {label: labels[label] / determined for label in sorted(labels)},
        "n_wrong": statuses[WRONG],
        "n_undetermined": statuses[UNDETERMINED],
        "wrong_lang_na_reason": None,
    }
