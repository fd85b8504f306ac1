"""Decoder-only backbones (xlgen.families.causal): prompt and completion, loss on the
completion only, EOS, truncation that keeps the answer, left-padded generation equal to
one-by-one generation, every method on a causal LM, and refusals of what does not apply."""

import copy
import json
import random
from pathlib import Path

import pytest
import torch
import yaml

from xlgen.backbones import family_of, load_backbone
from xlgen.config import ConfigError, validate_config
from xlgen.families import get_family
from xlgen.finetune import encode
from xlgen.generation import generate
from xlgen.methods import METHODS, get_method, trainable_parameters
from xlgen.methods.batches import BatchContext
from xlgen.tasks import get_kind
from xlgen.training import TrainSettings, collate, train_steps
from xlgen_demo.backbone import DemoDims, build_model, train_tokenizer

ROOT = Path(__file__).resolve().parents[1]
PREBUILT = ROOT / "resources" / "demo_backbones" / "llama-demo"
LANGS = ["en", "ru", "zh"]
ARTICLES = {
    "en": ["Anna Keller won the Berlin marathon on Sunday.", "The company opened a new factory in Hamburg."],
    "ru": ["Победителем марафона в Москве стал Иван Петров.", "Компания открыла новый завод в Казани."],
    "zh": ["张伟在北京马拉松比赛中获得冠军。", "公司在上海开设了一家新工厂。"],
}
RECORDS = [{"id": f"en-{i}", "lang": "en", "source": " ".join(ARTICLES["en"] * (i + 1)),
            "target": "Anna Keller wins in Berlin"} for i in range(4)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A randomly initialised tiny Llama with the demo tokenizer, saved and loaded back."""
    rng = random.Random(0)
    corpus = [rng.choice(ARTICLES[lang]) for _ in range(80) for lang in LANGS]
    tokenizer = train_tokenizer("causal", corpus, 400, LANGS)
    model = build_model("causal", tokenizer, DemoDims(d_model=32, layers=2, heads=2, ffn=64), seed=0)
    out = tmp_path_factory.mktemp("llama")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def prebuilt():
    return load_backbone(PREBUILT)


def test_the_family_is_read_back_and_the_tokenizer_pads(tiny):
    model, tokenizer = load_backbone(tiny)
    assert type(model).__name__ == "LlamaForCausalLM" and family_of(model) == "causal"
    assert tokenizer.pad_token_id is not None and tokenizer.pad_token_id != tokenizer.eos_token_id


def test_the_loss_is_on_the_completion_only_and_ends_with_eos(tiny):
    model, tokenizer = load_backbone(tiny)
    family = get_family("causal")
    examples = encode(tokenizer, "causal", RECORDS, "en", 200, 16, kind="summarization")
    prompts = family.prompts(tokenizer, [r["source"] for r in RECORDS], "en", get_kind("summarization"), 200)
    target = tokenizer(RECORDS[0]["target"], add_special_tokens=False)["input_ids"]
    for example, prompt in zip(examples, prompts):
        masked = [i for i, label in enumerate(example["labels"]) if label == -100]
        assert masked == list(range(len(prompt)))  # exactly the prompt positions
        assert example["input_ids"][: len(prompt)] == prompt
        assert (example["labels"][len(prompt):] == example["input_ids"][len(prompt):]
                == target + [tokenizer.eos_token_id])
    assert tokenizer.decode(prompts[0]).startswith("<s> Summarize the following article in English.")
    # the model's loss is the cross-entropy of the completion tokens alone
    batch = collate(examples, tokenizer.pad_token_id)
    model.eval()
    with torch.no_grad():
        out = model(**batch)
        logits, labels = out.logits[:, :-1], batch["labels"][:, 1:]
        keep = labels != -100
        manual = torch.nn.functional.cross_entropy(logits[keep], labels[keep])
        assert out.loss.item() == pytest.approx(manual.item(), rel=1e-5)
        # the masking is what keeps the prompt out: with its labels unmasked the loss changes
        unmasked = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
        assert model(**{**batch, "labels": unmasked}).loss.item() != pytest.approx(out.loss.item())


def test_truncation_cuts_the_source_and_keeps_instruction_cue_and_answer(tiny):
    _, tokenizer = load_backbone(tiny)
    long = {"id": "long", "lang": "en", "source": " ".join(ARTICLES["en"] * 40), "target": "Anna Keller wins"}
    (example,) = encode(tokenizer, "causal", [long], "en", 80, 12, kind="summarization")
    prompt_length = example["labels"].count(-100)
    assert prompt_length == 80 and len(example["input_ids"]) <= 80 + 12
    prompt = tokenizer.decode(example["input_ids"][:prompt_length])
    assert "Summarize the following article in English." in prompt and prompt.rstrip().endswith("Summary:")
    answer = tokenizer(long["target"], add_special_tokens=False)["input_ids"]
    assert example["labels"][prompt_length:] == answer + [tokenizer.eos_token_id]
    (capped,) = encode(tokenizer, "causal", [{**long, "target": long["source"]}], "en", 80, 12, kind="summarization")
    assert len(capped["input_ids"]) == 92 and capped["labels"][-1] == tokenizer.eos_token_id
    with pytest.raises(ValueError, match="no room for the source"):
        encode(tokenizer, "causal", [long], "en", 20, 12, kind="summarization")


def test_language_control_and_chat_template_are_settings(tiny):
    _, tokenizer = load_backbone(tiny)
    source = ARTICLES["ru"][0]
    plain = get_family("causal", {"language_control": "none"}).prompts(tokenizer, [source], "ru",
                                                                       get_kind("summarization"), 99)
    named = get_family("causal").prompts(tokenizer, [source], "ru", get_kind("summarization"), 99)
    assert "in Russian." in tokenizer.decode(named[0]) and "Russian" not in tokenizer.decode(plain[0])
    chat = copy.deepcopy(tokenizer)
    chat.chat_template = ("{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
                          "{% if add_generation_prompt %}[assistant] {% endif %}")
    wrapped = tokenizer.decode(get_family("causal").prompts(chat, [source], "ru", get_kind("qa"), 99)[0])
    assert wrapped.startswith("[user] Answer the question in Russian") and "[assistant]" in wrapped
    unwrapped = get_family("causal", {"chat_template": "none"}).prompts(chat, [source], "ru", get_kind("qa"), 99)[0]
    assert "[assistant]" not in tokenizer.decode(unwrapped)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from xlgen_demo.world import write_demo_world

    root = tmp_path_factory.mktemp("world")
    write_demo_world(root, ["en", "ru", "zh"], 11, n_train=1, n_dev=1, n_test=6, n_unlabeled=1, n_parallel=1)
    return root


def test_generation_is_the_same_batched_left_padded_and_one_by_one(prebuilt, world):
    model, tokenizer = prebuilt
    sources = [json.loads(line)["source"] for lang in ("ru", "zh") for line in
               (world / "summarization" / lang / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    batched, batched_ids = generate(model, tokenizer, "causal", sources, "ru", kind="summarization", batch_size=16,
                                    max_new_tokens=16, return_token_ids=True)
    single = [generate(model, tokenizer, "causal", [s], "ru", kind="summarization", max_new_tokens=16,
                       return_token_ids=True) for s in sources]
    assert batched == [texts[0] for texts, _ in single]
    assert batched_ids == [ids[0] for _, ids in single]
    assert sum(bool(text) for text in batched) >= len(sources) // 2  # it writes something
    family = get_family("causal")
    padded = family.pad_batch(tokenizer, [[5, 6, 7], [8]])
    assert padded["input_ids"].tolist() == [[5, 6, 7], [tokenizer.pad_token_id] * 2 + [8]]
    assert padded["attention_mask"].tolist() == [[1, 1, 1], [0, 0, 1]]


def test_outputs_end_at_eos_and_at_the_kinds_stop_strings(tiny):
    model, tokenizer = load_backbone(tiny)
    request = get_family("causal").generation_request(model, tokenizer, ["x"], "en", source_lang="en",
                                                      kind=get_kind("extractive_qa"), max_source_length=64)
    hello = tokenizer("Anna Keller\nmore", add_special_tokens=False)["input_ids"]
    tail = tokenizer("won", add_special_tokens=False)["input_ids"]
    out = torch.tensor([[0, 0] + hello + [tokenizer.eos_token_id] + tail])
    ((text, ids),) = request.decode(out, 2)
    assert text == "Anna Keller" and ids == hello + [tokenizer.eos_token_id]
    assert get_kind("extractive_qa").stop == ("\n",)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_trains_saves_and_generates_on_a_causal_lm(tiny, tmp_path, name):
    """full, freeze, prompt tuning and LoRA (CAUSAL_LM), adapters and AdapterDrop in the
    decoder layers, mix_unsup and graddrop with causal LM on target-language text."""
    torch.manual_seed(0)
    model, tokenizer = load_backbone(tiny)
    settings = {"lrs": [1e-3], "ratio": 0.25, "num_virtual_tokens": 4, "r": 4, "bottleneck": 4}
    method = get_method(name)
    model = method.prepare(model, settings)
    trainable, total = trainable_parameters(model)
    assert 0 < trainable <= total
    if name == "freeze":  # default for a decoder-only backbone: embeddings and the lower half of the layers
        frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
        assert "model.embed_tokens.weight" in frozen and "model.layers.0.mlp.up_proj.weight" in frozen
        assert "model.layers.1.mlp.up_proj.weight" not in frozen and "model.norm.weight" not in frozen
    examples = encode(tokenizer, "causal", RECORDS, "en", 64, 8, kind="summarization")
    context = BatchContext(family="causal", tokenizer=tokenizer, batch_size=4, seed=0, settings=settings,
                           unlabeled={"ru": ARTICLES["ru"] * 3, "zh": ARTICLES["zh"] * 3})
    batches = method.batches(examples, context)  # task batches by default (xlgen.methods.Method)
    history = train_steps(model, tokenizer, batches, TrainSettings(steps=2, batch_size=4, lr=1e-3, seed=0,
                          combine=method.combine), log=lambda _: None, combine_gradients=method.combine_gradients)
    assert history[-1].get("status") != "diverged"
    method.save(model.to("cpu"), tokenizer, tmp_path)
    loaded, loaded_tokenizer = method.load(tiny, tmp_path)
    outputs = generate(loaded, loaded_tokenizer, "causal", [ARTICLES["ru"][0]], "ru", kind="summarization",
                       max_new_tokens=4)
    assert len(outputs) == 1 and isinstance(outputs[0], str)


def test_lm_reconstruction_and_translation_examples_for_pretraining(tiny):
    from xlgen.families import pretraining_examples

    _, tokenizer = load_backbone(tiny)
    sample = pretraining_examples("causal", tokenizer, {"ru": ARTICLES["ru"]}, {"ru": [tuple(ARTICLES["en"][:1])
                                                                                     + tuple(ARTICLES["ru"][:1])]},
                                  ["denoising", "reconstruction", "translation"], random.Random(1), max_length=48)
    examples = [sample() for _ in range(30)]
    lm = [e for e in examples if e["labels"][1] != -100]
    prompted = [tokenizer.decode(e["input_ids"]) for e in examples if e["labels"][1] == -100]
    assert lm and prompted
    for e in lm:  # every token after the first is a label, ending with EOS
        assert e["labels"][1:] == e["input_ids"][1:] and e["input_ids"][-1] == tokenizer.eos_token_id
    assert any("Translate the following text from" in text for text in prompted)
    # reconstruction: a Russian text with spans deleted in, the whole Russian text out
    rebuilt = [e for e in examples if "Repeat the following text" in tokenizer.decode(e["input_ids"])]
    assert rebuilt
    for e in rebuilt:
        answer = tokenizer.decode([t for t in e["labels"] if t != -100], skip_special_tokens=True).strip()
        assert any(answer.startswith(line) for line in ARTICLES["ru"])


def _tiny_config():
    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text(encoding="utf-8"))
    config["backbones"] = ["qwen-tiny", "mbart-tiny"]  # a seq2seq backbone beside the decoder-only one
    return config


@pytest.mark.parametrize("change, key", [
    (lambda c: c["method_settings"].update(freeze={"lrs": [1e-3], "parts": ["decoder", "embeddings"]})
     or c["methods"].append("freeze"), "'method_settings.freeze.parts'"),
    (lambda c: c["method_settings"].update(adapter={"lrs": [1e-3], "stacks": ["encoder", "decoder"]})
     or c["methods"].append("adapter"), "'method_settings.adapter.stacks'"),
    (lambda c: c["backbone_catalog"]["mbart-tiny"].update(chat_template="auto"),
     "'backbone_catalog.mbart-tiny.chat_template'"),
    (lambda c: c["backbone_catalog"]["mbart-tiny"]["demo"].update(architecture="llama"),
     "'backbone_catalog.mbart-tiny.demo.architecture'"),
])
def test_what_does_not_apply_is_refused_in_one_line_naming_the_key(change, key):
    config = _tiny_config()
    assert validate_config(config, ROOT / "config" / "schema.yaml") == []
    change(config)
    with pytest.raises(ConfigError) as err:
        validate_config(config, ROOT / "config" / "schema.yaml")
    message = str(err.value)
    assert message.startswith(key) and "\n" not in message, message


def test_the_prebuilt_decoder_only_backbone_matches_the_demo_world_and_its_config(tmp_path):
    """config/demo-llm.yaml reuses resources/demo_backbones/llama-demo: its fingerprint is that
    of the world config/config.yaml generates and the spec demo-llm.yaml gives it, and its
    files are the ones it records."""
    from xlgen.backbones import check_checkpoint
    from xlgen_demo.backbone import demo_fingerprint, demo_inputs
    from xlgen_demo.world import write_demo_world

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    entry = yaml.safe_load((ROOT / "config" / "demo-llm.yaml").read_text(encoding="utf-8"))["backbone_catalog"]
    spec = entry["llama-demo"]["demo"]
    languages = [config["source_language"], *config["target_languages"]]
    demo = config["data"]["demo"]
    write_demo_world(tmp_path, languages, demo["seed"], **{k: v for k, v in demo.items() if k != "seed"})
    stored = json.loads((PREBUILT / "xlgen_backbone.json").read_text(encoding="utf-8"))
    assert stored["family"] == "causal" and stored["fingerprint"] == demo_fingerprint(
        "causal", spec, config["seed"], demo_inputs(tmp_path, languages, spec["objectives"]))
    check_checkpoint(PREBUILT)  # every recorded sha256 matches
