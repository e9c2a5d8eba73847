"""``pixellift export``: a marketplace bulk sheet from a QuickSet manifest or an output folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pixellift.cli.operator import authorize_operator
from pixellift.cli.progress import stderr
from pixellift.core.access.model import Action, ResourceKind
from pixellift.core.errors import BulkTemplateError, PhotoPipelineError
from pixellift.core.exports.automap import MappingProfile, load_profile, map_paths
from pixellift.core.exports.bulk_csv import (
    TEMPLATES,
    BulkSheet,
    ListingImage,
    Template,
    build_sheet,
)
from pixellift.core.exports.manifest import QuickSetManifest, parse_manifest
from pixellift.core.pipeline.batch_items import PHOTO_SUFFIXES

_SLOT_ORDER = {"main": 0, "square": 1, "portrait": 2, "vertical": 3}


def find_manifest(source: Path) -> Path | None:
    """``source`` itself if it is a manifest file, else the run folder's ``manifest.json``."""
    if source.is_file() and source.suffix == ".json":
        return source
    candidate = source / "manifest.json"
    return candidate if candidate.is_file() else None


def listing_from_manifest(
    manifest: QuickSetManifest, channel: str | None, template: Template, variant: str
) -> list[ListingImage]:
    """The exported images of one channel; the main image is variant ``variant`` (A by default)."""
    channels = sorted({e.channel for e in manifest.exported})
    wanted = channel or (template if template in channels else None)
    if wanted is None and len(channels) == 1:
        wanted = channels[0]
    if wanted not in channels:
        msg = (
            f"the manifest of run {manifest.run_id} has no {wanted or template!r} images; "
            f"choose one of {', '.join(channels) or '(none exported)'} with --channel"
        )
        raise BulkTemplateError(msg)
    images = []
    for e in manifest.exported:
        if e.channel != wanted or e.ab_tag not in {"", variant}:
            continue
        role = "main" if e.slot == "main" else "alternate"
        images.append(ListingImage(e.sku, role, e.path, position=_SLOT_ORDER.get(e.slot, 9)))
    return images


def listing_from_folder(
    root: Path, profile: MappingProfile
) -> tuple[list[ListingImage], list[str]]:
    """Images under ``root`` mapped by AutoMap; paths relative to ``root``."""
    rel = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES
    )
    result = map_paths(rel, profile)
    images = [
        ListingImage(m.sku, m.role, m.path, position=m.index or 0, colour=m.colour, size=m.size)
        for m in result.images
    ]
    return images, [cause for _, cause in result.unmapped]


def print_issues(sheet: BulkSheet) -> None:
    """Row-level errors and warnings on stderr."""
    for issue in sheet.issues:
        colour = "red" if issue.severity == "error" else "yellow"
        stderr.print(f"  [{colour}]{issue.severity}[/] {escape(str(issue))}")


def export(
    source: Annotated[
        Path,
        typer.Argument(help="A QuickSet manifest.json, its run folder, or a folder of images."),
    ],
    *,
    template: Annotated[str, typer.Option(help=f"Bulk template: {', '.join(TEMPLATES)}.")],
    base_url: Annotated[
        str | None, typer.Option(help="Public URL the export root is served from.")
    ] = None,
    relative: Annotated[
        bool, typer.Option(help="Write paths relative to the export root instead of URLs.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="CSV file (default: stdout).")
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="Which channel's images (default: the template's).")
    ] = None,
    variant: Annotated[str, typer.Option(help="A/B variant whose main image is listed.")] = "A",
    profile: Annotated[
        Path | None, typer.Option(help="AutoMap profile for a folder of images.")
    ] = None,
) -> None:
    """Fill a marketplace bulk template with the exported images and validate every row."""
    try:
        if template not in TEMPLATES:
            msg = f"--template {template!r}: use {', '.join(TEMPLATES)}"
            raise BulkTemplateError(msg)
        if (base_url is None) == (not relative):
            msg = "give exactly one of --base-url URL or --relative"
            raise BulkTemplateError(msg)
        chosen = template
        authorize_operator(
            Action.EXPORT, kind=ResourceKind.DESTINATION, resource_id=f"bulk:{chosen}"
        )
        manifest_path = find_manifest(source)
        problems: list[str] = []
        if manifest_path is not None:
            manifest = parse_manifest(manifest_path.read_bytes(), str(manifest_path))
            images = listing_from_manifest(manifest, channel, chosen, variant.upper())
        elif source.is_dir():
            mapping = MappingProfile()
            if profile is not None:
                mapping = load_profile(profile.read_text(encoding="utf-8"), str(profile))
            images, problems = listing_from_folder(source, mapping)
        else:
            msg = f"{source}: not a manifest.json, a QuickSet run folder or a folder of images"
            raise BulkTemplateError(msg)
        sheet = build_sheet(chosen, images, base_url=base_url)
    except (PhotoPipelineError, OSError) as exc:
        stderr.print(f"[red]error[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    text = sheet.to_csv()
    if out is None:
        print(text, end="")  # noqa: T201
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        stderr.print(f"[green]{len(sheet.rows)} rows[/] ({template}) written to {escape(str(out))}")
    for p in problems:
        stderr.print(f"  [yellow]unmapped[/] {escape(p)}")
    print_issues(sheet)
    if not sheet.ok:
        raise typer.Exit(1)
