"""QuickSet packs through the sink port: gate blocks, documented exceptions, names, failures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pixellift.core.exports import pack as pack_module
from pixellift.core.exports.manifest import parse_manifest
from pixellift.core.exports.pack import PackServices, QuickSetOptions, SkuJob, build_quickset
from pixellift.core.exports.quickset import OutputSpec, SkippedSlot
from pixellift.core.exports.xmp import read_record
from pixellift.core.pipeline.preset_schema import SizeSettings
from pixellift.core.pipeline.presets import load_preset
from pixellift.core.policy.engine import CompiledRuleSet
from pixellift.core.policy.gate import PolicyException
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role

SAMPLES = Path(__file__).parents[3] / "samples"
TODAY = date(2026, 11, 26)
SERVICES = PackServices(None, 60_000_000)


class MemorySink:
    """An in-memory ExportSink."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.writes: list[str] = []

    @property
    def location(self) -> str:
        return "memory:"

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def list(self, prefix: str) -> list[str]:
        return sorted(p for p in self.files if p.startswith(prefix))

    def write(self, path: str, data: bytes, *, content_type: str) -> None:
        assert content_type
        self.files[path] = data
        self.writes.append(path)

    def close(self) -> tuple[str, ...]:
        return ()


def _specs(fill: float) -> tuple[tuple[OutputSpec, ...], tuple[SkippedSlot, ...]]:
    """Amazon MAIN rules, with a small preset whose fill the rules may or may not accept."""
    base = load_preset("amazon-main")
    preset = base.model_copy(
        update={
            "size": SizeSettings(width=500, height=500),
            "framing": base.framing.model_copy(update={"fill": fill}),
        }
    )
    rules = CompiledRuleSet(resolve(load_pack("amazon"), role=Role.MAIN, on=TODAY))
    return (OutputSpec("amazon", "main", Role.MAIN, preset, rules),), ()


def _options(**changes: object) -> QuickSetOptions:
    base = QuickSetOptions(
        run_id="r1", created=datetime(2026, 11, 26, tzinfo=UTC), today=TODAY, channels=("amazon",)
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _jobs() -> list[SkuJob]:
    bottle = (SAMPLES / "bottle-white-sweep.jpg").read_bytes()
    return [
        SkuJob("BOTTLE-7", "bottle.jpg", lambda: bottle),
        SkuJob("BAD-1", "bad.jpg", lambda: b"not an image"),
    ]


@pytest.fixture
def low_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_module, "plan_outputs", lambda *a, **k: _specs(0.7))


@pytest.fixture
def good_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_module, "plan_outputs", lambda *a, **k: _specs(0.88))


@pytest.mark.usefixtures("low_fill")
def test_blocked_outputs_are_listed_and_never_written() -> None:
    sink = MemorySink()
    manifest = build_quickset(_jobs(), _options(), SERVICES, sink)
    (entry,) = manifest.entries
    assert (entry.action, entry.path, entry.passed) == ("blocked", "", False)
    assert entry.blocking == ("AMAZON_MAIN_PRODUCT_FILL",)
    assert sink.writes == ["r1/manifest.json", "r1/manifest.csv"]


@pytest.mark.usefixtures("low_fill")
def test_a_documented_exception_lets_the_output_through_and_is_recorded() -> None:
    waiver = PolicyException(
        id="EX-1",
        rule_id="AMAZON_MAIN_PRODUCT_FILL",
        marketplace="amazon",
        who="catalog lead",
        why="tall bottle reads better with air",
        scope="sku",
        scope_value="BOTTLE-7",
        granted_on=date(2026, 11, 1),
        expires_on=date(2026, 12, 31),
    )
    sink = MemorySink()
    manifest = build_quickset(_jobs(), _options(exceptions=(waiver,)), SERVICES, sink)
    (entry,) = manifest.entries
    assert entry.passed and entry.waived == ("AMAZON_MAIN_PRODUCT_FILL",)
    record = read_record(sink.files[entry.path])
    assert record is not None and record.waived == ("AMAZON_MAIN_PRODUCT_FILL",)


@pytest.mark.usefixtures("good_fill")
def test_one_bad_photo_fails_alone() -> None:
    manifest = build_quickset(_jobs(), _options(), SERVICES, MemorySink())
    assert [e.sku for e in manifest.exported] == ["BOTTLE-7"]
    (failure,) = manifest.failures
    assert failure.sku == "BAD-1" and failure.error.startswith("bad.jpg:")


@pytest.mark.usefixtures("good_fill")
def test_manifest_reads_back_and_reexport_overwrites_the_same_names() -> None:
    sink = MemorySink()
    first = build_quickset(_jobs(), _options(), SERVICES, sink)
    again = build_quickset(_jobs(), _options(), SERVICES, sink)
    assert parse_manifest(sink.files["r1/manifest.json"], "m") == again
    assert [e.path for e in again.exported] == [e.path for e in first.exported]
    assert {e.action for e in again.exported} == {"overwrite"}


@pytest.mark.usefixtures("good_fill")
def test_append_policy_keeps_a_foreign_file() -> None:
    sink = MemorySink()
    sink.files["r1/BOTTLE-7/amazon/BOTTLE-7_amazon_main.jpg"] = b"seller's own"
    manifest = build_quickset(_jobs(), _options(policy="append"), SERVICES, sink)
    (entry,) = manifest.exported
    assert entry.path != "r1/BOTTLE-7/amazon/BOTTLE-7_amazon_main.jpg"
    assert sink.files["r1/BOTTLE-7/amazon/BOTTLE-7_amazon_main.jpg"] == b"seller's own"
