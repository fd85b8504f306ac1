"""Demo backbones: built from the demo world, reproducible, reused only when nothing changed."""

import json
from pathlib import Path

import pytest
import torch
import yaml
from transformers import AutoModelForSeq2SeqLM

from xlgen_demo.backbone import build_demo_backbone, demo_fingerprint, demo_inputs, restore_prebuilt
from xlgen_demo.world import write_demo_world

ROOT = Path(__file__).resolve().parents[1]
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


def test_the_shipped_prebuilt_backbones_match_the_default_demo_world(tmp_path):
    """`make demo` reuses resources/demo_backbones/*: each one's fingerprint is that of the
    world config/config.yaml generates (nllb-mt-demo: config/demo-translate.yaml's entry)."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    translate = yaml.safe_load((ROOT / "config" / "demo-translate.yaml").read_text(encoding="utf-8"))
    catalog = {**config["backbone_catalog"], **translate["backbone_catalog"]}
    languages = [config["source_language"], *config["target_languages"]]
    demo = config["data"]["demo"]
    write_demo_world(tmp_path, languages, demo["seed"], **{k: v for k, v in demo.items() if k != "seed"})
    prebuilt = {name: entry for name, entry in catalog.items() if entry.get("demo", {}).get("prebuilt")}
    assert set(prebuilt) == {"mt5-demo", "mbart-demo", "nllb-demo", "nllb-mt-demo"}
    for name, entry in prebuilt.items():
        spec = entry["demo"]
        stored = json.loads((ROOT / spec["prebuilt"] / "xlgen_backbone.json").read_text(encoding="utf-8"))
        inputs = demo_inputs(tmp_path, languages, spec["objectives"])
        assert demo_fingerprint(entry["family"], spec, config["seed"], inputs) == stored["fingerprint"], name
