"""Build QuickSet packs for many SKUs and write them through an :class:`ExportSink`.

Per SKU: one cut-out, every channel's outputs rendered from it (A/B variants of the main image
when asked), each gated; what passes (or has a documented exception) gets its compliance record
embedded, a collision-safe name and is written; what is blocked is listed, never written. One bad
photo never stops the run. The manifest of a previous export under the same run id keeps names
stable, so re-exporting overwrites files instead of duplicating them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from pixellift.core.errors import InvalidExportNameError, PhotoPipelineError
from pixellift.core.exports.amazon_names import amazon_image_name
from pixellift.core.exports.manifest import (
    ManifestEntry,
    ManifestFailure,
    ManifestSkip,
    QuickSetManifest,
    parse_manifest,
)
from pixellift.core.exports.name_collisions import CollisionPolicy, NameRequest, assign_names
from pixellift.core.exports.naming import NameContext, NameTemplate, render_folder, rules_for
from pixellift.core.exports.ports import ExportSink
from pixellift.core.exports.quickset import (
    OutputSpec,
    PreparedSource,
    gate,
    plan_outputs,
    prepare_source,
    render,
    variant_spec,
)
from pixellift.core.exports.variants import VariantLimits, VariantParams, plan_variants
from pixellift.core.exports.xmp import ComplianceRecord, embed_record
from pixellift.core.policy.gate import Decision, PolicyException
from pixellift.core.ports import Segmenter

DEFAULT_NAME: Final = "{sku}_{channel}_{variant}_{ab_tag}{weight}"
DEFAULT_FOLDER: Final = "{run_id}/{sku}/{channel}"
_EXT: Final = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_AMAZON_SLOTS: Final = {"main": "MAIN", "square": "PT01", "portrait": "PT02", "vertical": "PT03"}


@dataclass(frozen=True)
class SkuJob:
    """One SKU and its main photo; ``load`` reads the bytes (I/O stays at the edge)."""

    sku: str
    source: str
    load: Callable[[], bytes]


@dataclass(frozen=True)
class QuickSetOptions:
    """What to build and how to name it."""

    run_id: str
    created: datetime
    today: date
    channels: tuple[str, ...]
    variants: int = 1
    weights: tuple[int, ...] | None = None
    seed: int = 0
    name_template: str = DEFAULT_NAME
    folder_template: str = DEFAULT_FOLDER
    policy: CollisionPolicy = "overwrite"
    amazon_names: bool = False
    exceptions: tuple[PolicyException, ...] = ()
    category: str | None = None
    unused_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackServices:
    """The segmenter (``None``: classical only) and the decoder's pixel limit."""

    segmenter: Segmenter | None
    max_pixels: int


@dataclass
class _Run:
    options: QuickSetOptions
    sink: ExportSink
    specs: tuple[OutputSpec, ...]
    previous: dict[str, str | None]
    taken: dict[str, str] = field(default_factory=dict)
    entries: list[ManifestEntry] = field(default_factory=list)
    failures: list[ManifestFailure] = field(default_factory=list)


def _variants_for(spec: OutputSpec, o: QuickSetOptions) -> tuple[VariantParams | None, ...]:
    if spec.slot != "main" or o.variants <= 1:
        return (None,)
    limits = VariantLimits.derive(spec.preset, spec.rules.rules)
    return plan_variants(spec.preset, limits, o.variants, o.seed, o.weights)


def _wanted_path(
    spec: OutputSpec, sku: str, v: VariantParams | None, fmt: str, o: QuickSetOptions
) -> str:
    rules = rules_for(spec.rules.rules.marketplace)
    ctx = NameContext(
        sku=sku,
        channel=spec.channel,
        variant=spec.slot,
        ab_tag=v.tag if v else "",
        weight=v.weight if v else None,
        run_id=o.run_id,
        preset=spec.preset.name,
        marketplace=spec.rules.rules.marketplace,
        role=str(spec.role),
        timestamp=o.created,
    )
    folder = render_folder(o.folder_template, ctx)
    if o.amazon_names and spec.channel == "amazon":
        name = amazon_image_name(sku, _AMAZON_SLOTS[spec.slot], _EXT[fmt].lstrip("."))
        if v is not None:
            folder = f"{folder}/{v.tag}{v.weight if v.weight is not None else ''}"
        return f"{folder}/{name}"
    return f"{folder}/{NameTemplate(o.name_template).render(ctx, extension=_EXT[fmt], rules=rules)}"


def _entry(  # noqa: PLR0917
    job: SkuJob,
    spec: OutputSpec,
    v: VariantParams | None,
    decision: Decision,
    fill: float,
    data: bytes,
    size: tuple[int, int],
    path: str,
    action: str,
) -> ManifestEntry:
    rules = spec.rules.rules
    settings = spec.preset.model_dump(
        mode="json", include={"framing", "background", "size", "output"}
    )
    if v is not None:
        settings["variant"] = v.model_dump(mode="json")
    return ManifestEntry(
        key=f"{job.sku}/{spec.channel}/{spec.slot}/{v.tag if v else '-'}",
        sku=job.sku,
        source=job.source,
        channel=spec.channel,
        slot=spec.slot,
        role=str(spec.role),
        ab_tag=v.tag if v else "",
        weight=v.weight if v else None,
        path=path,
        action=action,
        passed=decision.passed,
        blocking=tuple(f.rule_id for f in decision.blocking),
        waived=tuple(d.finding.rule_id for d in decision.findings if d.status == "waived"),
        fill=fill,
        width=size[1],
        height=size[0],
        bytes=len(data),
        preset=spec.preset.key,
        preset_version=spec.preset.version,
        ruleset=rules.label,
        ruleset_version=rules.pack_version,
        ruleset_digest=rules.digest,
        settings=settings,
    )


def _render_sku(run: _Run, job: SkuJob, source: PreparedSource) -> None:
    o = run.options
    pending: list[tuple[ManifestEntry, bytes, str]] = []
    for base in run.specs:
        for v in _variants_for(base, o):
            spec = base if v is None or v.tag == "A" else variant_spec(base, v)
            try:
                out = render(source, spec.preset, contrast=v.contrast if v else 1.0)
                fmt = out.encoded.format
                wanted = _wanted_path(spec, job.sku, v, fmt, o)
            except PhotoPipelineError as exc:
                where = f"{job.source} ({base.channel} {base.slot}{' ' + v.tag if v else ''})"
                run.failures.append(
                    ManifestFailure(
                        sku=job.sku, source=where, error=str(exc), kind=type(exc).__name__
                    )
                )
                continue
            name = wanted.rsplit("/", 1)[-1]
            decision = gate(
                out.encoded.data,
                name,
                spec,
                sku=job.sku,
                run_id=o.run_id,
                today=o.today,
                exceptions=o.exceptions,
            )
            data = out.encoded.data
            if decision.passed and fmt in {"JPEG", "PNG"}:
                data = embed_record(data, _record(spec, decision, out.fill, job.sku, v, o.run_id))
            size = (out.encoded.rows, out.encoded.cols)
            entry = _entry(job, spec, v, decision, out.fill, data, size, wanted, "blocked")
            pending.append((entry, data, _TYPES[fmt]))
    _write_all(run, pending)


def _record(  # noqa: PLR0917
    spec: OutputSpec,
    decision: Decision,
    fill: float,
    sku: str,
    v: VariantParams | None,
    run_id: str,
) -> ComplianceRecord:
    rules = spec.rules.rules
    return ComplianceRecord(
        ruleset_id=rules.marketplace,
        ruleset_version=rules.pack_version,
        ruleset_digest=rules.digest,
        preset=spec.preset.key,
        fill=fill,
        passed=decision.passed,
        blocking=tuple(f.rule_id for f in decision.blocking),
        waived=tuple(d.finding.rule_id for d in decision.findings if d.status == "waived"),
        sku=sku,
        channel=spec.channel,
        ab_tag=v.tag if v else "",
        run_id=run_id,
        decided_on=decision.decided_on,
    )


def _write_all(run: _Run, pending: list[tuple[ManifestEntry, bytes, str]]) -> None:
    passed = [(e, d, t) for e, d, t in pending if e.passed]
    requests = [NameRequest(e.key, e.path) for e, _, _ in passed]
    assigned = {
        a.key: a for a in assign_names(requests, run.previous, run.options.policy, taken=run.taken)
    }
    for entry, data, content_type in pending:
        if not entry.passed:
            run.entries.append(entry.model_copy(update={"path": ""}))
            continue
        a = assigned[entry.key]
        run.taken[a.name] = entry.key
        if a.action != "skip":
            run.sink.write(a.name, data, content_type=content_type)
        run.entries.append(entry.model_copy(update={"path": a.name, "action": a.action}))


def build_quickset(
    jobs: Sequence[SkuJob],
    options: QuickSetOptions,
    services: PackServices,
    sink: ExportSink,
    *,
    progress: Callable[[str], None] | None = None,
) -> QuickSetManifest:
    """Build and write the packs of every SKU, then the manifest (JSON and CSV).

    The caller closes the sink (which writes the ZIP, where one was asked for).
    """
    specs, skipped = plan_outputs(options.channels, options.today, category=options.category)
    manifest_path = f"{options.run_id}/manifest.json"
    previous: dict[str, str | None] = dict.fromkeys(sink.list(f"{options.run_id}/"))
    earlier = sink.read(manifest_path)
    if earlier is not None:
        previous |= parse_manifest(earlier, f"{sink.location}/{manifest_path}").owners()
    run = _Run(options, sink, specs, previous)
    for job in jobs:
        try:
            if options.amazon_names and "amazon" in options.channels:
                amazon_image_name(job.sku, "MAIN")
            source = prepare_source(
                job.load(), job.source, services.segmenter, max_pixels=services.max_pixels
            )
        except (PhotoPipelineError, OSError) as exc:
            error = str(exc) if isinstance(exc, PhotoPipelineError) else f"{job.source}: {exc}"
            kind = type(exc).__name__
            if isinstance(exc, InvalidExportNameError):
                error = f"SKU {job.sku} cannot be an Amazon file name: {exc}"
            run.failures.append(
                ManifestFailure(sku=job.sku, source=job.source, error=error, kind=kind)
            )
        else:
            _render_sku(run, job, source)
        if progress is not None:
            progress(job.sku)
    variants: tuple[VariantParams, ...] = ()
    main = next((s for s in specs if s.slot == "main"), None)
    if main is not None and options.variants > 1:
        variants = tuple(v for v in _variants_for(main, options) if v is not None)
    manifest = QuickSetManifest(
        run_id=options.run_id,
        created=options.created,
        destination=sink.location,
        channels=options.channels,
        name_template=options.name_template,
        folder_template=options.folder_template,
        variants=variants,
        entries=tuple(run.entries),
        failures=tuple(run.failures),
        skipped=tuple(
            ManifestSkip(channel=s.channel, slot=s.slot, reason=s.reason) for s in skipped
        ),
        unused_sources=options.unused_sources,
    )
    sink.write(manifest_path, manifest.to_json().encode(), content_type="application/json")
    sink.write(
        f"{options.run_id}/manifest.csv", manifest.to_csv().encode(), content_type="text/csv"
    )
    return manifest
