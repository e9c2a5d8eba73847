"""Overrides of the environment settings from CDK context.

Every environment starts from :func:`infra.cdk.config.default_stages`; ``cdk.json`` or
``cdk synth -c`` may override any field under the context key ``pixellift``, for example::

    {"pixellift": {"prod": {"alertsEmail": "ops@example.com",
                            "models": {"segmentation": {"instanceType": "ml.g5.xlarge"}}}}}

Keys are the field names in camelCase; values given on the command line arrive as strings and are
converted to the field's type. An unknown key is an error, so a typo never deploys silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from .config import (
    MODEL_NAMES,
    ModelEndpointConfig,
    ServerlessInference,
    StageConfig,
    default_stages,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


_OPTIONAL = frozenset({"account", "region", "alerts_email"})
"""Fields that may be unset (``null`` in JSON)."""


def _coerce(value: Any, like: Any, where: str, *, optional: bool = False) -> Any:
    """Convert a context value to the type of the field's current value."""
    if optional and value is None:
        return None
    if isinstance(like, bool):
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        if isinstance(value, bool):
            return value
    elif isinstance(like, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    elif isinstance(value, str):
        return value
    raise ValueError(f"{where}: {value!r} is not a valid value")


def _fields_of(obj: DataclassInstance) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _override_model(model: ModelEndpointConfig, raw: Mapping[str, Any]) -> ModelEndpointConfig:
    current = _fields_of(model)
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        name, where = _snake(key), f"models.{model.name}.{key}"
        if name == "serverless":
            parsed = json.loads(value) if isinstance(value, str) else value
            if parsed in (False, None):
                changes[name] = None
            elif isinstance(parsed, Mapping):
                base = model.serverless or ServerlessInference()
                changes[name] = replace(base, **_plain_changes(base, parsed, where))
            else:
                raise ValueError(f"{where}: expected false or an object")
        elif name == "environment":
            if not isinstance(value, Mapping):
                raise ValueError(f"{where}: expected an object of strings")
            changes[name] = tuple(sorted((str(k), str(v)) for k, v in value.items()))
        elif name in current and name != "name":
            changes[name] = _coerce(value, current[name], where)
        else:
            raise ValueError(f"unknown setting {where}")
    return replace(model, **changes)


def _plain_changes(obj: DataclassInstance, raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    current = _fields_of(obj)
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        name = _snake(key)
        if name not in current or name in {"name", "models"}:
            raise ValueError(f"unknown setting {where}.{key}")
        changes[name] = _coerce(value, current[name], f"{where}.{key}", optional=name in _OPTIONAL)
    return changes


def apply_overrides(stage: StageConfig, raw: Mapping[str, Any]) -> StageConfig:
    """Return ``stage`` with the camelCase overrides in ``raw`` applied.

    Examples
    --------
    >>> dev = default_stages()["dev"]
    >>> apply_overrides(dev, {"logRetentionDays": "30"}).log_retention_days
    30
    >>> apply_overrides(dev, {"models": {"ocr": {"serverless": "false"}}}).model("ocr").serverless
    """
    raw = dict(raw)
    models_raw = raw.pop("models", {})
    if not isinstance(models_raw, Mapping):
        raise ValueError(f"{stage.name}.models: expected an object")
    unknown = set(models_raw) - set(MODEL_NAMES)
    if unknown:
        raise ValueError(f"{stage.name}.models: unknown model(s) {sorted(unknown)}")
    models = tuple(
        _override_model(m, models_raw[m.name]) if m.name in models_raw else m for m in stage.models
    )
    return replace(stage, models=models, **_plain_changes(stage, raw, stage.name))


def stages_from_context(context: Mapping[str, Any] | str | None) -> dict[str, StageConfig]:
    """Build every environment from the defaults and the ``pixellift`` context value.

    ``context`` is the value of the ``pixellift`` key (an object, or its JSON text from ``-c``).
    """
    stages = default_stages()
    if context is None:
        return stages
    parsed = json.loads(context) if isinstance(context, str) else context
    if not isinstance(parsed, Mapping):
        raise ValueError("context 'pixellift' must be an object keyed by environment")
    unknown = set(parsed) - set(stages)
    if unknown:
        raise ValueError(f"unknown environment(s) in context: {sorted(unknown)}")
    return {name: apply_overrides(cfg, parsed.get(name, {})) for name, cfg in stages.items()}
