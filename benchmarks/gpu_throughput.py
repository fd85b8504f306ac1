"""Training and generation throughput of the real study's backbone sizes on a GPU: the three
seq2seq backbones and decoder-only LLMs.

The models are built from the published configurations of google/mt5-base,
facebook/mbart-large-50 and facebook/nllb-200-distilled-600M, written out below (nothing is
downloaded), with random weights: speed does not depend on the weights' values. Measured
as the study runs them (xlgen.training, xlgen.generation):

* training: AdamW steps with bf16 autocast (fp32 where the GPU has no bf16) on batches of
  random token ids, source length 512, target length 64; reported as (source + target)
  tokens/s and steps/s, after warm-up steps;
* generation: greedy decoding under inference_mode and the same autocast, a batch of
  random 512-token inputs, exactly `--new-tokens` new tokens per input (min_new_tokens, so a
  random model's early EOS cannot shorten the work); reported as generated tokens/s.

LLMs, built from the published configurations of meta-llama/Llama-3.1-8B, Qwen/Qwen2.5-7B and
(one that fits one GPU for full finetuning) meta-llama/Llama-3.2-1B, random weights, bf16:

* training, full: all weights in fp32 under bf16 autocast (as the training loop), AdamW
  (torch's fused kernel, the loop's default on a GPU), on `--llm-batch` sequences of a
  `--src-len` prompt and a `--tgt-len` completion, the loss on the completion only;
* training, LoRA: the project's defaults (r 8, alpha 16, dropout 0.05 on q_proj and v_proj)
  on bf16 base weights, the adapters in fp32;
* generation: bf16 weights, greedy, a batch of `--llm-gen-batch` random prompts of
  `--src-len` tokens, exactly `--new-tokens` new tokens each.

Each is reported as tokens/s (training: prompt + completion tokens; generation: generated
tokens) and MFU, model FLOPs utilization: the FLOPs the work needs (below) over the time,
divided by the GPU's dense bf16 peak (a table of common GPUs; `--peak-tflops` for others).
FLOPs (PaLM's convention, Chowdhery et al. 2022, app. B; N the weights of the matrix
multiplications, the LM head included, the input embedding not; attention counted over the
full context, as PaLM does): a training token 6N + 12 L d T (L layers, width d, sequence T);
LoRA 4N + 6N_lora + 12 L d T (no weight gradients for the frozen weights); generation 2N
per token plus 4 L d per attended position, the prompt's prefill included. The 8B and 7B
models are not trained in full on one GPU (fp32 weights, gradients and AdamW state alone
are 16 bytes a parameter, ~120 GB): that is finetuning with FSDP over N GPUs
(finetune.accelerate_config), not this script; `--llm-full-all` tries anyway and reports
running out of memory as such.

Without CUDA it prints "no GPU: not measured" and exits 0. `--device cpu --tiny` runs the
same code on downsized configurations (a smoke test of this script on any machine; no MFU
on CPU); `--quick` is that with a few steps.

    .venv/bin/python benchmarks/gpu_throughput.py                 # on a GPU machine
    .venv/bin/python benchmarks/gpu_throughput.py --quick         # CPU smoke test, seconds
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

MODELS = ("mt5-base", "mbart-large-50", "nllb-200-distilled-600M")
LLMS = ("Llama-3.1-8B", "Qwen2.5-7B", "Llama-3.2-1B")
LLM_FULL = ("Llama-3.2-1B",)  # those whose full finetuning fits one 80 GB GPU
LORA = {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"]}  # xlgen.methods.lora's defaults
# Dense (no sparsity) bf16 tensor-core peak TFLOPS by device name, the more specific first
# (NVIDIA datasheets); MFU is not printed for a GPU not listed unless --peak-tflops is given.
PEAK_BF16_TFLOPS = (("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("H100", 989.4), ("H200", 989.4), ("GH200", 989.4),
                    ("H800", 989.4), ("B200", 2250.0), ("A100", 312.0), ("A800", 312.0), ("L40S", 362.1),
                    ("L40", 181.0), ("L4", 121.0), ("A6000", 154.8), ("RTX 4090", 165.2), ("A10", 125.0))


def published_config(name: str, tiny: bool = False):
    """The transformers config of `name` as published on the Hugging Face hub (config.json of
    the checkpoint); `tiny`: the same family and options, downsized for a CPU smoke test."""
    from transformers import M2M100Config, MBartConfig, MT5Config

    if name == "mt5-base":
        # google/mt5-base config.json: d_model 768, d_ff 2048, d_kv 64, 12 heads, 12 + 12
        # layers, gated-gelu FFN, untied LM head, vocab 250112 (mT5's 250k sentencepiece
        # vocabulary rounded up to a multiple of 128; t5x mt5 gin files), relative attention
        # with 32 buckets, pad 0 / eos 1 / decoder start 0.
        size = dict(d_model=768, d_ff=2048, d_kv=64, num_heads=12, num_layers=12, num_decoder_layers=12,
                    vocab_size=250112)
        if tiny:
            size = dict(d_model=64, d_ff=128, d_kv=16, num_heads=4, num_layers=2, num_decoder_layers=2,
                        vocab_size=1000)
        return MT5Config(**size, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                         relative_attention_num_buckets=32, layer_norm_epsilon=1e-6, dropout_rate=0.1,
                         pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    shared = dict(d_model=1024, encoder_layers=12, decoder_layers=12, encoder_attention_heads=16,
                  decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096)
    if tiny:
        shared = dict(d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                      decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128)
    if name == "mbart-large-50":
        # facebook/mbart-large-50 config.json: d_model 1024, 12 + 12 layers, 16 heads, FFN 4096,
        # GELU, pre-norm with final layer norms, scaled embeddings, 1024 positions, vocab
        # 250054 (250k sentencepiece + fairseq specials + 52 language codes + <mask>),
        # tied embeddings, pad 1 / eos 2 / decoder start 2.
        return MBartConfig(**shared, vocab_size=1000 if tiny else 250054, max_position_embeddings=1024,
                           activation_function="gelu", scale_embedding=True, dropout=0.1, attention_dropout=0.0,
                           pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)
    if name == "nllb-200-distilled-600M":
        # facebook/nllb-200-distilled-600M config.json (M2M100 architecture): d_model 1024,
        # 12 + 12 layers, 16 heads, FFN 4096, ReLU, scaled embeddings, sinusoidal positions
        # (1024), vocab 256206 (256k sentencepiece + 202 language codes + specials), tied
        # embeddings, pad 1 / eos 2 / decoder start 2.
        return M2M100Config(**shared, vocab_size=1000 if tiny else 256206, max_position_embeddings=1024,
                            activation_function="relu", scale_embedding=True, dropout=0.1,
                            attention_dropout=0.1, activation_dropout=0.0,
                            pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)
    raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")


def published_llm_config(name: str, tiny: bool = False):
    """The transformers config of the decoder-only `name` as published on the hub (its
    config.json); `tiny`: the same class and options, downsized for a CPU smoke test."""
    from transformers import LlamaConfig, Qwen2Config

    if name in ("Llama-3.1-8B", "Llama-3.2-1B"):
        # meta-llama/Llama-3.1-8B config.json: hidden 4096, FFN 14336 (SiLU-gated), 32 layers,
        # 32 query and 8 key/value heads (GQA), vocab 128256, untied LM head, RMSNorm 1e-5,
        # RoPE theta 500000 with llama3 scaling (factor 8 from 8192 positions), 131072
        # positions, no biases; bos 128000, eos 128001.
        # meta-llama/Llama-3.2-1B config.json: hidden 2048, FFN 8192, 16 layers, 32 and 8
        # heads of 64, tied embeddings, llama3 scaling factor 32; the rest as 3.1-8B.
        eight = name == "Llama-3.1-8B"
        size = (dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                     num_key_value_heads=8, head_dim=128, vocab_size=128256) if eight else
                dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                     num_key_value_heads=8, head_dim=64, vocab_size=128256))
        if tiny:
            size = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, head_dim=16, vocab_size=1000)
        return LlamaConfig(**size, hidden_act="silu", max_position_embeddings=131072, rms_norm_eps=1e-5,
                           rope_theta=500000.0, attention_bias=False, mlp_bias=False,
                           rope_scaling={"rope_type": "llama3", "factor": 8.0 if eight else 32.0,
                                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                         "original_max_position_embeddings": 8192},
                           tie_word_embeddings=not eight, bos_token_id=128000 if not tiny else 1,
                           eos_token_id=128001 if not tiny else 2)
    if name in ("Qwen2.5-7B", "Qwen2.5-0.5B"):
        # Qwen/Qwen2.5-7B config.json: hidden 3584, FFN 18944 (SiLU-gated), 28 layers, 28
        # query and 4 key/value heads of 128, biases on q/k/v, vocab 152064, untied LM head,
        # RMSNorm 1e-6, RoPE theta 1e6, 131072 positions, no sliding window; bos = eos 151643.
        # Qwen/Qwen2.5-0.5B config.json (the real-shape rehearsal's decoder-only model, 494M):
        # hidden 896, FFN 4864, 24 layers, 14 query and 2 key/value heads of 64, vocab 151936,
        # tied embeddings, 32768 positions; the rest as 7B; saved in bf16.
        seven = name == "Qwen2.5-7B"
        size = (dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                     num_key_value_heads=4, vocab_size=152064) if seven else
                dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                     num_key_value_heads=2, vocab_size=151936))
        if tiny:
            size = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, vocab_size=1000)
        return Qwen2Config(**size, hidden_act="silu", max_position_embeddings=131072 if seven else 32768,
                           rms_norm_eps=1e-6, rope_theta=1000000.0, use_sliding_window=False, sliding_window=None,
                           max_window_layers=size["num_hidden_layers"], tie_word_embeddings=not seven,
                           bos_token_id=151643 if not tiny else 1, eos_token_id=151643 if not tiny else 2)
    raise ValueError(f"unknown LLM {name!r}; known: {', '.join(LLMS + ('Qwen2.5-0.5B',))}")


def build_llm(name: str, tiny: bool):
    from transformers import LlamaForCausalLM, Qwen2ForCausalLM

    config = published_llm_config(name, tiny)
    return (Qwen2ForCausalLM if config.model_type == "qwen2" else LlamaForCausalLM)(config)


def build(name: str, tiny: bool):
    from transformers import M2M100ForConditionalGeneration, MBartForConditionalGeneration, MT5ForConditionalGeneration

    classes = {"mt5-base": MT5ForConditionalGeneration, "mbart-large-50": MBartForConditionalGeneration,
               "nllb-200-distilled-600M": M2M100ForConditionalGeneration}
    import torch

    model = classes[name](published_config(name, tiny))
    if name == "mt5-base":
        # transformers 5's MT5Config forces tie_word_embeddings=True, so a model built from the
        # config shares the LM head with the embeddings; the published checkpoint has its own
        # head (from_pretrained leaves the two untied because they differ). Untie, so that the
        # parameter count (582M), optimizer state and memory are the real model's.
        model.lm_head.weight = torch.nn.Parameter(torch.empty_like(model.shared.weight).normal_(std=1.0))
    return model


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_steps(step, warmup: int, steps: int, device) -> float:
    """Seconds of `steps` calls of `step` after `warmup` untimed ones (GPU work synchronized)."""
    for _ in range(warmup):
        step()
    _sync(device)
    started = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    return time.perf_counter() - started


def _best_run(run, repeats: int, device) -> tuple[float, int]:
    """(best seconds, its result) of `repeats` timed calls of `run` after one warm-up call."""
    run()
    best, result = float("inf"), None
    for _ in range(repeats):
        _sync(device)
        started = time.perf_counter()
        value = run()
        _sync(device)
        seconds = time.perf_counter() - started
        if seconds < best:
            best, result = seconds, value
    return best, result


def _random_ids(config, shape, generator, device):
    import torch

    # ids above the special tokens (0-3), below the vocabulary size
    return torch.randint(4, config.vocab_size, shape, generator=generator).to(device)


def train_throughput(model, device, dtype, batch: int, src_len: int, tgt_len: int, steps: int, warmup: int) -> dict:
    import torch

    generator = torch.Generator().manual_seed(0)
    model.to(device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    inputs = _random_ids(model.config, (batch, src_len), generator, device)
    labels = _random_ids(model.config, (batch, tgt_len), generator, device)
    mask = torch.ones_like(inputs)

    def step():
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = model(input_ids=inputs, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    seconds = _time_steps(step, warmup, steps, device)
    return {"steps_per_s": steps / seconds, "tokens_per_s": steps * batch * (src_len + tgt_len) / seconds}


def generate_throughput(model, device, dtype, batch: int, src_len: int, new_tokens: int, repeats: int) -> dict:
    import torch

    generator = torch.Generator().manual_seed(1)
    model.to(device)
    model.eval()
    inputs = _random_ids(model.config, (batch, src_len), generator, device)
    mask = torch.ones_like(inputs)

    def run():
        with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            out = model.generate(input_ids=inputs, attention_mask=mask, num_beams=1, do_sample=False,
                                 max_new_tokens=new_tokens, min_new_tokens=new_tokens)
        return out.shape[1] - 1  # the decoder start token is not generated

    best, generated = _best_run(run, repeats, device)
    return {"tokens_per_s": batch * generated / best, "seconds": best}


# --- decoder-only LLMs ----------------------------------------------------------------------

def matmul_weights(model) -> int:
    """Weights that take part in matrix multiplications (every nn.Linear, the LM head and LoRA
    matrices included; not the input embedding, a lookup): N of the FLOPs formulas."""
    import torch

    return sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))


def llm_train_flops(config, n_frozen: int, n_trained: int, tokens: int, seq_len: int) -> float:
    """FLOPs of training on `tokens` tokens of sequences of `seq_len` (PaLM's convention):
    forward 2 a weight, backward 2 for the input gradient and 2 more for a trained weight's
    gradient, and the attention's 12 L d T a token."""
    attention = 12 * config.num_hidden_layers * config.hidden_size * seq_len
    return tokens * (4 * n_frozen + 6 * n_trained + attention)


def llm_generate_flops(config, n_weights: int, batch: int, prompt: int, new: int) -> float:
    """FLOPs of greedy generation: 2 a weight for each prompt and generated token, and 4 L d
    for each position a token attends to (the prompt's prefill over the whole prompt, each
    new token over the prompt and the tokens before it)."""
    per_position = 4 * config.num_hidden_layers * config.hidden_size
    positions = prompt * prompt + sum(prompt + i for i in range(new))
    return batch * (2 * n_weights * (prompt + new) + per_position * positions)


def peak_tflops(device, override: float | None) -> float | None:
    """The GPU's dense bf16 peak (TFLOPS), from `override` or PEAK_BF16_TFLOPS; None on CPU or
    for a GPU not in the table."""
    if override:
        return override
    if device.type != "cuda":
        return None
    import torch

    name = torch.cuda.get_device_name(device)
    return next((peak for key, peak in PEAK_BF16_TFLOPS if key in name), None)


def with_lora(model):
    from peft import LoraConfig, TaskType, get_peft_model

    return get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM, r=LORA["r"], lora_alpha=LORA["alpha"],
                                            lora_dropout=LORA["dropout"], target_modules=LORA["target_modules"]))


def llm_train_throughput(model, device, dtype, batch: int, prompt: int, completion: int, steps: int,
                         warmup: int) -> dict:
    """Training steps on random prompt + completion sequences, the loss on the completion:
    tokens/s and seconds. AdamW over what trains (fused on a GPU, as the training loop)."""
    import torch

    generator = torch.Generator().manual_seed(0)
    model.to(device)
    model.train()
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=1e-5, fused=device.type == "cuda")
    ids = _random_ids(model.config, (batch, prompt + completion), generator, device)
    labels = ids.clone()
    labels[:, :prompt] = -100  # the loss on the completion only

    def step():
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    seconds = _time_steps(step, warmup, steps, device)
    return {"seconds": seconds, "tokens": steps * batch * (prompt + completion)}


def llm_generate_throughput(model, device, batch: int, prompt: int, new_tokens: int, repeats: int) -> dict:
    import torch

    generator = torch.Generator().manual_seed(1)
    model.to(device)
    model.eval()
    ids = _random_ids(model.config, (batch, prompt), generator, device)
    mask = torch.ones_like(ids)

    def run():
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False, num_beams=1,
                                 max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                 pad_token_id=model.config.eos_token_id)
        return out.shape[1] - prompt

    best, generated = _best_run(run, repeats, device)
    return {"seconds": best, "tokens": batch * generated}


def measure_llm(name: str, mode: str, args, device, dtype, peak: float | None) -> dict:
    """One row: `mode` full | lora | generate of the LLM `name`: tokens/s, MFU, peak memory."""
    import torch

    torch.manual_seed(0)
    # built where it runs (random init of 8B weights on the CPU takes minutes), in bf16 unless
    # its weights train in full (fp32 master weights)
    build_dtype = dtype if dtype is not None and mode != "full" else torch.float32
    previous_dtype = torch.get_default_dtype()
    torch.set_default_dtype(build_dtype)
    try:
        with torch.device(device):
            model = build_llm(name, args.tiny)
    finally:
        torch.set_default_dtype(previous_dtype)
    params = sum(p.numel() for p in model.parameters())
    config = model.config
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    try:
        if mode == "generate":
            result = llm_generate_throughput(model, device, args.llm_gen_batch, args.src_len, args.new_tokens,
                                             repeats=1 if args.quick else 3)
            flops = llm_generate_flops(config, matmul_weights(model), args.llm_gen_batch, args.src_len,
                                       result["tokens"] // args.llm_gen_batch)
        else:
            if mode == "lora":  # frozen base weights in bf16 (as built), the adapters in fp32
                model = with_lora(model)
                for p in model.parameters():
                    if p.requires_grad:
                        p.data = p.data.float()
            n_trained = sum(m.weight.numel() for m in model.modules()
                            if isinstance(m, torch.nn.Linear) and m.weight.requires_grad)
            n_frozen = matmul_weights(model) - n_trained
            seq = args.src_len + args.tgt_len
            result = llm_train_throughput(model, device, dtype, args.llm_batch, args.src_len, args.tgt_len,
                                          args.steps, 1 if args.quick else 3)
            flops = llm_train_flops(config, n_frozen, n_trained, result["tokens"], seq)
    except torch.cuda.OutOfMemoryError:
        return {"params": params, "oom": True}
    finally:
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()
    peak_gib = torch.cuda.max_memory_allocated(device) / 2 ** 30 if device.type == "cuda" else float("nan")
    achieved = flops / result["seconds"] / 1e12
    return {"params": params, "tokens_per_s": result["tokens"] / result["seconds"], "tflops": achieved,
            "mfu": achieved / peak if peak else None, "peak_gib": peak_gib}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--llms", nargs="*", default=list(LLMS), choices=LLMS, help="decoder-only models (none: skip)")
    parser.add_argument("--llm-batch", type=int, default=8, help="LLM training batch (default 8)")
    parser.add_argument("--llm-gen-batch", type=int, default=64, help="LLM generation batch (default 64)")
    parser.add_argument("--llm-full-all", action="store_true",
                        help="try full finetuning of the 8B/7B models on this one GPU too")
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="the GPU's dense bf16 peak for MFU, where the built-in table lacks it")
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--tiny", action="store_true", help="downsized configurations (smoke test)")
    parser.add_argument("--quick", action="store_true", help="--device cpu --tiny with a few steps")
    parser.add_argument("--batch", type=int, default=16, help="training batch (default 16)")
    parser.add_argument("--src-len", type=int, default=512)
    parser.add_argument("--tgt-len", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps (after 3 warm-up)")
    parser.add_argument("--gen-batch", type=int, default=64, help="generation batch (default 64)")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens generated per input")
    parser.add_argument("--threads", type=int, default=None, help="torch threads on CPU (--quick: 1)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    warnings.filterwarnings("ignore", category=FutureWarning)  # transformers 5's renames, called by peft
    if args.quick:
        args.device, args.tiny, args.threads = "cpu", True, args.threads or 1
        args.batch, args.src_len, args.tgt_len, args.steps = 2, 32, 8, 2
        args.gen_batch, args.new_tokens = 2, 4
        args.llm_batch, args.llm_gen_batch = 2, 2
    import torch

    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(args.threads or torch.get_num_threads())
    if device.type == "cuda" and not torch.cuda.is_available():
        print("no GPU: not measured (run with --device cpu --tiny for a smoke test)")
        return 0
    dtype = None
    if device.type == "cuda":
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else None
        name = torch.cuda.get_device_name(device)
    else:
        name = f"CPU, {os.cpu_count()} cores"
    warmup = 1 if args.quick else 3
    print(f"{name}; torch {torch.__version__}; {'bf16 autocast' if dtype else 'fp32'}; "
          f"{'tiny configs (smoke test)' if args.tiny else 'published configs, random weights'}")
    print(f"training: batch {args.batch} x (source {args.src_len} + target {args.tgt_len}), AdamW, "
          f"{args.steps} steps after {warmup} warm-up; generation: greedy, batch {args.gen_batch} x source "
          f"{args.src_len}, {args.new_tokens} new tokens")
    print(f"{'model':<24} {'params':>8} {'train steps/s':>14} {'train tok/s':>12} {'gen tok/s':>10} {'peak GiB':>9}")
    for model_name in args.models:
        torch.manual_seed(0)
        model = build(model_name, args.tiny)
        params = sum(p.numel() for p in model.parameters())
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        train = train_throughput(model, device, dtype, args.batch, args.src_len, args.tgt_len, args.steps, warmup)
        gen = generate_throughput(model, device, dtype, args.gen_batch, args.src_len, args.new_tokens,
                                  repeats=1 if args.quick else 3)
        peak = torch.cuda.max_memory_allocated(device) / 2 ** 30 if device.type == "cuda" else float("nan")
        shown = f"{params / 1e6:.0f}M" if params >= 1e7 else f"{params / 1e6:.2f}M"
        print(f"{model_name:<24} {shown:>8} {train['steps_per_s']:>14.2f} {train['tokens_per_s']:>12.0f} "
              f"{gen['tokens_per_s']:>10.0f} {peak:>9.1f}", flush=True)
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()
    if args.llms:
        peak = peak_tflops(device, args.peak_tflops)
        print(f"\nLLMs: training batch {args.llm_batch} x (prompt {args.src_len} + completion {args.tgt_len}), "
              f"loss on the completion; full: fp32 weights, bf16 autocast, AdamW (fused on a GPU); "
              f"LoRA r {LORA['r']} on "
              f"{'/'.join(LORA['target_modules'])}, bf16 base weights; generation: bf16 weights, greedy, batch "
              f"{args.llm_gen_batch} x prompt {args.src_len}, {args.new_tokens} new tokens; MFU against "
              + (f"{peak:.0f} TFLOPS (dense bf16)" if peak else "no known peak (give --peak-tflops)"))
        print(f"{'model':<14} {'params':>8} {'mode':<9} {'tokens/s':>10} {'TFLOPS':>8} {'MFU':>6} {'peak GiB':>9}")
        for model_name in args.llms:
            modes = ["full", "lora", "generate"]
            if model_name not in LLM_FULL and not args.llm_full_all and not args.tiny:
                modes = ["lora", "generate"]
                print(f"{model_name:<14} {'':>8} {'full':<9} {'not measured: needs FSDP over several GPUs':>36}")
            for mode in modes:
                row = measure_llm(model_name, mode, args, device, dtype, peak)
                shown = f"{row['params'] / 1e9:.2f}B" if row["params"] >= 1e8 else f"{row['params'] / 1e6:.2f}M"
                if row.get("oom"):
                    print(f"{model_name:<14} {shown:>8} {mode:<9} {'out of GPU memory':>26}", flush=True)
                    continue
                mfu = f"{row['mfu']:.1%}" if row["mfu"] is not None else "n/a"
                print(f"{model_name:<14} {shown:>8} {mode:<9} {row['tokens_per_s']:>10.0f} {row['tflops']:>8.2f} "
                      f"{mfu:>6} {row['peak_gib']:>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
