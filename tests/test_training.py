"""Batching and the training loop's guarantees."""

import itertools

from xlgen.training import epoch_batches


def _examples():
    # lengths 5..104, each example a distinct id
    return [{"input_ids": list(range(5 + i)), "labels": [i]} for i in range(100)]


def test_every_example_once_per_epoch_and_deterministic():
    for group in (False, True):
        batches = list(itertools.islice(epoch_batches(_examples(), 10, seed=3, group_by_length=group), 10))
        ids = sorted(ex["labels"][0] for batch in batches for ex in batch)
        assert ids == list(range(100))
        again = list(itertools.islice(epoch_batches(_examples(), 10, seed=3, group_by_length=group), 10))
        assert batches == again
        other = list(itertools.islice(epoch_batches(_examples(), 10, seed=4, group_by_length=group), 10))
        assert batches != other


def test_length_grouping_cuts_padding():
    def padding(batches):
        return sum(max(len(e["input_ids"]) for e in b) * len(b) - sum(len(e["input_ids"]) for e in b)
                   for b in batches)

    grouped = list(itertools.islice(epoch_batches(_examples(), 10, seed=1, group_by_length=True), 10))
    shuffled = list(itertools.islice(epoch_batches(_examples(), 10, seed=1, group_by_length=False), 10))
    assert padding(grouped) < padding(shuffled) / 5
