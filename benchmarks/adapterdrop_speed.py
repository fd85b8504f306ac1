"""Generation time with bottleneck adapters in every layer against the lowest k layers'
adapters removed (AdapterDrop at inference), for k = 0 .. layers, in one run.

Each configuration is the demo backbone with Houlsby adapters (after self-attention,
cross-attention and FFN) in every layer of both stacks except the lowest k, built the way
`adapterdrop` loads a run for generation (`xlgen.methods.bottleneck.add_adapters`). W_up is
left at its zero init: the adapters cost what trained ones cost, and every configuration
writes the same tokens, so the timings compare equal work. Timed: greedy generation with
`xlgen.generation.generate` of demo-world Russian articles, after one warm-up pass, in
`--repeats` rounds that run every configuration once (interleaved, so a busy spell on a
shared machine hits them alike); the backbone without adapters is timed too.

    .venv/bin/python benchmarks/adapterdrop_speed.py                       # mbart demo, ~25 s
    .venv/bin/python benchmarks/adapterdrop_speed.py --backbone resources/demo_backbones/mt5-demo
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def demo_sources(n: int, lang: str) -> list[str]:
    """`n` demo-world summarization articles in `lang` (same seed, same texts)."""
    from xlgen_demo.world import write_demo_world

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_world(tmp, sorted({"en", lang}), 13, n_train=1, n_dev=1, n_test=n, n_unlabeled=1, n_parallel=1)
        lines = (Path(tmp) / "summarization" / lang / "test.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["source"] for line in lines]


def timings(configs: dict, family: str, sources: list[str], lang: str, repeats: int,
            max_new_tokens: int) -> dict:
    """Seconds of each of `repeats` rounds per configuration, the configurations interleaved
    within a round so that a busy spell on the machine hits them all alike; one warm-up first."""
    from xlgen.generation import generate

    outputs = {name: generate(model, tokenizer, family, sources, lang, max_new_tokens=max_new_tokens)
               for name, (model, tokenizer) in configs.items()}
    first = next(iter(outputs.values()))
    for name, texts in outputs.items():
        if texts != first:  # zero-init adapters are the identity: the same tokens, the same work
            raise RuntimeError(f"{name}: outputs differ from the backbone's; the timings would not compare")
    seconds: dict = {name: [] for name in configs}
    for _ in range(repeats):
        for name, (model, tokenizer) in configs.items():
            started = time.perf_counter()
            generate(model, tokenizer, family, sources, lang, max_new_tokens=max_new_tokens)
            seconds[name].append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbone", type=Path, default=ROOT / "resources" / "demo_backbones" / "mbart-demo")
    parser.add_argument("--n", type=int, default=128, help="articles to generate for (default 128)")
    parser.add_argument("--lang", default="ru")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: steadier on a shared machine)")
    parser.add_argument("--reduction-factor", type=int, default=16)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    from xlgen.backbones import family_of, load_backbone
    from xlgen.methods import get_method
    from xlgen.methods.bottleneck import add_adapters, attached_adapters
    from xlgen.methods.parts import layers

    torch.set_num_threads(args.threads)
    sources = demo_sources(args.n, args.lang)
    model, tokenizer = load_backbone(args.backbone)
    family = family_of(model)
    depth = min(len(layers(model, "encoder")), len(layers(model, "decoder")))
    config = get_method("adapter").resolve(model, {"reduction_factor": args.reduction_factor})
    configs = {"backbone": (model, tokenizer)}
    for k in range(depth + 1):
        model, tokenizer = load_backbone(args.backbone)
        add_adapters(model, config, skip_lowest=k)
        configs[k] = (model, tokenizer)
    print(f"{args.backbone.name}: {family}, d_model {config['d_model']}, {depth} + {depth} layers, "
          f"bottleneck {config['bottleneck']} ({config['placement']}); {len(sources)} {args.lang} articles, "
          f"greedy, <= {args.max_new_tokens} new tokens; {os.cpu_count()} CPU cores, "
          f"{torch.get_num_threads()} torch thread(s); {args.repeats} interleaved rounds")
    seconds = timings(configs, family, sources, args.lang, args.repeats, args.max_new_tokens)
    best = {name: min(values) for name, values in seconds.items()}
    print(f"{'dropped k':>9} {'adapters':>9} {'best s':>8} {'median s':>9} {'best / k=0':>11} {'best / backbone':>16}")
    for name, (model, _) in configs.items():
        n_adapters = len(attached_adapters(model))
        print(f"{name:>9} {n_adapters:>9} {best[name]:>8.3f} {statistics.median(seconds[name]):>9.3f} "
              f"{best[name] / best[0]:>11.3f} {best[name] / best['backbone']:>16.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
