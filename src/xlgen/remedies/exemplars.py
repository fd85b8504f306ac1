"""Target-language exemplars (issue 23): `k` (input, output) pairs of the output language's dev
split put before each input of a decoder-only model, as turns of its chat template where the
tokenizer has one (user: the prompt of the exemplar's input, assistant: its output), else as
prompt-and-answer blocks prepended to the prompt (xlgen.families.causal). The Language
Confusion Benchmark reports few-shot prompting lifting a base model's line-level pass rate
from 1.1% to 95.0%. It shows the model the language and the answer's shape; it cannot help an
encoder-decoder model, which has no prompt to put them in (refused), and long exemplars cost
context: the answered input keeps its own `max_source_length` budget, the exemplars come on top.

Exemplars come from the dev split only, never test: a seeded shuffle of the language's dev
records, and each input gets the first `k` of them that are not itself (dev outputs are
generated too; an input never sees its own answer). The source language decodes without
exemplars, as its trained run does: its dev outputs select the LR.
"""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

from xlgen.families import get_family
from xlgen.io import InputError, read_jsonl

REFUSAL = ("'remedies.exemplars.enabled': exemplars are prompt turns, and {name} is an encoder-decoder backbone "
           "with no prompt to put them in; enable them for decoder-only backbones only")


def exemplar_pool(path: str | Path, lang: str, seed: int) -> list[dict]:
    """The dev records of `lang` at `path` in a seeded order. InputError where the file is not
    a dev split or holds another language's records."""
    path = Path(path)
    if path.stem != "dev":
        raise InputError(f"{path}: exemplars come from a dev split only, never {path.stem}")
    records = read_jsonl(path)
    other = sorted({r.get("lang") for r in records} - {lang})
    if other:
        raise InputError(f"{path}: exemplars for {lang} hold records in {', '.join(map(str, other))}")
    random.Random(seed).shuffle(records)
    return records


def pick_exemplars(records: list[dict], pool: list[dict], k: int) -> list[list[tuple[str, str]]]:
    """Per record, the (source, target) of the first `k` pool records that are not itself.
    InputError naming `remedies.exemplars.k` where the pool has too few."""
    if len(pool) <= k:
        raise InputError(f"'remedies.exemplars.k' is {k}: the dev split holds {len(pool)} records, it needs "
                         f"k + 1 (an input never gets itself)")
    return [[(e["source"], e["target"]) for e in pool if e["id"] != r["id"]][:k] for r in records]


def decode_setup(model, tokenizer, family, lang: str, settings: dict, records: list[dict]):
    """(`generate` keywords, context) of the generate script for `records` in `lang`:
    `settings` {"k", "seed", "dev": {lang: dev split path}}; a language without a dev path
    (the source language) decodes without exemplars."""
    family = get_family(family)
    if family.is_encoder_decoder:
        raise InputError(REFUSAL.format(name=f"family {family.name}"))
    path = settings["dev"].get(lang)
    if path is None:
        return {}, contextlib.nullcontext("no exemplars")
    pool = exemplar_pool(path, lang, int(settings["seed"]))
    k = int(settings["k"])
    return ({"exemplars": pick_exemplars(records, pool, k)},
            contextlib.nullcontext(f"{k} exemplars an input from {path}"))
