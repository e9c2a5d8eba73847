"""Rule schema: one set of pydantic models validates the packs, drives the engine and the docs.

A rule pack holds one marketplace's rules. Each rule tests one measured property
(:mod:`pixellift.core.policy.metrics`) with one operator (:mod:`pixellift.core.policy.operators`),
carries its severity, whether a documented exception may waive it, where it applies (image role,
region, dates) and the source it was taken from, plus examples of passing and failing measurements.
Category constraints either add rules or override fields of baseline rules; seller presets and
batches override with the same model. :func:`pack_json_schema` exports the JSON Schema.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from pixellift.core.policy.metrics import METRICS, Metric
from pixellift.core.policy.operators import CheckValue, Op, Scalar, validate_value
from pixellift.core.policy.taxonomy import CATEGORIES

RuleId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")]
"""SCREAMING_SNAKE, stable: reports, exceptions and docs refer to rules by id."""

HexColour = Annotated[str, Field(pattern=r"^#[0-9A-F]{6}$")]
ExampleValue = Scalar | None
Example = dict[str, ExampleValue]

_KIND_OPS: Final[dict[str, frozenset[Op]]] = {
    "str": frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.MATCHES}),
    "bool": frozenset({Op.EQ, Op.NE}),
    "int": frozenset(Op) - {Op.MATCHES},
    "float": frozenset(Op) - {Op.MATCHES},
}


class Severity(StrEnum):
    """How a failed rule weighs: blockers stop export, warnings and advice are reported."""

    BLOCKER = "blocker"
    WARNING = "warning"
    ADVICE = "advice"

    @property
    def rank(self) -> int:
        """2 for blocker, 1 for warning, 0 for advice."""
        return {"blocker": 2, "warning": 1, "advice": 0}[self.value]


class Role(StrEnum):
    """Image role within a listing."""

    MAIN = "main"
    SECONDARY = "secondary"


class Confidence(StrEnum):
    """How the source states the value (see the reference's confidence labels)."""

    OFFICIAL = "official"
    OFFICIAL_VIA_COPY = "official-via-copy"
    OFFICIAL_DATED = "official-dated"
    THIRD_PARTY = "third-party"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a value comes from.

    ``as_of`` is the date the value is known to hold: the page's own date where it shows one
    (``page_date``), otherwise the date the page was read for the reference snapshot.
    """

    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    as_of: date
    confidence: Confidence
    page_date: str | None = None
    quote: str | None = None


class BackgroundSpec(_Strict):
    """Allowed background colours and the per-channel tolerance a background pixel may deviate."""

    colours: Annotated[tuple[HexColour, ...], Field(min_length=1)]
    tolerance: Annotated[int, Field(ge=0, le=255)] = 0

    @field_validator("colours", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(v.upper() if isinstance(v, str) else v for v in value)
        return value

    @property
    def key(self) -> str:
        """Stable name of this purity measurement, e.g. ``#FFFFFF~3``."""
        return f"{'|'.join(self.colours)}~{self.tolerance}"


class Check(_Strict):
    """One comparison: ``metric op value`` (``background`` says which purity is measured)."""

    metric: Metric
    op: Op
    value: CheckValue
    tolerance: float | None = None
    background: BackgroundSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Check:
        validate_value(self.op, self.value, self.tolerance)
        kind = METRICS[self.metric].kind
        if self.op not in _KIND_OPS[kind]:
            msg = f"operator {self.op} does not apply to {kind} metric {self.metric}"
            raise ValueError(msg)
        for v in self.value if isinstance(self.value, tuple) else (self.value,):
            if not _fits(kind, v):
                msg = f"value {v!r} is not a {kind}, as metric {self.metric} needs"
                raise ValueError(msg)
        if (self.metric is Metric.BACKGROUND_PURITY) != (self.background is not None):
            msg = (
                "background_purity needs 'background' (colours, tolerance); other metrics take none"
            )
            raise ValueError(msg)
        return self

    @property
    def key(self) -> str:
        """The measured-properties key this check reads."""
        if self.background is not None:
            return f"{self.metric}[{self.background.key}]"
        return str(self.metric)


def _fits(kind: str, value: object) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


class Scope(_Strict):
    """Where a rule applies: image roles, and regions (empty means every region)."""

    roles: Annotated[tuple[Role, ...], Field(min_length=1)] = (Role.MAIN, Role.SECONDARY)
    regions: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2,4}$")], ...] = ()


class Examples(_Strict):
    """Measured properties that must pass and must fail the rule (run by the test suite)."""

    passing: Annotated[tuple[Example, ...], Field(min_length=1)]
    failing: Annotated[tuple[Example, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _known_metrics(self) -> Examples:
        known = {str(m) for m in Metric}
        for example in (*self.passing, *self.failing):
            unknown = sorted(set(example) - known)
            if unknown:
                msg = f"examples use unknown metrics: {', '.join(unknown)}"
                raise ValueError(msg)
        return self


class _Dated(_Strict):
    effective_from: date | None = None
    deprecated_on: date | None = None

    @model_validator(mode="after")
    def _window(self) -> _Dated:
        if self.effective_from and self.deprecated_on and self.effective_from >= self.deprecated_on:
            msg = f"effective_from {self.effective_from} is not before {self.deprecated_on}"
            raise ValueError(msg)
        return self

    def active_on(self, day: date) -> bool:
        """Whether the date falls in ``[effective_from, deprecated_on)``."""
        starts = self.effective_from is None or self.effective_from <= day
        return starts and (self.deprecated_on is None or day < self.deprecated_on)


class Rule(_Dated):
    """One marketplace requirement."""

    id: RuleId
    title: str
    message: str
    severity: Severity
    overridable: bool
    scope: Scope = Scope()
    check: Check
    when: tuple[Check, ...] = ()
    source: Source
    reason_code: RuleId | None = None
    note: str | None = None
    examples: Examples


class RuleOverride(_Dated):
    """Changes a layer makes to an earlier layer's rule (``disable`` removes it).

    ``scope`` and the dates say where and when the override applies, not the rule.
    """

    overrides: RuleId
    reason: str
    disable: bool = False
    severity: Severity | None = None
    overridable: bool | None = None
    message: str | None = None
    check: Check | None = None
    when: tuple[Check, ...] | None = None
    scope: Scope | None = None
    source: Source | None = None
    note: str | None = None
    examples: Examples | None = None

    @model_validator(mode="after")
    def _disable_alone(self) -> RuleOverride:
        changes = (self.severity, self.overridable, self.message, self.check, self.when)
        if self.disable and any(c is not None for c in changes):
            msg = "an override that disables a rule cannot also change it"
            raise ValueError(msg)
        return self


def _entry_kind(value: Any) -> str:
    if isinstance(value, RuleOverride) or (isinstance(value, dict) and "overrides" in value):
        return "override"
    return "rule"


CategoryEntry = Annotated[
    Annotated[Rule, Tag("rule")] | Annotated[RuleOverride, Tag("override")],
    Discriminator(_entry_kind),
]


class RulePack(_Strict):
    """All rules of one marketplace, one version."""

    marketplace: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    name: str
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    default_region: Annotated[str, Field(pattern=r"^[A-Z]{2,4}$")] | None = None
    summary: str
    rules: Annotated[tuple[Rule, ...], Field(min_length=1)]
    categories: dict[str, tuple[CategoryEntry, ...]] = {}

    @field_validator("categories")
    @classmethod
    def _canonical(cls, value: dict[str, tuple[Rule | RuleOverride, ...]]) -> Any:
        unknown = sorted(set(value) - CATEGORIES)
        if unknown:
            msg = f"unknown categories {', '.join(unknown)}; known: {', '.join(sorted(CATEGORIES))}"
            raise ValueError(msg)
        return value

    @property
    def key(self) -> str:
        """``marketplace@version``, recorded with every decision."""
        return f"{self.marketplace}@{self.version}"


class RuleLayer(_Strict):
    """A seller preset's or a batch's overrides, applied after the marketplace and category."""

    kind: Literal["seller", "batch"]
    name: str
    marketplace: str | None = None
    overrides: tuple[RuleOverride, ...] = ()


def pack_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a rule pack file.

    Examples
    --------
    >>> pack_json_schema()["title"]
    'RulePack'
    """
    return RulePack.model_json_schema()
