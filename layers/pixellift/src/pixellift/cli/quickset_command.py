"""``pixellift quickset``: one pack per SKU for every chosen channel, named, gated and foldered."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape

from pixellift.cli.check_command import load_exceptions
from pixellift.cli.inputs import collect_inputs
from pixellift.cli.operator import authorize_operator
from pixellift.cli.progress import batch_progress, stderr
from pixellift.core.access.model import Action, ResourceKind
from pixellift.core.errors import InvalidVariantWeightsError, PhotoPipelineError
from pixellift.core.exports.automap import MappingProfile, load_profile, map_paths
from pixellift.core.exports.manifest import QuickSetManifest
from pixellift.core.exports.name_collisions import CollisionPolicy
from pixellift.core.exports.naming import NameTemplate
from pixellift.core.exports.pack import (
    DEFAULT_FOLDER,
    DEFAULT_NAME,
    PackServices,
    QuickSetOptions,
    SkuJob,
    build_quickset,
)
from pixellift.core.exports.ports import ExportSink
from pixellift.core.exports.variants import check_weights, normalise_weights


@dataclass(frozen=True)
class SourceSet:
    """Input photos mapped to SKUs: the main photo per SKU, and what was left aside and why."""

    jobs: tuple[SkuJob, ...]
    unused: tuple[str, ...]
    problems: tuple[str, ...]
    digest: str


def _relative(files: list[Path], inputs: list[Path]) -> dict[Path, str]:
    """Each file's path relative to the folder it was found in (folders carry SKUs)."""
    roots = [p for p in inputs if p.is_dir()]
    out: dict[Path, str] = {}
    for f in files:
        root = next((r for r in roots if r in f.parents), None)
        out[f] = f.relative_to(root).as_posix() if root else f.name
    return out


def map_sources(inputs: list[Path], profile: MappingProfile) -> SourceSet:
    """Collect the photos, map them to SKUs through AutoMap and pick each SKU's main photo."""
    files, missing = collect_inputs(inputs)
    rel = _relative(files, inputs)
    by_rel = {r: f for f, r in rel.items()}
    result = map_paths(rel.values(), profile)
    problems = [f"{p}: {cause}" for p, cause in missing] + [cause for _, cause in result.unmapped]
    jobs, unused = [], [f"{p} (ignored by folder directive)" for p in result.ignored]
    digest = hashlib.sha256()
    for sku, images in result.by_sku.items():
        main = next((m for m in images if m.role == "main"), None)
        if main is None:
            problems.append(f"SKU {sku}: no main image among {', '.join(m.path for m in images)}")
            continue
        path = by_rel[main.path]
        jobs.append(SkuJob(sku, str(path), path.read_bytes))
        unused.extend(f"{m.path} ({m.role} of {sku})" for m in images if m is not main)
        digest.update(f"{sku}\0{main.path}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return SourceSet(tuple(jobs), tuple(unused), tuple(problems), digest.hexdigest())


def stable_run_id(sources: SourceSet, settings: dict[str, object]) -> str:
    """A run id derived from the photos and the settings: the same inputs give the same id."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return "qs-" + hashlib.sha256((sources.digest + text).encode()).hexdigest()[:12]


def _weights(text: str | None, variants: int, normalise: bool) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        msg = f"--weights {text!r}: expected integers such as 50,30,20"
        raise InvalidVariantWeightsError(msg) from exc
    if normalise:
        return normalise_weights(values)
    try:
        return check_weights(values, variants)
    except InvalidVariantWeightsError as exc:
        if exc.suggestion is not None:
            offer = ",".join(map(str, exc.suggestion))
            msg = f"{exc}; rerun with --weights {offer} or add --normalise-weights"
            raise InvalidVariantWeightsError(msg, exc.suggestion) from exc
        raise


def make_sink(out: str, zip_name: str | None) -> ExportSink:
    """A folder sink, or an S3 one for ``s3://bucket/prefix``."""
    if out.startswith("s3://"):
        from pixellift.adapters.aws.s3_export import s3_export_sink
        from pixellift.adapters.settings import Settings

        settings = Settings.from_env(os.environ)
        return s3_export_sink(
            out, region=settings.region, endpoint_url=settings.endpoint_url, zip_name=zip_name
        )
    from pixellift.adapters.local.export_sink import FolderExportSink

    return FolderExportSink(Path(out), zip_name=zip_name)


def _services() -> PackServices:
    from pixellift.adapters.bootstrap import build_fix_services
    from pixellift.adapters.settings import Settings

    fix = build_fix_services(Settings.from_env(os.environ))
    return PackServices(fix.segmenter, fix.max_pixels)


def print_summary(
    manifest: QuickSetManifest, artefacts: tuple[str, ...], problems: tuple[str, ...]
) -> None:
    """Counts, blocked outputs and failures on stderr."""
    written = [e for e in manifest.entries if e.action in {"write", "overwrite"}]
    blocked = [e for e in manifest.entries if e.action == "blocked"]
    skus = len({e.sku for e in manifest.entries})
    where = f"{escape(manifest.destination)}/{manifest.run_id}"
    stderr.print(f"[green]{len(written)} images[/] for {skus} SKUs in {where}")
    for e in blocked:
        what = f"{escape(e.sku)} {e.channel} {e.slot} {e.ab_tag}".rstrip()
        stderr.print(f"  [red]blocked[/] {what}: {', '.join(e.blocking)}")
    for s in manifest.skipped:
        stderr.print(f"  [yellow]skipped[/] {s.channel} {s.slot}: {escape(s.reason)}")
    for f in manifest.failures:
        stderr.print(f"  [red]x[/] {escape(f.error)}")
    for p in problems:
        stderr.print(f"  [red]x[/] {escape(p)}")
    for a in artefacts:
        stderr.print(f"zip: {escape(a)}")


def quickset(
    inputs: Annotated[
        list[Path], typer.Argument(help="Photos or folders (SKUs from names and folders).")
    ],
    *,
    channels: Annotated[
        str,
        typer.Option(
            help="Comma-separated: amazon, tiktok-shop, etsy, ebay, walmart, shopify, google."
        ),
    ] = "amazon,tiktok-shop,etsy",
    out: Annotated[str, typer.Option("--out", "-o", help="Output folder or s3://bucket/prefix.")],
    variants: Annotated[
        int, typer.Option(min=1, max=26, help="A/B variants of each main image.")
    ] = 1,
    weights: Annotated[
        str | None, typer.Option(help="Traffic weights, e.g. 50,30,20 (total 100).")
    ] = None,
    normalise_weights_: Annotated[
        bool, typer.Option("--normalise-weights", help="Scale --weights to total 100.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the variant generator.")] = 0,
    zip_: Annotated[
        bool, typer.Option("--zip", help="Also pack the run into <run id>.zip.")
    ] = False,
    run_id: Annotated[
        str | None, typer.Option(help="Run id (default: derived from photos and settings).")
    ] = None,
    name_template: Annotated[
        str, typer.Option("--name", help="File-name template.")
    ] = DEFAULT_NAME,
    folder_template: Annotated[
        str, typer.Option("--folders", help="Folder template.")
    ] = DEFAULT_FOLDER,
    on_collision: Annotated[str, typer.Option(help="overwrite, append or skip.")] = "overwrite",
    amazon_names: Annotated[
        bool, typer.Option(help="Name Amazon files <product id>.MAIN.jpg, .PT01...")
    ] = False,
    profile: Annotated[Path | None, typer.Option(help="AutoMap profile (YAML or JSON).")] = None,
    exceptions: Annotated[
        Path | None, typer.Option(help="YAML list of documented exceptions.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="Product category for the rules.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest on stdout.")] = False,
) -> None:
    """Build a QuickSet pack per SKU: each channel's main image plus 9:16, 1:1 and 4:5 images."""
    try:
        if on_collision not in {"overwrite", "append", "skip"}:
            msg = f"--on-collision {on_collision!r}: use overwrite, append or skip"
            raise typer.BadParameter(msg)
        NameTemplate(name_template)
        chosen = tuple(c.strip() for c in channels.split(",") if c.strip())
        shares = _weights(weights, variants, normalise_weights_)
        mapping = MappingProfile()
        if profile is not None:
            mapping = load_profile(profile.read_text(encoding="utf-8"), str(profile))
        granted = load_exceptions(exceptions) if exceptions else ()
    except (PhotoPipelineError, OSError, typer.BadParameter) as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    authorize_operator(Action.EXPORT, kind=ResourceKind.DESTINATION, resource_id=str(out))
    sources = map_sources(inputs, mapping)
    if not sources.jobs:
        print_summary_none(sources.problems)
        raise typer.Exit(1)
    settings = {
        "channels": chosen,
        "variants": variants,
        "weights": shares,
        "seed": seed,
        "name": name_template,
        "folders": folder_template,
        "amazon_names": amazon_names,
        "category": category,
    }
    rid = run_id or stable_run_id(sources, settings)
    options = QuickSetOptions(
        run_id=rid,
        created=datetime.now(UTC),
        today=date.today(),
        channels=chosen,
        variants=variants,
        weights=shares,
        seed=seed,
        name_template=name_template,
        folder_template=folder_template,
        policy=cast("CollisionPolicy", on_collision),
        amazon_names=amazon_names,
        exceptions=granted,
        category=category,
        unused_sources=sources.unused,
    )
    try:
        manifest, artefacts = run_quickset(sources.jobs, options, out, zip_=zip_)
    except PhotoPipelineError as exc:
        # The destination refused a write: what was written stays, the run stops here.
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if as_json:
        print(manifest.to_json())  # noqa: T201
    print_summary(manifest, artefacts, sources.problems)
    blocked = any(e.action == "blocked" for e in manifest.entries)
    if manifest.failures or sources.problems or blocked:
        raise typer.Exit(1)


def print_summary_none(problems: tuple[str, ...]) -> None:
    """Nothing to build: say why."""
    stderr.print("[red]no SKU with a main photo found[/]")
    for p in problems:
        stderr.print(f"  [red]x[/] {escape(p)}")


def run_quickset(
    jobs: tuple[SkuJob, ...],
    options: QuickSetOptions,
    out: str,
    *,
    zip_: bool = False,
    services: PackServices | None = None,
) -> tuple[QuickSetManifest, tuple[str, ...]]:
    """Build the packs with a progress bar; return the manifest and the ZIP made, if any."""
    sink = make_sink(out, f"{options.run_id}.zip" if zip_ else None)
    services = services or _services()
    with batch_progress() as progress:
        task = progress.add_task("quickset", total=len(jobs), current="")

        def advance(sku: str) -> None:
            progress.update(task, current=sku)
            progress.advance(task)

        manifest = build_quickset(jobs, options, services, sink, progress=advance)
    return manifest, sink.close()
