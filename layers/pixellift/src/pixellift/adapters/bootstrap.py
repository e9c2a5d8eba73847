"""Composition root: wires adapters into the services the use cases need."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3

from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import (
    DynamoBatches,
    DynamoItems,
    DynamoOutputs,
    DynamoPolicyStates,
    DynamoPresets,
    DynamoWorkspaces,
)
from pixellift.adapters.aws.ledger import ledger_billing
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.adapters.aws.stepfunctions import StepFunctionsStarter
from pixellift.adapters.clock import SystemClock
from pixellift.adapters.endpoint.targets import RemoteModels
from pixellift.adapters.local.code_reader import ZxingCodeReader
from pixellift.adapters.local.model_cache import ModelCache
from pixellift.adapters.local.onnx_models import load_segmenter
from pixellift.adapters.local.rapid_ocr import RapidOcrReader
from pixellift.adapters.local.scene_detectors import CascadeSceneDetector
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock
from pixellift.core.errors import ModelNotFoundError
from pixellift.core.guard.inspect import GuardServices
from pixellift.core.guard.ports import CodeReader, SceneDetector
from pixellift.core.pipeline.autofix import FixServices
from pixellift.core.pipeline.deps import PipelineDeps
from pixellift.core.pipeline.policy_sync import PolicyDeps
from pixellift.core.ports import Matter, OcrReader, Segmenter

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient


@cache
def build_fix_services(settings: Settings) -> FixServices:
    """Services for the Auto-Fix pipeline: the configured segmenter and matter, and the clock.

    The segmenter is the in-process ONNX model, or the remote endpoint that
    ``segmentation_endpoint`` names (with retries and a circuit breaker); edges are refined in
    process unless ``matting_endpoint`` names an endpoint. Cached per settings, so a process (a
    CLI run, a warm Lambda container) loads the model once.
    """
    clock = SystemClock()
    segmenter: Segmenter
    if settings.segmentation_endpoint is not None:
        segmenter = _remote_models(settings).segmenter(
            settings.segmentation_endpoint, settings.segmentation_model
        )
    else:
        segmenter = load_segmenter(
            settings.segmentation_model,
            ModelCache(settings.model_dir),
            threads=settings.threads,
            providers=settings.onnx_providers,
        )
    matter: Matter | None = None
    if settings.matting_endpoint is not None:
        matter = _remote_models(settings).matter(settings.matting_endpoint)
    return FixServices(
        segmenter=segmenter, clock=clock, max_pixels=settings.max_pixels, matter=matter
    )


@cache
def build_ocr_reader(settings: Settings) -> OcrReader:
    """The configured text reader: RapidOCR in process, or the endpoint ``ocr_endpoint`` names."""
    if settings.ocr_endpoint is not None:
        return _remote_models(settings).ocr_reader(settings.ocr_endpoint)
    return RapidOcrReader()


@cache
def build_guard_services(settings: Settings) -> GuardServices:
    """The Text Guard's detectors: the configured text reader, zxing-cpp and the face cascade.

    A detector whose engine is missing is left out with its classes reported as unchecked; the
    reason is in ``GuardServices.missing``.
    """
    missing: list[str] = []
    ocr: OcrReader | None = build_ocr_reader(settings)
    try:
        if isinstance(ocr, RapidOcrReader):
            ocr.engine()
    except ModelNotFoundError as exc:
        missing.append(str(exc))
        ocr = None
    codes: CodeReader | None = None
    scene: SceneDetector | None = None
    try:
        codes = ZxingCodeReader()
    except ModelNotFoundError as exc:
        missing.append(str(exc))
    try:
        scene = CascadeSceneDetector()
    except ModelNotFoundError as exc:
        missing.append(str(exc))
    return GuardServices(ocr=ocr, codes=codes, scene=scene, missing=tuple(missing))


@cache
def _remote_models(settings: Settings) -> RemoteModels:
    """One set of remote adapters (one circuit breaker per endpoint) per configuration."""
    return RemoteModels(SystemClock(), region_name=settings.region)


@cache
def build_tables(settings: Settings) -> Tables:
    """The state tables' models, bound to the configured names, region and endpoint."""
    return Tables.bound(settings.tables, settings.region, settings.endpoint_url)


def _s3(settings: Settings) -> S3Client:
    return boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)


def _sfn(settings: Settings) -> SFNClient:
    return boto3.client(
        "stepfunctions", region_name=settings.region, endpoint_url=settings.endpoint_url
    )


@cache
def build_pipeline_deps(settings: Settings, fix: FixServices | None = None) -> PipelineDeps:
    """Ports of the batch pipeline: S3 buckets, DynamoDB tables, ledger, Step Functions.

    ``fix`` replaces the Auto-Fix services (tests and benchmarks); by default the configured
    model is loaded on first use, so only the process step pays for it. Cached per settings, so a
    warm Lambda container (or the local runtime) builds its clients once.
    """
    tables = build_tables(settings)
    s3 = _s3(settings)
    clock = UtcClock()
    return PipelineDeps(
        drop=S3ObjectStore(s3, settings.drop_bucket),
        outputs=S3ObjectStore(s3, settings.output_bucket),
        workspaces=DynamoWorkspaces(tables),
        presets=DynamoPresets(tables),
        batches=DynamoBatches(tables),
        items=DynamoItems(tables),
        results=DynamoOutputs(tables),
        billing=ledger_billing(settings, tables, clock, build_audit_sink(settings)),
        starter=StepFunctionsStarter(_sfn(settings), settings.pipeline_arn),
        clock=clock,
        fix_services=(lambda: fix) if fix is not None else (lambda: build_fix_services(settings)),
        max_concurrency=settings.max_concurrency,
    )


@cache
def build_audit_sink(settings: Settings) -> LedgerAuditSink:
    """The governance ledger as every capability's ``AuditSink``."""
    client = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    return LedgerAuditSink(DynamoAuditStore(client, settings.tables.audit))


@cache
def build_policy_deps(settings: Settings) -> PolicyDeps:
    """Ports of policy sync."""
    return PolicyDeps(states=DynamoPolicyStates(build_tables(settings)), clock=UtcClock())
