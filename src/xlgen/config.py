"""Validation of the study configuration: schema first, then the cross-references.

Every failure is a `ConfigError` whose message is one line naming the config key, so a
typo stops the DAG before any job starts.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from xlgen.catalog import task_spec
from xlgen.datasets import DEFAULT_UNLABELED, get_adapter
from xlgen.families import FAMILIES, family_settings, get_family
from xlgen.intermediate import base_backbone
from xlgen.io import InputError
from xlgen.languages import LANGUAGES, describe_language, get_language
from xlgen.methods import METHODS, get_method, load_method
from xlgen.metrics.scripts import target_scripts
from xlgen.remedies import DECODE_REMEDIES, several_sources


class ConfigError(InputError):
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


def schema_with_registries(schema: dict | str | Path) -> dict:
    """The config schema (a path to config/schema.yaml, or it loaded) completed from the
    registries, which schema.yaml leaves open: the method names (`methods`,
    `translate_train.methods`) and each method's `method_settings` entry (xlgen.methods:
    `Method.settings_schema`, else `$defs/method_<name>`, else `lrs` alone); the families
    (`backbone_catalog.*.family`), their settings' values (`Family.setting_choices`), their
    freeze parts and adapter stacks (xlgen.families). A new copy: `schema` is left as it is."""
    schema = copy.deepcopy(schema if isinstance(schema, dict) else load_schema(schema))
    defs, props = schema["$defs"], schema["properties"]
    names = list(METHODS)
    props["methods"]["items"]["enum"] = names
    props["translate_train"]["properties"]["methods"]["items"]["enum"] = names
    for name in [*DECODE_REMEDIES, several_sources.NAME]:
        props["remedies"]["properties"][name]["properties"]["methods"]["items"]["enum"] = names
    only_lrs = {"type": "object", "additionalProperties": False, "required": ["lrs"],
                "properties": {"lrs": {"$ref": "#/$defs/lrs"}}}
    props["method_settings"]["properties"] = {
        name: {**(method.settings_schema or ({"$ref": f"#/$defs/method_{name}"} if f"method_{name}" in defs
                                              else only_lrs)), "description": method.description}
        for name, method in METHODS.items()}
    entry = props["backbone_catalog"]["additionalProperties"]["properties"]
    entry["family"]["enum"] = list(FAMILIES)
    for family in FAMILIES.values():
        for key, choices in family.setting_choices.items():
            entry.setdefault(key, {"description": f"family {family.name} only"})["enum"] = list(choices)
    defs["freeze_parts"]["items"]["enum"] = list(dict.fromkeys(p for f in FAMILIES.values() for p in f.parts))
    defs["method_freeze"]["properties"]["parts"]["oneOf"][1]["properties"] = {
        name: {"$ref": "#/$defs/freeze_parts"} for name in FAMILIES}
    stacks = list(dict.fromkeys(s for f in FAMILIES.values() for s in f.stacks))
    for adapter in ("method_adapter", "method_adapterdrop"):
        defs[adapter]["properties"]["stacks"]["items"]["enum"] = stacks
    return schema


def _load_methods(config: dict[str, Any]) -> None:
    """Register the plug-in methods the config names (xlgen.methods.load_method), so the
    schema's method lists hold them; one line naming the key of a name that is none."""
    section = config.get("translate_train")
    lists = [("methods", config.get("methods"))]
    if isinstance(section, dict):
        lists.append(("translate_train.methods", section.get("methods")))
    for key, names in lists:
        for i, name in enumerate(names if isinstance(names, list) else []):
            if isinstance(name, str) and name not in METHODS:
                try:
                    load_method(name)
                except KeyError as err:
                    raise ConfigError(f"'{key}.{i}': {err.args[0]}") from None


def validate_config(config: dict[str, Any], schema: dict | str | Path) -> list[str]:
    """Raise ConfigError (one line, naming the key) unless `config` is a valid study config.

    `schema`: config/schema.yaml (or it loaded), completed from the registries
    (`schema_with_registries`) after the plug-in methods the config names are registered.
    Returns the notes to show before the run, one line each: every target language a
    selected backbone has no code for, with the choice the language table states for it.
    """
    _check_finite(config)
    _load_methods(config)
    schema = schema_with_registries(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), _key(e.absolute_path)))
    if errors:
        # the deepest error is the most specific; report one, the one a user fixes first
        deepest = max(errors, key=lambda e: len(e.absolute_path))
        raise ConfigError(_describe(deepest))
    _check_references(config)
    return backbone_language_notes(config)


def _check_finite(value: Any, where: str = "") -> None:
    """ConfigError naming the key of a NaN or infinite number (YAML `.nan`, `.inf`): a JSON
    schema's bounds compare false against NaN and would let it through."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"'{where}' is {value!r}; expected a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite(item, f"{where}[{i}]")


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
    catalog = config["backbone_catalog"]
    for i, variant in enumerate(config["backbones"]):
        name = base_backbone(variant)  # '<backbone>+it': intermediate-tuned variant
        if name not in catalog:
            raise ConfigError(
                f"'backbones[{i}]' is {variant!r}: not defined in backbone_catalog "
                f"(defined: {', '.join(sorted(catalog))})"
            )
        if variant != name and "intermediate_tuning" not in config:
            raise ConfigError(
                f"'backbones[{i}]' is {variant!r}: a '+it' variant needs the 'intermediate_tuning' section"
            )
        spec = catalog[name]
        if sum(key in spec for key in ("demo", "hub_id", "path")) != 1:
            raise ConfigError(
                f"'backbone_catalog.{name}' needs exactly one of 'demo' (built locally), "
                "'hub_id' (a hub checkpoint) or 'path' (a model directory on disk)"
            )
        if "hub_id" in spec and "hub" not in config["data"]:
            raise ConfigError(
                f"'backbone_catalog.{name}.hub_id' needs 'data.hub.models_dir' (where checkpoints are kept)"
            )
        # the source language must have a code; a target without one is a note (see below)
        source = config["source_language"]
        if get_family(spec["family"]).missing_code_choice(source) is not None:
            raise ConfigError(
                f"'source_language' is {source!r}: 'backbones[{i}]' ({name}, family "
                f"{spec['family']}) has no language code for it; finetuning needs one: "
                "choose another backbone or source language"
            )
    # after the backbones: a source language no backbone can encode is the more lasting problem
    specs = _check_tasks(config)
    _check_families(config, specs)
    if config["data"]["source"] == "demo":
        if "demo" not in config["data"]:
            raise ConfigError("missing key 'data.demo' (required when data.source is demo)")
    else:
        if "hub" not in config["data"]:
            raise ConfigError("missing key 'data.hub' (required when data.source is hub)")
        objective = config.get("intermediate_tuning", {}).get("objective")
        if objective == "translation":
            raise ConfigError("'intermediate_tuning.objective' is 'translation': the hub data of "
                              "this version has no parallel text; use denoising")
    for name, spec in specs.items():
        if spec.adapter.generated != (config["data"]["source"] == "demo"):
            raise ConfigError(f"'task_catalog.{name}.dataset' is {spec.adapter.name!r}, but data.source is "
                              f"{config['data']['source']!r}: the demo world's dataset is 'demo', and only it "
                              "runs with data.source demo")
    if "dev" not in config["generate"]["splits"] or "test" not in config["generate"]["splits"]:
        raise ConfigError("'generate.splits' must hold dev and test: learning rates are selected "
                          "on dev and reported on test")
    for i, method in enumerate(config["methods"]):
        if method not in config["method_settings"]:
            raise ConfigError(f"'methods[{i}]' is {method!r}: missing 'method_settings.{method}'")
    _check_translate_train(config, specs)
    _check_remedies(config, specs)
    for i, task in enumerate(config["tasks"]):
        if task not in config["task_settings"]:
            raise ConfigError(f"'tasks[{i}]' is {task!r}: missing 'task_settings.{task}'")
        if task not in config["generate"]["max_new_tokens"]:
            raise ConfigError(f"'tasks[{i}]' is {task!r}: missing 'generate.max_new_tokens.{task}'")


def _check_tasks(config: dict[str, Any]) -> dict:
    """Every selected task resolved (xlgen.catalog), its languages offered by its
    dataset: task name -> TaskSpec. One line naming the key otherwise."""
    catalog = config.get("task_catalog") or {}
    specs = {}
    for i, name in enumerate(config["tasks"]):
        if name not in catalog:
            raise ConfigError(f"'tasks[{i}]' is {name!r}: not defined in task_catalog "
                              f"(defined: {', '.join(sorted(catalog))})")
        try:
            spec = specs[name] = task_spec(config, name)
        except InputError as err:
            raise ConfigError(str(err)) from None
        offered = spec.adapter.languages()
        where = f"task_catalog.{name}.target_languages" if "target_languages" in catalog[name] else "target_languages"
        for j, code in enumerate(spec.languages):
            key = "source_language" if j == 0 else f"{where}[{j - 1}]"
            if code not in LANGUAGES:
                raise ConfigError(f"'{key}' is {code!r}: unknown language (known: {', '.join(sorted(LANGUAGES))})")
            if code not in offered:
                raise ConfigError(f"'{key}' is {code!r}: task {name} ({spec.adapter.name}) has no data for it "
                                  f"(languages: {', '.join(sorted(offered))})")
        if spec.source_language in spec.target_languages:
            raise ConfigError(f"'{where}' of task {name} contains the source language {spec.source_language!r}")
    return specs


def _check_families(config: dict[str, Any], specs: dict) -> None:
    """Each selected backbone's family settings, and every selected method and task on it:
    one line naming the key of what does not apply (a decoder-only backbone has no encoder to
    freeze, a seq2seq one no prompt settings, a task kind without a prompt template cannot
    run on a decoder-only one)."""
    catalog = config["backbone_catalog"]
    section = config.get("translate_train") or {}
    methods = list(config["methods"]) + (list(section.get("methods", ["full"])) if section.get("enabled") else [])
    for i, variant in enumerate(config["backbones"]):
        name = base_backbone(variant)
        spec = catalog[name]
        try:
            family = get_family(spec["family"], family_settings(spec))
        except InputError as err:  # "'<key>' ...": the key under the catalog entry
            raise ConfigError(str(err).replace("'", f"'backbone_catalog.{name}.", 1)) from None
        architecture = spec.get("demo", {}).get("architecture")
        if architecture and family.is_encoder_decoder:
            raise ConfigError(f"'backbone_catalog.{name}.demo.architecture' is {architecture!r}: it applies to "
                              f"decoder-only demo backbones (family causal), not to family {family.name}")
        for method in dict.fromkeys(methods):
            problem = get_method(method).config_problem(family, config["method_settings"].get(method, {}))
            if problem:
                key, why = problem
                raise ConfigError(f"'method_settings.{method}.{key}': {why} ('backbones[{i}]' is {variant})")
        if not family.is_encoder_decoder:
            for task, task_spec in specs.items():
                if "{source}" not in task_spec.kind.prompt:
                    raise ConfigError(f"'task_catalog.{task}.kind' is {task_spec.kind.name!r}: it has no prompt "
                                      f"template for decoder-only backbones ('backbones[{i}]' is {variant})")


def _check_translate_train(config: dict[str, Any], specs: dict) -> None:
    """The translate-train section names configured backbones, languages and methods, and an
    MT model of a family that is trained to translate (Family.translates: nllb)."""
    section = config.get("translate_train")
    if not section or not section["enabled"]:
        return
    catalog = config["backbone_catalog"]
    if not any(spec.adapter.parallel for spec in specs.values()):
        raise ConfigError("'translate_train.enabled' needs a task whose test sets translate each other "
                          "(e.g. SQuAD -> XQuAD, dataset squad_xquad): they are the held-out parallel text "
                          "of the MT-quality figure")
    if section["backend"] == "model":
        mt = section.get("mt_backbone")
        if mt is None:
            raise ConfigError("missing key 'translate_train.mt_backbone' (required when backend is model)")
        if mt not in catalog:
            raise ConfigError(f"'translate_train.mt_backbone' is {mt!r}: not defined in backbone_catalog "
                              f"(defined: {', '.join(sorted(catalog))})")
        if not get_family(catalog[mt]["family"]).translates:
            mt_families = " or ".join(name for name, family in FAMILIES.items() if family.translates)
            raise ConfigError(f"'translate_train.mt_backbone' is {mt!r}: family {catalog[mt]['family']} "
                              f"is not a translation model; use an entry of family {mt_families}")
    for i, name in enumerate(section.get("backbones") or []):
        if name not in config["backbones"]:
            raise ConfigError(f"'translate_train.backbones[{i}]' is {name!r}: not in 'backbones'")
    for i, code in enumerate(section.get("languages") or []):
        if code not in config["target_languages"]:
            raise ConfigError(f"'translate_train.languages[{i}]' is {code!r}: not in 'target_languages'")
        for name, spec in specs.items():
            if code not in spec.target_languages:
                raise ConfigError(f"'translate_train.languages[{i}]' is {code!r}: not a target language of "
                                  f"task {name}")
    for i, method in enumerate(section.get("methods", ["full"])):
        if method not in config["method_settings"]:
            raise ConfigError(f"'translate_train.methods[{i}]' is {method!r}: missing 'method_settings.{method}'")


def _check_remedies(config: dict[str, Any], specs: dict) -> None:
    """Each enabled decode-time remedy (xlgen.remedies.DECODE_REMEDIES) decodes the zero-shot
    runs of configured methods, of backbones of the architectures it applies to; the script
    mask only in languages whose script it can tell apart (xlgen.metrics.scripts.target_scripts)."""
    for name, remedy in DECODE_REMEDIES.items():
        section = (config.get("remedies") or {}).get(name)
        if not section or not section["enabled"]:
            continue
        for i, method in enumerate(section.get("methods", ["full"])):
            if method not in config["methods"]:
                raise ConfigError(f"'{remedy.config_key}.methods[{i}]' is {method!r}: not in 'methods' (a "
                                  "decode-time remedy decodes a method's zero-shot runs)")
        for i, variant in enumerate(section.get("backbones") or []):
            if variant not in config["backbones"]:
                raise ConfigError(f"'{remedy.config_key}.backbones[{i}]' is {variant!r}: not in 'backbones'")
        for variant in section.get("backbones") or config["backbones"]:
            family = get_family(config["backbone_catalog"][base_backbone(variant)]["family"])
            if not remedy.applies_to(family.is_encoder_decoder):
                kind = "encoder-decoder" if family.is_encoder_decoder else "decoder-only"
                applies = remedy.architectures.replace("_", "-")
                raise ConfigError(f"'{remedy.config_key}.enabled': backbone {variant!r} is {kind} (family "
                                  f"{family.name}); {name} applies to {applies} backbones only")
    _check_several_sources(config, specs)
    steering = (config.get("remedies") or {}).get("steering")
    if steering and steering["enabled"] and config["data"]["source"] == "hub":
        # a vector is taken from each target language's unlabeled text: refused here, not when the DAG is built
        name = config["data"]["hub"].get("unlabeled_dataset", DEFAULT_UNLABELED)
        unlabeled = get_adapter(name)
        have = set(unlabeled.languages())
        for task, spec in specs.items():
            for lang in spec.languages:
                if lang not in have:
                    raise ConfigError(f"'remedies.steering.enabled': task {task!r} has target language {lang!r}, "
                                      f"but the unlabeled text of 'data.hub.unlabeled_dataset' ({name}) has none; "
                                      "leave the language out or give a dataset that has it")
    section = (config.get("remedies") or {}).get("script_mask")
    if not section or not section["enabled"]:
        return
    langs = dict.fromkeys([config["source_language"], *(lang for spec in specs.values() for lang in spec.languages)])
    for lang in langs:
        if not target_scripts(lang):
            raise ConfigError(f"'remedies.script_mask.enabled': the mask cannot tell the script of {lang!r} apart "
                              f"({describe_language(lang).script}); leave it off for this study")


def _check_several_sources(config: dict[str, Any], specs: dict) -> None:
    """Several source languages (xlgen.remedies.several_sources) train on each source's train
    split: the sources hold the source language and languages of every task, each with train
    data in the task's dataset (the demo world has it in every language; XQuAD has none); the
    methods are configured ones. One line naming the key and the language otherwise."""
    section = (config.get("remedies") or {}).get(several_sources.NAME)
    if not section or not section["enabled"]:
        return
    key = several_sources.CONFIG_KEY
    for i, method in enumerate(section.get("methods", ["full"])):
        if method not in config["methods"]:
            raise ConfigError(f"'{key}.methods[{i}]' is {method!r}: not in 'methods' (the several-sources runs "
                              "train a configured method)")
    sources = section["sources"]
    if config["source_language"] not in sources:
        raise ConfigError(f"'{key}.sources' is {sources!r}: it must hold the source language "
                          f"{config['source_language']!r} (the arm adds languages to its training data)")
    for i, lang in enumerate(sources):
        for name, spec in specs.items():
            if lang not in spec.languages:
                raise ConfigError(f"'{key}.sources[{i}]' is {lang!r}: not a language of task {name} "
                                  f"({', '.join(spec.languages)})")
            if not spec.adapter.generated and "train" not in spec.adapter.sources(lang):
                raise ConfigError(f"'{key}.sources[{i}]' is {lang!r}: dataset {spec.adapter.name} of task {name} "
                                  f"has no train split in {lang!r}; a source needs train data in its language")


def backbone_language_notes(config: dict[str, Any]) -> list[str]:
    """One line per (selected backbone, target language) the backbone family has no code
    for: the language is skipped, left out of that backbone's runs (xlgen.families.base).
    A source language without a code is a ConfigError instead.
    """
    notes = []
    catalog = config["backbone_catalog"]
    for i, variant in enumerate(config["backbones"]):
        name = base_backbone(variant)
        family = get_family(catalog[name]["family"])
        for j, code in enumerate(config["target_languages"]):
            if family.missing_code_choice(code) is None:
                continue
            notes.append(
                f"'target_languages[{j}]' is {code!r} ({get_language(code).name}): "
                f"'backbones[{i}]' ({variant}, family {family.name}) has no language code for it: "
                f"skip, left out of this backbone's runs (its code table: {type(family).__module__})"
            )
    return notes
