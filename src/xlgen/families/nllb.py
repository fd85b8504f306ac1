"""NLLB-200 (facebook/nllb-200-distilled-600M; model_type m2m_100, M2M100ForConditionalGeneration):
`rus_Cyrl` codes placed as in mBART-50. A translation model: the only family that can be
the MT system of the translation baselines.
"""

from __future__ import annotations

from xlgen.families.base import BartLike

# ISO code -> NLLB-200 code, for the languages of xlgen.languages that NLLB-200 has
# (every code is in transformers' list: tests/test_language_codes.py)
CODES = {
    "en": "eng_Latn", "de": "deu_Latn", "es": "spa_Latn", "fr": "fra_Latn", "ru": "rus_Cyrl",
    "uk": "ukr_Cyrl", "zh": "zho_Hans", "ja": "jpn_Jpan", "ko": "kor_Hang", "ar": "arb_Arab",
    "he": "heb_Hebr", "fa": "pes_Arab", "hi": "hin_Deva", "bn": "ben_Beng", "th": "tha_Thai",
    "lo": "lao_Laoo", "km": "khm_Khmr", "my": "mya_Mymr", "vi": "vie_Latn", "tr": "tur_Latn",
    "fi": "fin_Latn", "id": "ind_Latn", "el": "ell_Grek", "ro": "ron_Latn", "sw": "swh_Latn",
    "pt": "por_Latn", "ur": "urd_Arab", "ps": "pbt_Arab", "mr": "mar_Deva", "ne": "npi_Deva",
    "gu": "guj_Gujr", "pa": "pan_Guru", "ta": "tam_Taml", "te": "tel_Telu", "si": "sin_Sinh",
    "az": "azj_Latn", "ky": "kir_Cyrl", "sr": "srp_Cyrl", "am": "amh_Ethi", "ti": "tir_Ethi",
    "om": "gaz_Latn", "so": "som_Latn", "ha": "hau_Latn", "ig": "ibo_Latn", "yo": "yor_Latn",
    "rn": "run_Latn", "cy": "cym_Latn", "gd": "gla_Latn",
}


class NLLB(BartLike):
    name = "nllb"
    title = "NLLB-200"
    model_types = ("m2m_100",)
    codes = CODES
    translates = True

    def checkpoint_codes(self):
        # transformers' own list of the checkpoint's 202 codes (a heavy import: here only)
        from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

        return list(FAIRSEQ_LANGUAGE_CODES)

    def demo_sentencepiece(self, languages):
        return {"ids": dict(bos_id=0, pad_id=1, eos_id=2, unk_id=3), "model_type": "bpe",
                "file": "sentencepiece.bpe.model", "reserved": len(languages) + 1}

    def demo_tokenizer(self, directory, languages):
        from transformers import NllbTokenizer

        # on a custom sentencepiece model the codes must be passed as special tokens
        return NllbTokenizer.from_pretrained(directory, src_lang="eng_Latn", tgt_lang="eng_Latn",
                                             additional_special_tokens=[CODES[lang] for lang in languages])

    def demo_classes(self):
        from transformers import M2M100Config, M2M100ForConditionalGeneration

        return M2M100Config, M2M100ForConditionalGeneration
