"""Adaptation methods on the tiny demo backbones: what trains, what stays bitwise equal,
what a saved run restores, and what AdapterDrop removes for generation."""

import json
from pathlib import Path

import pytest
import torch

from xlgen.backbones import family_of, forced_bos_token_id, load_backbone, set_languages
from xlgen.generation import generate
from xlgen.methods import METHODS, get_method, trainable_parameters
from xlgen.methods.bottleneck import ATTRIBUTE, add_adapters, attached_adapters, trained_tensors
from xlgen.methods.lora import target_modules
from xlgen.methods.parts import embedding_parameters, stack
from xlgen.training import TrainSettings, collate, train_steps
from xlgen_demo.world import write_demo_world

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo_backbones"
FAMILIES = ["mt5", "mbart", "nllb"]
D_MODEL = 96  # the demo backbones: d_model 96, 2 + 2 layers


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models gain nothing from a second intra-op thread, and on a busy 2-core machine
    its spinning made this file ~7x slower (4.5 min instead of 37 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    write_demo_world(root, ["en", "ru", "zh"], 11, n_train=8, n_dev=1, n_test=3, n_unlabeled=1, n_parallel=1)

    def read(lang, split):
        path = root / "summarization" / lang / f"{split}.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return {"train": read("en", "train"), "ru": read("ru", "test"), "zh": read("zh", "test")}


def backbone(family):
    return load_backbone(DEMO / f"{family}-demo")


def examples(tokenizer, family, records):
    set_languages(tokenizer, family, "en")
    sources = tokenizer([r["source"] for r in records], truncation=True, max_length=48)["input_ids"]
    targets = tokenizer(text_target=[r["target"] for r in records], truncation=True, max_length=24)["input_ids"]
    return [{"input_ids": s, "labels": t} for s, t in zip(sources, targets)]


def train(model, tokenizer, batch, steps=3, lr=1e-2, seed=0):
    settings = TrainSettings(steps=steps, batch_size=len(batch), lr=lr, seed=seed)
    history = train_steps(model, tokenizer, iter([batch] * steps), settings, log=lambda _: None)
    assert len(history) >= 1 and all(row.get("status") != "diverged" for row in history)


def logits(model, tokenizer, batch):
    model.eval()
    with torch.no_grad():
        return model(**collate(batch, tokenizer.pad_token_id)).logits


def snapshot(model):
    """(name, parameter, copy) of every parameter, each once (tied ones by their first name)."""
    return [(n, p, p.detach().clone()) for n, p in model.named_parameters()]


def prepared(family, name, settings=None, seed=0):
    model, tokenizer = backbone(family)
    before = snapshot(model)
    torch.manual_seed(seed)
    model = get_method(name).prepare(model, {"lrs": [1e-3], **(settings or {})})
    return model, tokenizer, before


def test_every_method_is_registered_under_its_name():
    assert {"full", "freeze", "prompt", "lora", "adapter", "adapterdrop"} <= set(METHODS)
    for name, method in METHODS.items():
        assert method.name == name and get_method(name) is method
    with pytest.raises(KeyError, match="unknown method 'bitfit'"):
        get_method("bitfit")


# ---------------------------------------------------------------------------------------
# freeze


@pytest.mark.parametrize("family", FAMILIES)
def test_freeze_keeps_decoder_and_embeddings_bitwise_equal(world, family):
    model, tokenizer = backbone(family)
    if family == "mt5":  # the released mT5 has an untied LM head: it must freeze too
        model.lm_head.weight = torch.nn.Parameter(model.lm_head.weight.detach().clone())
        assert model.lm_head.weight is not model.shared.weight
    before = snapshot(model)
    model = get_method("freeze").prepare(model, {})  # default: decoder + embeddings
    embeddings = {id(p) for p in embedding_parameters(model)}
    encoder = [p for p in stack(model, "encoder").parameters() if id(p) not in embeddings]
    assert {id(p) for p in model.parameters() if p.requires_grad} == {id(p) for p in encoder}
    assert trainable_parameters(model)[0] == sum(p.numel() for p in encoder)
    assert model.lm_head.weight.requires_grad is False
    assert model.get_input_embeddings().weight.requires_grad is False
    if family == "mbart":  # learned positions are embeddings
        assert not stack(model, "encoder").embed_positions.weight.requires_grad

    train(model, tokenizer, examples(tokenizer, family, world["train"][:4]))
    trainable = {id(p) for p in encoder}
    for name, p, old in before:
        if id(p) in trainable:
            assert not torch.equal(p, old), f"{name} should have trained"
        else:
            assert torch.equal(p, old), f"{name} should be frozen"


def test_freeze_encoder_only_trains_embeddings_and_decoder(world):
    model, tokenizer = backbone("mbart")
    before = snapshot(model)
    model = get_method("freeze").prepare(model, {"parts": ["encoder"]})
    train(model, tokenizer, examples(tokenizer, "mbart", world["train"][:4]))
    changed = {name for name, p, old in before if not torch.equal(p, old)}
    assert "model.shared.weight" in changed and "model.encoder.embed_positions.weight" in changed
    assert any(n.startswith("model.decoder.layers.") for n in changed)
    assert not any(n.startswith("model.encoder.layers.") for n in changed)
    with pytest.raises(ValueError, match="unknown parts"):
        get_method("freeze").prepare(model, {"parts": ["decoder", "lm_head"]})
    with pytest.raises(ValueError, match="nothing to train"):
        get_method("freeze").prepare(model, {"parts": ["decoder", "encoder", "embeddings"]})


# ---------------------------------------------------------------------------------------
# prompt tuning, LoRA, adapters: the backbone stays bitwise equal


@pytest.mark.parametrize("family", FAMILIES)
def test_prompt_tuning_trains_only_the_prompt(world, family):
    model, tokenizer, before = prepared(family, "prompt", {"num_virtual_tokens": 20})
    trainable, total = trainable_parameters(model)
    assert trainable == 20 * D_MODEL  # one encoder-side embedding a virtual token
    # 1,920 of ~0.62-0.71M parameters: 0.27% (mT5, mBART), 0.31% (NLLB)
    assert trainable / total < 0.01
    prompt = model.prompt_encoder["default"].embedding.weight
    start = prompt.detach().clone()
    train(model, tokenizer, examples(tokenizer, family, world["train"][:4]))
    assert not torch.equal(prompt, start)
    assert all(torch.equal(p, old) for _, p, old in before)


def expected_trainable(family, name):
    """Parameters LoRA (r 8, q and v) or Houlsby adapters (bottleneck 96 / 16) add to a demo backbone."""
    layers_each = 2
    if name == "lora":  # q, v in encoder self-attention; q, v in decoder self- and cross-attention
        return (layers_each * 2 + layers_each * 4) * 8 * (D_MODEL + D_MODEL)
    size = D_MODEL // 16
    per_adapter = D_MODEL * size + size + size * D_MODEL + D_MODEL
    sites = layers_each * 2 + layers_each * 3 if name != "adapter-pfeiffer" else layers_each * 2
    return sites * per_adapter


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("variant", ["lora", "adapter", "adapter-pfeiffer"])
def test_lora_and_adapters_start_as_the_backbone_and_train_only_themselves(world, family, variant):
    name, settings = ("adapter", {"placement": "pfeiffer"}) if variant == "adapter-pfeiffer" else (variant, {})
    model, tokenizer = backbone(family)
    batch = examples(tokenizer, family, world["train"][:4])
    reference = logits(model, tokenizer, batch)
    before = snapshot(model)
    torch.manual_seed(0)
    model = get_method(name).prepare(model, settings)
    assert torch.equal(logits(model, tokenizer, batch), reference)  # zero-initialised B / W_up
    assert trainable_parameters(model)[0] == expected_trainable(family, variant)
    base = {id(p) for _, p, _ in before}
    added = [(n, p, p.detach().clone()) for n, p in model.named_parameters() if id(p) not in base]
    assert added and all(p.requires_grad for _, p, _ in added)

    train(model, tokenizer, batch)
    assert all(torch.equal(p, old) for _, p, old in before)
    unchanged = [n for n, p, old in added if torch.equal(p, old)]
    assert not unchanged, f"not trained: {unchanged}"
    assert not torch.allclose(logits(model, tokenizer, batch), reference)


def test_lora_target_modules_default_per_family_or_as_given():
    assert target_modules(None, "mt5") == ["q", "v"]
    assert target_modules(None, "nllb") == ["q_proj", "v_proj"]
    assert target_modules(["q", "k", "v", "o"], "mt5") == ["q", "k", "v", "o"]
    mapping = {"mt5": ["q", "k", "v", "o"]}
    assert target_modules(mapping, "mt5") == ["q", "k", "v", "o"]
    assert target_modules(mapping, "mbart") == ["q_proj", "v_proj"]
    with pytest.raises(ValueError, match="unknown families"):
        target_modules({"t5": ["q"]}, "mt5")


def test_lora_wraps_the_modules_a_family_mapping_names():
    model, _, _ = prepared("mt5", "lora", {"r": 4, "target_modules": {"mt5": ["q", "k", "v", "o"]}})
    wrapped = {n.split(".")[-4] for n, _ in model.named_parameters() if n.endswith("lora_A.default.weight")}
    assert wrapped == {"q", "k", "v", "o"}
    # 4 projections x (2 encoder self + 2 decoder self + 2 decoder cross) x r 4 x (96 + 96)
    assert trainable_parameters(model)[0] == 4 * 6 * 4 * (D_MODEL + D_MODEL)


# ---------------------------------------------------------------------------------------
# AdapterDrop


def adapters_from(family, weights, skip_lowest, config):
    """The backbone with adapters on all but the lowest `skip_lowest` layers, set to `weights`."""
    model, _ = backbone(family)
    add_adapters(model, config, skip_lowest=skip_lowest)
    own = model.state_dict()
    model.load_state_dict({k: v for k, v in weights.items() if k in own}, strict=False)
    assert all(k in weights for k in own if f".{ATTRIBUTE}." in k)
    return model.eval()


@pytest.mark.parametrize("family", FAMILIES)
def test_adapterdrop_generates_without_the_lowest_adapters(world, family, tmp_path):
    model, tokenizer, _ = prepared(family, "adapterdrop", {"drop_layers": 1, "drop_prob": 0.5})
    batch = examples(tokenizer, family, world["train"][:4])
    train(model, tokenizer, batch, steps=6)
    config = model.xlgen_adapter_config
    lowest = [a for _, index, _, a in attached_adapters(model) if index == 0]
    assert lowest and all(a.up.weight.abs().sum() > 0 for a in lowest)  # they did train
    weights = trained_tensors(model, config)
    in_memory = logits(model, tokenizer, batch)  # eval mode: the lowest adapters are skipped
    get_method("adapterdrop").save(model, tokenizer, tmp_path)

    loaded, loaded_tokenizer = get_method("adapterdrop").load(DEMO / f"{family}-demo", tmp_path)
    assert {index for _, index, _, _ in attached_adapters(loaded)} == {1}
    upper_only = adapters_from(family, weights, 1, config)
    result = logits(loaded, loaded_tokenizer, batch)
    assert torch.equal(result, logits(upper_only, tokenizer, batch))
    assert torch.equal(result, in_memory)
    with_all = adapters_from(family, weights, 0, config)
    assert not torch.allclose(result, logits(with_all, tokenizer, batch))


def test_adapterdrop_skips_the_lowest_adapters_in_a_share_of_training_steps(world):
    model, tokenizer, _ = prepared("mbart", "adapterdrop", {"drop_layers": 1, "drop_prob": 0.5})
    for _, _, _, adapter in attached_adapters(model):  # make every adapter change the output
        torch.nn.init.normal_(adapter.up.weight, std=0.5)
    batch = collate(examples(tokenizer, "mbart", world["train"][:2]), tokenizer.pad_token_id)
    lowest = [a for _, index, _, a in attached_adapters(model) if index == 0]
    with torch.no_grad():
        model.eval()
        without = model(**batch).logits
        for adapter in lowest:
            adapter.drop_at_inference = False
        with_all = model(**batch).logits
        assert not torch.allclose(with_all, without)
        model.train()  # mBART demo: dropout 0, so training mode differs only by the draw
        torch.manual_seed(3)
        outcomes = []
        for _ in range(40):
            out = model(**batch).logits
            dropped = torch.allclose(out, without, atol=1e-5)
            assert dropped or torch.allclose(out, with_all, atol=1e-5)
            assert all(a.dropped == dropped for a in lowest)
            outcomes.append(dropped)
    assert 10 <= sum(outcomes) <= 30  # drop_prob 0.5 of 40 forward passes


def test_adapterdrop_rejects_more_layers_than_the_backbone_has():
    with pytest.raises(ValueError, match="drop_layers must be between 0 and 2"):
        prepared("nllb", "adapterdrop", {"drop_layers": 3})


# ---------------------------------------------------------------------------------------
# Saved runs


RELOAD_CASES = [(m, f, {}) for m in ["prompt", "lora", "adapter", "adapterdrop"] for f in FAMILIES]
RELOAD_CASES.append(("adapter", "mt5", {"placement": "pfeiffer", "train_layer_norms": True}))


@pytest.mark.parametrize("name,family,settings", RELOAD_CASES,
                         ids=[f"{m}-{f}{'-ln' if s else ''}" for m, f, s in RELOAD_CASES])
def test_saved_run_reloads_to_identical_generations(world, tmp_path, name, family, settings):
    model, tokenizer, _ = prepared(family, name, settings)
    batch = examples(tokenizer, family, world["train"][:4])
    train(model, tokenizer, batch)
    sources = {lang: [r["source"] for r in world[lang]] for lang in ("ru", "zh")}
    trained = {lang: generate(model, tokenizer, family, src, lang, max_new_tokens=10, return_token_ids=True)
               for lang, src in sources.items()}
    before = logits(model, tokenizer, batch)
    get_method(name).save(model, tokenizer, tmp_path)
    saved = sum(f.stat().st_size for f in tmp_path.iterdir() if "safetensors" in f.name)
    backbone_size = (DEMO / f"{family}-demo" / "model.safetensors").stat().st_size
    assert 0 < saved < backbone_size / 10  # only what the method trained

    loaded, loaded_tokenizer = get_method(name).load(DEMO / f"{family}-demo", tmp_path)
    assert family_of(loaded) == family
    assert torch.equal(logits(loaded, loaded_tokenizer, batch), before)
    for lang, src in sources.items():
        texts, ids = generate(loaded, loaded_tokenizer, family, src, lang, max_new_tokens=10,
                              return_token_ids=True)
        assert (texts, ids) == trained[lang]
        code = forced_bos_token_id(loaded_tokenizer, family, lang)
        if code is not None:  # the language code is forced through the method's wrapper too
            assert all(row[1] == code for row in ids)
