"""Language codes of mBART-50 and NLLB-200 for every language of the study (issue 5), and how
a language a backbone has no code for is reported when the config is validated."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from xlgen.config import ConfigError, backbone_language_notes, validate_config
from xlgen.datasets.squad_xquad import XQUAD_LANGUAGES
from xlgen.datasets.xlsum import CONFIGS as XLSUM_CONFIGS
from xlgen.languages import (
    LANGUAGES,
    MBART50_CODES,
    NLLB200_CODES,
    NO_CODE_CHOICES,
    language_code,
    languages_for_family,
    missing_code_choice,
)

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
    assert language_code(lang, "mbart") == mbart
    assert language_code(lang, "nllb") == nllb
    assert language_code(lang, "mt5") is None  # mT5 has no language codes


def test_code_lists_are_the_checkpoints_own():
    from transformers.models.mbart50.tokenization_mbart50 import FAIRSEQ_LANGUAGE_CODES as MBART50
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES as NLLB200

    assert MBART50_CODES == list(MBART50) and len(MBART50_CODES) == 52
    assert NLLB200_CODES == list(NLLB200) and len(NLLB200_CODES) == 202
    assert "el_GR" not in MBART50_CODES and not any(code.startswith("el_") for code in MBART50_CODES)


def test_every_registry_code_exists_in_its_checkpoint():
    for lang in LANGUAGES.values():
        assert lang.mbart50 is None or lang.mbart50 in MBART50_CODES, lang
        assert lang.nllb200 is None or lang.nllb200 in NLLB200_CODES, lang
        assert lang.no_code in NO_CODE_CHOICES, lang


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
    assert missing_code_choice("el", "mbart") == "skip"
    assert missing_code_choice("el", "nllb") is None
    assert missing_code_choice("el", "mt5") is None
    langs = ["ar", "de", "el", "ro", "ru"]
    assert languages_for_family(langs, "mbart") == ["ar", "de", "ro", "ru"]
    assert languages_for_family(langs, "nllb") == langs
    assert languages_for_family(langs, "mt5") == langs


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
        "language code for it: skip, left out of this backbone's runs (stated in xlgen/languages.py)"
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
