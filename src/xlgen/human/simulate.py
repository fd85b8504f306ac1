"""Simulated annotators, so that the demo shows every part of the human evaluation.

SIMULATED: nothing here is a human judgement. The simulated annotators (`sim-1`, `sim-2`,
...) rate from known properties of each output, with seeded noise, and their files say
`"simulated": true`; the tables carry `simulated = True`. They show that the pages, the
import, the agreement and the validity figures work; they say nothing about the outputs
that the automatic metrics did not already say.

How an output is rated (seed: human_eval.seed; every draw from
`random.Random("<seed>:<annotator>:<output id>")`, so the same files on any machine):

* **Its true language**, from the world the study knows: each word of the output is assigned
  to the study's languages by its script where only one study language uses that script
  (Han -> zh, Thai -> th), else by the vocabularies of the task's dev and test records of
  each language (the demo world's templates, names and places). A word only the target's
  vocabulary has counts for the target, one that only other languages have (or in a script
  no study language uses) for another language; words the target shares with another
  language ('festival', a city) decide nothing; words in no vocabulary are unknown. Letters
  weigh as Latin-letter equivalents (xlgen.metrics.scripts.text_length). Label: `none`
  without letters or when over half of the weight is unknown; `target` when at least 85% of
  the deciding weight is the target's (or nothing decides), `other` when at most 15%,
  `mixed` between. This is independent of the
  automatic judge (lid.176), which the validity table then measures against it.
* **The annotator's label**: the true one, or with probability `label_flip` a neighbouring
  one (target <-> mixed <-> other, none -> other).
* **Adequacy**: 1 + 4 x (the task's main metric of the output / 100), minus 2 for an output
  in another language or not language (useless to a reader of the target language), plus
  the annotator's bias (Normal(0, 0.3), fixed per annotator) and Normal(0, `noise`) noise;
  rounded, clipped to 1-5. (The metric-validity figures are therefore partly built in.)
* **Fluency**: 5, minus 3 x the unknown share of the words, minus 2 x the share of repeated
  words, minus 1.5 for a mixed output and 3 for not language, plus bias and noise; rounded,
  clipped to 1-5.
"""

from __future__ import annotations

import math
import random

import pandas as pd
import regex

from xlgen.human import RATINGS_FORMAT, SIMULATED_PREFIX
from xlgen.languages import describe_language
from xlgen.metrics.scripts import dominant_script, text_length

_WORD_RE = regex.compile(r"[\p{L}\p{M}]+")
NEIGHBOURS = {"target": ("mixed",), "mixed": ("target", "other"), "other": ("mixed",), "none": ("other",)}
TARGET_AT_LEAST = 0.85
OTHER_AT_MOST = 0.15


def simulated_annotators(n: int) -> list[str]:
    return [f"{SIMULATED_PREFIX}{i}" for i in range(1, n + 1)]


def vocabularies(texts: dict[str, list[str]]) -> dict[str, set[str]]:
    """{lang: set of lower-cased words} of each language's texts."""
    return {lang: {w.lower() for text in items for w in _WORD_RE.findall(text)} for lang, items in texts.items()}


def record_texts(records: list[dict]) -> list[str]:
    """The texts of task records a vocabulary is built from (every string field but ids)."""
    texts = []
    for record in records:
        for name, value in record.items():
            if name in ("id", "lang"):
                continue
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, list):
                texts += [v for v in value if isinstance(v, str)]
    return texts


def true_language(text: str, lang: str, vocab: dict[str, set[str]]) -> tuple[str, float]:
    """(label, unknown share of the letter weight) of `text` for target `lang` (module doc)."""
    script_of = {code: describe_language(code).script for code in vocab}
    weights = {"target": 0.0, "shared": 0.0, "other": 0.0, "unknown": 0.0}
    for word in _WORD_RE.findall(text):
        weight = float(text_length(word))
        script = dominant_script(word)
        users = [code for code, s in script_of.items() if s == script]
        if len(users) == 1:
            owners = users
        else:
            owners = [code for code in users if word.lower() in vocab[code]]
        if lang in owners:
            weights["target" if len(owners) == 1 else "shared"] += weight
        elif owners or not users:
            weights["other"] += weight
        else:
            weights["unknown"] += weight
    total = sum(weights.values())
    if total == 0:
        return "none", 0.0
    unknown = weights["unknown"] / total
    if unknown > 0.5:
        return "none", unknown
    known = weights["target"] + weights["other"]
    if known == 0:  # only words the target shares with other languages (names, 'festival')
        return "target", unknown
    share = weights["target"] / known
    label = "target" if share >= TARGET_AT_LEAST else "other" if share <= OTHER_AT_MOST else "mixed"
    return label, unknown


def _repetition(text: str) -> float:
    words = [w.lower() for w in _WORD_RE.findall(text)]
    return 1 - len(set(words)) / len(words) if len(words) > 1 else 0.0


def _scale(latent: float) -> int:
    return int(min(5, max(1, math.floor(latent + 0.5))))


def simulate_ratings(items: list[dict], key: pd.DataFrame, study: dict, vocab: dict[str, set[str]],
                     annotators: list[str], label_flip: float, noise: float) -> list[dict]:
    """One rating file (the page's JSON export format, `simulated: true`) per language and
    simulated annotator, each rating every output of its language."""
    seed = study["seed"]
    metric = dict(zip(key["output_id"], pd.to_numeric(key["metric_value"], errors="coerce")))
    docs = []
    for lang in study["languages"]:
        for annotator in annotators:
            bias = random.Random(f"{seed}:{annotator}:bias").gauss(0.0, 0.3)
            ratings = []
            for item in (i for i in items if i["lang"] == lang):
                for output in item["outputs"]:
                    rng = random.Random(f"{seed}:{annotator}:{output['output_id']}")
                    truth, unknown = true_language(output["text"], lang, vocab)
                    label = rng.choice(NEIGHBOURS[truth]) if rng.random() < label_flip else truth
                    quality = metric.get(output["output_id"], math.nan)
                    quality = 0.0 if math.isnan(quality) else min(max(quality / 100.0, 0.0), 1.0)
                    adequacy = 1 + 4 * quality - (2 if truth in ("other", "none") else 0)
                    fluency = (5 - 3 * unknown - 2 * _repetition(output["text"])
                               - {"mixed": 1.5, "none": 3.0}.get(truth, 0.0))
                    ratings.append({
                        "output_id": output["output_id"], "item": item["item"], "language": label,
                        "fluency": _scale(fluency + bias + rng.gauss(0.0, noise)),
                        "adequacy": _scale(adequacy + bias + rng.gauss(0.0, noise)),
                        "comment": f"simulated (true language: {truth})", "rated_at": "",
                    })
            docs.append({"format": RATINGS_FORMAT, "study_id": study["study_id"], "task": study["task"],
                         "lang": lang, "annotator": annotator, "simulated": True,
                         "note": "SIMULATED ratings (xlgen.human.simulate), not human judgements",
                         "ratings": ratings})
    return docs
