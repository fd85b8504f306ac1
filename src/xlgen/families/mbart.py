"""mBART-50 (facebook/mbart-large-50, MBartForConditionalGeneration): `ru_RU` codes.

The source language's code prefixes the input and the target language's code is forced as
the first decoded token; pretrained by text infilling. mBART-50 has no code for Greek and
many XL-Sum languages: they are skipped for this family (xlgen.families.base).
"""

from __future__ import annotations

from xlgen.families.base import BartLike

# ISO code -> mBART-50 code, for the languages of xlgen.languages that mBART-50 has
# (every code is in transformers' list: tests/test_language_codes.py)
CODES = {
    "en": "en_XX", "de": "de_DE", "es": "es_XX", "fr": "fr_XX", "ru": "ru_RU", "uk": "uk_UA", "zh": "zh_CN",
    "ja": "ja_XX", "ko": "ko_KR", "ar": "ar_AR", "he": "he_IL", "fa": "fa_IR", "hi": "hi_IN", "bn": "bn_IN",
    "th": "th_TH", "km": "km_KH", "my": "my_MM", "vi": "vi_VN", "tr": "tr_TR", "fi": "fi_FI", "id": "id_ID",
    "ro": "ro_RO", "sw": "sw_KE", "pt": "pt_XX", "ur": "ur_PK", "ps": "ps_AF", "mr": "mr_IN", "ne": "ne_NP",
    "gu": "gu_IN", "ta": "ta_IN", "te": "te_IN", "si": "si_LK", "az": "az_AZ",
}


class MBart(BartLike):
    name = "mbart"
    title = "mBART-50"
    model_types = ("mbart",)
    codes = CODES

    def checkpoint_codes(self):
        # transformers' own list of the checkpoint's 52 codes (a heavy import: here only)
        from transformers.models.mbart50.tokenization_mbart50 import FAIRSEQ_LANGUAGE_CODES

        return list(FAIRSEQ_LANGUAGE_CODES)

    def demo_sentencepiece(self, languages):
        return {"ids": dict(bos_id=0, pad_id=1, eos_id=2, unk_id=3), "model_type": "unigram",
                "file": "sentencepiece.bpe.model", "reserved": len(self.checkpoint_codes()) + 1}

    def demo_tokenizer(self, directory, languages):
        from transformers import MBart50Tokenizer

        # the class adds all 52 mBART-50 codes itself
        return MBart50Tokenizer.from_pretrained(directory, src_lang="en_XX", tgt_lang="en_XX")

    def demo_classes(self):
        from transformers import MBartConfig, MBartForConditionalGeneration

        return MBartConfig, MBartForConditionalGeneration
