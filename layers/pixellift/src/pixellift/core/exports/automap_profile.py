"""AutoMap profiles: how a seller's names map to SKUs, attributes and roles; versioned, saved.

A profile holds the delimiters, the colour, size and role vocabularies, or one regular expression
with named groups, and the folder directives. It carries a schema version (what this PixelLift can
read) and the seller's own version number, bumped on each edit, and is saved as YAML or JSON.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pixellift.core.errors import InvalidMappingProfileError

ImageRole = Literal["main", "alternate", "swatch", "lifestyle"]
SCHEMA_VERSION: Final = 1
_GROUPS: Final = frozenset({"sku", "colour", "size", "role", "index"})

DEFAULT_COLOURS: Final = (
    "black", "white", "red", "green", "blue", "yellow", "orange", "purple", "pink", "brown",
    "grey", "gray", "beige", "navy", "gold", "silver", "teal", "cream", "ivory", "khaki",
    "olive", "maroon", "tan", "charcoal", "natural", "clear", "multi", "rose", "mint", "sand",
)  # fmt: skip
DEFAULT_SIZES: Final = (
    "xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "2xl", "3xl", "4xl", "os", "onesize",
    "small", "medium", "large",
)  # fmt: skip
DEFAULT_ROLES: Final[dict[ImageRole, tuple[str, ...]]] = {
    "main": ("main", "hero", "front", "primary", "cover"),
    "swatch": ("swatch", "swch", "sw"),
    "lifestyle": ("lifestyle", "life", "scene", "inuse", "model", "room", "styled"),
    "alternate": ("alt", "alternate", "back", "side", "detail", "top", "bottom", "angle", "zoom"),
}


class MappingProfile(BaseModel):
    """How a seller's file names and folders map to SKUs, variant attributes and image roles."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    name: Annotated[str, Field(min_length=1)] = "default"
    version: Annotated[int, Field(ge=1)] = 1
    delimiters: Annotated[str, Field(min_length=1)] = "_-. "
    regex: str | None = None
    colours: tuple[str, ...] = DEFAULT_COLOURS
    sizes: tuple[str, ...] = DEFAULT_SIZES
    roles: dict[ImageRole, tuple[str, ...]] = Field(default_factory=lambda: dict(DEFAULT_ROLES))
    main_folder: str = "_main"
    ignore_folder: str = "_ignore"
    sku_from_folder: bool = True

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            msg = f"schema version {value} is not one this PixelLift reads ({SCHEMA_VERSION})"
            raise ValueError(msg)
        return value

    @field_validator("regex")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            compiled = re.compile(value)
        except re.error as exc:
            msg = f"regex {value!r} does not compile: {exc}"
            raise ValueError(msg) from exc
        names = set(compiled.groupindex)
        if "sku" not in names:
            msg = f"regex {value!r} needs a named group (?P<sku>...)"
            raise ValueError(msg)
        if extra := names - _GROUPS:
            msg = f"regex {value!r}: unknown groups {sorted(extra)}; use {sorted(_GROUPS)}"
            raise ValueError(msg)
        return value

    def bumped(self) -> MappingProfile:
        """The same profile with the next version number (save it after an edit)."""
        return self.model_copy(update={"version": self.version + 1})


def dump_profile(profile: MappingProfile, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """Serialise a profile for saving (YAML or JSON)."""
    data = profile.model_dump(mode="json")
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False)


def load_profile(text: str, source: str) -> MappingProfile:
    """Read a saved profile (YAML or JSON); errors name the source and the field.

    Examples
    --------
    >>> load_profile('{"name": "shop", "version": 3}', "p.json").version
    3
    >>> try:
    ...     load_profile("regex: '(?P<sku>[A-Z]+)_(?P<slot>[0-9])'", "p.yaml")
    ... except InvalidMappingProfileError as exc:
    ...     print(str(exc).split(": ", 3)[-1])
    unknown groups ['slot']; use ['colour', 'index', 'role', 'size', 'sku']
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        msg = f"{source}: not YAML or JSON ({exc})"
        raise InvalidMappingProfileError(msg) from exc
    if not isinstance(data, dict):
        msg = f"{source}: a mapping profile must be a mapping of settings"
        raise InvalidMappingProfileError(msg)
    try:
        return MappingProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(profile)'}: {e['msg']}" for e in exc.errors()
        )
        msg = f"{source}: {problems}"
        raise InvalidMappingProfileError(msg) from exc
