"""Frozen runtime settings, parsed once from the environment at the edge.

This module is the only reader of environment variables. Every variable is listed in the README's
configuration table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_PIXELS = 120_000_000
TABLES = ("workspaces", "presets", "batches", "items", "outputs", "ledger", "policies", "audit")
TABLE_SCHEMAS = {"batches": 2, "items": 2, "outputs": 2}
"""Tables whose key schema changed, by schema version: their default names end in ``-v<n>``
(a key schema cannot change in place; docs/adr/0008-workspace-scoped-state.md)."""


def table_name(prefix: str, table: str) -> str:
    """A table's default physical name: the prefix, the table, and its schema version if > 1.

    Examples
    --------
    >>> table_name("pixellift-", "batches"), table_name("pixellift-", "ledger")
    ('pixellift-batches-v2', 'pixellift-ledger')
    """
    version = TABLE_SCHEMAS.get(table, 1)
    return f"{prefix}{table}" + (f"-v{version}" if version > 1 else "")


def _endpoint_target(value: str | None) -> str | None:
    """``http://…`` and ``sagemaker:<name>`` as given; a bare endpoint name is a SageMaker one.

    Examples
    --------
    >>> _endpoint_target("pixellift-dev-segmentation"), _endpoint_target(""), _endpoint_target(None)
    ('sagemaker:pixellift-dev-segmentation', None, None)
    >>> _endpoint_target("http://127.0.0.1:8080")
    'http://127.0.0.1:8080'
    """
    if not value:
        return None
    if value.startswith(("http://", "sagemaker:")):
        return value
    return f"sagemaker:{value}"


def _default_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME", str(Path.home())))


def names_list(value: str | None) -> tuple[str, ...]:
    """A comma-separated setting as its non-empty items.

    Examples
    --------
    >>> names_list("CUDAExecutionProvider, CPUExecutionProvider,"), names_list(None)
    (('CUDAExecutionProvider', 'CPUExecutionProvider'), ())
    """
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    return int(value) if value else None


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value) if value else None


@dataclass(frozen=True)
class TableNames:
    """DynamoDB table names.

    Each is ``PIXELLIFT_TABLE_PREFIX`` plus the table (and ``-v<n>`` for a table whose key schema
    is at version n > 1), unless ``PIXELLIFT_<TABLE>_TABLE`` names it (as the stack does).
    """

    workspaces: str
    presets: str
    batches: str
    items: str
    outputs: str
    ledger: str
    policies: str
    audit: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TableNames:
        """Resolve every table name from the environment."""
        prefix = env.get("PIXELLIFT_TABLE_PREFIX", "pixellift-")
        names = {t: env.get(f"PIXELLIFT_{t.upper()}_TABLE", table_name(prefix, t)) for t in TABLES}
        return cls(**names)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration.

    Parameters
    ----------
    model_dir
        Checksum-verified model cache (``PIXELLIFT_MODEL_DIR``).
    state_dir
        Local runtime state (``PIXELLIFT_STATE_DIR``).
    segmentation_model
        Model name from the registry or a path to an operator-supplied ONNX file
        (``PIXELLIFT_SEGMENTATION_MODEL``).
    segmentation_endpoint
        Where segmentation runs when not in-process (``PIXELLIFT_SEGMENTATION_ENDPOINT``):
        ``http://host:port`` (``pixellift endpoint serve``) or ``sagemaker:<endpoint name>``; a bare
        name, as CDK sets it, means a SageMaker endpoint. Unset: the model runs in-process.
    matting_endpoint, ocr_endpoint
        The same for edge refinement and text reading (``PIXELLIFT_MATTING_ENDPOINT``,
        ``PIXELLIFT_OCR_ENDPOINT``).
    max_pixels
        Decompression-bomb limit in pixels (``PIXELLIFT_MAX_PIXELS``).
    threads
        Threads for model inference; 0 lets the runtime decide (``PIXELLIFT_THREADS``).
    onnx_providers
        onnxruntime execution providers, comma-separated (``PIXELLIFT_ONNX_PROVIDERS``, e.g.
        ``CUDAExecutionProvider``); unset: CUDA when the installed build has it, else the CPU.
    region
        AWS region (``AWS_REGION``, else ``AWS_DEFAULT_REGION``).
    endpoint_url
        Endpoint for every AWS client, e.g. a local moto server (``AWS_ENDPOINT_URL``).
    drop_bucket, output_bucket
        Buckets for incoming photos and published outputs (``PIXELLIFT_DROP_BUCKET``,
        ``PIXELLIFT_OUTPUT_BUCKET``).
    tables
        DynamoDB table names (see :class:`TableNames`).
    pipeline_arn
        ARN of the photo-pipeline state machine that ingest starts (``PIXELLIFT_PIPELINE_ARN``).
    max_concurrency
        Items of a batch processed at once: the Map state's concurrency
        (``PIXELLIFT_MAX_CONCURRENCY``).
    price_per_item_minor, currency
        A flat price per processed item in minor units overriding the price table (unset: the
        versioned price table prices each item), and the ledger's currency
        (``PIXELLIFT_PRICE_PER_ITEM``, ``PIXELLIFT_CURRENCY``).
    credit_allowance_minor
        How far a workspace's balance may go below zero (``PIXELLIFT_CREDIT_ALLOWANCE``); unset
        is post-paid (no limit), ``0`` strictly prepaid.
    price_plan
        The price-table plan items are priced on (``PIXELLIFT_PRICE_PLAN``).
    workspace
        Workspace the CLI works in (``PIXELLIFT_WORKSPACE``).
    operator
        Who runs the CLI, the user its actions are authorised for (``PIXELLIFT_USER``, else the
        login name).
    audit_bucket
        Bucket of the audit ledger's signed tree heads (``PIXELLIFT_AUDIT_BUCKET``).
    audit_key_file
        Ed25519 private key (PEM or raw) signing tree heads (``PIXELLIFT_AUDIT_KEY_FILE``); unset,
        the local ledger keeps a key per workspace under the state folder.
    audit_key_secret
        Secrets Manager secret (name or ARN) holding that key (``PIXELLIFT_AUDIT_KEY_SECRET``);
        when set it is used instead of ``audit_key_file`` (CDK sets it on the tree-head publisher).
    functions_dir, statemachines_dir
        Where the local runtime finds the Lambda handlers and the ASL files
        (``PIXELLIFT_FUNCTIONS_DIR``, ``PIXELLIFT_STATEMACHINES_DIR``; default: the repository).
    """

    model_dir: Path
    state_dir: Path
    segmentation_model: str = "u2netp"
    segmentation_endpoint: str | None = None
    matting_endpoint: str | None = None
    ocr_endpoint: str | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    threads: int = 0
    onnx_providers: tuple[str, ...] = ()
    region: str = "us-east-1"
    endpoint_url: str | None = None
    drop_bucket: str = "pixellift-drop"
    output_bucket: str = "pixellift-output"
    tables: TableNames = TableNames.from_env({})
    pipeline_arn: str | None = None
    max_concurrency: int = 4
    price_per_item_minor: int | None = None
    currency: str = "USD"
    credit_allowance_minor: int | None = None
    price_plan: str = "standard"
    workspace: str = "local"
    operator: str = "local"
    audit_bucket: str = "pixellift-audit"
    audit_key_file: Path | None = None
    audit_key_secret: str | None = None
    functions_dir: Path | None = None
    statemachines_dir: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping (pass ``os.environ`` at the edge)."""
        home = _default_home(env)
        cache = Path(env.get("XDG_CACHE_HOME", str(home / ".cache")))
        return cls(
            model_dir=Path(env.get("PIXELLIFT_MODEL_DIR", str(cache / "pixellift" / "models"))),
            state_dir=Path(env.get("PIXELLIFT_STATE_DIR", str(home / ".pixellift"))),
            segmentation_model=env.get("PIXELLIFT_SEGMENTATION_MODEL", "u2netp"),
            segmentation_endpoint=_endpoint_target(env.get("PIXELLIFT_SEGMENTATION_ENDPOINT")),
            matting_endpoint=_endpoint_target(env.get("PIXELLIFT_MATTING_ENDPOINT")),
            ocr_endpoint=_endpoint_target(env.get("PIXELLIFT_OCR_ENDPOINT")),
            max_pixels=int(env.get("PIXELLIFT_MAX_PIXELS", str(DEFAULT_MAX_PIXELS))),
            threads=int(env.get("PIXELLIFT_THREADS", "0")),
            onnx_providers=names_list(env.get("PIXELLIFT_ONNX_PROVIDERS")),
            region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            drop_bucket=env.get("PIXELLIFT_DROP_BUCKET", "pixellift-drop"),
            output_bucket=env.get("PIXELLIFT_OUTPUT_BUCKET", "pixellift-output"),
            tables=TableNames.from_env(env),
            pipeline_arn=env.get("PIXELLIFT_PIPELINE_ARN") or None,
            max_concurrency=int(env.get("PIXELLIFT_MAX_CONCURRENCY", "4")),
            price_per_item_minor=_optional_int(env, "PIXELLIFT_PRICE_PER_ITEM"),
            credit_allowance_minor=_optional_int(env, "PIXELLIFT_CREDIT_ALLOWANCE"),
            price_plan=env.get("PIXELLIFT_PRICE_PLAN", "standard"),
            currency=env.get("PIXELLIFT_CURRENCY", "USD"),
            workspace=env.get("PIXELLIFT_WORKSPACE", "local"),
            operator=env.get("PIXELLIFT_USER") or env.get("USER") or env.get("LOGNAME") or "local",
            audit_bucket=env.get("PIXELLIFT_AUDIT_BUCKET", "pixellift-audit"),
            audit_key_file=_optional_path(env, "PIXELLIFT_AUDIT_KEY_FILE"),
            audit_key_secret=env.get("PIXELLIFT_AUDIT_KEY_SECRET") or None,
            functions_dir=_optional_path(env, "PIXELLIFT_FUNCTIONS_DIR"),
            statemachines_dir=_optional_path(env, "PIXELLIFT_STATEMACHINES_DIR"),
        )
