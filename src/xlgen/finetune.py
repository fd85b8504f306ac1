"""Finetuning one (task, backbone, method, lr, seed) run on the source language."""

from __future__ import annotations

import time
from pathlib import Path

from xlgen.backbones import family_of, load_backbone, set_languages
from xlgen.methods import get_method, trainable_parameters
from xlgen.training import TrainSettings, epoch_batches, mean_loss, train_steps


def encode(tokenizer, family: str, records: list[dict], lang: str, max_source_length: int,
           max_target_length: int) -> list[dict]:
    """Token ids of `source` -> `target` with the family's language codes for `lang`."""
    set_languages(tokenizer, family, lang)
    sources = tokenizer([r["source"] for r in records], truncation=True, max_length=max_source_length)
    targets = tokenizer(text_target=[r["target"] for r in records], truncation=True, max_length=max_target_length)
    return [{"input_ids": s, "labels": t} for s, t in zip(sources["input_ids"], targets["input_ids"])]


def finetune(backbone_path: Path, method_name: str, method_settings: dict, train: list[dict],
             dev: list[dict], lang: str, lr: float, seed: int, finetune_cfg: dict, task_cfg: dict,
             out_dir: Path, log=print) -> dict:
    """Finetune the backbone on `train` (language `lang`), log dev loss, save the run.

    Returns the run summary (the rule writes it to `run.json`): status (`ok` or
    `diverged`), trainable parameters, dev losses, and time.
    """
    import torch

    started = time.time()
    torch.manual_seed(seed)
    model, tokenizer = load_backbone(backbone_path)
    family = family_of(model)
    method = get_method(method_name)
    model = method.prepare(model, method_settings)
    trainable, total = trainable_parameters(model)
    log(f"{method_name} on {family}: {trainable:,} of {total:,} parameters train ({trainable / total:.2%})")
    lengths = (task_cfg["max_source_length"], task_cfg["max_target_length"])
    train_ex = encode(tokenizer, family, train, lang, *lengths)
    dev_ex = encode(tokenizer, family, dev[: finetune_cfg["dev_examples"]], lang, *lengths)
    settings = TrainSettings(
        steps=finetune_cfg["steps"], batch_size=finetune_cfg["batch_size"], lr=lr,
        warmup_steps=finetune_cfg["warmup_steps"], weight_decay=finetune_cfg["weight_decay"],
        seed=seed, log_every=min(50, finetune_cfg["dev_every"]),
    )
    initial_dev = mean_loss(model, dev_ex, tokenizer.pad_token_id)
    log(f"dev loss before finetuning: {initial_dev:.4f}")
    history = train_steps(
        model, tokenizer,
        epoch_batches(train_ex, settings.batch_size, seed, finetune_cfg.get("group_by_length", True)),
        settings, log=log,
        evaluate=lambda step: {"dev_loss": mean_loss(model, dev_ex, tokenizer.pad_token_id)},
        eval_every=finetune_cfg["dev_every"],
    )
    diverged = bool(history) and history[-1].get("status") == "diverged"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not diverged:
        model.to("cpu")
        method.save(model, tokenizer, out_dir)
    dev_losses = [row["dev_loss"] for row in history if "dev_loss" in row]
    summary = {
        "status": "diverged" if diverged else "ok",
        "method": method_name, "family": family, "lr": lr, "seed": seed,
        "trainable_params": trainable, "total_params": total, "trainable_share": trainable / total,
        "dev_loss_initial": initial_dev, "dev_loss_final": dev_losses[-1] if dev_losses else None,
        "steps": history[-1]["step"] if history else 0, "train_seconds": round(time.time() - started, 2),
        "history": history,
    }
    return summary
