"""mBART-50 (facebook/mbart-large-50, MBartForConditionalGeneration): `ru_RU` codes.

The source language's code prefixes the input and the target language's code is forced as
the first decoded token; pretrained by text infilling. mBART-50 has no code for Greek and
many XL-Sum languages: the language table says what happens to them (xlgen.languages).
"""

from __future__ import annotations

from xlgen.families.base import BartLike


class MBart(BartLike):
    name = "mbart"
    title = "mBART-50"
    model_types = ("mbart",)
    code_attribute = "mbart50"

    def demo_sentencepiece(self, languages):
        from xlgen.languages import MBART50_CODES

        return {"ids": dict(bos_id=0, pad_id=1, eos_id=2, unk_id=3), "model_type": "unigram",
                "file": "sentencepiece.bpe.model", "reserved": len(MBART50_CODES) + 1}

    def demo_tokenizer(self, directory, languages):
        from transformers import MBart50Tokenizer

        # the class adds all 52 mBART-50 codes itself
        return MBart50Tokenizer.from_pretrained(directory, src_lang="en_XX", tgt_lang="en_XX")

    def demo_classes(self):
        from transformers import MBartConfig, MBartForConditionalGeneration

        return MBartConfig, MBartForConditionalGeneration
