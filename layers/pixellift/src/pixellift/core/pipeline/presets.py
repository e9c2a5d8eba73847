"""Built-in presets (YAML data shipped with the package) and the preset loader."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import ValidationError

from pixellift.core.errors import InvalidPresetError, PresetNotFoundError
from pixellift.core.pipeline.preset_schema import Preset

_PACKAGE = "pixellift.core.pipeline.preset_data"


def parse_preset(text: str, source: str) -> Preset:
    r"""Validate preset YAML text.

    Parameters
    ----------
    text
        The YAML document.
    source
        Where it came from (a file name), used in error messages.

    Raises
    ------
    InvalidPresetError
        With the source and each failing field.

    Examples
    --------
    >>> p = parse_preset("name: x\nversion: 1.0.0\nmarketplace: m\nrole: main\n"
    ...                  "description: d\nsize: {long_edge: 1000}", "x.yaml")
    >>> (p.key, p.framing.fill, p.background.colour)
    ('x@1.0.0', 0.85, '#FFFFFF')
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        msg = f"{source}: not valid YAML ({exc})"
        raise InvalidPresetError(msg) from exc
    if not isinstance(data, dict):
        msg = f"{source}: a preset must be a mapping of fields"
        raise InvalidPresetError(msg)
    try:
        return Preset.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        msg = f"{source}: {problems}"
        raise InvalidPresetError(msg) from exc


def builtin_preset_names() -> list[str]:
    """Names of the presets shipped with PixelLift, sorted.

    Examples
    --------
    >>> "amazon-main" in builtin_preset_names()
    True
    """
    files = resources.files(_PACKAGE)
    return sorted(f.name.removesuffix(".yaml") for f in files.iterdir() if f.name.endswith(".yaml"))


@cache
def load_preset(name: str) -> Preset:
    """Load a built-in preset by name.

    Raises
    ------
    PresetNotFoundError
        Naming the known presets.

    Examples
    --------
    >>> load_preset("amazon-main").output.format
    'JPEG'
    """
    resource = resources.files(_PACKAGE).joinpath(f"{name}.yaml")
    if not resource.is_file():
        known = ", ".join(builtin_preset_names())
        msg = f"unknown preset {name!r}; known presets: {known}"
        raise PresetNotFoundError(msg)
    preset = parse_preset(resource.read_text(encoding="utf-8"), f"{name}.yaml")
    if preset.name != name:
        msg = f"{name}.yaml: declares name {preset.name!r}, expected {name!r}"
        raise InvalidPresetError(msg)
    return preset
