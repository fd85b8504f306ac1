"""A bad config fails when the DAG is built, before any job, with one line naming the key."""

import copy
from pathlib import Path

import pytest
import yaml
from conftest import run_snakemake  # tests/conftest.py

from xlgen.config import ConfigError, validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"


@pytest.fixture(scope="module")
def default_config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))


def test_shipped_configs_are_valid(default_config):
    validate_config(default_config, SCHEMA)
    validate_config(yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text()), SCHEMA)
    validate_config(yaml.safe_load((ROOT / "tests" / "configs" / "tiny-translate.yaml").read_text()), SCHEMA)
    translate = copy.deepcopy(default_config)  # config/demo-translate.yaml merged over the default
    for key, value in yaml.safe_load((ROOT / "config" / "demo-translate.yaml").read_text()).items():
        translate[key] = {**translate.get(key, {}), **value}
    validate_config(translate, SCHEMA)


def _set(config, dotted, value):
    *parents, last = dotted.split(".")
    node = config
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value


_DELETE = object()

BAD = [
    # (key to set, value, words the one-line error must contain)
    ("finetune.stepz", 10, ["finetune.stepz", "unknown key"]),
    ("seeed", 1, ["seeed", "unknown key"]),
    ("backbone_catalog.mbart-demo.demo.d_modle", 64, ["backbone_catalog.mbart-demo.demo.d_modle"]),
    ("finetune.steps", "many", ["finetune.steps", "many"]),
    ("finetune.batch_size", 0, ["finetune.batch_size"]),
    ("method_settings.full.lrs", ["1e-4"], ["method_settings.full.lrs.0"]),
    ("tasks", ["summarization", "translation"], ["tasks[1]", "translation", "task_catalog"]),
    ("target_languages", ["ru", "xx"], ["target_languages[1]", "xx"]),
    ("target_languages", ["ru", "en"], ["target_languages", "source language"]),
    ("target_languages", ["ru", "hi"], ["target_languages[1]", "hi", "(demo) has no data"]),
    ("backbones", ["mbart-demo", "mt6-demo"], ["backbones[1]", "mt6-demo", "backbone_catalog"]),
    ("backbone_catalog.mbart-demo.family", "gpt", ["backbone_catalog.mbart-demo.family", "gpt"]),
    ("generate.splits", ["dev", "valid"], ["generate.splits.1", "valid"]),
    ("evaluate.langid_mode", "langdetect", ["evaluate.langid_mode", "langdetect"]),
    ("finetune", _DELETE, ["missing key 'finetune'"]),
    ("generate.max_new_tokens.qa", _DELETE, ["generate.max_new_tokens.qa"]),
    ("translate_train", {"enabled": True, "backend": "model", "mt_backbone": "nllb-big"},
     ["translate_train.mt_backbone", "nllb-big", "backbone_catalog"]),
    ("translate_train", {"enabled": True, "backend": "model", "mt_backbone": "mbart-demo"},
     ["translate_train.mt_backbone", "mbart", "nllb"]),
    ("translate_train", {"enabled": True, "backend": "model"}, ["translate_train.mt_backbone"]),
    ("translate_train", {"enabled": True, "backend": "model", "mt_backbone": "nllb-demo", "languages": ["vi"]},
     ["translate_train.languages[0]", "vi", "target_languages"]),
    ("translate_train", {"enabled": True, "backend": "google"}, ["translate_train.backend", "google"]),
    ("backbone_catalog.mbart-demo.path", "/models/mbart", ["backbone_catalog.mbart-demo", "exactly one"]),
    # issue 16: numbers a schema's bounds let through or that make no sense
    ("method_settings.full.lrs", [0], ["method_settings.full.lrs.0", "0"]),
    ("method_settings.full.lrs", [-1e-4], ["method_settings.full.lrs.0", "-0.0001"]),
    ("method_settings.full.lrs", [float("nan")], ["method_settings.full.lrs[0]", "nan", "finite"]),
    ("method_settings.full.lrs", [float("inf")], ["method_settings.full.lrs[0]", "inf", "finite"]),
    ("finetune.steps", -5, ["finetune.steps", "-5"]),
    ("finetune.weight_decay", float("nan"), ["finetune.weight_decay", "finite"]),
    ("method_settings.lora.r", "eight", ["method_settings.lora.r", "eight"]),
    ("method_settings.lora.dropout", 1.5, ["method_settings.lora.dropout", "1.5"]),
    ("method_settings.lora", {"lrs": [1e-3], "rank": 8}, ["method_settings.lora.rank", "unknown key"]),
]


@pytest.mark.parametrize("key,value,words", BAD, ids=[b[0] for b in BAD])
def test_bad_value_names_the_key(default_config, key, value, words):
    config = copy.deepcopy(default_config)
    _set(config, key, value)
    with pytest.raises(ConfigError) as err:
        validate_config(config, SCHEMA)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def test_snakemake_stops_before_any_job_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("finetune:\n  stepz: 100\n")
    proc = run_snakemake(ROOT, "-n", configfile=bad, cores=None, check=False, timeout=120)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if "xlgen: invalid config" in line]
    allowed = ", ".join(sorted(yaml.safe_load(SCHEMA.read_text())["properties"]["finetune"]["properties"]))
    assert lines == [f"xlgen: invalid config: unknown key 'finetune.stepz' (allowed here: {allowed})"], proc.stderr
    assert "steps, " in allowed
    assert "Job stats" not in proc.stdout + proc.stderr


def test_steering_where_the_unlabeled_text_lacks_a_target_language_is_one_line():
    """A steering vector is taken from each target language's unlabeled text (XL-Sum's articles
    by default): MLQA's German, which XL-Sum lacks, is refused by the config check, not by an
    input function's traceback when the DAG is built."""
    from test_plan import merged  # tests/test_plan.py: config.yaml with overlays, as Snakemake merges

    merged("paper.yaml", "paper-extended.yaml")  # valid without the remedy
    with pytest.raises(ConfigError, match=r"^'remedies.steering.enabled': task 'mlqa' has target language 'de', "
                                          r"but the unlabeled text of 'data.hub.unlabeled_dataset' \(xlsum\)"):
        merged("paper.yaml", "paper-extended.yaml", "paper-remedies.yaml")
