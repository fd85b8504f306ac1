"""config/README.md from config/schema.yaml: every key of the study configuration, with its
type, whether it is required, and the schema's description.

`render(schema)` takes the schema as a dict (so a schema completed from the registries
renders the same way as the file); `xlgen config-docs` prints it, and tests/test_docs.py
checks that the committed config/README.md equals it.
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER = """\
# Configuration keys

<!-- Generated from config/schema.yaml by `xlgen config-docs > config/README.md`; edit the
schema's `description:` fields, not this file (tests/test_docs.py checks it is current). -->

{description}

The files in `config/`: `config.yaml` is the default, the offline demo study (`make demo`);
`demo-full.yaml`, `demo-translate.yaml`, `demo-llm.yaml`, `demo-human.yaml` and
`demo-remedies.yaml` extend the demo;
`paper.yaml` is the real study, `paper-extended.yaml` and `llm.yaml` go after it. A file
given with `--configfile` is merged over `config.yaml` key by key: mappings are extended,
lists replaced, so selections are lists (`backbones`, `methods`, `tasks`) and definitions
live in mappings (`backbone_catalog`, `method_settings`). The whole config is validated
against `config/schema.yaml` before any job starts; a bad key or value stops the run with one
line naming it.

In the tables, **required** keys must be given (by `config.yaml` or your file) whenever
their section is; `<task>`, `<backbone>` and `<lang>` stand for a name you choose.
"""


@dataclass(frozen=True)
class Key:
    """One documented key: its dotted path, type, whether it is required, description."""

    path: str
    type: str
    required: bool
    description: str


def _resolve(node: dict, defs: dict) -> dict:
    """`node` with its `$ref` into `$defs` followed; the referring site's keys win."""
    while "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _placeholder(node: dict, key: str = "") -> str:
    """The `<name>` a mapping's free keys stand under: from its propertyNames, else from the
    mapping's own key (backbone_catalog -> <backbone>)."""
    ref = (node.get("propertyNames") or {}).get("$ref", "").rsplit("/", 1)[-1]
    if ref in ("task_name", "lang"):
        return {"task_name": "<task>", "lang": "<lang>"}[ref]
    stem = key.rsplit(".", 1)[-1].removesuffix("_catalog").removesuffix("_settings")
    return f"<{stem}>" if stem else "<name>"


def _bounds(node: dict) -> str:
    parts = []
    for key, sign in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                      ("exclusiveMaximum", "<")):
        if key in node:
            parts.append(f"{sign} {node[key]}")
    return f" ({', '.join(parts)})" if parts else ""


def _type(node: dict, defs: dict, key: str = "") -> str:
    """A short human reading of a schema node's type (`key`: its dotted path)."""
    node = _resolve(node, defs)
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    if "oneOf" in node:
        return " or ".join(_type(option, defs) for option in node["oneOf"])
    kinds = node.get("type", "object" if "properties" in node else "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = []
    for kind in kinds:
        if kind == "array":
            items = node.get("items")
            words.append("list" + (f" of {_type(items, defs)}" if items else ""))
        elif kind == "object" and isinstance(node.get("additionalProperties"), dict) \
                and "properties" not in node:
            value = node["additionalProperties"]
            value_type = "mapping" if "properties" in _resolve(value, defs) else _type(value, defs)
            words.append(f"mapping {_placeholder(node, key)} -> {value_type}")
        elif kind == "object" and "properties" not in node and "additionalProperties" not in node:
            words.append("mapping")
        else:
            words.append({"integer": "integer", "number": "number", "string": "string",
                          "boolean": "boolean", "null": "null", "object": "mapping"}.get(kind, kind))
    return " or ".join(words) + _bounds(node)


def keys(schema: dict) -> list[Key]:
    """Every key of the schema, depth first in the schema's order."""
    defs = schema.get("$defs", {})
    found: list[Key] = []

    def walk(node: dict, prefix: str) -> None:
        node = _resolve(node, defs)
        required = set(node.get("required", []))
        for name, child in (node.get("properties") or {}).items():
            child = _resolve(child, defs)
            path = f"{prefix}{name}"
            found.append(Key(path, _type(child, defs, path), name in required,
                             " ".join(str(child.get("description", "")).split())))
            walk(child, f"{path}.")
        free = node.get("additionalProperties")
        if isinstance(free, dict) and "properties" in _resolve(free, defs):
            walk(free, f"{prefix}{_placeholder(node, prefix.rstrip('.'))}.")

    walk(schema, "")
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(schema: dict) -> str:
    """The Markdown of config/README.md: a section per top-level key, a row per key under it."""
    description = " ".join(str(schema.get("description", "")).split())
    out = [HEADER.format(description=description)]
    sections: dict[str, list[Key]] = {}
    for key in keys(schema):
        sections.setdefault(key.path.split(".", 1)[0], []).append(key)
    for top, rows in sections.items():
        head, rest = rows[0], rows[1:]
        out.append(f"## `{top}`{' (required)' if head.required else ''}\n")
        out.append(f"{head.description}\n\nType: {head.type}.\n")
        if rest:
            out.append("| key | type | required | description |\n|---|---|---|---|")
            out.extend(f"| `{k.path}` | {_cell(k.type)} | {'yes' if k.required else ''} | "
                       f"{_cell(k.description)} |" for k in rest)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

