"""Copy a deployment's retained key-schema-1 tables into the workspace-keyed ``-v2`` tables.

The stack retains the old ``batches``, ``items`` and ``outputs`` tables when it creates the
workspace-keyed ones (docs/adr/0008-workspace-scoped-state.md). This copies their rows across
with the rewrite the local runtime applies to an old journal
(:mod:`pixellift.adapters.aws.legacy_tables`):

* each old table is scanned with consistent reads, a page at a time, batches first, then items,
  then outputs (an item needs its batch's workspace, an index entry the workspaces that used it);
* each rewritten row is written with a conditional put on its key not existing, so a re-run, or a
  record the new code already wrote (a batch run again since the upgrade), is never overwritten.
  ``BatchWriteItem`` takes no condition, so a page's puts are sent as single ``PutItem`` calls,
  several at once;
* throttling and server errors are retried with exponential backoff; after the last attempt the
  copy stops with :class:`~pixellift.core.errors.StoreUnavailableError`, and running it again
  carries on where it stopped (rows already copied count as present);
* a dry run reads the new tables instead of writing them, and reports the same counts;
* the old tables are only read, never changed or deleted.

Authorisation is the caller's AWS credentials: this reads and writes every workspace's rows, which
no workspace role can grant (the role blueprints decide actions inside one workspace).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from pixellift.adapters.aws.errors import error_code, translated
from pixellift.adapters.aws.legacy_tables import LEGACY_KEYS, Dropped, Entry, LegacyTables, Rescoper
from pixellift.adapters.settings import TableNames
from pixellift.core.errors import MissingConfigurationError, StoreUnavailableError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")

NEW_KEYS = {
    "batches": ("workspace_id", "batch_id"),
    "items": ("batch_scope", "item_id"),
    "outputs": ("workspace_id", "content_key"),
}
"""Key attributes of the workspace-keyed tables (hash, then range)."""

_CONDITION_FAILED = "ConditionalCheckFailedException"


def legacy_tables(names: TableNames, prefix: str | None = None) -> LegacyTables:
    """The old tables for the configured ones: ``-v2`` removed, or ``prefix`` + the table.

    Examples
    --------
    >>> names = TableNames.from_env({"PIXELLIFT_TABLE_PREFIX": "pixellift-prod-"})
    >>> legacy_tables(names).batches
    ('pixellift-prod-batches', 'pixellift-prod-batches-v2')
    >>> legacy_tables(names, "old-").items
    ('old-items', 'pixellift-prod-items-v2')
    """
    if prefix is not None:
        return LegacyTables.with_prefix(prefix, names.batches, names.items, names.outputs)
    found = LegacyTables.of(names.batches, names.items, names.outputs)
    if found is None:
        current = ", ".join((names.batches, names.items, names.outputs))
        raise MissingConfigurationError(
            f"the configured tables ({current}) do not all end in -v2, so the old tables' names"
            " cannot be derived: name them with a legacy prefix"
        )
    return found


@dataclass
class TableCount:
    """One table's tally: legacy rows scanned, new rows copied (or to copy), rows already there."""

    scanned: int = 0
    copied: int = 0
    present: int = 0


@dataclass
class RescopeReport:
    """What a copy did (or, in a dry run, would do)."""

    tables: LegacyTables
    dry_run: bool
    counts: dict[str, TableCount] = field(default_factory=dict)
    dropped: list[Dropped] = field(default_factory=list)
    retries: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "dry_run": self.dry_run,
            "tables": {
                kind: {"from": old, "to": new, **vars(self.counts.get(kind, TableCount()))}
                for kind, (old, new) in self.tables.pairs().items()
            },
            "dropped": [{"table": d.table, "key": d.key, "reason": d.reason} for d in self.dropped],
            "retries": self.retries,
        }


def _key_schema(description: dict[str, Any]) -> tuple[str, ...]:
    ordered = sorted(description["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
    return tuple(str(k["AttributeName"]) for k in ordered)


def _table(client: DynamoDBClient, name: str) -> dict[str, Any] | None:
    with translated(f"table {name}"):
        try:
            return dict(client.describe_table(TableName=name)["Table"])
        except client.exceptions.ResourceNotFoundException:
            return None


def check_tables(client: DynamoDBClient, tables: LegacyTables) -> dict[str, int]:
    """Check that the six tables exist with the expected keys; the old tables' row estimates.

    Raises
    ------
    MissingConfigurationError
        A table is missing, or is keyed otherwise than its schema says (wrong names).
    """
    estimates: dict[str, int] = {}
    for kind, (old, new) in tables.pairs().items():
        for name, expected, era in ((old, LEGACY_KEYS[kind], "old"), (new, NEW_KEYS[kind], "new")):
            description = _table(client, name)
            if description is None:
                raise MissingConfigurationError(
                    f"{era} {kind} table {name} does not exist"
                    + (": name the old tables with a legacy prefix" if era == "old" else "")
                )
            keys = _key_schema(description)
            if keys != expected:
                raise MissingConfigurationError(
                    f"{era} {kind} table {name} is keyed {keys}, not {expected}: wrong table"
                )
            if era == "old":
                estimates[kind] = int(description.get("ItemCount", 0))
    return estimates


class _Copier:
    def __init__(
        self,
        client: DynamoDBClient,
        report: RescopeReport,
        *,
        page_size: int,
        attempts: int,
        sleep: Callable[[float], None],
    ) -> None:
        self._client = client
        self._report = report
        self._page_size = page_size
        self._attempts = attempts
        self._sleep = sleep
        self._lock = threading.Lock()

    def retrying(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, retried with backoff while it fails in a way a retry may cure."""
        for attempt in range(1, self._attempts + 1):
            try:
                with translated(what):
                    return call()
            except StoreUnavailableError:
                if attempt == self._attempts:
                    raise
                with self._lock:  # puts retry from several threads
                    self._report.retries += 1
                self._sleep(min(5.0, 0.05 * 2 ** (attempt - 1)))
        raise AssertionError("unreachable")  # pragma: no cover

    def _page(self, table: str, start: dict[str, Any] | None) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
        request |= {"Limit": self._page_size} | ({"ExclusiveStartKey": start} if start else {})
        return dict(self._client.scan(**request))

    def pages(self, table: str) -> Iterator[list[dict[str, Any]]]:
        """The table's rows, a page at a time (strongly consistent scan)."""
        start: dict[str, Any] | None = None
        while True:
            page = self.retrying(f"scan {table}", partial(self._page, table, start))
            yield [dict(row) for row in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def put(self, kind: str, entry: Entry) -> bool:
        """Write the row unless its key exists; ``True`` when written."""
        hash_key = NEW_KEYS[kind][0]

        def call() -> bool:
            try:
                self._client.put_item(
                    TableName=entry["table"],
                    Item=entry["item"],
                    ConditionExpression="attribute_not_exists(#k)",
                    ExpressionAttributeNames={"#k": hash_key},
                )
            except ClientError as exc:
                if error_code(exc) == _CONDITION_FAILED:
                    return False
                raise
            return True

        return self.retrying(f"{entry['table']} {_describe(entry['key'])}", call)

    def absent(self, kind: str, entry: Entry) -> bool:
        """Whether the row's key is free (a dry run's stand-in for :meth:`put`)."""
        found = self.retrying(
            f"{entry['table']} {_describe(entry['key'])}",
            lambda: self._client.get_item(
                TableName=entry["table"],
                Key=entry["key"],
                ConsistentRead=True,
                ProjectionExpression="#k",
                ExpressionAttributeNames={"#k": NEW_KEYS[kind][0]},
            ),
        )
        return "Item" not in found


def _describe(key: dict[str, Any]) -> str:
    return " ".join(f"{name}={next(iter(value.values()))}" for name, value in key.items())


def _rewrite(rescoper: Rescoper, kind: str, image: dict[str, Any]) -> list[Entry]:
    if kind == "batches":
        return [e] if (e := rescoper.batch(image)) is not None else []
    if kind == "items":
        return [e] if (e := rescoper.item(image)) is not None else []
    return rescoper.outputs(image)


def rescope_tables(  # noqa: PLR0913 - the knobs of an operator's one-off copy
    client: DynamoDBClient,
    tables: LegacyTables,
    *,
    dry_run: bool = False,
    page_size: int = 500,
    workers: int = 8,
    attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    on_page: Callable[[str, int], None] | None = None,
) -> RescopeReport:
    """Copy the old tables' rows into the workspace-keyed tables (see the module docstring).

    Parameters
    ----------
    client
        DynamoDB client with read access to the old tables and write access to the new ones.
    tables
        The ``(old, new)`` table names (:func:`legacy_tables`).
    dry_run
        Read the new tables instead of writing them.
    page_size, workers
        Rows per scan page; puts (or reads, in a dry run) in flight at once.
    attempts, sleep
        Tries per request before a throttled or failing one stops the copy; how to wait between.
    on_page
        Called with the table kind and the page's row count after each page is done.

    Returns
    -------
    RescopeReport
        Per table: old rows scanned, new rows copied (or to copy) and already present; the rows
        dropped with their reasons; how many requests were retried.
    """
    check_tables(client, tables)
    report = RescopeReport(tables, dry_run)
    copier = _Copier(client, report, page_size=page_size, attempts=attempts, sleep=sleep)
    rescoper = Rescoper(tables)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for kind, (old, _) in tables.pairs().items():
            count = report.counts.setdefault(kind, TableCount())
            step = copier.absent if dry_run else copier.put
            for page in copier.pages(old):
                entries = [e for image in page for e in _rewrite(rescoper, kind, image)]
                written = sum(pool.map(partial(step, kind), entries))
                count.scanned += len(page)
                count.copied += written
                count.present += len(entries) - written
                if on_page is not None:
                    on_page(kind, len(page))
    report.dropped = rescoper.dropped
    return report
