"""The training loop shared by demo pretraining, intermediate tuning and finetuning.

A small loop of our own instead of `Seq2SeqTrainer`: the tiny demo jobs are dominated by
start-up cost, and the loop keeps step order, seeds and precision explicit (bf16 autocast
on GPU, fp32 on CPU, never fp16: mT5 overflows in fp16).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator


@dataclass
class TrainSettings:
    steps: int
    batch_size: int
    lr: float
    warmup_steps: int = 0
    weight_decay: float = 0.0
    seed: int = 0
    max_grad_norm: float = 1.0
    log_every: int = 50


def device_and_dtype():
    """(device, autocast dtype or None): bf16 autocast on a bf16-capable GPU, fp32 on CPU."""
    import torch

    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else None
        return torch.device("cuda"), dtype
    return torch.device("cpu"), None


def collate(features: list[dict], pad_id: int) -> dict:
    """Pad `input_ids` with the pad id and `labels` with -100 to the longest in the batch."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    label_width = max(len(f["labels"]) for f in features)
    input_ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(features), width), dtype=torch.long)
    labels = torch.full((len(features), label_width), -100, dtype=torch.long)
    for i, f in enumerate(features):
        input_ids[i, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
        attention[i, : len(f["input_ids"])] = 1
        labels[i, : len(f["labels"])] = torch.tensor(f["labels"])
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}


def epoch_batches(examples: list[dict], batch_size: int, seed: int,
                  group_by_length: bool = True, megabatch: int = 50) -> Iterator[list[dict]]:
    """Endless shuffled batches, reshuffled each epoch with a seed derived from `seed`.

    With `group_by_length` (as transformers' LengthGroupedSampler): the shuffled order is cut
    into megabatches of `megabatch` batches, each sorted by input length, so a batch holds
    inputs of similar length and pads little; batch order is then shuffled again.
    """
    epoch = 0
    while True:
        rng = random.Random(seed * 1_000_003 + epoch)
        order = list(range(len(examples)))
        rng.shuffle(order)
        usable = len(order) - len(order) % batch_size
        batches = [order[start : start + batch_size] for start in range(0, usable, batch_size)]
        if group_by_length:
            span = megabatch * batch_size
            grouped = []
            for start in range(0, usable, span):
                chunk = sorted(order[start : min(start + span, usable)],
                               key=lambda i: len(examples[i]["input_ids"]), reverse=True)
                grouped += [chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size)]
            batches = grouped
            rng.shuffle(batches)
        for batch in batches:
            yield [examples[i] for i in batch]
        epoch += 1


def mean_loss(model, examples: list[dict], pad_id: int, batch_size: int = 64) -> float:
    """Token-averaged cross-entropy of `model` on `examples` (no gradient)."""
    import torch

    device, dtype = device_and_dtype()
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode(), torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
        for start in range(0, len(examples), batch_size):
            batch = {k: v.to(device) for k, v in collate(examples[start : start + batch_size], pad_id).items()}
            n_tokens = int((batch["labels"] != -100).sum())
            total += float(model(**batch).loss) * n_tokens
            count += n_tokens
    model.train()
    return total / max(count, 1)


def train_steps(model, tokenizer, batches: Iterable[list[dict]], settings: TrainSettings,
                log: Callable[[str], None] = print,
                evaluate: Callable[[int], dict] | None = None, eval_every: int | None = None) -> list[dict]:
    """Run `settings.steps` AdamW steps (linear warmup and decay) over `batches`.

    Returns the history: one dict per logged step (step, loss, lr, and `evaluate(step)`'s
    results every `eval_every` steps and at the end). Stops early with `status: diverged`
    when the loss becomes NaN or infinite.
    """
    import torch

    torch.manual_seed(settings.seed)
    device, dtype = device_and_dtype()
    model.to(device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)

    def schedule(step: int) -> float:
        if step < settings.warmup_steps:
            return (step + 1) / settings.warmup_steps
        remaining = settings.steps - settings.warmup_steps
        return max(0.0, (settings.steps - step) / max(1, remaining))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    history: list[dict] = []
    running, running_n, started = 0.0, 0, time.time()
    batch_iter = iter(batches)
    for step in range(1, settings.steps + 1):
        batch = {k: v.to(device) for k, v in collate(next(batch_iter), tokenizer.pad_token_id).items()}
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = model(**batch).loss
        loss_value = float(loss.detach())
        if not math.isfinite(loss_value):
            history.append({"step": step, "loss": loss_value, "status": "diverged"})
            log(f"step {step}: loss {loss_value}: diverged, training stopped")
            return history
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, settings.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        running += loss_value
        running_n += 1
        is_eval = evaluate is not None and eval_every and (step % eval_every == 0 or step == settings.steps)
        if step % settings.log_every == 0 or step == settings.steps or is_eval:
            row = {"step": step, "loss": running / running_n, "lr": scheduler.get_last_lr()[0],
                   "elapsed_s": round(time.time() - started, 2)}
            running, running_n = 0.0, 0
            if is_eval:
                row.update(evaluate(step))
            history.append(row)
            log(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
    return history
