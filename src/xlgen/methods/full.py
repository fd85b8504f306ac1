"""`full`: plain full finetuning, every parameter trains (the study's strong baseline)."""

from __future__ import annotations

from pathlib import Path

from xlgen.backbones import load_backbone
from xlgen.methods.base import Method


class FullFinetuning(Method):
    name = "full"
    description = "full finetuning"
    saves_backbone = True

    def prepare(self, model, settings: dict):
        for p in model.parameters():
            p.requires_grad_(True)
        return model

    def save(self, model, tokenizer, out_dir: Path) -> None:
        model.save_pretrained(out_dir)
        tokenizer.save_pretrained(out_dir)

    def load(self, backbone_path: Path, out_dir: Path):

        return load_backbone(out_dir)
