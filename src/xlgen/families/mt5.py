"""mT5 (google/mt5-base, MT5ForConditionalGeneration): no language codes, T5 span corruption.

mT5 is told nothing about the output language: it writes in the language its finetuning
and its input suggest. Its stacks keep `block`s (`model.encoder.block`) whose sublayers sit
in `layer[...]`; its attention projections are `q`, `k`, `v`, `o`.
"""

from __future__ import annotations

import random

from xlgen.families.base import Family
from xlgen.objectives import span_corruption

SENTINELS = 32  # <extra_id_0..31>: enough for span corruption of one demo text


class MT5(Family):
    name = "mt5"
    title = "mT5"
    model_types = ("mt5",)
    lora_targets = ("q", "v")

    def layers(self, model, name: str):
        return self.stack(model, name).block

    def adapter_sites(self, block, stack_name: str) -> dict:
        # MT5Block: layer[0] self-attention, [1] cross-attention (decoder), [-1] FFN
        sites = {"self_attn": block.layer[0].SelfAttention}
        if stack_name == "decoder":
            sites["cross_attn"] = block.layer[1].EncDecAttention
        sites["ffn"] = block.layer[-1].DenseReluDense
        return sites

    def denoising_example(self, tokenizer, text: str, lang: str, rng: random.Random, reconstruct: bool,
                          max_length: int) -> dict:
        """T5 span corruption (sentinels in, the masked spans out), or with `reconstruct` T5's
        "BERT-style" objective (the same input, the whole text out)."""
        sentinel_ids = tokenizer.convert_tokens_to_ids([f"<extra_id_{i}>" for i in range(SENTINELS)])
        ids = tokenizer(text, add_special_tokens=False, truncation=True, max_length=max_length - 1).input_ids
        source, target = span_corruption(ids, sentinel_ids, tokenizer.eos_token_id, rng)
        if reconstruct:
            target = ids + [tokenizer.eos_token_id]
        return {"input_ids": source, "labels": target}

    # --- demo ---------------------------------------------------------------------------

    def demo_sentencepiece(self, languages):
        return {"ids": dict(pad_id=0, eos_id=1, unk_id=2, bos_id=-1), "model_type": "unigram",
                "file": "spiece.model", "reserved": SENTINELS}

    def demo_tokenizer(self, directory, languages):
        from transformers import T5Tokenizer

        return T5Tokenizer.from_pretrained(directory, extra_ids=SENTINELS)

    def demo_model(self, tokenizer, dims, spec):
        from transformers import MT5Config, MT5ForConditionalGeneration

        config = MT5Config(
            d_model=dims.d_model, d_kv=dims.d_model // dims.heads, d_ff=dims.ffn,
            num_layers=dims.layers, num_decoder_layers=dims.layers, num_heads=dims.heads,
            decoder_start_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
            dropout_rate=0.0, vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
        return MT5ForConditionalGeneration(config)
