"""A method as a plug-in: one module (tests/plugins/norms_only.py) named in the config's
`methods` validates (the schema's method lists come from the registry, the plug-in's
settings schema with them) and trains through the finetune job, and a job's own process
finds it by name alone."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from conftest import PLUGINS, PLUGINS_ENV  # tests/conftest.py
from safetensors.torch import load_file

from xlgen.backbones import load_backbone
from xlgen.config import ConfigError, schema_with_registries, validate_config
from xlgen.finetune import TokenizedExamples, encode, run_job
from xlgen.methods import METHODS, get_method

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"
BACKBONE = ROOT / "resources" / "demo_backbones" / "mbart-demo"


@pytest.fixture
def plugin_path(monkeypatch):
    """tests/plugins importable; the plug-in unregistered afterwards, so other tests see the
    built-in registry."""
    monkeypatch.syspath_prepend(str(PLUGINS))
    yield
    METHODS.pop("norms_only", None)
    sys.modules.pop("norms_only", None)


@pytest.fixture(scope="module")
def config():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["methods"] = ["full", "norms_only"]
    config["method_settings"]["norms_only"] = {"lrs": [1.0e-2], "biases": True}
    return config


def test_a_plugin_method_in_the_config_validates(plugin_path, config):
    assert "norms_only" not in METHODS
    validate_config(copy.deepcopy(config), SCHEMA)
    assert METHODS["norms_only"] is get_method("norms_only") and get_method("norms_only+tt-ru").name == "norms_only"
    schema = schema_with_registries(SCHEMA)
    assert schema["properties"]["methods"]["items"]["enum"] == [*["full", "freeze", "prompt", "lora", "adapter",
                                                                  "adapterdrop", "mix_unsup", "graddrop"], "norms_only"]
    assert schema["properties"]["method_settings"]["properties"]["norms_only"]["properties"]["biases"] == \
        {"type": "boolean", "description": "also train every bias (default false)"}
    bad = copy.deepcopy(config)
    bad["method_settings"]["norms_only"]["biases"] = "yes"  # the plug-in's own settings schema applies
    with pytest.raises(ConfigError, match=r"^'method_settings\.norms_only\.biases' is 'yes'; expected type boolean$"):
        validate_config(bad, SCHEMA)


def test_an_unknown_method_is_one_line_naming_the_key_and_the_known_ones(plugin_path, config):
    bad = copy.deepcopy(config)
    bad["methods"] = ["full", "norm_only"]
    with pytest.raises(ConfigError) as err:
        validate_config(bad, SCHEMA)
    assert str(err.value) == ("'methods.1': unknown method 'norm_only'; known: adapter, adapterdrop, freeze, full, "
                              "graddrop, lora, mix_unsup, prompt; nor an importable module defining METHOD")
    bad["methods"] = ["full", "json"]  # importable, but no method
    with pytest.raises(ConfigError, match=r"^'methods\.1': unknown method 'json'; .*module json defines no METHOD"):
        validate_config(bad, SCHEMA)


def test_a_plugin_method_trains_through_the_finetune_job(plugin_path, config, tmp_path):
    validate_config(copy.deepcopy(config), SCHEMA)  # registers it, as the DAG's config check does
    model, tokenizer = load_backbone(BACKBONE)
    records = [{"id": str(i), "lang": "en", "source": f"The river {i} flows past {i + 3} towns.", "target": f"{i + 3}"}
               for i in range(8)]
    examples = encode(tokenizer, "mbart", records, "en", 32, 8)
    for split in ("train", "dev"):
        TokenizedExamples.from_examples(examples).save(tmp_path / f"{split}.npz", lang="en", family="mbart")
    finetune = {**config["finetune"], "steps": 4, "batch_size": 4, "warmup_steps": 1, "dev_every": 4,
                "dev_examples": 4, "checkpoint_every": 0}
    spec = {"backbone": str(BACKBONE), "method": "norms_only",
            "method_settings": config["method_settings"]["norms_only"],
            "train": str(tmp_path / "train.npz"), "dev": str(tmp_path / "dev.npz"), "unlabeled": [], "lr": 1.0e-2,
            "seed": 1, "finetune": finetune, "model": str(tmp_path / "model"), "run_json": str(tmp_path / "run.json"),
            "checkpoint": None, "run": {"method": "norms_only"}}
    summary = run_job(spec, log=lambda _: None)

    params = dict(model.named_parameters())
    layer_norms = {f"{name}.{p}" for name, m in model.named_modules() if isinstance(m, torch.nn.LayerNorm)
                   for p, _ in m.named_parameters()}  # mBART's norms are nn.LayerNorm
    norms = {n: params[n] for n in layer_norms | {n for n in params if n.endswith(".bias")}}
    assert summary["status"] == "ok" and summary["steps"] == 4
    assert summary["trainable_params"] == sum(p.numel() for p in norms.values())
    assert summary["dev_loss_final"] < summary["dev_loss_initial"]
    assert json.loads((tmp_path / "run.json").read_text())["run"] == {"method": "norms_only"}
    saved = load_file(tmp_path / "model" / "model.safetensors")
    changed = {n for n, p in saved.items() if not torch.equal(p, model.state_dict()[n])}
    assert changed and changed <= set(norms)  # only what the method trains moved
    assert changed & layer_norms and any(n.endswith(".bias") and n not in layer_norms for n in changed)
    reloaded, _ = get_method("norms_only").load(BACKBONE, tmp_path / "model")
    assert all(torch.equal(p, saved[n]) for n, p in reloaded.state_dict().items() if n in saved)


def test_a_job_process_finds_a_plugin_method_by_its_name():
    """A finetune or generate job runs in its own process: the name alone imports it."""
    env = {**os.environ, **PLUGINS_ENV}
    code = ("from xlgen.methods import METHODS, get_method; m = get_method('norms_only'); "
            "print(m.name, 'norms_only' in METHODS)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["norms_only", "True"]


def test_the_schema_lists_come_from_the_registries():
    """schema.yaml keeps no second copy of the registries: the completed schema's method,
    family, family-setting, freeze-part and adapter-stack lists are theirs."""
    from xlgen.config import load_schema
    from xlgen.families import FAMILIES

    raw, schema = load_schema(SCHEMA), schema_with_registries(SCHEMA)
    methods, entry = schema["properties"]["methods"]["items"], schema["properties"]["backbone_catalog"]
    assert "enum" not in raw["properties"]["methods"]["items"] and methods["enum"] == list(METHODS)
    assert schema["properties"]["translate_train"]["properties"]["methods"]["items"]["enum"] == list(METHODS)
    assert set(schema["properties"]["method_settings"]["properties"]) == set(METHODS)
    family = entry["additionalProperties"]["properties"]["family"]
    assert "enum" not in raw["properties"]["backbone_catalog"]["additionalProperties"]["properties"]["family"]
    assert family["enum"] == list(FAMILIES) == ["mt5", "mbart", "nllb", "causal"]
    assert entry["additionalProperties"]["properties"]["language_control"]["enum"] == ["instruction", "none"]
    assert set(schema["$defs"]["freeze_parts"]["items"]["enum"]) == {p for f in FAMILIES.values() for p in f.parts}
    assert set(schema["$defs"]["method_freeze"]["properties"]["parts"]["oneOf"][1]["properties"]) == set(FAMILIES)
    assert raw == load_schema(SCHEMA)  # completing works on a copy
