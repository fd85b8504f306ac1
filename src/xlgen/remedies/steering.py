"""The steering vector (issue 23): the mean hidden state of target-language text minus that of
source-language (English) text at the output of one decoder layer, added `scale` times to
that layer's output while decoding (the mean-difference vector, the strongest simple steering
method of CLaS-Bench, 2026). It moves every decoding state toward the target language's
average state; it knows nothing of the task, so it can buy the right language with worse or
off-topic answers, and a vector taken at one layer of one trained run fits that run only.

Where the states come from: a decoder-only model reads each line of unlabeled text as it is;
an encoder-decoder model reads the line as its source and decodes the same line teacher-forced
(the family's language control on both sides, as in training), so its decoder states are
those of writing text in that language. States are taken at every real (non-pad) position,
summed in float64 and averaged, on the CPU in float32 with no autocast: the same model and
texts give the same bytes.

One `steering_vector` job per (trained run, layer) computes the vector of every target
language of the run (`steering_vectors`, the source-language mean taken once) and saves each
under results/steering/ (`save_vector`, a .npy of float32 per language);
generation reads it back (`decode_setup`) and adds it through a forward hook on the layer,
removed when decoding ends (`steer`). `scale: 0` adds exact zeros: outputs are those of the
unsteered model, bit for bit.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from xlgen.families import get_family
from xlgen.io import InputError, atomic_path

LAYER_KEY = "'remedies.steering.layer'"


def decoder_layer(model, family, layer: int):
    """The decoder layer `layer` of `model` (0 the lowest, negative from the top): the
    layer of a decoder-only model, of a seq2seq model's decoder. InputError naming the
    config key where the decoder has no such layer."""
    layers = get_family(family).layers(model, "decoder")
    if not -len(layers) <= layer < len(layers):
        raise InputError(f"{LAYER_KEY} is {layer}: the decoder of {type(model).__name__} has {len(layers)} layers "
                         f"(0..{len(layers) - 1}, or -{len(layers)}..-1)")
    return layers[layer]


def _hidden(output):
    """A layer's output hidden states (layers return them alone or first in a tuple)."""
    return output[0] if isinstance(output, tuple) else output


def _batches(model, tokenizer, family, texts: list[str], lang: str, max_length: int, batch_size: int):
    """(model keywords, position mask) of `texts` in batches: a decoder-only model reads
    the text right-padded; a seq2seq model reads it as source and decodes it teacher-forced."""
    import torch

    family = get_family(family)
    tokenizer = family.prepare_tokenizer(tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        if not family.is_encoder_decoder:
            rows = tokenizer(chunk, truncation=True, max_length=max_length)["input_ids"]
            width = max(len(r) for r in rows)
            ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
            mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
            yield {"input_ids": ids, "attention_mask": mask}, mask.bool()
            continue
        family.set_languages(tokenizer, lang, lang)
        enc = tokenizer(chunk, text_target=chunk, truncation=True, max_length=max_length)
        batch = tokenizer.pad({"input_ids": enc["input_ids"]}, return_tensors="pt")
        width = max(len(r) for r in enc["labels"])
        labels = torch.tensor([r + [-100] * (width - len(r)) for r in enc["labels"]])
        # the decoder reads start + labels[:-1]: position t is real where label t is
        yield {**batch, "labels": labels}, labels != -100


def mean_hidden_state(model, tokenizer, family, texts: list[str], lang: str, layer: int, *,
                      max_length: int = 64, batch_size: int = 16) -> np.ndarray:
    """The mean output of decoder layer `layer` over every real position of `texts`
    (written in `lang`), float64 sums, returned as float32."""
    import torch

    if not texts:
        raise InputError(f"no {lang} text to take a steering vector's mean over")
    module = decoder_layer(model, family, layer)
    seen: list = []
    handle = module.register_forward_hook(lambda _m, _a, output: seen.append(_hidden(output)))
    total, count = None, 0
    model.eval()
    try:
        with torch.inference_mode():
            for inputs, mask in _batches(model, tokenizer, family, texts, lang, max_length, batch_size):
                seen.clear()
                model(**inputs, use_cache=False)
                states = seen[-1].to(torch.float64)[mask]  # (real positions, hidden)
                total = states.sum(0) if total is None else total + states.sum(0)
                count += states.shape[0]
    finally:
        handle.remove()
    return (total / count).numpy().astype(np.float32)


def steering_vector(model, tokenizer, family, target_texts: list[str], source_texts: list[str], *,
                    target_lang: str, source_lang: str, layer: int, max_length: int = 64) -> np.ndarray:
    """The mean hidden state of `target_texts` minus that of `source_texts` at the output of
    decoder layer `layer` (float32, the model's hidden size)."""
    target = mean_hidden_state(model, tokenizer, family, target_texts, target_lang, layer, max_length=max_length)
    source = mean_hidden_state(model, tokenizer, family, source_texts, source_lang, layer, max_length=max_length)
    return target - source


def steering_vectors(model, tokenizer, family, target_texts: dict[str, list[str]], source_texts: list[str], *,
                     source_lang: str, layer: int, max_length: int = 64) -> dict[str, np.ndarray]:
    """Each target language's vector ({lang: its texts} -> {lang: vector}), equal bit for bit
    to its `steering_vector`: the source-language mean is taken once and subtracted from each
    language's mean (a mean depends only on the model, its texts and language)."""
    source = mean_hidden_state(model, tokenizer, family, source_texts, source_lang, layer, max_length=max_length)
    return {lang: mean_hidden_state(model, tokenizer, family, texts, lang, layer, max_length=max_length) - source
            for lang, texts in target_texts.items()}


def save_vector(path: str | Path, vector: np.ndarray) -> None:
    """Write a vector as a .npy of float32, atomically (the same vector, the same bytes)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # np.save(path) would add ".npy" to the temporary name
        np.save(fh, np.asarray(vector, dtype=np.float32), allow_pickle=False)


def read_vector(path: str | Path) -> np.ndarray:
    return np.load(path, allow_pickle=False)


@contextlib.contextmanager
def steer(model, family, vector: np.ndarray, layer: int, scale: float):
    """Inside: decoder layer `layer`'s output plus `scale` x `vector` at every position (a
    forward hook, removed on leaving, errors included)."""
    import torch

    module = decoder_layer(model, family, layer)
    delta = scale * torch.as_tensor(np.asarray(vector, dtype=np.float32))
    if delta.ndim != 1:
        raise InputError(f"a steering vector is one row; got shape {tuple(delta.shape)}")

    def add(_module, _args, output):
        hidden = _hidden(output)
        if hidden.shape[-1] != delta.shape[0]:
            raise InputError(f"steering vector of size {delta.shape[0]} for hidden states of size {hidden.shape[-1]}")
        steered = hidden + delta.to(device=hidden.device, dtype=hidden.dtype)
        return (steered, *output[1:]) if isinstance(output, tuple) else steered

    handle = module.register_forward_hook(add)
    try:
        yield handle
    finally:
        handle.remove()


class _Steering:
    """`steer` as a context manager that says what it adds (the generate job's log line)."""

    def __init__(self, model, family, path, layer: int, scale: float):
        self.model, self.family, self.path, self.layer, self.scale = model, family, path, layer, scale
        self._context = None

    def __repr__(self) -> str:
        return f"steering({self.scale:g} x {self.path} at decoder layer {self.layer})"

    def __enter__(self):
        self._context = steer(self.model, self.family, read_vector(self.path), self.layer, self.scale)
        return self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


def decode_setup(model, tokenizer, family, lang: str, settings: dict, records: list[dict]):
    """(`generate` keywords, context) of the generate script for outputs in `lang`:
    `settings` {"layer", "scale", "vectors": {lang: .npy path}}; a language without a vector
    (the source language) decodes unsteered."""
    path = settings["vectors"].get(lang)
    if path is None:
        return {}, contextlib.nullcontext("unsteered")
    return {}, _Steering(model, family, path, int(settings["layer"]), float(settings["scale"]))
