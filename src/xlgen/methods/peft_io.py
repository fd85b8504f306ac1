"""Saving and loading runs of the methods built on `peft` (prompt tuning, LoRA).

Only what the method trained is saved (`PeftModel.save_pretrained`: adapter weights and
`adapter_config.json`) with the tokenizer; loading rebuilds the backbone from its own
path and puts the trained weights back on it.
"""

from __future__ import annotations

from pathlib import Path


def save_peft(model, tokenizer, out_dir: Path) -> None:
    """Save the PEFT weights of `model` (a `PeftModel`) and the tokenizer to `out_dir`."""
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)


def load_peft(backbone_path: Path, out_dir: Path):
    """(model, tokenizer): the backbone at `backbone_path` with the PEFT weights in `out_dir`."""
    from peft import PeftModel
    from transformers import AutoTokenizer

    from xlgen.backbones import load_backbone

    backbone, _ = load_backbone(backbone_path)
    model = PeftModel.from_pretrained(backbone, out_dir)
    model.eval()
    return model, AutoTokenizer.from_pretrained(out_dir)

