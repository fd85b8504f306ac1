"""Denoising noise on token ids: T5 span corruption and BART text infilling.

Pure functions of id lists, with no model knowledge: the families build their pretraining
examples with them (Family.denoising_example; the sampler that mixes objectives is
xlgen.families.pretraining).
"""

from __future__ import annotations

import random


def span_corruption(ids: list[int], sentinel_ids: list[int], eos_id: int, rng: random.Random,
                    noise: float = 0.15, mean_span: float = 3.0) -> tuple[list[int], list[int]]:
    """T5 span corruption: masked spans become sentinels in the input, the target lists them."""
    n = len(ids)
    n_noise = max(1, round(n * noise))
    n_spans = max(1, min(len(sentinel_ids) - 1, round(n_noise / mean_span)))
    starts = sorted(rng.sample(range(n), min(n_spans, n)))
    source, target, cursor = [], [], 0
    for k, start in enumerate(starts):
        if start < cursor:
            continue
        length = max(1, min(n - start, round(rng.expovariate(1 / mean_span))))
        source += ids[cursor:start] + [sentinel_ids[k]]
        target += [sentinel_ids[k]] + ids[start:start + length]
        cursor = start + length
    source += ids[cursor:] + [eos_id]
    target += [sentinel_ids[len(starts)], eos_id]
    return source, target


def text_infilling(body: list[int], mask_id: int, rng: random.Random, noise: float = 0.35,
                   mean_span: float = 3.5) -> list[int]:
    """BART/mBART text infilling: spans covering ~`noise` of the tokens become one <mask>."""
    out, i, n = [], 0, len(body)
    budget = round(n * noise)
    while i < n:
        if budget > 0 and rng.random() < noise / mean_span:
            length = max(1, min(budget, round(rng.expovariate(1 / mean_span))))
            out.append(mask_id)
            i += length
            budget -= length
        else:
            out.append(body[i])
            i += 1
    return out
