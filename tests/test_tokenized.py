"""The tokenize rule's file (xlgen.finetune.TokenizedExamples): the examples `encode` makes,
encoded a chunk at a time and held as int32 arrays, read back exactly as they were made."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
import torch
from conftest import ROOT  # tests/conftest.py

from xlgen import finetune
from xlgen.backbones import load_tokenizer
from xlgen.finetune import TokenizedExamples, encode, load_tokenized, tokenize_task
from xlgen.io import InputError
from xlgen.tasks import get_kind

MBART = ROOT / "resources" / "demo_backbones" / "mbart-demo"
RECORDS = [{"id": f"en-{i}", "lang": "en", "target": f"Storm closes {i * 7} schools",
            "source": f"The storm in city {i} closed {i * 7} schools on Monday. " * (1 + i % 4)} for i in range(23)]
TASK = {"max_source_length": 40, "max_target_length": 12}


def test_the_file_gives_back_what_encode_made_chunk_by_chunk(tmp_path, monkeypatch):
    tokenizer, family = load_tokenizer(MBART)
    kind = get_kind("summarization")
    made = encode(tokenizer, family, RECORDS, "en", 40, 12, kind=kind)
    monkeypatch.setattr(finetune, "TOKENIZE_CHUNK", 5)  # 23 records: chunks of 5, 5, 5, 5, 3
    assert tokenize_task(MBART, RECORDS, "en", TASK, tmp_path / "train.npz", kind="summarization") == 23
    read = load_tokenized(tmp_path / "train.npz")
    assert len(read) == 23 and list(read) == made
    assert read[-1] == made[-1] and read[2:4] == made[2:4]
    assert type(read[0]["input_ids"]) is list and type(read[0]["input_ids"][0]) is int
    # 4 bytes an id: the two id arrays are the file's bulk
    ids = sum(len(e["input_ids"]) + len(e["labels"]) for e in made)
    assert read.input_ids.dtype == np.int32 and read.input_ids.nbytes + read.labels.nbytes == 4 * ids
    # written with the user's umask, as any output
    assert stat.S_IMODE(os.stat(tmp_path / "train.npz").st_mode) == 0o666 & ~_umask()


def test_labels_masked_with_minus_100_survive(tmp_path):
    examples = [{"id": "a", "input_ids": [5, 6, 7, 2], "labels": [-100, -100, 7, 2]},
                {"id": "b", "input_ids": [], "labels": [2]}]
    TokenizedExamples.from_examples(examples).save(tmp_path / "t.npz", lang="en", family="causal")
    assert list(load_tokenized(tmp_path / "t.npz")) == examples


def test_a_collated_batch_is_the_one_the_lists_gave():
    from xlgen.training import collate

    examples = [{"id": str(i), "input_ids": list(range(3, 9 + i)), "labels": list(range(4, 6 + i))} for i in range(4)]
    packed = TokenizedExamples.from_examples(examples)
    for key, value in collate(examples, 1).items():
        assert torch.equal(collate(list(packed), 1)[key], value)


def test_bad_files_and_ids_are_one_line_naming_them(tmp_path):
    old = tmp_path / "train.pt"
    torch.save({"lang": "en", "family": "mbart", "examples": []}, old)
    with pytest.raises(InputError, match=rf"^{old}: not a tokenized file of this xlgen .*--forcerun tokenize"):
        load_tokenized(old)
    cut = tmp_path / "cut.npz"
    TokenizedExamples.from_examples([{"id": "a", "input_ids": [5] * 100, "labels": [2]}]).save(cut)
    cut.write_bytes(cut.read_bytes()[:300])
    with pytest.raises(InputError, match=rf"^{cut}: not a tokenized file"):
        load_tokenized(cut)
    with pytest.raises(InputError, match="does not fit the tokenized file's int32"):
        TokenizedExamples.from_examples([{"id": "a", "input_ids": [2**31], "labels": [2]}])
    with pytest.raises(InputError, match="keys extra, id, input_ids, labels"):
        TokenizedExamples.from_examples([{"id": "a", "input_ids": [5], "labels": [2], "extra": 1}])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
