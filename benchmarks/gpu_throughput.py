"""Training and generation throughput of the real study's three backbone sizes on a GPU.

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

Without CUDA it prints "no GPU: not measured" and exits 0. `--device cpu --tiny` runs the
same code on downsized configurations (a smoke test of this script on any machine);
`--quick` is that with a few steps.

    .venv/bin/python benchmarks/gpu_throughput.py                 # on a GPU machine
    .venv/bin/python benchmarks/gpu_throughput.py --quick         # CPU smoke test, seconds
"""

from __future__ import annotations

import argparse
import os
import sys
import time

MODELS = ("mt5-base", "mbart-large-50", "nllb-200-distilled-600M")


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

    for _ in range(warmup):
        step()
    _sync(device)
    started = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    seconds = time.perf_counter() - started
    del optimizer
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

    run()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        _sync(device)
        started = time.perf_counter()
        generated = run()
        _sync(device)
        best = min(best, time.perf_counter() - started)
    return {"tokens_per_s": batch * generated / best, "seconds": best}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
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
    if args.quick:
        args.device, args.tiny, args.threads = "cpu", True, args.threads or 1
        args.batch, args.src_len, args.tgt_len, args.steps = 2, 32, 8, 2
        args.gen_batch, args.new_tokens = 2, 4
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
