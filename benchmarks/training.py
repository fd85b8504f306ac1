"""Finetuning step throughput: batches grouped by input length against random batches, and
the cost of gradient accumulation, timed in one run.

`xlgen.training.train_steps` (the finetune rule's loop: AdamW, clipping, linear schedule)
trains a demo backbone (resources/demo_backbones) on the English summarization training
set of the demo world (generated here with the demo config's seed and size), tokenized
with `xlgen.finetune.encode` and the config's length limits. Configurations, each from
the same initial weights, on the same `epoch_batches` stream settings:

* grouped 16x1  `epoch_batches(..., group_by_length=True)`, batch 16 (the default)
* random 16x1   `group_by_length=False`: every batch pads to its longest random member
* grouped 8x2   micro-batches of 8, 2 accumulated per step (`finetune.micro_batch_size: 8`)

Reported per configuration: optimizer steps/s, real tokens/s (source + target tokens that
are not padding) and the share of padded positions in the encoder input. `--repeats`
rounds run every configuration once, interleaved; the best round of each is reported.
Torch runs `--threads` intra-op threads (default 1, the finetune rule's `threads: 1`).

    .venv/bin/python benchmarks/training.py                      # mbart-demo, ~2 min
    .venv/bin/python benchmarks/training.py --backbone mt5-demo --steps 40
    .venv/bin/python benchmarks/training.py --quick              # smoke test
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {  # name: (group_by_length, micro-batch, accumulation)
    "grouped 16x1": (True, 16, 1),
    "random 16x1": (False, 16, 1),
    "grouped 8x2": (True, 8, 2),
}


def english_records(n_train: int, seed: int) -> list[dict]:
    from xlgen_demo.world import write_demo_world

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_world(tmp, ["en"], seed, n_train=n_train, n_dev=1, n_test=1, n_unlabeled=1, n_parallel=1)
        lines = (Path(tmp) / "summarization" / "en" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def run(backbone_dir: Path, examples: list[dict], config: tuple[bool, int, int], steps: int, seed: int) -> dict:
    """Train `steps` optimizer steps from the saved weights; time and token counts."""
    from xlgen.backbones import load_backbone
    from xlgen.training import TrainSettings, epoch_batches, train_steps

    group, micro, accum = config
    model, tokenizer = load_backbone(backbone_dir)
    batches = list(itertools.islice(epoch_batches(examples, micro, seed, group_by_length=group), steps * accum))
    real = sum(len(e["input_ids"]) + len(e["labels"]) for batch in batches for e in batch)
    padded_inputs = sum(len(batch) * max(len(e["input_ids"]) for e in batch) for batch in batches)
    real_inputs = sum(len(e["input_ids"]) for batch in batches for e in batch)
    settings = TrainSettings(steps=steps, batch_size=micro, lr=1e-4, grad_accum=accum, seed=seed,
                             log_every=10 ** 9)
    started = time.perf_counter()
    train_steps(model, tokenizer, iter(batches), settings, log=lambda line: None)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "real_tokens": real, "padding": 1 - real_inputs / padded_inputs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbone", default="mbart-demo", choices=["mbart-demo", "mt5-demo", "nllb-demo"])
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps per configuration and round")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 steps, 1 round")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import torch
    import yaml
    from transformers.utils import logging as hf_logging

    from xlgen.backbones import family_of, load_backbone
    from xlgen.finetune import encode

    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    if args.quick:
        args.steps, args.repeats = 2, 1
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    lengths = config["task_settings"]["summarization"]
    demo = config["data"]["demo"]
    backbone_dir = ROOT / "resources" / "demo_backbones" / args.backbone
    model, tokenizer = load_backbone(backbone_dir)
    records = english_records(200 if args.quick else demo["n_train"], demo["seed"])
    examples = encode(tokenizer, family_of(model), records, "en", lengths["max_source_length"],
                      lengths["max_target_length"])
    del model
    best: dict[str, dict] = {}
    for _ in range(args.repeats):
        for name, settings in CONFIGS.items():  # interleaved: a busy spell hits all alike
            result = run(backbone_dir, examples, settings, args.steps, config["seed"])
            if name not in best or result["seconds"] < best[name]["seconds"]:
                best[name] = result
    print(f"{os.cpu_count()} CPU cores, {args.threads} torch thread(s), torch {torch.__version__}, "
          f"{'CUDA' if torch.cuda.is_available() else 'CPU'}; {args.backbone}, {len(examples)} English "
          f"summarization examples, {args.steps} optimizer steps of 16 examples; best of {args.repeats} rounds")
    print(f"{'configuration':<14} {'steps/s':>8} {'tokens/s':>9} {'padding':>8} {'vs grouped 16x1':>16}")
    reference = best["grouped 16x1"]["seconds"]
    for name, r in best.items():
        print(f"{name:<14} {args.steps / r['seconds']:>8.2f} {r['real_tokens'] / r['seconds']:>9.0f} "
              f"{r['padding']:>8.0%} {reference / r['seconds']:>15.2f}x")
    grouped, shuffled = best["grouped 16x1"], best["random 16x1"]
    print(f"length grouping: {shuffled['seconds'] / grouped['seconds']:.2f}x the steps/s of random batches; "
          f"gradient accumulation 8x2: {best['grouped 8x2']['seconds'] / grouped['seconds']:.2f}x the time of 16x1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
