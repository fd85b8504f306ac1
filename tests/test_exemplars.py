"""Target-language exemplars (issue 23, xlgen.remedies.exemplars) on real text: XQuAD Russian
and English paragraphs (../shared/fixtures/xquad) as dev and test splits in the record schema.
Exemplars come from the dev split only, are in the target language, never hold the input
they precede, sit in the prompt of a decoder-only model (as chat turns where the tokenizer has
a template, else prepended), and an encoder-decoder backbone is refused in one line naming the
config key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlgen.backbones import load_backbone
from xlgen.config import ConfigError, validate_config
from xlgen.families import get_family
from xlgen.generation import generate
from xlgen.io import InputError, write_jsonl
from xlgen.metrics.langid import judge
from xlgen.remedies import DECODE_REMEDIES
from xlgen.remedies.exemplars import decode_setup, exemplar_pool, pick_exemplars

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo_backbones"
XQUAD = ROOT.parent / "shared" / "fixtures" / "xquad"
needs_xquad = pytest.mark.skipif(not (XQUAD / "xquad.en.json").exists(),
                                 reason=f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)")
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


def xquad_records(lang: str, start: int, n: int, split: str) -> list[dict]:
    """`n` QA records of XQuAD in `lang` from paragraph `start` on, in the record schema."""
    data = json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]
    paragraphs = [p for article in data for p in article["paragraphs"]][start:start + n]
    return [{"id": f"xquad-{lang}-{split}-{i}", "lang": lang,
             "source": f"{p['qas'][0]['question']} {p['context'][:200]}",
             "target": p["qas"][0]["answers"][0]["text"]} for i, p in enumerate(paragraphs)]


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    """results/data/qa/<lang>/{dev,test}.jsonl of XQuAD Russian and English paragraphs."""
    if not (XQUAD / "xquad.en.json").exists():
        pytest.skip(f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)")
    root = tmp_path_factory.mktemp("data")
    for lang in ("ru", "en"):
        for split, start in (("dev", 0), ("test", 20)):
            write_jsonl(root / lang / f"{split}.jsonl", xquad_records(lang, start, 10, split))
    return root


def settings(splits, k=2):
    return {"k": k, "seed": 0, "dev": {"ru": str(splits / "ru" / "dev.jsonl")}}


@needs_xquad
def test_exemplars_come_from_the_dev_split_in_the_target_language_and_never_the_input_itself(splits):
    model, tokenizer = load_backbone(DEMO / "llama-demo")
    dev = xquad_records("ru", 0, 10, "dev")
    test = xquad_records("ru", 20, 10, "test")
    dev_pairs = {(r["source"], r["target"]) for r in dev}
    for records in (test, dev):
        kwargs, _ = decode_setup(model, tokenizer, "causal", "ru", settings(splits), records)
        shots = kwargs["exemplars"]
        assert len(shots) == len(records) and all(len(s) == 2 for s in shots)
        assert all(pair in dev_pairs for s in shots for pair in s)  # dev only
        assert not {pair for s in shots for pair in s} & {(r["source"], r["target"]) for r in test}  # never test
        for record, pairs in zip(records, shots):  # an input never gets its own answer
            assert (record["source"], record["target"]) not in pairs
        for source, _target in {pair for s in shots for pair in s}:
            assert judge(source, "ru").status == "correct"  # the language judge reads them as Russian
    # the source language has no dev path: it decodes without exemplars
    assert decode_setup(model, tokenizer, "causal", "en", settings(splits), test)[0] == {}
    # the same seed, the same exemplars; another seed, another draw
    again = decode_setup(model, tokenizer, "causal", "ru", settings(splits), test)[0]["exemplars"]
    assert again == decode_setup(model, tokenizer, "causal", "ru", settings(splits), test)[0]["exemplars"]
    other = decode_setup(model, tokenizer, "causal", "ru", {**settings(splits), "seed": 1}, test)[0]["exemplars"]
    assert other != again


@needs_xquad
def test_a_test_split_or_another_language_or_too_few_records_is_refused(splits):
    with pytest.raises(InputError, match="exemplars come from a dev split only, never test"):
        exemplar_pool(splits / "ru" / "test.jsonl", "ru", 0)
    with pytest.raises(InputError, match="exemplars for ru hold records in en"):
        exemplar_pool(splits / "en" / "dev.jsonl", "ru", 0)
    with pytest.raises(InputError, match=r"^'remedies.exemplars.k' is 10: the dev split holds 10 records"):
        pick_exemplars(xquad_records("ru", 20, 2, "test"), exemplar_pool(splits / "ru" / "dev.jsonl", "ru", 0), 10)


@needs_xquad
def test_exemplars_are_prepended_to_the_prompt_or_chat_turns_where_there_is_a_template(splits):
    model, tokenizer = load_backbone(DEMO / "llama-demo")
    family = get_family("causal")
    from xlgen.tasks import get_kind

    kind = get_kind("extractive_qa")
    test = xquad_records("ru", 20, 2, "test")
    shots = decode_setup(model, tokenizer, family, "ru", settings(splits), test)[0]["exemplars"]
    sources = [r["source"] for r in test]
    plain = family.prompts(tokenizer, sources, "ru", kind, 256)
    with_shots = family.prompts(tokenizer, sources, "ru", kind, 256, exemplars=shots)
    for prompt, shot_prompt, pairs in zip(plain, with_shots, shots):
        text = tokenizer.decode(shot_prompt, skip_special_tokens=True)
        assert text.endswith(tokenizer.decode(prompt, skip_special_tokens=True))  # the asked prompt last, as it was
        assert len(shot_prompt) > len(prompt)
        for source, target in pairs:  # each exemplar's prompt and answer before it, in order
            assert f"{source}\n\nAnswer: {target}\n\n" in text
        assert text.index(pairs[0][1]) < text.index(pairs[1][1]) < len(text) - len(tokenizer.decode(prompt))
    # with a chat template: each exemplar is a user turn and its answer an assistant turn
    tokenizer.chat_template = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</{{ m['role'] }}>"
                               "{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}")
    chat = get_family("causal", {"chat_template": "auto"})
    prompt = chat.prompts(tokenizer, sources[:1], "ru", kind, 256, exemplars=shots[:1])[0]
    text = tokenizer.decode(prompt, skip_special_tokens=True)
    assert text.count("<user>") == 3 and text.count("<assistant>") == 3  # 2 exemplars + the input
    for _, target in shots[0]:
        assert f"<assistant>{target}</assistant>" in text
    assert text.endswith("<assistant>")


@needs_xquad
def test_generation_with_exemplars_runs_on_a_decoder_only_backbone(splits):
    model, tokenizer = load_backbone(DEMO / "llama-demo")
    test = xquad_records("ru", 20, 4, "test")
    kwargs, _ = decode_setup(model, tokenizer, "causal", "ru", settings(splits), test)
    sources = [r["source"] for r in test]
    plain, plain_ids = generate(model, tokenizer, "causal", sources, "ru", kind="extractive_qa", max_new_tokens=8,
                                return_token_ids=True)
    shot, _ = generate(model, tokenizer, "causal", sources, "ru", kind="extractive_qa", max_new_tokens=8,
                       return_token_ids=True, **kwargs)
    assert len(shot) == 4 and all(isinstance(t, str) for t in shot)
    # without exemplars the call is what it was
    assert generate(model, tokenizer, "causal", sources, "ru", kind="extractive_qa", max_new_tokens=8) == plain


def test_an_encoder_decoder_backbone_is_refused_in_one_line_naming_the_key(tmp_path):
    model, tokenizer = load_backbone(DEMO / "mbart-demo")
    with pytest.raises(InputError, match=r"^'remedies.exemplars.enabled': exemplars are prompt turns, and family "
                                         r"mbart is an encoder-decoder backbone"):
        decode_setup(model, tokenizer, "mbart", "ru", {"k": 1, "seed": 0, "dev": {}}, [])
    with pytest.raises(InputError, match="exemplars are prompt turns: family mbart"):
        generate(model, tokenizer, "mbart", ["text"], "ru", kind="extractive_qa", exemplars=[[("a", "b")]])
    from test_plan import merged  # tests/test_plan.py: config.yaml with overlays

    config = merged()
    config["remedies"] = {"exemplars": {"enabled": True, "k": 2}}
    with pytest.raises(ConfigError, match=r"^'remedies.exemplars.enabled': backbone 'mt5-demo' is encoder-decoder "
                                          r"\(family mt5\); exemplars applies to decoder-only backbones only$"):
        validate_config(config, ROOT / "config" / "schema.yaml")
    assert DECODE_REMEDIES["exemplars"].architectures == "decoder_only"
