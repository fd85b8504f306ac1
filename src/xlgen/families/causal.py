"""Decoder-only multilingual LLMs (Llama, Qwen, Gemma, Mistral, Aya Expanse / Command R, ...).

One generic family for every causal LM whose `model_type` is in MODEL_TYPES, done the way
the field finetunes them:
- a record becomes a prompt (its task kind's template, `TaskKind.prompt`, inside the model's
  chat template when the tokenizer has one and `chat_template: auto`) and a completion (the
  target, then EOS); the loss is on the completion only (prompt labels -100);
- the source text is what truncation cuts, so the prompt's instruction and cue and the whole
  answer always fit (prompt <= max_source_length, completion <= max_target_length);
- language control is an instruction naming the output language ("... in Russian.";
  `language_control: instruction`) or nothing (`none`); there are no language codes;
- generation pads on the left with an explicit pad token, and the output is the text after
  the prompt, cut at EOS and at the kind's stop strings (`TaskKind.stop`);
- the pretraining objective (mix_unsup, intermediate tuning, the demo) is causal LM on the
  text; `reconstruction` examples put the text with spans deleted in a prompt and the whole
  text in the completion (the counterpart of T5's reconstruction: a small model learns to
  copy from its prompt, in the prompt's language); translation examples are prompts too;
- `freeze` parts: embeddings (token embeddings and LM head), lower_layers (the lower half of
  the layers), upper_layers (the rest, with the final norm); adapters sit in the decoder
  layers (after self-attention and the MLP); LoRA wraps the query and value projections
  (per model_type where they are named otherwise).
"""

from __future__ import annotations

import random

from xlgen.families.base import Family, GenerationRequest, _unique
from xlgen.io import InputError
from xlgen.languages import describe_language
from xlgen.objectives import text_infilling

# model_type -> LoRA target modules where they are not q_proj/v_proj (peft's table agrees)
LORA_TARGETS = {"phi3": ("qkv_proj",), "bloom": ("query_key_value",)}
MODEL_TYPES = ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3", "gemma3_text", "cohere",
               "cohere2", "phi3", "olmo2", "granite", "smollm3", "stablelm", "bloom")
LANGUAGE_CONTROLS = ("instruction", "none")
CHAT_TEMPLATES = ("auto", "none")
# how translation examples (demo pretraining, intermediate tuning) ask for a translation
TRANSLATION_PROMPT = "Translate the following text from {source_language} into {language}.\n\n{source}\n\nTranslation:"
# how reconstruction examples ask for a text back from a copy with spans deleted
RECONSTRUCTION_PROMPT = "Repeat the following text and fill in what is missing.\n\n{source}\n\nText:"
_SOURCE = "\uffffSOURCE\uffff"  # stands for the source text while the template is rendered


def language_name(code: str) -> str:
    """The English name of a language code, as prompts write it ("Russian")."""
    return describe_language(code).name


class Causal(Family):
    name = "causal"
    title = "decoder-only"
    model_types = MODEL_TYPES
    is_encoder_decoder = False
    stacks = ("decoder",)
    parts = ("embeddings", "lower_layers", "upper_layers")
    default_frozen = ("embeddings", "lower_layers")
    peft_task_type = "CAUSAL_LM"
    setting_defaults = {"language_control": "instruction", "chat_template": "auto"}
    setting_choices = {"language_control": LANGUAGE_CONTROLS, "chat_template": CHAT_TEMPLATES}
    settings = setting_defaults

    # --- loading -----------------------------------------------------------------------

    def auto_class(self):
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM

    def prepare_tokenizer(self, tokenizer):
        if tokenizer.pad_token_id is None:  # Llama and Mistral ship none: pads are masked anyway
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    def hidden_size(self, config) -> int:
        return config.get_text_config().hidden_size

    # --- prompts -----------------------------------------------------------------------

    def uses_chat_template(self, tokenizer) -> bool:
        return self.settings["chat_template"] == "auto" and bool(getattr(tokenizer, "chat_template", None))

    def _template(self, kind) -> str:
        """The prompt template of the TaskKind `kind` (xlgen.tasks; its callers resolve names)."""
        if kind is None:
            raise InputError(f"family {self.name} (decoder-only) needs the task kind to build its prompt")
        template = kind.prompt if self.settings["language_control"] == "instruction" else kind.prompt_without_language
        if "{source}" not in template:
            raise InputError(f"task kind {kind.name} has no prompt template for decoder-only backbones")
        return template

    def _around_source(self, tokenizer, template: str, exemplars=(), **fields) -> tuple[list[int], list[int]]:
        """Token ids before and after the source in the rendered prompt: the instruction and
        the cue, in the chat template where one is used, BOS first where the tokenizer has one.
        `exemplars`: (input, output) pairs before it, as user and assistant turns of the chat
        template, else as prompt-and-answer blocks (xlgen.remedies.exemplars)."""
        text = template.format(source=_SOURCE, **fields)
        if self.uses_chat_template(tokenizer):  # the template writes BOS itself where the model wants one
            turns = [turn for source, target in exemplars
                     for turn in ({"role": "user", "content": template.format(source=source, **fields)},
                                  {"role": "assistant", "content": target})]
            text = tokenizer.apply_chat_template([*turns, {"role": "user", "content": text}], tokenize=False,
                                                 add_generation_prompt=True)
            bos = []
        else:
            shots = "".join(f"{template.format(source=source, **fields)} {target}\n\n" for source, target in exemplars)
            text = shots + text
            bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
        before, after = text.split(_SOURCE)
        return (bos + tokenizer(before, add_special_tokens=False)["input_ids"],
                tokenizer(after, add_special_tokens=False)["input_ids"])

    def _prompts(self, tokenizer, template: str, sources: list[str], max_source_length: int | None,
                 source_budget: int | None = None, **fields) -> list[list[int]]:
        """Prompts of at most `max_source_length` tokens, or with at most `source_budget`
        tokens of source text, the source cut to fit."""
        head, tail = self._around_source(tokenizer, template, **fields)
        budget = source_budget if source_budget is not None else max_source_length - len(head) - len(tail)
        if budget < 1:
            raise InputError(f"max_source_length {max_source_length} leaves no room for the source: the prompt "
                             f"template alone is {len(head) + len(tail)} tokens")
        bodies = tokenizer(list(sources), add_special_tokens=False)["input_ids"]
        return [head + body[:budget] + tail for body in bodies]

    def prompts(self, tokenizer, sources: list[str], lang: str, kind, max_source_length: int,
                exemplars: list | None = None) -> list[list[int]]:
        """Prompt ids of `sources` asking for outputs in `lang`: at most `max_source_length`
        tokens, the source cut to fit. `exemplars`: per source, (input, output) pairs put
        before it; the source keeps the budget it has without them, they come on top."""
        template, fields = self._template(kind), {"language": language_name(lang)}
        if exemplars is None:
            return self._prompts(tokenizer, template, sources, max_source_length, **fields)
        head, tail = self._around_source(tokenizer, template, **fields)
        budget = max_source_length - len(head) - len(tail)
        return [self._prompts(tokenizer, template, [source], None, source_budget=budget, exemplars=shots,
                              **fields)[0] for source, shots in zip(sources, exemplars, strict=True)]

    def _completion(self, tokenizer, targets: list[str], max_target_length: int) -> list[list[int]]:
        if max_target_length < 2:
            raise InputError(f"max_target_length {max_target_length} leaves no room for the answer before EOS")
        ids = tokenizer(list(targets), add_special_tokens=False)["input_ids"]
        return [t[: max_target_length - 1] + [tokenizer.eos_token_id] for t in ids]

    @staticmethod
    def _example(prompt: list[int], completion: list[int], **extra) -> dict:
        return {**extra, "input_ids": prompt + completion, "labels": [-100] * len(prompt) + completion}

    def encode(self, tokenizer, records, lang, max_source_length, max_target_length, kind=None):
        """Prompt + completion + EOS as `input_ids`; `labels` the same with every prompt
        position -100, so the loss is on the completion only."""
        self.prepare_tokenizer(tokenizer)
        prompts = self.prompts(tokenizer, [r["source"] for r in records], lang, kind, max_source_length)
        completions = self._completion(tokenizer, [r["target"] for r in records], max_target_length)
        return [self._example(p, c, id=r["id"]) for r, p, c in zip(records, prompts, completions)]

    # --- generation ----------------------------------------------------------------------

    def generation_request(self, model, tokenizer, sources, lang, *, source_lang, kind=None, max_source_length,
                           exemplars=None):
        self.prepare_tokenizer(tokenizer)
        prompts = self.prompts(tokenizer, sources, lang, kind, max_source_length, exemplars=exemplars)
        configured = model.generation_config.eos_token_id
        eos = sorted({tokenizer.eos_token_id}
                     | ({configured} if isinstance(configured, int) else set(configured or ())))
        stop = kind.stop

        def decode(out, width: int) -> list[tuple[str, list[int]]]:
            rows = []
            for ids in out.tolist():
                generated = ids[width:]
                end = next((k for k, t in enumerate(generated) if t in eos), len(generated))
                text = tokenizer.decode(generated[:end], skip_special_tokens=True).strip()
                for mark in stop:
                    text = text.split(mark, 1)[0].strip()
                rows.append((text, generated[: end + 1]))
            return rows

        return GenerationRequest(prompts, {"pad_token_id": tokenizer.pad_token_id, "eos_token_id": eos}, decode)

    def pad_batch(self, tokenizer, rows):
        # left padding: every prompt ends where generation starts
        return tokenizer.pad({"input_ids": rows}, return_tensors="pt", padding_side="left")

    # --- pretraining objectives ----------------------------------------------------------

    def denoising_example(self, tokenizer, text, lang, rng: random.Random, reconstruct, max_length):
        """Causal LM on the text: BOS text EOS, every token after the first a label. With
        `reconstruct`: the text with spans deleted (BART's infilling noise, the spans dropped
        instead of masked) in RECONSTRUCTION_PROMPT, the whole text and EOS its completion."""
        self.prepare_tokenizer(tokenizer)
        if reconstruct:
            ids = tokenizer(text, add_special_tokens=False, truncation=True, max_length=max_length - 1)["input_ids"]
            kept = [t for t in text_infilling(ids, -1, rng) if t != -1]  # -1 marks a deleted span
            head, tail = self._around_source(tokenizer, RECONSTRUCTION_PROMPT)
            return self._example(head + kept + tail, ids + [tokenizer.eos_token_id])
        bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
        ids = tokenizer(text, add_special_tokens=False, truncation=True,
                        max_length=max_length - len(bos) - 1)["input_ids"]
        ids = bos + ids + [tokenizer.eos_token_id]
        return {"input_ids": ids, "labels": [-100] + ids[1:]}

    def translation_example(self, tokenizer, src_lang, tgt_lang, src, tgt, max_length):
        """A translation prompt (TRANSLATION_PROMPT) and the translation as its completion,
        each text cut at `max_length` tokens."""
        self.prepare_tokenizer(tokenizer)
        (prompt,) = self._prompts(tokenizer, TRANSLATION_PROMPT, [src], None, source_budget=max_length,
                                  source_language=language_name(src_lang), language=language_name(tgt_lang))
        (completion,) = self._completion(tokenizer, [tgt], max_length)
        return self._example(prompt, completion)

    # --- parts of the model ----------------------------------------------------------------

    def stack(self, model, name: str):
        if name not in self.stacks:
            raise InputError(f"family {self.name} is decoder-only: it has no {name} stack")
        return model.get_decoder()

    def layers(self, model, name: str):
        base = self.stack(model, name)
        for attribute in ("layers", "h"):  # Llama-like, BLOOM
            if hasattr(base, attribute):
                return getattr(base, attribute)
        raise InputError(f"{type(model).__name__}: no decoder layers found (family {self.name})")

    def embedding_modules(self, model) -> list:
        base = self.stack(model, "decoder")
        modules = [model.get_input_embeddings(), model.get_output_embeddings(),
                   getattr(base, "embed_positions", None)]
        return [m for m in modules if m is not None]

    def part_parameters(self, model) -> dict[str, list]:
        embeddings = _unique(p for m in self.embedding_modules(model) for p in m.parameters())
        taken = {id(p) for p in embeddings}
        layers = self.layers(model, "decoder")
        lower = [p for layer in layers[: len(layers) // 2] for p in layer.parameters() if id(p) not in taken]
        taken |= {id(p) for p in lower}
        upper = _unique(p for p in model.parameters() if id(p) not in taken)  # upper layers, final norm
        return {"embeddings": embeddings, "lower_layers": lower, "upper_layers": upper}

    def adapter_sites(self, block, stack_name: str) -> dict:
        attention = getattr(block, "self_attn", None) or getattr(block, "self_attention", None)
        if attention is None or not hasattr(block, "mlp"):
            raise InputError(f"{type(block).__name__}: no self-attention or MLP to put adapters after")
        return {"self_attn": attention, "ffn": block.mlp}

    def lora_target_modules(self, model_type=None):
        return list(LORA_TARGETS.get(model_type, self.lora_targets))

    # --- demo --------------------------------------------------------------------------------

    def demo_sentencepiece(self, languages):
        # Llama-2's layout: unk 0, BOS 1, EOS 2; a pad token of its own at 3; bytes for the rest
        return {"ids": dict(unk_id=0, bos_id=1, eos_id=2, pad_id=3), "model_type": "bpe",
                "file": "tokenizer.model", "reserved": 0, "byte_fallback": True}

    def demo_tokenizer(self, directory, languages):
        from transformers import LlamaTokenizer

        return LlamaTokenizer.from_pretrained(directory, pad_token="<pad>", padding_side="left")

    def demo_model(self, tokenizer, dims, spec):
        from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

        architecture = spec.get("architecture", "llama")
        classes = {"llama": (LlamaConfig, LlamaForCausalLM), "qwen2": (Qwen2Config, Qwen2ForCausalLM)}
        if architecture not in classes:
            raise InputError(f"demo architecture {architecture!r}; known: {', '.join(classes)}")
        config_class, model_class = classes[architecture]
        config = config_class(
            vocab_size=len(tokenizer), hidden_size=dims.d_model, intermediate_size=dims.ffn,
            num_hidden_layers=dims.layers, num_attention_heads=dims.heads, num_key_value_heads=dims.heads,
            max_position_embeddings=1024, tie_word_embeddings=True, attention_dropout=0.0,
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        return model_class(config)

    def demo_generation_config(self, model, tokenizer):
        from transformers import GenerationConfig

        return GenerationConfig(bos_token_id=tokenizer.bos_token_id, pad_token_id=tokenizer.pad_token_id,
                                eos_token_id=tokenizer.eos_token_id)
