import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

# No hub here or in CI: fail fast instead of retrying downloads (must be set before imports).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One intra-op torch thread in this process and every process a test starts, as the rules give
# their jobs (`threads: 1`): `make test` runs two workers and their jobs on two cores, where two
# threads a process spin-wait on each other (measured 2026-12-07 on a busy 2-core machine:
# test_resumed_training_ends_bitwise_equal_to_an_uninterrupted_run 72.6 s with 2 threads, 9.9 s with 1).
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Issue 25: the subprocesses tests start (Snakemake, the workflow scripts it runs as __main__) fail
# on a deprecation whose origin is our code, like pyproject's filterwarnings in this process.
# PYTHONWARNINGS matches a module name exactly (no regex), so each of our modules is listed.
_SRC = Path(__file__).resolve().parents[1] / "src"
_OURS = ["__main__", *sorted(".".join(p.relative_to(_SRC).with_suffix("").parts).removesuffix(".__init__")
                             for package in ("xlgen", "xlgen_demo") for p in (_SRC / package).rglob("*.py"))]
os.environ.setdefault("PYTHONWARNINGS", ",".join(
    ["error:`past_key_values` is deprecated:FutureWarning"]  # attributed to torch's wrapper: see pyproject.toml
    + [f"error::{category}:{module}" for category in ("DeprecationWarning", "FutureWarning") for module in _OURS]))

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "tests" / "configs"
PLUGINS = ROOT / "tests" / "plugins"  # plug-in methods and dataset adapters, written as a user writes them
# tests/plugins on the PYTHONPATH of the processes a test starts (Snakemake, its jobs, SLURM's jobs)
PLUGINS_ENV = {"PYTHONPATH": os.pathsep.join([str(PLUGINS), *filter(None, [os.environ.get("PYTHONPATH")])])}
SNAKEMAKE_ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def snakemake_cmd(workdir: Path, *args: str, configfile: Path | Sequence[Path] = (),
                  config: Mapping | None = None, cores: int | None = 2) -> list[str]:
    """The one Snakemake command line of the suite: this repository's Snakefile run in `workdir`
    with the test config(s), `config` as `--config key=value` overrides, then `args` (options
    and targets). `cores=None` leaves the cores to a profile or to a dry run."""
    files = [configfile] if isinstance(configfile, (str, Path)) else list(configfile)
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    if files:  # one option, every file: Snakemake keeps only the last of repeated --configfile options
        cmd += ["--configfile", *map(str, files)]
    if config:  # values in YAML (`methods=[lora]`); the option after ends the list
        cmd += ["--config", *(f"{key}={value}" for key, value in config.items())]
    cmd += ["--directory", str(workdir)]
    if cores is not None:
        cmd += ["--cores", str(cores)]
    return cmd + list(args)


def run_snakemake(workdir: Path, *args: str, configfile: Path | Sequence[Path] = (),
                  config: Mapping | None = None, check: bool = True, cores: int | None = 2,
                  env: Mapping | None = None, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Runs `snakemake_cmd(...)` offline and captures its output; with `check`, a failure fails
    the test with the end of Snakemake's log. The generous timeout is for a loaded machine
    (a study takes 2 minutes alone, 18 beside seven other test runs): speed is never asserted."""
    proc = subprocess.run(snakemake_cmd(workdir, *args, configfile=configfile, config=config, cores=cores),
                          capture_output=True, text=True, timeout=timeout, env={**SNAKEMAKE_ENV, **(env or {})})
    if check:
        assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def apt_install(*packages: str) -> str:
    """apt-get install Debian packages for a test that needs a system tool (SLURM, apertium);
    returns the error text, empty on success."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    proc = subprocess.run(install, capture_output=True, text=True, env=env)
    if proc.returncode != 0:  # stale or missing package lists (fresh CI images ship none)
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, env=env)
        proc = subprocess.run(install, capture_output=True, text=True, env=env)
    return "" if proc.returncode == 0 else (proc.stdout + proc.stderr)[-1500:]


# The studies that share one tiny world and one tiny backbone per family (same data.demo,
# languages, seed and backbone entries: tests/test_study_configs.py checks it).
SHARED_WORLD_CONFIGS = ("tiny.yaml", "tiny-methods.yaml", "tiny-translate.yaml", "tiny-remedies.yaml")


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory, worker_id) -> Path:
    """A workdir whose results/data (the demo world) and results/backbones (every backbone
    tests/configs/tiny.yaml builds: one per family a study trains) are made once a test run.
    Under pytest-xdist the workers share it: the first to need it builds it in the run's
    common temporary folder while the others wait on a file lock (pytest-xdist's recipe for
    a session fixture made once), so the studies that copy it can run on any worker."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # the run's folder above popen-gw0, popen-gw1, ...
    workdir = root / "tiny-world"
    with FileLock(f"{workdir}.lock"):
        if not (workdir / ".built").exists():
            shutil.rmtree(workdir, ignore_errors=True)  # a worker that died mid-build
            workdir.mkdir()
            catalog = yaml.safe_load((CONFIGS / "tiny.yaml").read_text(encoding="utf-8"))["backbone_catalog"]
            run_snakemake(workdir, *(f"results/backbones/{name}" for name, spec in catalog.items() if "demo" in spec),
                          configfile=CONFIGS / "tiny.yaml")
            (workdir / ".built").touch()
    return workdir


def copy_world(world: Path, workdir: Path) -> Path:
    """Copies the session's world and backbones into a study's workdir: copy2 keeps their
    times and Snakemake's metadata (keyed by relative path) comes along, so Snakemake finds
    them up to date, as if built there, and starts at tokenizing. Copies, not links: a test
    may damage or rebuild its own."""
    for part in ("results/data", "results/backbones", ".snakemake/metadata"):
        shutil.copytree(world / part, workdir / part, symlinks=True)
    return workdir


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, tiny_world):
    """The tiny study (tests/configs/tiny.yaml: mT5 and the decoder-only Qwen2, both tasks) run
    once a session to its tables: (workdir, seconds it took). Its readers are
    tests/test_workflow.py and tests/test_causal_dag.py."""
    workdir = copy_world(tiny_world, tmp_path_factory.mktemp("tiny-study"))
    started = time.time()
    run_snakemake(workdir, configfile=CONFIGS / "tiny.yaml")
    return workdir, time.time() - started


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """OMP_NUM_THREADS above sets torch's intra-op threads only where it is read before torch's
    first import; a plugin may import torch earlier, so set it here too."""
    import torch

    torch.set_num_threads(1)


DEMO_BACKBONES = ROOT / "resources" / "demo_backbones"
XQUAD = ROOT.parent / "shared" / "fixtures" / "xquad"


def bytelevel_qwen2():
    """A random 2-layer Qwen2 on a byte-level BPE tokenizer (1,500 tokens) trained on XQuAD:
    byte tokens, as the released Qwen2/Llama-3 tokenizers have (the demo backbones have none)."""
    import json

    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    if not (XQUAD / "xquad.en.json").exists():
        pytest.skip(f"XQuAD fixtures not found at {XQUAD} (the byte-level tokenizer is trained on them)")
    texts = [p["context"] for lang in ("en", "ru", "zh", "ar", "th", "de", "es")
             for article in json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"][:8]
             for p in article["paragraphs"]]
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=1500, special_tokens=["<|endoftext|>"],
                                                           initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>",
                                        pad_token="<|endoftext|>", padding_side="left")
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=1024,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model = Qwen2ForCausalLM(config).eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


@pytest.fixture(scope="session")
def backbones():
    """name -> (model, tokenizer, family name) of a shipped demo backbone ('mbart-demo', ...) or
    'qwen2-bytelevel', each loaded once a worker (the remedies' unit tests decode with them;
    a test that changes a model must undo it)."""
    from xlgen.backbones import family_of, load_backbone

    loaded = {}

    def get(name):
        if name not in loaded:
            model, tokenizer = bytelevel_qwen2() if name == "qwen2-bytelevel" else load_backbone(DEMO_BACKBONES / name)
            loaded[name] = (model.eval(), tokenizer, family_of(model))
        return loaded[name]

    return get


@pytest.fixture(scope="session")
def gpu_throughput():
    """benchmarks/gpu_throughput.py as a module (its published model shapes and FLOP counts),
    loaded from its file: benchmarks/ is not a package."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_throughput.py"
    spec = importlib.util.spec_from_file_location("gpu_throughput", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# `make test` runs the suite in parallel (pytest-xdist, `--dist loadscope`): a study's
# module-scoped fixture must be built once, so a module's tests go to one worker together, and
# the two modules reading the session's tiny study (`tiny_run`) go to one worker together. The
# tiny world under it is built once for all workers (`tiny_world`), so the studies copying it
# (methods, translate) take any free worker. The modules that build studies go first, so the
# last to finish are unit tests, not a study. xdist's own `--dist loadgroup` would do the
# grouping, but it groups nothing under pytest 9.2 (pytest-dev/pytest-xdist#1386): the
# scheduler below keys the scopes by module itself.
TINY_RUN_MODULES = {"test_causal_dag", "test_workflow"}


def _scope(module: str) -> str:
    return "tiny_run" if module in TINY_RUN_MODULES else module


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__
        if "tiny_run" in item.fixturenames and module not in TINY_RUN_MODULES:
            raise pytest.UsageError(f"{module} uses the session's tiny study: add it to TINY_RUN_MODULES "
                                    "in tests/conftest.py, or xdist runs the study on two workers")
    studies = {item.module.__name__ for item in items
               if item.get_closest_marker("slow") or {"tiny_world", "tiny_run"} & set(item.fixturenames)}
    items.sort(key=lambda item: (_scope(item.module.__name__) != "tiny_run", item.module.__name__ not in studies))


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByStudy(LoadScopeScheduling):
        """xdist's module scopes, the tiny study's two modules one scope, in collection order."""

        def __init__(self, config, log=None):
            super().__init__(config, log)
            config.option.loadscopereorder = False  # keep the studies first (collection order above)

        def _split_scope(self, nodeid: str) -> str:
            return _scope(Path(nodeid.split("::", 1)[0]).stem)

    return ByStudy(config, log)
