"""Language codes of mBART-50 and NLLB-200 for every language of the study (issue 5), each
family's own table (issue 22), and how a language a backbone has no code for is reported
when the config is validated."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from xlgen.config import ConfigError, backbone_language_notes, validate_config
from xlgen.datasets.squad_xquad import XQUAD_LANGUAGES
from xlgen.datasets.xlsum import CONFIGS as XLSUM_CONFIGS
from xlgen.families import FAMILIES
from xlgen.languages import LANGUAGES

MBART, NLLB, MT5 = FAMILIES["mbart"], FAMILIES["nllb"], FAMILIES["mt5"]

ROOT = Path(__file__).resolve().parents[1]

# The paper's languages (XL-Sum and XQuAD: en ar es hi ru th tr vi zh) and XQuAD's de el ro,
# with the checkpoints' exact codes. mBART-50 has no Greek.
EXPECTED = {
    "en": ("en_XX", "eng_Latn"),
    "ar": ("ar_AR", "arb_Arab"),
    "es": ("es_XX", "spa_Latn"),
    "hi": ("hi_IN", "hin_Deva"),
    "ru": ("ru_RU", "rus_Cyrl"),
    "th": ("th_TH", "tha_Thai"),
    "tr": ("tr_TR", "tur_Latn"),
    "vi": ("vi_VN", "vie_Latn"),
    "zh": ("zh_CN", "zho_Hans"),
    "de": ("de_DE", "deu_Latn"),
    "el": (None, "ell_Grek"),
    "ro": ("ro_RO", "ron_Latn"),
}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_codes_of_every_study_language(lang):
    mbart, nllb = EXPECTED[lang]
    assert MBART.language_code(lang) == mbart
    assert NLLB.language_code(lang) == nllb
    assert MT5.language_code(lang) is None  # mT5 has no language codes


def test_an_unknown_language_fails_for_every_family():
    for family in FAMILIES.values():
        with pytest.raises(KeyError, match="unknown language 'xx'"):
            family.language_code("xx")


def test_the_checkpoint_code_lists_are_transformers_own():
    mbart50, nllb200 = MBART.checkpoint_codes(), NLLB.checkpoint_codes()
    assert len(mbart50) == 52 and len(nllb200) == 202
    assert mbart50[:3] == ["ar_AR", "cs_CZ", "de_DE"] and nllb200[:2] == ["ace_Arab", "ace_Latn"]
    assert not any(code.startswith("el_") for code in mbart50)  # mBART-50 has no Greek
    assert MT5.checkpoint_codes() == [] and not MT5.has_language_codes


@pytest.mark.parametrize("family", [MBART, NLLB], ids=lambda f: f.name)
def test_every_mapped_code_exists_in_its_checkpoint(family):
    assert set(family.codes) <= set(LANGUAGES), sorted(set(family.codes) - set(LANGUAGES))
    assert set(family.codes.values()) <= set(family.checkpoint_codes()), \
        sorted(set(family.codes.values()) - set(family.checkpoint_codes()))
    assert len(set(family.codes.values())) == len(family.codes)  # no two languages share a code


def test_the_datasets_languages_are_in_the_registry():
    for lang in [*XLSUM_CONFIGS, *XQUAD_LANGUAGES]:
        assert lang in LANGUAGES, lang
    assert set(EXPECTED) == set(XQUAD_LANGUAGES)
    assert set(EXPECTED) - {"de", "el", "ro"} <= set(XLSUM_CONFIGS)


def test_paper_config_languages_are_all_covered():
    path = ROOT / "config" / "paper.yaml"
    if not path.exists():
        pytest.skip("config/paper.yaml is not written yet")
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    langs = [config["source_language"], *config["target_languages"]]
    assert set(langs) <= set(EXPECTED), sorted(set(langs) - set(EXPECTED))


def test_greek_has_no_mbart50_code_and_is_skipped_for_mbart_only():
    assert MBART.missing_code_choice("el") == "skip"
    assert NLLB.missing_code_choice("el") is None
    assert MT5.missing_code_choice("el") is None
    assert FAMILIES["causal"].missing_code_choice("el") is None  # decoder-only: an instruction, no codes
    assert MBART.missing_code_choice("pcm") == "skip" and NLLB.missing_code_choice("pcm") == "skip"


def paper_like_config(targets):
    return {
        "source_language": "en",
        "target_languages": targets,
        "backbones": ["mt5-base", "mbart-large-50", "nllb-600m"],
        "backbone_catalog": {"mt5-base": {"family": "mt5"}, "mbart-large-50": {"family": "mbart"},
                             "nllb-600m": {"family": "nllb"}},
    }


def test_a_missing_code_is_reported_with_the_choice():
    notes = backbone_language_notes(paper_like_config(["ar", "de", "el", "ro", "ru"]))
    assert notes == [
        "'target_languages[2]' is 'el' (Greek): 'backbones[1]' (mbart-large-50, family mbart) has no "
        "language code for it: skip, left out of this backbone's runs (its code table: xlgen.families.mbart)"
    ]
    assert backbone_language_notes(paper_like_config(["ar", "es", "hi", "ru", "th", "tr", "vi", "zh"])) == []


def test_validation_returns_the_notes_and_rejects_a_source_without_code():
    schema = ROOT / "config" / "schema.yaml"
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    assert validate_config(config, schema) == []  # the demo languages all have codes
    bad = copy.deepcopy(config)
    bad["source_language"] = "el"
    with pytest.raises(ConfigError) as err:
        validate_config(bad, schema)
    message = str(err.value)
    assert "\n" not in message
    assert "'source_language' is 'el'" in message and "mbart" in message
