"""Several source languages (issue 23 point 3): a training-time remedy. The run
'<method>+src-en-es' finetunes on the union of the sources' train splits instead of the source
language's alone; its LR is selected on the mean of the sources' dev scores, and its zero-shot
languages are the targets that are not sources.

Mixing: `proportional` takes every example of every source once; `balanced` up-samples each
smaller source to the largest one's count (whole copies, then a seeded sample without
replacement for the rest), so each source contributes equally and no example is dropped.
What it cannot do: give a language with no train data of the task's dataset (XQuAD, an
evaluation-only set) any weight; the config check refuses it in one line.
"""

from __future__ import annotations

import random

from xlgen.io import InputError

NAME = "several_sources"
CONFIG_KEY = f"remedies.{NAME}"
SUFFIX = "+src-"  # the path form of its runs' method: 'full+src-en-es'
MIXINGS = ("proportional", "balanced")
NOTE = ("the `<method>` run finetuned on the union of the source languages' train splits, its LR selected on "
        "the mean of their dev scores; its targets mean leaves the sources out (docs/remedies.md)")


def sources_key(sources: list[str]) -> str:
    """The sources in a path: ['en', 'es'] -> 'en-es' (the config's order)."""
    return "-".join(sources)


def key_sources(key: str) -> list[str]:
    """The sources of a run's `variant_lang` ('en-es' -> ['en', 'es'])."""
    return key.split("-") if key else []


def trained_sources(variant: str, variant_lang) -> tuple[str, ...]:
    """The sources a run of `variant` trained on ('several_sources', 'en-es' -> ('en', 'es')), or
    () for any other run (an empty `variant_lang` read back from a CSV is a float NaN)."""
    if variant != NAME or not isinstance(variant_lang, str):
        return ()
    return tuple(key_sources(variant_lang))


def mix_sources(records: dict[str, list[dict]], mixing: str, seed: int = 0) -> dict[str, list[dict]]:
    """Each source's training records in the mixture, by language (the config's order):
    `proportional` every record once; `balanced` each source up-sampled to the largest
    source's count (whole copies in order, then a sample without replacement drawn with a
    random.Random seeded by `seed` and the language). An InputError for an unknown mixing or an
    empty source (one line naming the key and the language)."""
    if mixing not in MIXINGS:
        raise InputError(f"'{CONFIG_KEY}.mixing' is {mixing!r}: one of {', '.join(MIXINGS)}")
    for lang, rows in records.items():
        if not rows:
            raise InputError(f"'{CONFIG_KEY}.sources': {lang!r} has no training records: a source needs "
                             "train data in its language")
    if mixing == "proportional":
        return {lang: list(rows) for lang, rows in records.items()}
    largest = max(len(rows) for rows in records.values())
    mixed = {}
    for lang, rows in records.items():
        copies, rest = divmod(largest, len(rows))
        extra = random.Random(f"{seed}-{lang}").sample(range(len(rows)), rest)
        mixed[lang] = list(rows) * copies + [rows[i] for i in sorted(extra)]
    return mixed


def interleave(parts: dict[str, list]) -> list:
    """One list taking from each part in turn (en[0], es[0], en[1], ...): a dev set whose first
    N examples (the dev loss's `finetune.dev_examples`) come from every source."""
    out, lists = [], list(parts.values())
    for i in range(max((len(p) for p in lists), default=0)):
        out.extend(p[i] for p in lists if i < len(p))
    return out


def counts(parts: dict[str, list]) -> dict[str, int]:
    """{language: examples} of a mixture, as run.json records them."""
    return {lang: len(rows) for lang, rows in parts.items()}
