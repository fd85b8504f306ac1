"""The parameter count the rules' resources follow from (xlgen.resources), against the models
transformers builds: every architecture counted, tiny; the three seq2seq checkpoints of the
study from their real config.json (../shared/fixtures/hf_configs/); the decoder-only LLMs
from the published configs the GPU benchmark writes out; and the catalog's `params:` of
config/paper.yaml and config/llm.yaml against those counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import transformers
import yaml

from xlgen.families import MODEL_TYPES, get_family
from xlgen.methods import get_method
from xlgen.resources import (
    Shape,
    ShapeError,
    backbone_shape,
    count_parameters,
    count_parts,
    finetune_disk_mb,
    finetune_mem_mb,
    read_config,
    train_minutes,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "hf_configs"
TINY = dict(vocab_size=1000, d_model=64, encoder_layers=2, decoder_layers=3, encoder_ffn_dim=128,
            decoder_ffn_dim=96, encoder_attention_heads=4, decoder_attention_heads=4, max_position_embeddings=100)
TINY_T5 = dict(vocab_size=1000, d_model=64, d_ff=128, d_kv=16, num_heads=4, num_layers=2, num_decoder_layers=3)
TINY_LM = dict(vocab_size=1000, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
               num_key_value_heads=2)
ARCHITECTURES = {
    "t5": lambda: transformers.T5Config(**TINY_T5),
    "mt5": lambda: transformers.MT5Config(**TINY_T5, feed_forward_proj="gated-gelu"),
    "umt5": lambda: transformers.UMT5Config(**TINY_T5),
    "mbart": lambda: transformers.MBartConfig(**TINY),
    "m2m_100": lambda: transformers.M2M100Config(**TINY),
    "bart": lambda: transformers.BartConfig(**TINY),
    "marian": lambda: transformers.MarianConfig(**TINY, pad_token_id=0, decoder_start_token_id=0),
    "llama": lambda: transformers.LlamaConfig(**TINY_LM),
    "llama-biases-tied": lambda: transformers.LlamaConfig(**TINY_LM, attention_bias=True, mlp_bias=True,
                                                          tie_word_embeddings=True),
    "qwen2": lambda: transformers.Qwen2Config(**TINY_LM),
    "mistral": lambda: transformers.MistralConfig(**TINY_LM),
    "gemma": lambda: transformers.GemmaConfig(**TINY_LM, head_dim=32),
    "gemma2": lambda: transformers.Gemma2Config(**TINY_LM, head_dim=32),
    "cohere": lambda: transformers.CohereConfig(**TINY_LM),
}


def built_parameters(config) -> int:
    """Parameters of the model transformers builds from `config` (on the meta device: no memory)."""
    auto = transformers.AutoModelForSeq2SeqLM if config.is_encoder_decoder else transformers.AutoModelForCausalLM
    with torch.device("meta"):
        model = auto.from_config(config)
    return sum(p.numel() for p in model.parameters())


def as_json(config) -> dict:
    """The config as its checkpoint's config.json holds it."""
    return json.loads(config.to_json_string(use_diff=False))


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_the_count_from_config_json_is_what_transformers_builds(name):
    config = ARCHITECTURES[name]()
    assert count_parameters(as_json(config)) == built_parameters(config)


REAL = {  # fixture folder: the catalog entry of config/paper.yaml with the same architecture
    "google--mt5-base": "google/mt5-base",
    "facebook--mbart-large-50-many-to-many-mmt": "facebook/mbart-large-50",  # the same shape and vocabulary
    "facebook--nllb-200-distilled-600M": "facebook/nllb-200-distilled-600M",
}


def catalog_params() -> dict[str, int]:
    """hub_id -> params of every catalog entry in config/paper.yaml and config/llm.yaml."""
    params = {}
    for name in ("paper.yaml", "llm.yaml"):
        for entry in yaml.safe_load((ROOT / "config" / name).read_text())["backbone_catalog"].values():
            if "hub_id" in entry:
                params[entry["hub_id"]] = entry["params"]
    return params


@pytest.mark.parametrize("folder", REAL)
def test_the_real_seq2seq_checkpoints_are_counted_and_the_catalog_says_so(folder):
    path = FIXTURES / folder
    if not path.is_dir():
        pytest.skip(f"fixture {path} is absent (no shared/fixtures/hf_configs here)")
    config_json = read_config(path)
    built = built_parameters(transformers.AutoConfig.from_pretrained(path))
    if folder == "google--mt5-base":
        # transformers 5 builds mT5 with its LM head tied to the embeddings (MT5Config forces
        # tie_word_embeddings), but loads google/mt5-base's own, untied head from the
        # checkpoint (it finds both matrices and does not tie them): 250112 x 768 more
        assert config_json["tie_word_embeddings"] is False
        built += config_json["vocab_size"] * config_json["d_model"]
    assert count_parameters(config_json) == built
    assert catalog_params()[REAL[folder]] == built


@pytest.mark.parametrize("name", ["Llama-3.1-8B", "Qwen2.5-7B", "Llama-3.2-1B"])
def test_the_published_llms_are_counted_and_the_catalog_says_so(name, gpu_throughput):
    config = gpu_throughput.published_llm_config(name)
    built = built_parameters(config)
    assert count_parameters(as_json(config)) == built
    hub_id = {"Llama-3.1-8B": "meta-llama/Llama-3.1-8B", "Qwen2.5-7B": "Qwen/Qwen2.5-7B"}.get(name)
    if hub_id:
        assert catalog_params()[hub_id] == built == catalog_params()[hub_id + "-Instruct"]


def test_an_architecture_not_counted_asks_for_params_in_one_line(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mamba", "hidden_size": 64}))
    with pytest.raises(ShapeError, match=r"model_type 'mamba'.*`params:`"):
        backbone_shape({"family": "causal", "path": str(tmp_path)}, tmp_path, "my-mamba")
    with pytest.raises(ShapeError, match=r"backbone_catalog\.mine: no config\.json .* `params:`"):
        backbone_shape({"family": "mt5", "hub_id": "me/mine"}, tmp_path / "absent", "mine")


def test_config_json_wins_over_the_catalogs_params(tmp_path):
    config = ARCHITECTURES["mbart"]()
    config.save_pretrained(tmp_path)
    shape = backbone_shape({"family": "mbart", "params": 1}, tmp_path, "x")
    assert shape.params == built_parameters(config) and shape.width == 64 and shape.layers == 5
    assert backbone_shape({"family": "mbart", "params": 7}, tmp_path / "absent", "x").params == 7


def test_requests_grow_with_the_attempt_the_processes_and_what_trains():
    shape = backbone_shape({"family": "mt5", "params": 582401280}, None, "mt5-base")
    full = finetune_mem_mb(shape, 1.0, 1, 1, 0)
    assert finetune_mem_mb(shape, 1.0, 1, 1, 0, attempt=2) == pytest.approx(2 * full, abs=1)
    assert finetune_mem_mb(shape, 1.0, 1, 2, 0) == pytest.approx(2 * full, abs=1)  # two processes, each a copy
    lora = finetune_mem_mb(shape, 0.05, 1, 1, 0)
    assert 582401280 * 4 / 2**20 < lora < full / 2  # the weights, not their gradients and AdamW's moments
    assert finetune_mem_mb(shape, 1.0, 2, 1, 0) > full  # GradDrop: a gradient per loss
    assert finetune_disk_mb(shape, 0.05, saves_backbone=False) < finetune_disk_mb(shape, 1.0) / 10
    # freeze trains a quarter and saves every weight: more than a peft method, less than full
    assert finetune_disk_mb(shape, 0.05, saves_backbone=False) < finetune_disk_mb(shape, 0.25) < \
        finetune_disk_mb(shape, 1.0)
    # 10000 steps of 32 x 576 tokens (config/paper.yaml): 6 x 582M FLOPs a token at 25% of an
    # A100 (8,258 s), doubled, + 10 min: 285.3, so 286 min; on a GPU half as fast 561; LoRA 2/3 of the FLOPs
    assert train_minutes(shape, 10000, 32 * 576) == 286
    assert train_minutes(shape, 10000, 32 * 576, gpu={"tflops": 156}) == 561
    assert train_minutes(shape, 10000, 32 * 576, trainable_share=0.0) == 194


def test_a_finetune_job_given_n_gpus_asks_n_times_the_memory(tmp_path):
    """`--set-resources finetune:gpu=2` (a profile's `gpu: 2`): two processes, each loading the
    backbone, so twice the memory of the same job on one GPU; its time halves."""
    from conftest import CONFIGS, run_snakemake
    from test_paper_config import job_resources

    plans = [run_snakemake(tmp_path, "-n", *extra, configfile=CONFIGS / "tiny.yaml", cores=None).stdout
             for extra in ([], ["--set-resources", "finetune:gpu=2"])]
    one, two = ({tuple(sorted(w.items())): res for rule, w, res in job_resources(plan) if rule == "finetune"}
                for plan in plans)
    assert one.keys() == two.keys() and len(one) == 8
    for job in one:
        assert two[job]["gpu"] == 2 and one[job]["gpu"] == 1
        assert two[job]["mem_mb"] == pytest.approx(2 * one[job]["mem_mb"], abs=2)
        assert two[job]["runtime"] <= one[job]["runtime"]


def test_an_mt5_saved_by_transformers_5_is_counted_with_its_own_lm_head(tmp_path):
    """transformers 5 writes tie_word_embeddings: true for every mT5 (MT5Config forces it) but
    keeps a stored LM head apart from the embeddings: the count follows the stored weights."""
    config = transformers.MT5Config(**TINY_T5, feed_forward_proj="gated-gelu")
    model = transformers.MT5ForConditionalGeneration(config)
    model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.shared.weight))  # as google/mt5-base
    model.save_pretrained(tmp_path / "mt5")
    assert json.loads((tmp_path / "mt5" / "config.json").read_text())["tie_word_embeddings"] is True
    untied = sum(p.numel() for p in model.parameters())
    assert backbone_shape({}, tmp_path / "mt5").params == untied
    transformers.MT5ForConditionalGeneration(config).save_pretrained(tmp_path / "tied")
    assert backbone_shape({}, tmp_path / "tied").params == untied - 1000 * 64  # one vocab x d_model matrix less


@pytest.mark.parametrize("name", [n for n in ARCHITECTURES if ARCHITECTURES[n]().model_type in MODEL_TYPES])
def test_the_parts_counted_from_config_json_are_the_parts_freeze_names(name):
    """count_parts against the parts a family's `freeze` sets trainable or frozen
    (Family.part_parameters), on the model transformers builds."""
    config = ARCHITECTURES[name]()
    auto = transformers.AutoModelForSeq2SeqLM if config.is_encoder_decoder else transformers.AutoModelForCausalLM
    with torch.device("meta"):
        model = auto.from_config(config)
    family = get_family(MODEL_TYPES[config.model_type])
    built = {part: sum(p.numel() for p in params) for part, params in family.part_parameters(model).items()}
    assert count_parts(as_json(config)) == built


@pytest.mark.parametrize("folder,family,parts", [
    ("facebook--mbart-large-50-many-to-many-mmt", "mbart", None),  # ZmBART's default: decoder + embeddings
    ("google--mt5-base", "mt5", ["decoder"]),
    ("facebook--nllb-200-distilled-600M", "nllb", ["embeddings"]),
])
def test_freeze_asks_for_the_share_it_trains_on_the_real_checkpoints(folder, family, parts):
    path = FIXTURES / folder
    if not path.is_dir():
        pytest.skip(f"fixture {path} is absent (no shared/fixtures/hf_configs here)")
    config_json = read_config(path)
    with torch.device("meta"):
        model = transformers.AutoModelForSeq2SeqLM.from_config(transformers.AutoConfig.from_pretrained(path))
    if folder == "google--mt5-base":  # its own LM head, as the checkpoint loads it (test above)
        model.lm_head.weight = torch.nn.Parameter(torch.empty_like(model.shared.weight))
    settings = {"parts": parts} if parts else {}
    get_method("freeze").prepare(model, settings)
    trains = sum(p.numel() for p in model.parameters() if p.requires_grad)
    share = get_method("freeze").trainable_share(Shape.from_config(config_json), settings, family)
    assert share == trains / sum(p.numel() for p in model.parameters())
    assert 0 < share < 1
    # what a full run asks for, and less for freeze (the share of the weights AdamW keeps moments of)
    shape = Shape.from_config(config_json)
    assert finetune_mem_mb(shape, share, 1, 1, 0) < finetune_mem_mb(shape, 1.0, 1, 1, 0)
