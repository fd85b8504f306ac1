import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

# No hub here or in CI: fail fast instead of retrying downloads (must be set before imports).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Issue 25: the subprocesses tests start (Snakemake, the workflow scripts it runs as __main__) fail
# on a deprecation whose origin is our code, like pyproject's filterwarnings in this process.
# PYTHONWARNINGS matches a module name exactly (no regex), so each of our modules is listed.
_SRC = Path(__file__).resolve().parents[1] / "src"
_OURS = ["__main__", *sorted(".".join(p.relative_to(_SRC).with_suffix("").parts).removesuffix(".__init__")
                             for package in ("xlgen", "xlgen_demo") for p in (_SRC / package).rglob("*.py"))]
os.environ.setdefault("PYTHONWARNINGS", ",".join(
    ["error:`past_key_values` is deprecated:FutureWarning"]  # attributed to torch's wrapper: see pyproject.toml
    + [f"error::{category}:{module}" for category in ("DeprecationWarning", "FutureWarning") for module in _OURS]))


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


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op torch thread for a test module (the rules' `threads: 1`): tiny models run
    many times faster so on a busy 2-core machine, where two threads wait on each other."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def gpu_throughput():
    """benchmarks/gpu_throughput.py as a module (its published model shapes and FLOP counts),
    loaded from its file: benchmarks/ is not a package."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_throughput.py"
    spec = importlib.util.spec_from_file_location("gpu_throughput", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
