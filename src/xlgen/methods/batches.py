"""Where a method's training batches come from: the task alone, or the task mixed with more.

A method's `batches(train_examples, context)` hook (xlgen.methods.base.Method) gives them;
its default draws plain task batches (`task_batches`). `BatchContext` carries what a batch
source may need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from xlgen.training import epoch_batches


@dataclass
class BatchContext:
    family: str                    # backbone family (xlgen.families): mt5 | mbart | nllb | causal
    tokenizer: object
    batch_size: int                # examples per micro-batch
    seed: int
    settings: dict                 # the method's config entry
    group_by_length: bool = True
    unlabeled: dict[str, list[str]] = field(default_factory=dict)  # target language -> lines


def task_batches(train_examples: list[dict], context: BatchContext) -> Iterator[list[dict]]:
    return epoch_batches(train_examples, context.batch_size, context.seed, context.group_by_length)
