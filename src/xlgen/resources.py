"""What a job of a backbone holds: its parameter count, from the checkpoint's `config.json`.

Counted from the config's fields, not by building the model: the rules' resources are
planned by Snakemake before any job runs (a dry run on a login node, offline), where
importing torch and transformers would add ~5 s to every plan and building an 8B model on
the meta device ~10 s more (measured 2026-12-07). `tests/test_resources.py` checks the count
against the parameters of the models transformers builds from the real configs
(`../shared/fixtures/hf_configs/`: mT5-base, mBART-50, NLLB-600M) and from the published
decoder-only configs the GPU benchmark writes out (Llama-3.1-8B, Llama-3.2-1B, Qwen2.5-7B).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from xlgen.io import InputError

T5_TYPES = ("t5", "mt5", "umt5")
BART_TYPES = ("mbart", "m2m_100", "bart", "marian")  # fairseq-style encoder-decoders
DECODER_TYPES = ("llama", "qwen2", "mistral", "gemma", "gemma2", "cohere")
LEARNED_POSITIONS = ("mbart", "bart")  # learned position tables, with fairseq's offset of 2


class ShapeError(InputError):
    """A config.json whose architecture the count does not know, or a field it lacks."""


def read_config(path: str | Path) -> dict:
    """The `config.json` of a checkpoint folder (or the file itself)."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ShapeError(f"{path}: not a readable config.json ({error})") from error


def count_parameters(config: Mapping) -> int:
    """The parameters of the model a checkpoint's config.json describes (embeddings and LM
    head included, a tied head counted once; buffers such as mBART's final_logits_bias not)."""
    return sum(count_parts(config).values())


def count_parts(config: Mapping) -> dict[str, int]:
    """The parameters of each part the `freeze` method names (xlgen.families `parts`), from
    config.json: `embeddings` (token embeddings, the LM head where it is its own, learned
    positions), then `encoder` and `decoder` of an encoder-decoder (each stack's layers and
    norms), or `lower_layers` (the lower half) and `upper_layers` (the rest and the final norm)
    of a decoder-only model. They sum to `count_parameters`."""
    model_type = config.get("model_type")
    try:
        if model_type in T5_TYPES:
            return _t5(config)
        if model_type in BART_TYPES:
            return _bart(config)
        if model_type in DECODER_TYPES:
            return _decoder(config)
    except KeyError as missing:
        raise ShapeError(f"config.json of model_type {model_type!r} has no {missing}") from None
    raise ShapeError(f"model_type {model_type!r}: its parameters are not counted from config.json here; give the "
                     f"catalog entry `params:` (the checkpoint's parameter count). Counted: "
                     f"{', '.join(T5_TYPES + BART_TYPES + DECODER_TYPES)}")


def _t5(c: Mapping) -> dict[str, int]:
    d, inner, ff, heads = c["d_model"], c["num_heads"] * c["d_kv"], c["d_ff"], c["num_heads"]
    vocab = c["vocab_size"]
    tied = c.get("tie_word_embeddings", c["model_type"] == "t5")  # T5 ties by default, mT5 does not
    encoder_layers = c["num_layers"]
    decoder_layers = c.get("num_decoder_layers") or encoder_layers
    ffn = (3 if str(c.get("feed_forward_proj", "relu")).startswith("gated-") else 2) * d * ff
    attention = 4 * d * inner
    # relative position buckets: in the first layer of each stack (T5, mT5), in every layer (umT5)
    buckets = c.get("relative_attention_num_buckets", 32) * heads
    bias_layers = (encoder_layers, decoder_layers) if c["model_type"] == "umt5" else (1, 1)
    return {"embeddings": vocab * d * (1 if tied else 2),
            "encoder": encoder_layers * (attention + ffn + 2 * d) + d + bias_layers[0] * buckets,
            "decoder": decoder_layers * (2 * attention + ffn + 3 * d) + d + bias_layers[1] * buckets}


def _bart(c: Mapping) -> dict[str, int]:
    d, vocab = c["d_model"], c["vocab_size"]
    attention = 4 * (d * d + d)
    norm = 2 * d  # LayerNorm: weight and bias

    def ffn(dim: int) -> int:
        return d * dim + dim + dim * d + d

    encoder = c["encoder_layers"] * (attention + norm + ffn(c["encoder_ffn_dim"]) + norm)
    decoder = c["decoder_layers"] * (2 * attention + 2 * norm + ffn(c["decoder_ffn_dim"]) + norm)
    stack_norms = 0  # in each stack
    if c["model_type"] in ("mbart", "bart"):
        stack_norms += norm  # layernorm_embedding
    if c["model_type"] in ("mbart", "m2m_100"):
        stack_norms += norm  # the final layer_norm (pre-norm)
    positions = 0  # embeddings, as `freeze` counts them (xlgen.families embedding_modules)
    if c["model_type"] in LEARNED_POSITIONS:
        positions = 2 * (c["max_position_embeddings"] + 2) * d
    elif c["model_type"] == "marian":  # sinusoidal, but held as (frozen) parameters; m2m_100's as buffers
        positions = 2 * c["max_position_embeddings"] * d
    tied = c.get("tie_word_embeddings", True)
    return {"embeddings": vocab * d * (1 if tied else 2) + positions,
            "encoder": encoder + stack_norms, "decoder": decoder + stack_norms}


def _decoder(c: Mapping) -> dict[str, int]:
    d, vocab, layers = c["hidden_size"], c["vocab_size"], c["num_hidden_layers"]
    heads = c["num_attention_heads"]
    kv_heads = c.get("num_key_value_heads") or heads
    head_dim = c.get("head_dim") or d // heads
    q, kv = heads * head_dim, kv_heads * head_dim
    qkv_bias = c["model_type"] == "qwen2" or bool(c.get("attention_bias", False))
    attention = d * q + 2 * d * kv + q * d + ((q + 2 * kv) if qkv_bias else 0)
    if c.get("attention_bias", False):
        attention += d  # o_proj's bias (Llama-style attention_bias biases all four projections)
    ffn = 3 * d * c["intermediate_size"] + (2 * c["intermediate_size"] + d if c.get("mlp_bias", False) else 0)
    # Gemma 2 norms before and after each block; Cohere one norm before its parallel blocks
    norms = {"gemma2": 4, "cohere": 1}.get(c["model_type"], 2) * d
    tied = c.get("tie_word_embeddings", c["model_type"] in ("gemma", "gemma2", "cohere"))
    layer = attention + ffn + norms
    return {"embeddings": vocab * d * (1 if tied else 2), "lower_layers": layers // 2 * layer,
            "upper_layers": (layers - layers // 2) * layer + d}


# --- what a job asks the scheduler for --------------------------------------------------------
# Host memory, disk and time of the jobs that hold a backbone, from its parameter count, the
# method, the processes and the data; each request is scaled by Snakemake's `attempt`, so a
# job retried after running out of memory or time asks for more. docs/cluster.md shows what
# they give for the paper and LLM studies. The real-shape rehearsal (benchmarks/rehearsal.py,
# `make rehearsal`) measures what the jobs hold at the real shapes; tests/test_rehearsal.py
# checks every request against its table, HEADROOM above the measured peak.

MB = 2**20
RUNTIME_MB = 1200  # python, torch, transformers and a tokenizer loaded, no model
MARGIN = 1.25  # over the arithmetic below: allocator slack, a second copy while a tensor moves
EVALUATE_MEM_MB = 2000  # the evaluate rule's (scores and the language judge; measured 0.2 GB)
# What each rule asks is at least this much above the peak host memory the real-shape
# rehearsal measured for its job (benchmarks/rehearsal.py; tests/test_rehearsal.py).
HEADROOM = 1.10
DEFAULT_GPU = {"tflops": 312.0, "mfu": 0.25}  # A100 bf16 dense peak and a model FLOPs utilisation for plain PyTorch
BYTES_PER_TOKEN = 8  # a token id held: int32 in TokenizedExamples, and as much again (batches, slack)
TOKENIZED_BYTES_PER_ID = 4  # the tokenize rule's file: int32 ids (xlgen.finetune.TokenizedExamples)
TEXT_BYTES_PER_TOKEN = 4  # UTF-8 bytes a token of the training text, before it is tokenized
LOGIT_BYTES = 12  # a logit of a training example: fp32, its log-softmax and its gradient


@dataclass(frozen=True)
class Shape:
    """What the resources depend on in a backbone: its parameters, the width and depth its
    activations scale with, and the vocabulary its logits have (0: not known before its
    config.json is there), of an encoder-decoder or a decoder-only model, and the parameters
    of each of its parts (`count_parts`; empty where no config.json is read)."""

    params: int
    width: int
    layers: int
    vocab: int = 0
    encoder_decoder: bool = True
    parts: tuple[tuple[str, int], ...] = ()

    def share_of(self, parts) -> float | None:
        """The share of the parameters in `parts` (names of `count_parts`), or None where the
        parts are not known (a shape from `params:` or demo dimensions)."""
        counts = dict(self.parts)
        if not counts:
            return None
        return sum(counts.get(part, 0) for part in parts) / self.params

    @classmethod
    def from_config(cls, config: Mapping) -> Shape:
        width = config.get("d_model") or config.get("hidden_size")
        layers = (config.get("num_layers", 0) + (config.get("num_decoder_layers") or config.get("num_layers", 0))
                  if config.get("model_type") in T5_TYPES else
                  config.get("encoder_layers", 0) + config.get("decoder_layers", 0)
                  or config.get("num_hidden_layers", 0))
        parts = count_parts(config)
        return cls(sum(parts.values()), int(width or 0), int(layers), int(config.get("vocab_size") or 0),
                   config.get("model_type") not in DECODER_TYPES, tuple(parts.items()))


def backbone_shape(entry: Mapping, folder: str | Path | None, name: str = "") -> Shape:
    """The shape of a catalog entry: its checkpoint's config.json where the folder holds one
    (downloaded, built or given by `path`), else the entry's `params`, else, for a demo
    backbone not built yet, its demo dimensions."""
    if folder is not None and (Path(folder) / "config.json").is_file():
        config = read_config(folder)
        if "lm_head.weight" in stored_weights(folder):  # its own LM head, whatever config.json says
            config = {**config, "tie_word_embeddings": False}
        return Shape.from_config(config)
    if "params" in entry:
        return Shape(int(entry["params"]), int(entry.get("width", 0)), int(entry.get("layers", 0)))
    demo = entry.get("demo")
    if demo:
        d, layers, ffn, vocab = demo["d_model"], demo["layers"], demo["ffn"], demo["vocab_size"]
        encoder_decoder = entry.get("family") != "causal"
        stacks = 2 if encoder_decoder else 1
        per_layer = 4 * d * d + 2 * d * ffn + (4 * d * d if encoder_decoder else 0) // 2
        return Shape(stacks * layers * per_layer + 2 * vocab * d, d, stacks * layers)
    raise ShapeError(f"backbone_catalog.{name}: no config.json at {folder} yet and no `params:`; download it first "
                     "(snakemake --until download_backbones) or give `params:` (its parameter count)")


def stored_weights(folder: str | Path) -> set[str]:
    """The tensor names a checkpoint's safetensors files hold (their headers only), or none.

    A tied LM head is saved once; one stored beside the embeddings is the model's own. Where
    config.json says otherwise, the weights win: transformers 5 writes `tie_word_embeddings:
    true` for every mT5 it saves (MT5Config forces it) and keeps the two apart when both are
    stored, so an mT5 saved by a job of the workflow holds 582M parameters, not 390M."""
    folder = Path(folder)
    index = folder / "model.safetensors.index.json"
    try:
        if index.is_file():
            return set(json.loads(index.read_text(encoding="utf-8")).get("weight_map", {}))
        if not (folder / "model.safetensors").is_file():
            return set()
        with open(folder / "model.safetensors", "rb") as fh:
            (size,) = struct.unpack("<Q", fh.read(8))
            return set(json.loads(fh.read(size))) - {"__metadata__"}
    except (OSError, ValueError, struct.error):  # a damaged file: the job that loads it says so
        return set()


def held_train_tokens(tokenized_bytes: int | None, text_bytes: int = 0) -> int:
    """The token ids of a training set: from the size of the tokenize rule's file where it
    exists (its ids, offsets and example ids: slightly over the ids), else from the size of the
    training text (the dry run of a study not tokenized yet)."""
    if tokenized_bytes is not None:
        return tokenized_bytes // TOKENIZED_BYTES_PER_ID
    return text_bytes // TEXT_BYTES_PER_TOKEN


def state_bytes_per_param(trainable_share: float, gradient_copies: int = 1) -> float:
    """Bytes a parameter holds while training: fp32 weights (4), and for a trained one its
    gradient(s) (4 each) and AdamW's two moments (8)."""
    return 4 + trainable_share * (4 * gradient_copies + 8)


def logit_bytes(shape: Shape, source_length: int, target_length: int) -> int:
    """The logits of one training example in fp32, with their log-softmax and gradient: over
    the target (encoder-decoder) or over every position (decoder-only). The largest activation
    of a decoder-only model: 2.0 GB for Qwen2.5-0.5B at 1,024 + 96 tokens, which the
    rehearsal's LoRA and prompt-tuning jobs held on the CPU (2026-12-07)."""
    positions = target_length if shape.encoder_decoder else source_length + target_length
    return positions * shape.vocab * LOGIT_BYTES


def finetune_mem_mb(shape: Shape, trainable_share: float, gradient_copies: int, processes: int,
                    train_tokens: int, attempt: int = 1, example: tuple[int, int] = (0, 0)) -> int:
    """Host memory of a finetune job: each process loads the backbone and, on a CPU, trains
    it there (weights, gradients, optimizer state; on a GPU these move to the device, and a
    checkpoint brings them back to the host to be saved), holds the tokenized data, and the
    logits of one example (`example`: its source and target lengths; on a GPU, on the device)."""
    per_process = (RUNTIME_MB * MB + shape.params * state_bytes_per_param(trainable_share, gradient_copies)
                   + train_tokens * BYTES_PER_TOKEN + logit_bytes(shape, *example))
    return _mb(processes * per_process * MARGIN * attempt)


def finetune_disk_mb(shape: Shape, trainable_share: float, attempt: int = 1, saves_backbone: bool = True) -> int:
    """Disk a finetune job writes: the trained model (`saves_backbone`: every weight, as `full`
    and `freeze` save; else the method's own weights alone, as a peft method's) and, while it
    runs, a checkpoint of what it trains and AdamW's two moments of it."""
    saved = shape.params * 4 * (1.0 if saves_backbone else trainable_share)
    checkpoint = shape.params * trainable_share * (4 + 8)
    return _mb((saved + checkpoint) * MARGIN * attempt)


def generate_mem_mb(shape: Shape, attempt: int = 1) -> int:
    """Host memory of a generation job: the runtime and the model's weights loaded once (at
    most fp32: a full run's model as trained; a peft method's backbone in its own dtype, and
    its adapters), then moved to the device. No second copy: the rehearsal measured one
    (2026-12-07, docs/cluster.md)."""
    return _mb((RUNTIME_MB * MB + shape.params * 4) * MARGIN * attempt)


def evaluate_mem_mb(attempt: int = 1) -> int:
    """Host memory of an evaluate job: scores of one run's generation files (no model)."""
    return EVALUATE_MEM_MB * attempt


def tokenize_mem_mb(n_examples: int, tokens_per_example: int, attempt: int = 1) -> int:
    """Host memory of a tokenize job: the runtime, the records' text (~4 bytes a token) and
    the token ids of every example (int32, once more while they are joined), the tokenizer's
    lists for one chunk of records at a time (xlgen.finetune.TOKENIZE_CHUNK) aside."""
    return _mb((RUNTIME_MB * MB + n_examples * tokens_per_example * (BYTES_PER_TOKEN + 8)) * MARGIN * attempt)


def train_minutes(shape: Shape, steps: int, tokens_per_step: int, trainable_share: float = 1.0,
                  processes: int = 1, gpu: Mapping | None = None, attempt: int = 1) -> int:
    """Wall-clock minutes of a finetune job on `processes` GPUs: (4 + 2 x the trained share)
    FLOPs a parameter a token (forward, the backward through every layer, the weight
    gradients of what trains: the GPU benchmark's count without attention) at the GPU's peak
    times a utilisation (`cluster.gpu`: tflops, mfu), doubled for safety, plus 10 minutes to
    load, evaluate on dev and save."""
    gpu = {**DEFAULT_GPU, **(gpu or {})}
    flops = (4 + 2 * min(1.0, trainable_share)) * shape.params * tokens_per_step * steps
    seconds = flops / (gpu["tflops"] * 1e12 * gpu["mfu"] * processes)
    return int(math.ceil((2 * seconds / 60 + 10) * attempt))


def generate_minutes(shape: Shape, examples: int, tokens_per_example: int, gpu: Mapping | None = None,
                     attempt: int = 1) -> int:
    """Minutes of a generation job: 2 FLOPs a parameter a token of the inputs and outputs
    at a tenth of the training utilisation (decoding is bound by memory, not FLOPs), plus 5
    minutes to load, doubled for safety."""
    gpu = {**DEFAULT_GPU, **(gpu or {})}
    seconds = 2 * shape.params * examples * tokens_per_example / (gpu["tflops"] * 1e12 * gpu["mfu"] / 10)
    return int(math.ceil((2 * seconds / 60 + 5) * attempt))


def _mb(n_bytes: float) -> int:
    return int(math.ceil(n_bytes / MB))
