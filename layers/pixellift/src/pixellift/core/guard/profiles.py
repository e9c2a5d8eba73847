"""Policy profiles: turn a guard report into pass, review or fail for a marketplace and role.

The profiles are data (``profiles.yaml`` beside this module), validated by the models here: per
marketplace and image role, an action for every finding class; per strictness preset, the
confidence at which a finding is reviewed and at which it fails. A finding whose action is
``fail`` but whose confidence is ambiguous (between the two thresholds) is sent to review. An
allow-list keeps text that must remain (by phrase) and areas that must be left alone (by region).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pixellift.core.errors import GuardProfileError
from pixellift.core.guard.findings import GuardClass, GuardFinding
from pixellift.core.guard.inspect import GuardReport
from pixellift.core.guard.regions import overlap
from pixellift.core.policy.schema import Role

_PACKAGE: Final = "pixellift.core.guard"
_FILE: Final = "profiles.yaml"
_IN_REGION: Final = 0.8
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Action(StrEnum):
    """What a finding class means for a photo; also the decision for a whole photo."""

    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"


class Strictness(StrEnum):
    """The confidence presets."""

    STRICT = "strict"
    BALANCED = "balanced"
    LENIENT = "lenient"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Frozen):
    """Confidence from which a finding is reviewed, and from which it fails."""

    review_at: Unit
    fail_at: Unit

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review_at > self.fail_at:
            raise ValueError(f"review_at {self.review_at} is above fail_at {self.fail_at}")
        return self


class Preset(Thresholds):
    """Default thresholds and per-class ones."""

    classes: dict[GuardClass, Thresholds] = {}

    def for_class(self, cls: GuardClass) -> Thresholds:
        """The class's thresholds, else the preset's."""
        return self.classes.get(cls, Thresholds(review_at=self.review_at, fail_at=self.fail_at))


class MarketplaceProfile(_Frozen):
    """Actions per role; ``extends`` names a profile whose actions fill the gaps."""

    extends: str | None = None
    main: dict[GuardClass, Action] = {}
    secondary: dict[GuardClass, Action] = {}


class ProfileBook(_Frozen):
    """Everything in ``profiles.yaml``."""

    version: int
    presets: dict[Strictness, Preset]
    marketplaces: dict[str, MarketplaceProfile]

    @model_validator(mode="after")
    def _complete(self) -> ProfileBook:
        missing = set(Strictness) - set(self.presets)
        if missing:
            raise ValueError(f"presets missing: {sorted(missing)}")
        for name in self.marketplaces:
            for role in Role:
                actions = self.actions(name, role)
                if set(actions) != set(GuardClass):
                    gaps = sorted(c.value for c in set(GuardClass) - set(actions))
                    raise ValueError(f"{name} {role}: no action for {gaps}")
        return self

    def actions(self, marketplace: str, role: Role) -> dict[GuardClass, Action]:
        """The actions for one marketplace and role, following ``extends``."""
        chain: list[MarketplaceProfile] = []
        name: str | None = marketplace
        while name is not None:
            profile = self.marketplaces.get(name)
            if profile is None or profile in chain:
                known = ", ".join(sorted(self.marketplaces))
                why = "unknown" if profile is None else "extends itself"
                raise GuardProfileError(f"guard profile {name!r} is {why}; profiles: {known}")
            chain.append(profile)
            name = profile.extends
        merged: dict[GuardClass, Action] = {}
        for profile in reversed(chain):
            merged.update(profile.main if role is Role.MAIN else profile.secondary)
        return merged


class AllowList(_Frozen):
    """Text and areas that must remain: matching findings pass whatever the profile says.

    ``regions`` are ``(x0, y0, x1, y1)`` fractions of the image's width and height; a finding
    is allowed when most of its box lies inside one.
    """

    phrases: tuple[str, ...] = ()
    regions: tuple[tuple[Unit, Unit, Unit, Unit], ...] = ()

    def allows(self, finding: GuardFinding, rows: int, cols: int) -> str | None:
        """Why the finding is allowed, or ``None``."""
        if finding.text:
            text = finding.text.casefold()
            for phrase in self.phrases:
                if phrase.casefold() in text or text in phrase.casefold():
                    return f"allowed phrase {phrase!r}"
        for x0, y0, x1, y1 in self.regions:
            area = (round(x0 * cols), round(y0 * rows), round(x1 * cols), round(y1 * rows))
            if overlap(finding.box, area) >= _IN_REGION:
                return f"inside allowed region {(x0, y0, x1, y1)}"
        return None


class GuardPolicy(_Frozen):
    """What decides a photo: actions per class, thresholds, and the allow-list."""

    marketplace: str
    role: Role
    strictness: Strictness
    actions: dict[GuardClass, Action]
    preset: Preset
    allow: AllowList = AllowList()


class Reason(_Frozen):
    """Why one finding counts towards the decision."""

    finding: GuardFinding
    outcome: Action
    why: str


class GuardDecision(_Frozen):
    """The decision for one photo, and the findings behind it."""

    decision: Action
    reasons: tuple[Reason, ...] = ()


def _parse_book(data: Any, source: str) -> ProfileBook:
    try:
        return ProfileBook.model_validate(data)
    except (ValidationError, GuardProfileError) as exc:
        raise GuardProfileError(f"{source}: invalid guard profiles: {exc}") from exc


@cache
def load_profiles() -> ProfileBook:
    """The built-in profiles (read once).

    Examples
    --------
    >>> book = load_profiles()
    >>> book.actions("amazon", Role.MAIN)[GuardClass.OVERLAY_TEXT].value
    'fail'
    >>> book.actions("amazon", Role.SECONDARY)[GuardClass.OVERLAY_TEXT].value
    'pass'
    """
    text = resources.files(_PACKAGE).joinpath(_FILE).read_text(encoding="utf-8")
    return _parse_book(yaml.safe_load(text), _FILE)


def parse_profiles(text: str, source: str = "<profiles>") -> ProfileBook:
    """Validate profiles given as YAML text (a seller's own file)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GuardProfileError(f"{source}: not YAML: {exc}") from exc
    return _parse_book(data, source)


def guard_policy(
    marketplace: str,
    role: Role | str = Role.MAIN,
    strictness: Strictness | str = Strictness.BALANCED,
    allow: AllowList | None = None,
    book: ProfileBook | None = None,
) -> GuardPolicy:
    """The policy for a marketplace, role and preset.

    Raises
    ------
    GuardProfileError
        Unknown marketplace, role or preset.

    Examples
    --------
    >>> guard_policy("nowhere")
    Traceback (most recent call last):
    ...
    pixellift.core.errors.GuardProfileError: guard profile 'nowhere' is unknown; profiles: ...
    """
    book = book or load_profiles()
    try:
        role, strictness = Role(role), Strictness(strictness)
    except ValueError as exc:
        raise GuardProfileError(
            f"{exc}: roles are main, secondary; presets are strict, balanced, lenient"
        ) from exc
    return GuardPolicy(
        marketplace=marketplace,
        role=role,
        strictness=strictness,
        actions=book.actions(marketplace, role),
        preset=book.presets[strictness],
        allow=allow or AllowList(),
    )


def judge(finding: GuardFinding, policy: GuardPolicy, rows: int, cols: int) -> Reason | None:
    """What one finding means under the policy (``None``: it does not count)."""
    allowed = policy.allow.allows(finding, rows, cols)
    if allowed is not None:
        return Reason(finding=finding, outcome=Action.PASS, why=allowed)
    action = policy.actions[finding.cls]
    limits = policy.preset.for_class(finding.cls)
    if action is Action.PASS or finding.confidence < limits.review_at:
        return None
    name = finding.cls.value.replace("_", " ")
    if action is Action.FAIL and finding.confidence >= limits.fail_at:
        why = f"{name} is not allowed on a {policy.role} image for {policy.marketplace}"
        return Reason(finding=finding, outcome=Action.FAIL, why=why)
    if action is Action.FAIL:
        why = (
            f"possible {name} (confidence {finding.confidence:.2f} below {limits.fail_at:.2f}): "
            "a person should look"
        )
    else:
        why = f"{name} needs a person's review on a {policy.role} image for {policy.marketplace}"
    return Reason(finding=finding, outcome=Action.REVIEW, why=why)


def decide(report: GuardReport, policy: GuardPolicy) -> GuardDecision:
    """Pass, review or fail for one photo, with a reason per finding that counts.

    Examples
    --------
    >>> overlay = GuardFinding(cls=GuardClass.OVERLAY_TEXT, box=(0, 0, 50, 20), confidence=0.9,
    ...     text="SALE")
    >>> report = GuardReport(rows=100, cols=100, findings=(overlay,))
    >>> decide(report, guard_policy("amazon", "main")).decision.value
    'fail'
    >>> decide(report, guard_policy("amazon", "secondary")).decision.value
    'pass'
    >>> allow = AllowList(phrases=("sale",))
    >>> decide(report, guard_policy("amazon", "main", allow=allow)).decision.value
    'pass'
    """
    reasons = [
        r for f in report.findings if (r := judge(f, policy, report.rows, report.cols)) is not None
    ]
    outcomes = {r.outcome for r in reasons}
    decision = next(
        (a for a in (Action.FAIL, Action.REVIEW) if a in outcomes),
        Action.PASS,
    )
    return GuardDecision(decision=decision, reasons=tuple(reasons))
