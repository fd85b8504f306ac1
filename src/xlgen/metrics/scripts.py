"""Unicode scripts of text: which writing system the letters of an output are in.

Python's `unicodedata` has no Script property, so this uses the `regex` module's
`\\p{Script=...}` classes (authoritative Unicode tables; `regex` is a hard dependency of
both sacrebleu and nltk/rouge-score). Only letters (`\\p{L}`) count: digits, punctuation,
symbols and combining marks (script "Inherited"/"Common") say nothing about the language.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

import regex

from xlgen.languages import describe_language

# Scripts written without spaces between words: scored on characters (see tokenize.py).
UNSPACED_SCRIPTS = ("Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar")

# Scripts told apart by dominant_script(); a letter in none of them counts as "Other".
KNOWN_SCRIPTS = (
    "Latin", "Cyrillic", "Greek", "Armenian", "Georgian", "Arabic", "Hebrew", "Syriac",
    "Thaana", "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu",
    "Kannada", "Malayalam", "Sinhala", "Tibetan", "Ethiopic", "Hangul",
) + UNSPACED_SCRIPTS

# One alternation with a named group per script, behind a letters-only lookahead (scripts
# also hold digits and marks): one pass over the text labels each letter.
_LETTER_RE = regex.compile(
    "(?=\\p{L})(?:"
    + "|".join(f"(?P<{name}>\\p{{Script={name}}})" for name in KNOWN_SCRIPTS)
    + "|(?P<Other>.))"
)

# Registry script names that stand for several Unicode scripts.
_REGISTRY_SCRIPTS = {"Japanese": ("Han", "Hiragana", "Katakana"), "Korean": ("Hangul", "Han")}


def normalize(text: str) -> str:
    """NFKC-normalize `text` (full-width forms, presentation forms, ligatures -> plain)."""
    return unicodedata.normalize("NFKC", text)


def letter_scripts(text: str) -> Counter:
    """How many letters of `text` (after NFKC) are in each script, e.g. {"Latin": 5}."""
    counts: Counter = Counter()
    for match in _LETTER_RE.finditer(normalize(text)):
        counts[match.lastgroup] += 1
    return counts


def letter_count(text: str) -> int:
    """Number of letters (`\\p{L}`) plus combining marks (`\\p{M}`) in `text` after NFKC.

    Marks count because Indic, Thai and Burmese vowels are marks: "हिन्दी" has 3 letters but
    6 written signs, and a threshold on letters alone would judge Hindi as shorter than it is.
    """
    return len(regex.findall(r"[\p{L}\p{M}]", normalize(text)))


# Scripts whose characters each carry about a syllable or a word: a Chinese sentence has
# about a third of the characters of its English translation.
DENSE_SCRIPTS = ("Han", "Hiragana", "Katakana", "Hangul")
DENSE_WEIGHT = 3


@lru_cache(maxsize=200_000)
def text_length(text: str) -> int:
    """Length of `text` in Latin-letter equivalents, for "too short to judge" thresholds.

    `letter_count`, with each Han, kana or Hangul letter counted DENSE_WEIGHT (3) times, so
    that one threshold treats a Chinese and an English output of the same content alike.
    """
    counts = letter_scripts(text)
    dense = sum(counts[name] for name in DENSE_SCRIPTS)
    return letter_count(text) + (DENSE_WEIGHT - 1) * dense


def dominant_script(text: str) -> str | None:
    """The script most of the letters of `text` are in ("Latin", "Cyrillic", "Han", ...).

    None when the text has no letters (empty, digits, punctuation). Ties go to the script
    whose first letter comes first in the text, so the answer is deterministic.
    """
    counts = letter_scripts(text)
    if not counts:
        return None
    # Counter.most_common keeps insertion order among equal counts: first-seen wins a tie.
    return counts.most_common(1)[0][0]


def target_scripts(lang: str) -> tuple[str, ...]:
    """The Unicode scripts that text in registry language `lang` is written in.

    The registry's "Japanese" means Han + Hiragana + Katakana, "Korean" Hangul + Han; every
    other script name is a Unicode script name itself. Empty when the script is not one
    KNOWN_SCRIPTS tells apart (the script then cannot be judged).
    """
    script = describe_language(lang).script
    scripts = _REGISTRY_SCRIPTS.get(script, (script,))
    return scripts if all(name in KNOWN_SCRIPTS for name in scripts) else ()
