"""Calibration of the wrong-language judge on real parallel text (`xlgen calibrate-langid`).

Input: SQuAD v1.1-format files (XQuAD, MLQA, any translated SQuAD) of a target language and
of English, with the same question ids. Four sets of texts per target language, each judged
by xlgen.metrics.langid exactly as the evaluate rule judges model outputs:

* gold answers (with their context as the input): what a perfect model writes; every
  verdict "wrong" is a false alarm;
* gold sentences (the target contexts split into sentences, no input): free text in the
  target language, as a summary is; every "wrong" is a false alarm;
* English answers of the same ids that are not a span of the target context (with that
  context as the input): what a model answering in English writes; every "correct" is a miss;
* English sentences (the English contexts split into sentences, no input): every "correct"
  is a miss.

For each set: how many texts, the share judged (not undetermined), and the share of the
judged called wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import regex

from xlgen.io import InputError
from xlgen.metrics import langid
from xlgen.metrics.scripts import text_length

# The acceptance thresholds of issue 13, checked by tests/test_calibration.py.
MAX_FALSE_WRONG = 0.01
MIN_DETECTED = 0.95
MIN_JUDGED_ENGLISH_ANSWERS = 0.70

# A sentence ends at . ! ? followed by space, or at a full-width end mark; fragments under
# MIN_SENTENCE_LETTERS Latin-letter equivalents (scripts.text_length: "z. B.", "338.") are
# merged with their neighbour.
_SENTENCE_END = regex.compile(r"(?<=[.!?؟।])\s+|(?<=[。！？])")
MIN_SENTENCE_LETTERS = 10
# Thai marks no sentence end; its writers separate sentences (and some phrases) by a space.
_THAI_SPLIT = regex.compile(r"\s+")
THAI_SENTENCE_LETTERS = 30


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences of a paragraph (see _SENTENCE_END); Thai at spaces, merged up to
    THAI_SENTENCE_LETTERS letters."""
    if lang == "th":
        pieces, minimum = _THAI_SPLIT.split(text), THAI_SENTENCE_LETTERS
    else:
        pieces, minimum = _SENTENCE_END.split(text), MIN_SENTENCE_LETTERS
    joiner = "" if lang in ("zh", "ja") else " "  # full-width end marks split without a space
    sentences: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if sentences and (text_length(piece) < minimum or text_length(sentences[-1]) < minimum):
            sentences[-1] = f"{sentences[-1]}{joiner}{piece}"
        else:
            sentences.append(piece)
    return sentences


def read_squad(path: str | Path) -> dict[str, tuple[str, list[str]]]:
    """id -> (context, answers) of a SQuAD v1.1-format JSON file; ValueError naming the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    out[str(qa["id"])] = (paragraph["context"], [a["text"] for a in qa["answers"]])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
        raise InputError(f"{path}: not a SQuAD v1.1 JSON file ({type(err).__name__}: {err})") from None
    if not out:
        raise InputError(f"{path}: no questions")
    return out


def _collapse(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Texts:
    """The texts of one set and the input (context) each is judged with, or None."""

    texts: list[str]
    inputs: list[str | None]


def calibration_sets(target: dict, english: dict, lang: str) -> dict[str, Texts]:
    """The four sets of the module docstring for target language `lang`, ids in common only."""
    ids = [key for key in target if key in english]
    if not ids:
        raise InputError("the target and English files share no question id")
    contexts = list(dict.fromkeys(target[key][0] for key in ids))
    english_contexts = list(dict.fromkeys(english[key][0] for key in ids))
    not_span = [key for key in ids if _collapse(english[key][1][0]) not in _collapse(target[key][0])]
    return {
        "gold_answers": Texts([target[k][1][0] for k in ids], [target[k][0] for k in ids]),
        "gold_sentences": Texts(s := [x for c in contexts for x in split_sentences(c, lang)], [None] * len(s)),
        "english_answers": Texts([english[k][1][0] for k in not_span], [target[k][0] for k in not_span]),
        "english_sentences": Texts(e := [x for c in english_contexts for x in split_sentences(c, "en")],
                                   [None] * len(e)),
    }


def calibrate(target_path, english_path, lang: str, judge=None) -> dict:
    """One row of the calibration table for `lang`: per set n, judged share, wrong share
    (of the judged), and the judge that decided most often. `judge(texts, lang, inputs)`
    -> list of Verdict defaults to langid.language_verdicts with the pipeline's settings."""
    judge = judge or (lambda texts, lang, inputs: langid.language_verdicts(texts, lang, inputs=inputs))
    sets = calibration_sets(read_squad(target_path), read_squad(english_path), lang)
    row: dict = {"lang": lang}
    for name, texts in sets.items():
        verdicts = judge(texts.texts, lang, texts.inputs)
        judged = [v for v in verdicts if v.status != langid.UNDETERMINED]
        wrong = sum(v.status == langid.WRONG for v in judged)
        row[f"{name}_n"] = len(verdicts)
        row[f"{name}_judged"] = len(judged) / len(verdicts) if verdicts else float("nan")
        row[f"{name}_wrong"] = wrong / len(judged) if judged else float("nan")
    return row


def passes(row: dict) -> list[str]:
    """The acceptance thresholds `row` misses (empty when it meets them all)."""
    misses = []
    for name in ("gold_answers", "gold_sentences"):
        if not row[f"{name}_wrong"] <= MAX_FALSE_WRONG:
            misses.append(f"{name}: {row[f'{name}_wrong']:.1%} of the judged called wrong (max {MAX_FALSE_WRONG:.0%})")
    for name in ("english_answers", "english_sentences"):
        if not row[f"{name}_wrong"] >= MIN_DETECTED:
            misses.append(f"{name}: {row[f'{name}_wrong']:.1%} of the judged called wrong (min {MIN_DETECTED:.0%})")
    if not row["english_answers_judged"] >= MIN_JUDGED_ENGLISH_ANSWERS:
        misses.append(f"english_answers: {row['english_answers_judged']:.1%} judged "
                      f"(min {MIN_JUDGED_ENGLISH_ANSWERS:.0%})")
    return misses


def format_table(rows: list[dict]):
    """The calibration rows as a table of percentages (one row per language)."""
    import pandas as pd

    table = pd.DataFrame(rows)
    for column in table.columns:
        if column.endswith(("_judged", "_wrong")):
            table[column] = (100 * table[column]).round(1)
    return table
