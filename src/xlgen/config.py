"""Validation of the study configuration: schema first, then the cross-references.

Every failure is a `ConfigError` whose message is one line naming the config key, so a
typo stops the DAG before any job starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from xlgen.languages import LANGUAGES, language_code


class ConfigError(ValueError):
    """A bad configuration value; the message is one line and names the key."""


def _key(path) -> str:
    return ".".join(str(part) for part in path) or "<top level>"


def _describe(error: jsonschema.ValidationError) -> str:
    """One line for one schema violation, naming the offending key."""
    where = _key(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        name = f"{where}.{extra[0]}" if error.absolute_path else extra[0]
        hint = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        return f"unknown key '{name}'{hint}"
    if kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance][0]
        name = f"{where}.{missing}" if error.absolute_path else missing
        return f"missing key '{name}'"
    if kind == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return f"'{where}' is {error.instance!r}; expected one of: {options}"
    if kind == "type":
        return f"'{where}' is {error.instance!r}; expected type {error.validator_value}"
    return f"'{where}': {error.message}"


def load_schema(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def validate_config(config: dict[str, Any], schema: dict | str | Path) -> None:
    """Raise ConfigError (one line, naming the key) unless `config` is a valid study config."""
    if not isinstance(schema, dict):
        schema = load_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), _key(e.absolute_path)))
    if errors:
        # the deepest error is the most specific; report one, the one a user fixes first
        deepest = max(errors, key=lambda e: len(e.absolute_path))
        raise ConfigError(_describe(deepest))
    _check_references(config)


def _check_references(config: dict[str, Any]) -> None:
    """Cross-key checks a JSON schema cannot express."""
    languages = [config["source_language"], *config["target_languages"]]
    for i, code in enumerate(languages):
        if code not in LANGUAGES:
            key = "source_language" if i == 0 else f"target_languages[{i - 1}]"
            raise ConfigError(
                f"'{key}' is {code!r}: unknown language (known: {', '.join(sorted(LANGUAGES))})"
            )
    if config["source_language"] in config["target_languages"]:
        raise ConfigError(
            f"'target_languages' contains the source language {config['source_language']!r}"
        )
    if config["data"]["source"] == "demo":
        from xlgen.demo_world import DEMO_LANGUAGES

        if "demo" not in config["data"]:
            raise ConfigError("missing key 'data.demo' (required when data.source is demo)")
        for i, code in enumerate(config["target_languages"]):
            if code not in DEMO_LANGUAGES:
                raise ConfigError(
                    f"'target_languages[{i}]' is {code!r}: the demo world has only "
                    f"{', '.join(DEMO_LANGUAGES)}"
                )
    catalog = config["backbone_catalog"]
    for i, name in enumerate(config["backbones"]):
        if name not in catalog:
            raise ConfigError(
                f"'backbones[{i}]' is {name!r}: not defined in backbone_catalog "
                f"(defined: {', '.join(sorted(catalog))})"
            )
        spec = catalog[name]
        if "demo" not in spec:
            raise ConfigError(
                f"'backbone_catalog.{name}' has no 'demo' block; only locally built demo "
                "backbones are supported by this version"
            )
        for code in languages:
            if spec["family"] != "mt5" and language_code(code, spec["family"]) is None:
                raise ConfigError(
                    f"'backbones[{i}]' ({name}, {spec['family']}) has no language code for "
                    f"{code!r}; drop the language or the backbone"
                )
    for i, method in enumerate(config["methods"]):
        if method not in config["method_settings"]:
            raise ConfigError(f"'methods[{i}]' is {method!r}: missing 'method_settings.{method}'")
    for i, task in enumerate(config["tasks"]):
        if task not in config["task_settings"]:
            raise ConfigError(f"'tasks[{i}]' is {task!r}: missing 'task_settings.{task}'")
        if task not in config["generate"]["max_new_tokens"]:
            raise ConfigError(f"'tasks[{i}]' is {task!r}: missing 'generate.max_new_tokens.{task}'")
