"""What a backbone family owns, and the encoder-decoder (seq2seq) behaviour most families share.

A family is one module of xlgen.families with one Family subclass, keyed by the
`model_type`s of the checkpoints it reads (as peft keys its target-module tables). It owns:
loading (the transformers Auto class), language control (codes, an instruction, or none),
how a record becomes model inputs and labels, how generation is asked for and its output
read back, padding side, the pretraining objective, LoRA targets, adapter sites, and the
parts `freeze` can freeze. Everything else in xlgen asks the family and never branches on
its name. Importing this module imports neither torch nor transformers.

A family with codes (mBART-50, NLLB-200) owns its table `codes` (ISO code -> the
checkpoint's code). A language the table lacks (mBART-50 has no Greek, nor most African
languages of XL-Sum) never gets a silent stand-in: it is skipped, left out of that
backbone's runs, and config validation reports it (xlgen.config). A model finetuned with
`en_XX` forced and decoding unforced would mostly answer in English and measure nothing;
an "unforced" choice was withdrawn (issue 22): it was offered but crashed, and making it
work needs every tokenizer's source-side code stripped.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from xlgen.io import InputError
from xlgen.languages import get_language
from xlgen.objectives import text_infilling

# The stacks of an encoder-decoder model (adapter `stacks`, `freeze` parts).
STACKS = ("encoder", "decoder")


@dataclass
class GenerationRequest:
    """What generation needs from a family for one call (xlgen.generation.generate)."""

    input_ids: list[list[int]]   # one prompt or source per input, unpadded
    kwargs: dict                 # keywords of model.generate (language control, pad and EOS ids)
    # (model.generate output, padded input width) -> (text, token ids) per row
    decode: Callable[[Any, int], list[tuple[str, list[int]]]]
    forced_bos: int | None = None  # the first decoded token, for the CPU greedy loop


class Family:
    """Base class: an encoder-decoder family without language codes. Subclasses set the
    class attributes and override what differs (see xlgen.families.mt5, .mbart, .nllb,
    .causal)."""

    name: str = ""
    title: str = ""  # how prose names it ("mBART-50")
    model_types: tuple[str, ...] = ()
    is_encoder_decoder: bool = True
    # an MT model: usable as translate_train.mt_backbone (reads one language, writes another)
    translates: bool = False
    # ISO code -> the family's language code (None: a family without codes)
    codes: Mapping[str, str] | None = None
    # the transformer stacks (adapter `stacks`), and the parts `freeze` can freeze
    stacks: tuple[str, ...] = STACKS
    parts: tuple[str, ...] = ("decoder", "encoder", "embeddings")
    default_frozen: tuple[str, ...] = ("decoder", "embeddings")  # ZmBART
    lora_targets: tuple[str, ...] = ("q_proj", "v_proj")
    peft_task_type: str = "SEQ_2_SEQ_LM"
    # catalog keys this family reads (backbone_catalog.<name>.<key>) and their defaults, and
    # the values each may take (the config schema's enums: xlgen.config.schema_with_registries)
    setting_defaults: dict[str, Any] = {}
    setting_choices: dict[str, tuple[str, ...]] = {}
    settings: dict[str, Any] = {}

    # --- identity and settings ----------------------------------------------------------

    def __repr__(self) -> str:
        return f"<family {self.name}>"

    @property
    def has_language_codes(self) -> bool:
        return self.codes is not None

    def checkpoint_codes(self) -> list[str]:
        """Every language code of the real checkpoint, in its order (transformers' list)."""
        return []

    def configure(self, settings: dict | None) -> Family:
        """This family with a backbone's settings (the catalog keys in `setting_defaults`);
        ValueError naming an unknown key or value."""
        settings = dict(settings or {})
        unknown = sorted(set(settings) - set(self.setting_defaults))
        if unknown:
            raise InputError(f"'{unknown[0]}' does not apply to family {self.name}"
                             + (f" (its settings: {', '.join(self.setting_defaults)})" if self.setting_defaults
                                else " (it has no settings)"))
        self.check_settings(settings)
        configured = copy.copy(self)
        configured.settings = {**self.setting_defaults, **settings}
        return configured

    def check_settings(self, settings: dict) -> None:
        """InputError('<key>' ...) for a bad value of one of the family's settings (default:
        one not among its `setting_choices`)."""
        for key, allowed in self.setting_choices.items():
            if key in settings and settings[key] not in allowed:
                raise InputError(f"'{key}' is {settings[key]!r}; expected one of: {', '.join(allowed)}")

    # --- loading -----------------------------------------------------------------------

    def auto_class(self):
        from transformers import AutoModelForSeq2SeqLM

        return AutoModelForSeq2SeqLM

    def load_model(self, path, dtype: str | None = None):
        """The model of a checkpoint, in its own dtype or in `dtype` ("float32")."""
        if dtype is None:
            return self.auto_class().from_pretrained(path)
        import torch

        return self.auto_class().from_pretrained(path, dtype=getattr(torch, dtype))

    def prepare_tokenizer(self, tokenizer):
        """The tokenizer made ready for batching (a pad token where it lacks one)."""
        return tokenizer

    def hidden_size(self, config) -> int:
        return config.d_model

    # --- language control --------------------------------------------------------------

    def language_code(self, lang: str) -> str | None:
        """The family's code for a language (`ru` -> `ru_RU` for mBART-50), None for a
        family without codes or a language the family has no code for."""
        get_language(lang)  # an unknown code fails for every family
        return self.codes.get(lang) if self.codes is not None else None

    def missing_code_choice(self, lang: str) -> str | None:
        """None when the family can write `lang` (a code, or no codes needed), else "skip":
        the language is left out of this backbone's runs (see the module docstring)."""
        if self.codes is None or self.language_code(lang) is not None:
            return None
        return "skip"

    def set_languages(self, tokenizer, src_lang: str, tgt_lang: str | None = None) -> None:
        """Make `tokenizer` add the family's codes for a src -> tgt pair (nothing without codes)."""
        if self.codes is None:
            return
        tokenizer.src_lang = self.language_code(src_lang)
        tokenizer.tgt_lang = self.language_code(tgt_lang or src_lang)

    def forced_bos_token_id(self, tokenizer, lang: str) -> int | None:
        """The token id generation must start with to write in `lang` (None without codes)."""
        if self.codes is None:
            return None
        code = self.language_code(lang)
        token_id = tokenizer.convert_tokens_to_ids(code)
        if token_id is None or token_id == tokenizer.unk_token_id:
            raise InputError(f"tokenizer has no language code {code!r} for {lang!r}")
        return token_id

    # --- records -> model inputs --------------------------------------------------------

    def encode(self, tokenizer, records: list[dict], lang: str, max_source_length: int,
               max_target_length: int, kind=None) -> list[dict]:
        """Training examples {"id", "input_ids", "labels"} of `source` -> `target` records
        written in `lang`, with the family's language control. `kind`: the records' TaskKind
        object (xlgen.tasks; a decoder-only family builds its prompt from it)."""
        self.set_languages(tokenizer, lang)
        sources = tokenizer([r["source"] for r in records], truncation=True, max_length=max_source_length)
        targets = tokenizer(text_target=[r["target"] for r in records], truncation=True,
                            max_length=max_target_length)
        return [{"id": r["id"], "input_ids": s, "labels": t}
                for r, s, t in zip(records, sources["input_ids"], targets["input_ids"])]

    def generation_request(self, model, tokenizer, sources: list[str], lang: str, *, source_lang: str,
                           kind=None, max_source_length: int) -> GenerationRequest:
        """How to ask `model` for outputs in `lang` from `sources` (written in `source_lang`):
        their input ids, the keywords of `model.generate`, and how its output is read back.
        `kind`: the TaskKind object of the sources (see encode)."""
        self.set_languages(tokenizer, source_lang, lang)
        forced = self.forced_bos_token_id(tokenizer, lang)
        input_ids = tokenizer(sources, truncation=True, max_length=max_source_length)["input_ids"]

        def decode(out, width: int) -> list[tuple[str, list[int]]]:
            texts = tokenizer.batch_decode(out, skip_special_tokens=True)  # decoder start token first, pads dropped
            return [(text.strip(), ids[:1] + [t for t in ids[1:] if t != tokenizer.pad_token_id])
                    for text, ids in zip(texts, out.tolist())]

        return GenerationRequest(input_ids, {"forced_bos_token_id": forced}, decode, forced_bos=forced)

    def pad_batch(self, tokenizer, rows: list[list[int]]):
        """A padded batch (input_ids, attention_mask tensors) of input id lists."""
        return tokenizer.pad({"input_ids": rows}, return_tensors="pt")

    # --- pretraining objectives ---------------------------------------------------------

    def denoising_example(self, tokenizer, text: str, lang: str, rng: random.Random, reconstruct: bool,
                          max_length: int) -> dict:
        """One example of the family's own pretraining objective on `text` (language `lang`):
        BART/mBART text infilling (<mask> in, whole text out) unless overridden."""
        self.set_languages(tokenizer, lang)
        full = tokenizer(text, truncation=True, max_length=max_length).input_ids  # [code] body </s>
        body = full[1:-1]
        source = [full[0]] + text_infilling(body, tokenizer.mask_token_id, rng) + [full[-1]]
        return {"input_ids": source, "labels": full}

    def translation_example(self, tokenizer, src_lang: str, tgt_lang: str, src: str, tgt: str,
                            max_length: int) -> dict:
        """One src -> tgt translation example with the family's language control."""
        self.set_languages(tokenizer, src_lang, tgt_lang)
        enc = tokenizer(src, text_target=tgt, truncation=True, max_length=max_length)
        return {"input_ids": enc["input_ids"], "labels": enc["labels"]}

    # --- parts of the model -------------------------------------------------------------

    def stack(self, model, name: str):
        """The encoder or decoder stack of the model."""
        if name not in self.stacks:
            raise InputError(f"unknown stack {name!r} for family {self.name}; known: {', '.join(self.stacks)}")
        return model.get_encoder() if name == "encoder" else model.get_decoder()

    def layers(self, model, name: str):
        """The transformer layers of one stack, lowest first (mBART/NLLB `layers`)."""
        return self.stack(model, name).layers

    def embedding_modules(self, model) -> list:
        """Token embeddings, the LM head (tied or not) and learned position embeddings."""
        modules = [model.get_input_embeddings(), model.get_output_embeddings()]
        for name in self.stacks:
            part = self.stack(model, name)
            modules += [getattr(part, "embed_tokens", None), getattr(part, "embed_positions", None)]
        return [m for m in modules if m is not None]

    def part_parameters(self, model) -> dict[str, list]:
        """{part: parameters} for every part in `parts`: disjoint lists covering the whole
        model (stack parameters that are embeddings count as embeddings only)."""
        embeddings = _unique(p for m in self.embedding_modules(model) for p in m.parameters())
        taken = {id(p) for p in embeddings}
        parts = {"embeddings": embeddings}
        for name in self.stacks:
            parts[name] = [p for p in self.stack(model, name).parameters() if id(p) not in taken]
            taken |= {id(p) for p in parts[name]}
        _check_covered(model, taken, self.parts)
        return parts

    def adapter_sites(self, block, stack_name: str) -> dict:
        """{site: module whose output an adapter follows} for one layer (mBART/NLLB layout)."""
        sites = {"self_attn": block.self_attn}
        if stack_name == "decoder":
            sites["cross_attn"] = block.encoder_attn
        sites["ffn"] = block.fc2
        return sites

    # --- methods -------------------------------------------------------------------------

    def lora_target_modules(self, model_type: str | None = None) -> list[str]:
        """The modules LoRA wraps by default (the query and value projections)."""
        return list(self.lora_targets)

    # --- the demo's tiny backbones (xlgen_demo.backbone) ---------------------------------

    def demo_sentencepiece(self, languages: list[str]) -> dict:
        """How the demo trains this family's sentencepiece model: `ids` (the special ids),
        `model_type`, `file` (its name in the checkpoint), `reserved` (vocabulary entries
        the tokenizer adds)."""
        raise NotImplementedError(f"family {self.name} has no demo backbone")

    def demo_tokenizer(self, directory, languages: list[str]):
        """The family's tokenizer class around the sentencepiece model in `directory`."""
        raise NotImplementedError(f"family {self.name} has no demo backbone")

    def demo_model(self, tokenizer, dims, spec: dict):
        """A randomly initialised model of the family's architecture sized by `dims`."""
        raise NotImplementedError(f"family {self.name} has no demo backbone")

    def demo_generation_config(self, model, tokenizer):
        """The GenerationConfig saved with a demo backbone."""
        from transformers import GenerationConfig

        return GenerationConfig(decoder_start_token_id=model.config.decoder_start_token_id,
                                pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)


class BartLike(Family):
    """mBART-50 and NLLB-200 (M2M100): codes on the source side and as the first decoded
    token, stacks at `model.model.{encoder,decoder}.layers`, fairseq's special-id layout."""

    def demo_model(self, tokenizer, dims, spec: dict):
        bart_like = dict(
            vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            d_model=dims.d_model, encoder_layers=dims.layers, decoder_layers=dims.layers,
            encoder_attention_heads=dims.heads, decoder_attention_heads=dims.heads,
            encoder_ffn_dim=dims.ffn, decoder_ffn_dim=dims.ffn, max_position_embeddings=512,
            bos_token_id=tokenizer.bos_token_id, decoder_start_token_id=tokenizer.eos_token_id,
            dropout=0.0, attention_dropout=0.0, scale_embedding=True,
        )
        config_class, model_class = self.demo_classes()
        return model_class(config_class(**bart_like))

    def demo_classes(self):
        raise NotImplementedError


def _unique(params) -> list:
    out, seen = [], set()
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def _check_covered(model, taken: set[int], parts: tuple[str, ...]) -> None:
    rest = [n for n, p in model.named_parameters() if id(p) not in taken]
    if rest:  # a layout the family does not know: fail instead of training it silently
        raise ValueError(f"parameters outside {', '.join(parts)}: {rest[:5]}")
