"""The documentation stays short, linked, current and free of stale paths."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xlgen.cli import main
from xlgen.config import schema_with_registries
from xlgen.schema_docs import keys, render

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
# a repository path in backticks or a Markdown link: `src/xlgen/io.py`, [x](../tests/test_x.py)
PATH = re.compile(r"(?:`|\]\((?:\.\./)?)((?:src|workflow|config|tests|benchmarks)/[^`)\s]*)")


def load_schema() -> dict:
    """The schema as the config check sees it: schema.yaml completed from the registries."""
    return schema_with_registries(ROOT / "config" / "schema.yaml")


def named_paths(text: str) -> list[str]:
    """Repository paths a page names; placeholders (`<task>`) and globs are left out."""
    return [p.rstrip(".,:;") for p in PATH.findall(text) if not re.search(r"[<>*{}]", p)]


def test_named_paths_are_found_in_backticks_and_links():
    text = "see `src/xlgen/io.py`, [this](../tests/test_docs.py) and `config/<x>.yaml`"
    assert named_paths(text) == ["src/xlgen/io.py", "tests/test_docs.py"]


def test_readme_is_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 220


def test_every_docs_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert DOCS, "docs/ has no pages"
    missing = [page.name for page in DOCS if f"(docs/{page.name})" not in readme]
    assert not missing, f"README.md links no docs page {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_named_path_exists(page):
    text = page.read_text(encoding="utf-8")
    stale = sorted({p for p in named_paths(text) if not (ROOT / p).exists()})
    assert not stale, f"{page.name} names paths that do not exist: {stale}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_linked_page_and_image_exists(page):
    text = page.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    missing = [link for link in local if not (page.parent / link).exists()]
    assert not missing, f"{page.name} links to missing files {missing}"


def test_config_readme_is_current():
    # in a fresh process: a plug-in method another test registered is no part of the page
    generated = subprocess.run([sys.executable, "-m", "xlgen.cli", "config-docs"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout
    committed = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    assert committed == generated, "regenerate it: xlgen config-docs > config/README.md"


def test_every_config_key_is_documented():
    undocumented = [key.path for key in keys(load_schema()) if not key.description]
    assert not undocumented, f"config/schema.yaml keys without a description: {undocumented}"


def test_render_reads_refs_mappings_and_required_keys():
    schema = {
        "description": "A study.",
        "$defs": {"positive_int": {"type": "integer", "minimum": 1},
                  "name": {"type": "string", "pattern": "^[a-z]+$"}},
        "required": ["steps"],
        "properties": {
            "steps": {"$ref": "#/$defs/positive_int", "description": "training steps"},
            "tasks_catalog": {
                "description": "tasks by name",
                "type": "object",
                "propertyNames": {"$ref": "#/$defs/name"},
                "additionalProperties": {
                    "type": "object", "required": ["kind"],
                    "properties": {"kind": {"enum": ["qa", "summarization"], "description": "what it does"}},
                },
            },
        },
    }
    found = {key.path: key for key in keys(schema)}
    assert found["steps"].type == "integer (>= 1)" and found["steps"].required
    assert found["tasks_catalog.<tasks>.kind"].type == "one of `qa`, `summarization`"
    assert found["tasks_catalog.<tasks>.kind"].required
    assert "| `tasks_catalog.<tasks>.kind` | one of `qa`, `summarization` | yes | what it does |" in render(schema)


def test_cli_prints_the_config_readme(capsys):
    assert main(["config-docs", "--schema", str(ROOT / "config" / "schema.yaml")]) == 0
    assert capsys.readouterr().out == render(load_schema())


def test_workflow_catalog_file_points_to_the_docs():
    catalog = yaml.safe_load((ROOT / ".snakemake-workflow-catalog.yml").read_text(encoding="utf-8"))
    usage = catalog["usage"]
    assert "config/README.md" in usage["mandatory-flags"]["desc"]
    # no rule declares a conda env or container: the catalog must not offer --sdm
    assert not any(v for k, v in usage["software-stack-deployment"].items() if k != "report")
    rules = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "workflow" / "rules").glob("*.smk"))
    assert not re.search(r"^\s+(conda|container):", rules, re.MULTILINE)
