"""The workflow passes `snakemake --lint` and `snakefmt --check`, the Python code `ruff check`, and
src/xlgen keeps its import layers (`lint-imports`): CI runs this file first, via `make lint`, and
again in `make test`."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Rules are defined per study (`if DATA_SOURCE == "demo"`, `if TT_ON`): between them these
# configs define every rule of the workflow, and `--lint` only sees the rules a config defines.
LINT_CONFIGS = [None, "config/demo-translate.yaml", "config/paper.yaml", "config/demo-human.yaml",
                "config/demo-remedies.yaml"]  # None: the default

# Every rule runs a script of the xlgen package in the environment Snakemake itself runs in
# (`make install`: pyproject.toml is the one definition of the software), so no rule names a
# conda environment or container, and Snakemake's lint asks for one on every rule. The workflow
# offers no `--sdm conda`: no conda frontend or conda channel is reachable here or in CI to
# test one. Every other lint fails.
ACCEPTED_LINTS = {"Specify a conda environment or container for each rule."}

SNAKEFMT_PATHS = ["Snakefile", "workflow/"]


def lints(output: str) -> list[tuple[str, str]]:
    """(what, title) of every lint in `snakemake --lint` text output, e.g.
    ('rule finetune (line 21, .../finetune.smk)', 'No log directive defined')."""
    found, item = [], None
    for line in output.splitlines():
        if match := re.match(r"Lints for (.+):$", line):
            item = match.group(1)
        elif (match := re.match(r"    \* (.+):$", line)) and item:
            found.append((item, match.group(1)))
    return found


def run_lint(snakefile: Path, workdir: Path, configfile: str | None = None) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "snakemake", "--lint", "--snakefile", str(snakefile)]
    if configfile:
        cmd += ["--configfile", configfile]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def unexpected_lints(returncode: int, output: str) -> list[str]:
    """Lints other than the accepted ones, or the whole output where lint failed without any."""
    found = lints(output)
    if returncode != 0 and not found:
        return [output[-3000:]]
    return [f"{item}: {title}" for item, title in found if title not in ACCEPTED_LINTS]


@pytest.mark.parametrize("configfile", LINT_CONFIGS, ids=lambda c: c or "default")
def test_snakemake_lint_is_clean(configfile):
    returncode, output = run_lint(ROOT / "Snakefile", ROOT, configfile)
    assert unexpected_lints(returncode, output) == []


def snakefmt_check(*paths: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakefmt", "--check", *paths], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


needs_snakefmt = pytest.mark.skipif(importlib.util.find_spec("snakefmt") is None,
                                    reason="snakefmt is not installed (pip install -e '.[test]')")


@needs_snakefmt
def test_snakefmt_check_passes():
    proc = snakefmt_check(*SNAKEFMT_PATHS, cwd=ROOT)
    assert proc.returncode == 0, ("run `snakefmt Snakefile workflow/` to format:\n"
                                  + (proc.stdout + proc.stderr)[-3000:])


@needs_snakefmt
def test_both_checks_catch_a_rule_without_log_in_the_wrong_format(tmp_path):
    snakefile = tmp_path / "Snakefile"
    snakefile.write_text('rule touch:\n    output: "x.txt"\n    shell: "touch {output}"\n')
    returncode, output = run_lint(snakefile, tmp_path)
    assert returncode != 0
    assert unexpected_lints(returncode, output) == [
        f"rule touch (line 1, {snakefile}): No log directive defined"]
    assert snakefmt_check("Snakefile", cwd=tmp_path).returncode != 0


# The layer contracts of src/xlgen ([tool.importlinter] in pyproject.toml, docs/architecture.md)
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
needs_import_linter = pytest.mark.skipif(not LINT_IMPORTS.exists(),
                                         reason="import-linter is not installed (pip install -e '.[test]')")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the checkout at `root`: its pyproject.toml, its src/ first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


@needs_import_linter
def test_the_import_layers_are_kept():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "Contracts: 3 kept, 0 broken." in proc.stdout


@needs_import_linter
def test_an_upward_import_breaks_the_layers(tmp_path):
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    languages = tmp_path / "src" / "xlgen" / "languages.py"  # layer 1 importing layer 7
    languages.write_text(languages.read_text(encoding="utf-8") + "\nimport xlgen.tables  # noqa: E402\n",
                         encoding="utf-8")
    proc = lint_imports(tmp_path)
    assert proc.returncode != 0
    assert "xlgen.languages is not allowed to import xlgen.tables" in proc.stdout


# ruff: pyflakes, pycodestyle errors, isort, bugbear, blind except ([tool.ruff] in pyproject.toml)
RUFF = Path(sys.executable).parent / "ruff"


@pytest.mark.skipif(not RUFF.exists(), reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff_finds_nothing(tmp_path):
    proc = subprocess.run([str(RUFF), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    # and it bites: a blind except in a copy of the library is one finding
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bad.py").write_text("try:\n    pass\nexcept Exception:\n    pass\n", encoding="utf-8")
    bad = subprocess.run([str(RUFF), "check", "--no-cache", "bad.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 1 and "BLE001" in bad.stdout
