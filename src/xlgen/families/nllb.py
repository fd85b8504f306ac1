"""NLLB-200 (facebook/nllb-200-distilled-600M; model_type m2m_100, M2M100ForConditionalGeneration):
`rus_Cyrl` codes placed as in mBART-50. A translation model: the only family that can be
the MT system of the translation baselines.
"""

from __future__ import annotations

from xlgen.families.base import BartLike


class NLLB(BartLike):
    name = "nllb"
    title = "NLLB-200"
    model_types = ("m2m_100",)
    code_attribute = "nllb200"
    translates = True

    def demo_sentencepiece(self, languages):
        return {"ids": dict(bos_id=0, pad_id=1, eos_id=2, unk_id=3), "model_type": "bpe",
                "file": "sentencepiece.bpe.model", "reserved": len(languages) + 1}

    def demo_tokenizer(self, directory, languages):
        from transformers import NllbTokenizer

        from xlgen.languages import LANGUAGES

        # on a custom sentencepiece model the codes must be passed as special tokens
        return NllbTokenizer.from_pretrained(directory, src_lang="eng_Latn", tgt_lang="eng_Latn",
                                             additional_special_tokens=[LANGUAGES[lang].nllb200
                                                                        for lang in languages])

    def demo_classes(self):
        from transformers import M2M100Config, M2M100ForConditionalGeneration

        return M2M100Config, M2M100ForConditionalGeneration
