"""Make moto's in-memory DynamoDB tables and chosen S3 buckets survive a restart.

moto keeps state in memory. The local runtime journals every successful DynamoDB write (the
item's image after the write, or its deletion) to an append-only file, and every object written to
a persisted bucket to a file, under ``PIXELLIFT_STATE_DIR``. On start it replays them into moto,
then compacts the journal. A write is journaled before moto's answer reaches the caller, so a
process killed with ``kill -9`` loses at most the write it was in the middle of, whose caller
never saw it succeed. (Lines are flushed to the operating system, not fsync'ed: the state
survives a killed process, not a power cut.)
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.s3.models import S3Backend, s3_backends

from pixellift.adapters.aws.legacy_tables import LegacyTables, rescope

_LOG = logging.getLogger(__name__)

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_TRANSACT_OPS = ("Put", "Update", "Delete")
_SIGNATURES: dict[str, inspect.Signature] = {
    name: inspect.signature(getattr(DynamoDBBackend, name)) for name in (*_WRITES, "create_table")
} | {"put_object": inspect.signature(S3Backend.put_object)}
"""moto's own signatures, read at import: a journal may wrap methods another journal wrapped."""

Touched = list[tuple[str, dict[str, Any]]]


def _touched(name: str, backend: DynamoDBBackend, arguments: dict[str, Any]) -> Touched:
    """(table, key) pairs a successful write changed."""
    if name == "transact_write_items":
        found: Touched = []
        for entry in arguments["transact_items"]:
            for op in _TRANSACT_OPS:
                if op in entry:
                    spec = entry[op]
                    found.append((spec["TableName"], spec.get("Key") or _key_of(backend, spec)))
        return found
    table = arguments["table_name"]
    if name == "put_item":
        return [(table, _key_of(backend, {"TableName": table, "Item": arguments["item_attrs"]}))]
    return [(table, arguments["key"])]


def _key_of(backend: DynamoDBBackend, spec: dict[str, Any]) -> dict[str, Any]:
    table = backend.get_table(spec["TableName"])
    names = [table.hash_key_attr, table.range_key_attr]
    return {n: spec["Item"][n] for n in names if n is not None}


class DurableState:
    """Journal of moto state under one folder.

    Parameters
    ----------
    root
        Folder for the journal and the persisted objects (created if missing).
    tables
        DynamoDB tables to journal. A table created while the state is attached (a capability
        that creates its own table on first use) is journaled too: its definition first, so a
        restore creates it again before replaying its items.
    buckets
        S3 buckets whose objects are kept on disk.
    region
        Region of the tables.
    legacy
        Tables of an earlier key schema whose journaled entries are rewritten for the tables
        that replace them (:mod:`pixellift.adapters.aws.legacy_tables`).
    """

    def __init__(
        self,
        root: Path,
        *,
        tables: Iterable[str],
        buckets: Iterable[str],
        region: str,
        legacy: LegacyTables | None = None,
    ) -> None:
        self.root = root
        self._legacy = legacy
        self.tables = frozenset(tables)
        self.buckets = frozenset(buckets)
        self._region = region
        self._journal_path = root / "dynamodb.jsonl"
        self._created: dict[str, dict[str, Any]] = {}
        self._journal: IO[str] | None = None
        self._lock = threading.RLock()

    @property
    def _dynamodb(self) -> DynamoDBBackend:
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][self._region]

    @property
    def _s3(self) -> S3Backend:
        return s3_backends[DEFAULT_ACCOUNT_ID]["global"]

    def _object_path(self, bucket: str, key: str) -> Path:
        return self.root / "s3" / bucket / quote(key, safe="")

    def restore(self) -> int:
        """Replay the journal and the kept objects into moto (tables and buckets must exist).

        Returns the number of items restored. The journal is compacted to one line per item.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        if self._journal_path.exists():
            with self._journal_path.open(encoding="utf-8") as lines:
                for line in lines:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        break  # a line torn by a kill: its write was never acknowledged
                    if "create" in entry:
                        self._created[entry["create"]] = entry["params"]
                        continue
                    latest[(entry["table"], json.dumps(entry["key"], sort_keys=True))] = entry
        if self._legacy is not None:
            latest = self._rescoped(latest, self._legacy)
        for name, params in self._created.items():
            if name not in self._dynamodb.tables:
                self._dynamodb.create_table(name, **params)
        self.tables = self.tables | self._created.keys()
        restored = 0
        for entry in latest.values():
            if entry["item"] is not None and entry["table"] in self.tables:
                self._dynamodb.get_table(entry["table"]).put_item(entry["item"])
                restored += 1
        for bucket in self.buckets:
            folder = self.root / "s3" / bucket
            for path in sorted(folder.glob("*")) if folder.is_dir() else ():
                if not path.name.endswith(".part"):
                    self._s3.put_object(bucket, unquote(path.name), path.read_bytes())
        self._compact(e for e in latest.values() if e["item"] is not None)
        return restored

    @staticmethod
    def _rescoped(
        latest: dict[tuple[str, str], dict[str, Any]], legacy: LegacyTables
    ) -> dict[tuple[str, str], dict[str, Any]]:
        if not any(table in legacy.names() for table, _ in latest):
            return latest
        done = rescope(list(latest.values()), legacy)
        _LOG.warning(
            "carried %d batches, %d items and %d outputs into the workspace-keyed tables"
            " (%d items and %d outputs dropped, each logged with its reason)",
            done.batches,
            done.items,
            done.outputs,
            done.dropped_from(legacy.items[0]),
            done.dropped_from(legacy.outputs[0]),
        )
        for dropped in done.dropped:
            _LOG.warning("not carried: %s", dropped)
        return {(e["table"], json.dumps(e["key"], sort_keys=True)): e for e in done.entries}

    def _compact(self, entries: Iterable[dict[str, Any]]) -> None:
        tmp = self._journal_path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for name, params in self._created.items():
                out.write(json.dumps({"create": name, "params": params}) + "\n")
            for entry in entries:
                out.write(json.dumps(entry) + "\n")
        tmp.replace(self._journal_path)

    def _record(self, name: str, backend: DynamoDBBackend, arguments: dict[str, Any]) -> None:
        if self._journal is None:
            return
        for table_name, key in _touched(name, backend, arguments):
            if table_name not in self.tables:
                continue
            table = backend.get_table(table_name)
            hash_key, range_key = backend.get_keys_value(table, key)
            item = table.get_item(hash_key, range_key)
            image = None if item is None else item.to_json()["Attributes"]
            self._journal.write(json.dumps({"table": table_name, "key": key, "item": image}) + "\n")
        self._journal.flush()

    def _record_created(self, arguments: dict[str, Any]) -> None:
        name = arguments["name"]
        params = {k: v for k, v in arguments.items() if k not in {"self", "name"}}
        self._created[name] = params
        self.tables = self.tables | {name}
        if self._journal is not None:
            self._journal.write(json.dumps({"create": name, "params": params}) + "\n")
            self._journal.flush()

    def _wrap_create_table(self) -> Callable[..., Any]:
        original = DynamoDBBackend.create_table
        signature = _SIGNATURES["create_table"]
        durable = self

        def create_table(backend: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with durable._lock:  # noqa: SLF001
                result = original(backend, *args, **kwargs)
                arguments = signature.bind(backend, *args, **kwargs).arguments
                if arguments["name"] not in durable.tables:
                    durable._record_created(arguments)  # noqa: SLF001
            return result

        return create_table

    def _wrap_dynamodb(self, name: str) -> Callable[..., Any]:
        original = getattr(DynamoDBBackend, name)
        signature = _SIGNATURES[name]
        durable = self

        def write(backend: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with durable._lock:  # noqa: SLF001 - journal order must be apply order
                result = original(backend, *args, **kwargs)
                bound = signature.bind(backend, *args, **kwargs).arguments
                durable._record(name, backend, bound)  # noqa: SLF001
            return result

        return write

    def _wrap_put_object(self) -> Callable[..., Any]:
        original = S3Backend.put_object
        signature = _SIGNATURES["put_object"]
        durable = self

        def put_object(backend: S3Backend, *args: Any, **kwargs: Any) -> Any:
            result = original(backend, *args, **kwargs)
            bound = signature.bind(backend, *args, **kwargs).arguments
            if bound["bucket_name"] in durable.buckets:
                path = durable._object_path(bound["bucket_name"], bound["key_name"])  # noqa: SLF001
                path.parent.mkdir(parents=True, exist_ok=True)
                part = path.with_name(path.name + ".part")
                part.write_bytes(bytes(bound["value"]))
                part.replace(path)
            return result

        return put_object

    @contextlib.contextmanager
    def attached(self) -> Iterator[DurableState]:
        """Journal writes while the block runs (call :meth:`restore` first)."""
        originals: dict[tuple[type, str], Any] = {}
        self._journal = self._journal_path.open("a", encoding="utf-8")
        try:
            for name in _WRITES:
                originals[(DynamoDBBackend, name)] = getattr(DynamoDBBackend, name)
                setattr(DynamoDBBackend, name, self._wrap_dynamodb(name))
            originals[(DynamoDBBackend, "create_table")] = DynamoDBBackend.create_table
            DynamoDBBackend.create_table = self._wrap_create_table()  # type: ignore[method-assign]
            originals[(S3Backend, "put_object")] = S3Backend.put_object
            S3Backend.put_object = self._wrap_put_object()  # type: ignore[method-assign]
            yield self
        finally:
            for (cls, name), original in originals.items():
                setattr(cls, name, original)
            self._journal.close()
            self._journal = None
