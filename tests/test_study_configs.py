"""The test studies' configs (tests/configs/): valid, and the ones that share the session's tiny
world and backbones (tests/conftest.py `tiny_world`) agree on everything that world is built from."""

import pytest
import yaml
from conftest import CONFIGS, ROOT, SHARED_WORLD_CONFIGS  # tests/conftest.py

from xlgen.config import validate_config


def load(name: str) -> dict:
    return yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_every_test_config_is_valid(name):
    validate_config(load(name), ROOT / "config" / "schema.yaml")


def test_the_shared_studies_have_one_world_and_one_backbone_per_name():
    """A copied world or backbone is only right if each study would have built the same one:
    same demo world, languages and seed, and the same entry for every backbone name."""
    base = load("tiny.yaml")
    for name in SHARED_WORLD_CONFIGS:
        config = load(name)
        for key in ("seed", "source_language", "target_languages", "data"):
            assert config[key] == base[key], (name, key)
        for backbone in config["backbones"]:
            spec = config["backbone_catalog"].get(backbone)
            if spec is not None and "demo" in spec:  # built, not referenced by `path`: the session built it
                assert spec == base["backbone_catalog"][backbone], (name, backbone)
    families = [spec["family"] for spec in base["backbone_catalog"].values() if "demo" in spec]
    assert len(families) == len(set(families))  # one tiny backbone per family
