"""The pipeline's generate() gives the tokens of the `model.generate` call it replaces, under
bf16 autocast as in fp32 (issue 16).

bf16 is the GPU precision (`device_and_dtype`); here it is simulated on CPU by making
`device_and_dtype` answer bf16, so generate() runs under `torch.autocast("cpu", bfloat16)`.
The reference is `model.generate` on the same batches (length-sorted, `batch_size` inputs),
greedy, with the forced language code of mBART/NLLB, under the same autocast. The fast
greedy loop once encoded 16-row slices each cut to its own longest input: under bf16 that
changed 1-3 of 100 outputs of each demo backbone.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch

from xlgen import generation
from xlgen.backbones import family_of, forced_bos_token_id, load_backbone, set_languages
from xlgen_demo.world import write_demo_world

ROOT = Path(__file__).resolve().parents[1]
BACKBONES = ("mbart-demo", "mt5-demo", "nllb-demo")
LANGS = ("ru", "zh")
PER_LANG = 40  # > 2 encoder slices of ENCODER_ROWS in one batch, inputs of many lengths
BATCH_SIZE, MAX_NEW_TOKENS, MAX_SOURCE_LENGTH = 64, 32, 256  # config.yaml's, summarization


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, list[str]]:
    root = tmp_path_factory.mktemp("world")
    write_demo_world(root, ["en", *LANGS], 13, n_train=1, n_dev=1, n_test=PER_LANG, n_unlabeled=1, n_parallel=1)
    return {lang: [json.loads(line)["source"] for line in
                   (root / "summarization" / lang / "test.jsonl").read_text(encoding="utf-8").splitlines()]
            for lang in LANGS}


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module", params=BACKBONES)
def backbone(request):
    model, tokenizer = load_backbone(ROOT / "resources" / "demo_backbones" / request.param)
    model.eval()
    return model, tokenizer, family_of(model)


def direct_generate(model, tokenizer, family: str, sources: list[str], lang: str, dtype) -> list[list[int]]:
    """Token ids from `model.generate` on the pipeline's batches, in input order."""
    set_languages(tokenizer, family, lang)
    forced = forced_bos_token_id(tokenizer, family, lang)
    encoded = tokenizer(sources, truncation=True, max_length=MAX_SOURCE_LENGTH)["input_ids"]
    ids: list[list[int] | None] = [None] * len(sources)
    with torch.inference_mode(), torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
        for idx in generation.length_batches([len(e) for e in encoded], BATCH_SIZE):
            batch = tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt")
            out = model.generate(**batch, num_beams=1, do_sample=False, max_new_tokens=MAX_NEW_TOKENS,
                                 forced_bos_token_id=forced)
            for i, row in zip(idx, out.tolist()):
                ids[i] = row[:1] + [t for t in row[1:] if t != tokenizer.pad_token_id]
    return ids


@pytest.mark.parametrize("dtype", [None, torch.bfloat16], ids=["fp32", "bf16"])
def test_generate_gives_model_generate_tokens(backbone, sources, dtype, monkeypatch):
    model, tokenizer, family = backbone
    monkeypatch.setattr(generation, "device_and_dtype", lambda: (torch.device("cpu"), dtype))  # as generation binds it
    loops = []
    greedy = generation._greedy
    monkeypatch.setattr(generation, "_greedy", lambda *a, **k: loops.append(1) or greedy(*a, **k))
    for lang, texts in sources.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, ids = generation.generate(model, tokenizer, family, texts, lang, num_beams=1,
                                         max_new_tokens=MAX_NEW_TOKENS, batch_size=BATCH_SIZE,
                                         max_source_length=MAX_SOURCE_LENGTH, return_token_ids=True)
        # issue 25: the loop's cache keyword once warned `past_key_values` goes in transformers 5.40
        deprecations = [f"{w.category.__name__}: {w.message}" for w in caught
                        if issubclass(w.category, (DeprecationWarning, FutureWarning))]
        assert not deprecations, deprecations
        expected = direct_generate(model, tokenizer, family, texts, lang, dtype)
        differ = [i for i, (a, b) in enumerate(zip(ids, expected)) if a != b]
        assert not differ, f"{family} {lang}: {len(differ)} of {len(texts)} outputs differ from model.generate"
    assert loops, "on CPU a plain greedy model decodes with the fast loop: this compares it with generate"


@pytest.mark.parametrize("dtype", [None, torch.bfloat16], ids=["fp32", "bf16"])
def test_encoder_slices_are_the_whole_batch_bit_for_bit(backbone, sources, dtype):
    """The fast loop's encoder states are generate's (the whole batch at once), not close."""
    model, tokenizer, family = backbone
    set_languages(tokenizer, family, "ru")
    encoded = sorted(tokenizer(sources["ru"], truncation=True, max_length=MAX_SOURCE_LENGTH)["input_ids"], key=len)
    batch = tokenizer.pad({"input_ids": encoded}, return_tensors="pt")
    assert batch["input_ids"].shape[0] > 2 * generation.ENCODER_ROWS
    with torch.inference_mode(), torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
        whole = model.get_encoder()(**batch, return_dict=True)[0]
        sliced = generation._encode(model, batch["input_ids"], batch["attention_mask"])
    assert sliced.dtype == whole.dtype and torch.equal(sliced, whole), \
        f"{family}: up to {(sliced - whole).abs().max().item():.2g} apart"
