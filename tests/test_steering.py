"""The steering vector (issue 23, xlgen.remedies.steering) on real text: XQuAD contexts
(../shared/fixtures/xquad) in Russian and English give the vector of a demo backbone's decoder
layer; it is deterministic, `scale: 0` decodes byte for byte as without it, a nonzero scale
moves the outputs, and the hook is gone after decoding, for seq2seq decoders (mBART, mT5) and
decoder-only models (Llama demo, a byte-level Qwen2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from xlgen.families import get_family
from xlgen.generation import generate
from xlgen.io import InputError
from xlgen.remedies import DECODE_REMEDIES
from xlgen.remedies.steering import decode_setup, decoder_layer, save_vector, steer, steering_vector, steering_vectors

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo_backbones"
XQUAD = ROOT.parent / "shared" / "fixtures" / "xquad"
pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),  # tests/conftest.py
    pytest.mark.skipif(not (XQUAD / "xquad.en.json").exists(),
                       reason=f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)"),
]
SEQ2SEQ = ("mbart-demo", "mt5-demo")
DECODER_ONLY = ("llama-demo", "qwen2-bytelevel")


def contexts(lang: str, n: int = 16) -> list[str]:
    """The first `n` XQuAD contexts in `lang`, cut to 300 characters."""
    data = json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]
    return [p["context"][:300] for article in data for p in article["paragraphs"]][:n]


# `backbones` (tests/conftest.py): the demo backbones and the byte-level Qwen2, loaded once a worker


def vector_of(backbones, name, layer=-1):
    model, tokenizer, family = backbones(name)
    return steering_vector(model, tokenizer, family, contexts("ru"), contexts("en"), target_lang="ru",
                           source_lang="en", layer=layer, max_length=48)


def decode(backbones, name, vector=None, scale=0.0, layer=-1):
    model, tokenizer, family = backbones(name)
    sources = contexts("en", 6)
    if vector is None:
        return generate(model, tokenizer, family, sources, "ru", kind="qa", max_new_tokens=10)
    with steer(model, family, vector, layer, scale):
        return generate(model, tokenizer, family, sources, "ru", kind="qa", max_new_tokens=10)


@pytest.mark.parametrize("name", SEQ2SEQ + DECODER_ONLY)
def test_the_vector_is_deterministic_bytes_and_of_the_hidden_size(backbones, name, tmp_path):
    first, second = vector_of(backbones, name), vector_of(backbones, name)
    save_vector(tmp_path / "a.npy", first)
    save_vector(tmp_path / "b.npy", second)
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()
    model = backbones(name)[0]
    assert first.dtype == np.float32 and first.shape == (model.config.hidden_size,)
    assert np.linalg.norm(first) > 0  # Russian and English text sit apart
    assert not np.array_equal(first, vector_of(backbones, name, layer=0))  # another layer, another vector


@pytest.mark.parametrize("name", ("mbart-demo", "llama-demo"))
def test_one_job_writes_each_languages_vector_file_byte_for_byte_as_its_own_job_did(backbones, name, tmp_path):
    model, tokenizer, family = backbones(name)
    langs = ("ru", "zh", "ar")
    # the steering_vector job's path: the English mean once, then a file per target language
    vectors = steering_vectors(model, tokenizer, family, {lang: contexts(lang) for lang in langs}, contexts("en"),
                               source_lang="en", layer=-1, max_length=48)
    assert list(vectors) == list(langs)
    for lang in langs:
        save_vector(tmp_path / f"{lang}.layer~-1.npy", vectors[lang])
        # what a job per (run, language) wrote: this language's mean and English's, for it alone
        save_vector(tmp_path / f"{lang}.alone.npy",
                    steering_vector(model, tokenizer, family, contexts(lang), contexts("en"), target_lang=lang,
                                    source_lang="en", layer=-1, max_length=48))
        assert (tmp_path / f"{lang}.layer~-1.npy").read_bytes() == (tmp_path / f"{lang}.alone.npy").read_bytes()
    assert not np.array_equal(vectors["ru"], vectors["zh"])  # each language its own vector


@pytest.mark.parametrize("name", SEQ2SEQ + DECODER_ONLY)
def test_scale_zero_decodes_as_without_steering_and_a_nonzero_scale_moves_the_outputs(backbones, name):
    vector = vector_of(backbones, name)
    plain = decode(backbones, name)
    assert decode(backbones, name, vector, scale=0.0) == plain
    steered = decode(backbones, name, vector, scale=4.0)
    assert sum(a != b for a, b in zip(steered, plain)) >= 3  # of 6
    assert decode(backbones, name) == plain  # and the model decodes as before afterwards


@pytest.mark.parametrize("name", ("mbart-demo", "llama-demo"))
def test_the_hook_is_removed_after_decoding_and_after_an_error(backbones, name):
    model, _, family = backbones(name)
    layer = decoder_layer(model, family, -1)
    vector = vector_of(backbones, name)
    with steer(model, family, vector, -1, 1.0):
        assert len(layer._forward_hooks) == 1
    assert not layer._forward_hooks
    with pytest.raises(RuntimeError, match="inside"):
        with steer(model, family, vector, -1, 1.0):
            raise RuntimeError("inside")
    assert not layer._forward_hooks


def test_the_source_language_decodes_unsteered_and_a_target_reads_its_vector_file(backbones, tmp_path):
    model, tokenizer, family = backbones("mbart-demo")
    save_vector(tmp_path / "ru.npy", vector_of(backbones, "mbart-demo"))
    settings = {"layer": -1, "scale": 1.0, "vectors": {"ru": str(tmp_path / "ru.npy")}}
    kwargs, context = decode_setup(model, tokenizer, family, "en", settings, [])
    with context:
        assert kwargs == {} and not decoder_layer(model, family, -1)._forward_hooks
    kwargs, context = decode_setup(model, tokenizer, family, "ru", settings, [])
    with context:
        assert kwargs == {} and len(decoder_layer(model, family, -1)._forward_hooks) == 1
    assert DECODE_REMEDIES["steering"].load().decode_setup is decode_setup  # the registry's module


def test_a_layer_the_decoder_does_not_have_is_refused_naming_the_key(backbones):
    model, _, name = backbones("mbart-demo")
    family = get_family(name)
    n = len(family.layers(model, "decoder"))
    with pytest.raises(InputError, match=rf"^'remedies.steering.layer' is {n}: the decoder of "
                                         rf"MBartForConditionalGeneration has {n} layers"):
        decoder_layer(model, family, n)
    assert decoder_layer(model, family, -n) is family.layers(model, "decoder")[0]
