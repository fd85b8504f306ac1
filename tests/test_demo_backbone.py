"""Demo backbones: built from the demo world, reproducible, reused only when nothing changed."""

import json

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM

from xlgen.backbones import build_demo_backbone, demo_fingerprint, demo_inputs, restore_prebuilt
from xlgen.demo_world import write_demo_world

LANGS = ["en", "ru", "zh"]
SPEC = {"vocab_size": 600, "d_model": 32, "layers": 1, "heads": 2, "ffn": 64, "pretrain_steps": 6,
        "pretrain_batch_size": 4, "pretrain_lr": 1e-3, "objectives": ["denoising", "translation"]}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    write_demo_world(root, LANGS, 7, n_train=5, n_dev=2, n_test=2, n_unlabeled=150, n_parallel=40)
    return root


@pytest.fixture(scope="module")
def built(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("nllb")
    summary = build_demo_backbone("nllb", world, LANGS, SPEC, 1, out, log=lambda m: None)
    return out, summary


def test_build_is_bitwise_reproducible(world, built, tmp_path):
    out, summary = built
    again = build_demo_backbone("nllb", world, LANGS, SPEC, 1, tmp_path / "again", log=lambda m: None)
    assert again["fingerprint"] == summary["fingerprint"]
    a = AutoModelForSeq2SeqLM.from_pretrained(out).state_dict()
    b = AutoModelForSeq2SeqLM.from_pretrained(tmp_path / "again").state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert summary["pretrain_steps"] == 6 and summary["final_loss"] > 0


def test_prebuilt_is_reused_only_when_the_fingerprint_matches(world, built, tmp_path):
    out, summary = built
    inputs = demo_inputs(world, LANGS, SPEC["objectives"])
    assert len(inputs) == 3 + 2  # unlabeled per language, parallel per target
    fingerprint = demo_fingerprint("nllb", SPEC, 1, inputs)
    assert fingerprint == summary["fingerprint"]
    restored = restore_prebuilt(out, fingerprint, tmp_path / "restored")
    assert restored == json.loads((out / "xlgen_backbone.json").read_text())
    assert (tmp_path / "restored" / "model.safetensors").exists()
    # another spec, seed or other demo-world bytes: a stale prebuilt is not used
    assert demo_fingerprint("nllb", {**SPEC, "pretrain_steps": 7}, 1, inputs) != fingerprint
    assert demo_fingerprint("nllb", SPEC, 2, inputs) != fingerprint
    assert demo_fingerprint("nllb", {**SPEC, "prebuilt": "elsewhere"}, 1, inputs) == fingerprint
    changed = tmp_path / "unlabeled" / "ru.txt"
    changed.parent.mkdir()
    changed.write_text(inputs[1].read_text(encoding="utf-8") + "Ещё одна строка.\n", encoding="utf-8")
    assert demo_fingerprint("nllb", SPEC, 1, [inputs[0], changed, *inputs[2:]]) != fingerprint
    assert restore_prebuilt(out, "0" * 64, tmp_path / "refused") is None
    assert not (tmp_path / "refused").exists()
