"""`mix_unsup`: finetune on the English task while denoising target-language text (Vu et al. 2022).

Every micro-batch holds `round(ratio x batch)` denoising examples drawn from the unlabeled
text of the target languages (the backbone family's own pretraining noise: span corruption
for mT5, text infilling for mBART/NLLB) and the rest task examples; the two losses are
summed. All parameters train, as in `full`.
"""

from __future__ import annotations

import random
from typing import Iterator

from xlgen.families import pretraining_examples
from xlgen.io import InputError
from xlgen.methods.batches import BatchContext
from xlgen.methods.full import FullFinetuning
from xlgen.training import epoch_batches


def unlabeled_counts(batch_size: int, ratio: float) -> tuple[int, int]:
    """(task, unlabeled) examples in a micro-batch of `batch_size` at unlabeled share `ratio`."""
    n_unlabeled = round(batch_size * ratio)
    if not 0 < n_unlabeled < batch_size:
        raise InputError(f"method_settings: ratio {ratio} leaves no task or no unlabeled example "
                         f"in a batch of {batch_size}")
    return batch_size - n_unlabeled, n_unlabeled


def mixed_batches(train_examples: list[dict], context: BatchContext) -> Iterator[dict[str, list[dict]]]:
    """Endless {"task": [...], "unlabeled": [...]} micro-batches at the configured ratio."""
    if not context.unlabeled:
        raise InputError("mix_unsup needs unlabeled text of the target languages")
    n_task, n_unlabeled = unlabeled_counts(context.batch_size, context.settings.get("ratio", 0.25))
    rng = random.Random(context.seed * 7919 + 1)  # its own stream: task batches are unchanged
    sample = pretraining_examples(context.family, context.tokenizer, context.unlabeled, {},
                                  ["denoising"], rng, max_length=context.settings.get("max_length", 128))
    for task_batch in epoch_batches(train_examples, n_task, context.seed, context.group_by_length):
        yield {"task": task_batch, "unlabeled": [sample() for _ in range(n_unlabeled)]}


class MixUnsup(FullFinetuning):
    name = "mix_unsup"
    description = "task batches mixed with target-language denoising"
    uses_unlabeled = True   # the finetune rule passes the target languages' unlabeled text

    def batches(self, train_examples: list[dict], context: BatchContext):
        return mixed_batches(train_examples, context)
