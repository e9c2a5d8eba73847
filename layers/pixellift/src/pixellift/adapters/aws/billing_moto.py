"""Serializable, item-level ``TransactWriteItems`` for moto (the local DynamoDB).

moto 5.2 applies a transaction by deep-copying every table it touches first, to roll back on a
failed condition: a ledger transfer then costs time in proportion to the whole ledger. And two
threads may interleave inside one transaction, so two debits can both pass a balance check that
only one of them should. DynamoDB does neither. While :func:`serializable_transactions` is active,
each transaction runs under one lock and saves only the items it touches, restoring exactly those
when a condition fails. Enter it before any journaling wrapper (``DurableState.attached``), which
must wrap this implementation.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_MAX_ITEMS = 100
_OPS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
_LOCK = threading.RLock()
_FAILED = "ConditionalCheckFailed"
_FAILED_MESSAGE = "The conditional request failed"

Saved = tuple[Table, DynamoType, DynamoType | None, Item | None]


def _key(table: Table, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    names = (table.hash_key_attr, table.range_key_attr)
    return {n: op["Item"][n] for n in names if n is not None}


def _restore(saved: list[Saved]) -> None:
    for table, hash_key, range_key, item in reversed(saved):
        items: Any = table.items
        if item is None:
            table.delete_item(hash_key, range_key)
        elif range_key is not None:
            items[hash_key][range_key] = item
        else:
            items[hash_key] = item


def _apply(backend: DynamoDBBackend, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    names: dict[str, Any] = op.get("ExpressionAttributeNames") or {}
    values: dict[str, Any] = op.get("ExpressionAttributeValues") or {}
    if op_type == "Put":
        backend.put_item(op["TableName"], op["Item"])
    elif op_type == "Delete":
        backend.delete_item(op["TableName"], key)
    elif op_type == "Update":
        backend.update_item(
            op["TableName"],
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def _check(
    backend: DynamoDBBackend, transact_items: list[dict[str, Any]]
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every item's operation and key; raises the cancellation if any condition fails."""
    if len(transact_items) > _MAX_ITEMS:
        raise TooManyTransactionsException
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    outcomes: list[tuple[str | None, str | None, Any]] = []
    for entry in transact_items:
        if len(entry) != 1 or next(iter(entry)) not in _OPS:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        table = backend.get_table(op["TableName"])
        key = _key(table, op_type, op)
        marker = (op["TableName"], repr(sorted(key.items())))
        if marker in seen:
            raise MultipleTransactionsException
        seen.add(marker)
        planned.append((op_type, op, key))
        condition = op.get("ConditionExpression")
        if condition is None:
            outcomes.append((None, None, None))
            continue
        hash_key, range_key = backend.get_keys_value(table, key)
        current = table.get_item(hash_key, range_key)
        check = get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        )
        passed = check.expr(current)
        outcomes.append((None, None, None) if passed else (_FAILED, _FAILED_MESSAGE, None))
    if any(code is not None for code, _, _ in outcomes):
        raise TransactionCanceledException(outcomes)
    return planned


def _run(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    # Items of one transaction are distinct, so no write can change another item's condition:
    # check every condition first and write only when all hold. Writes are saved one by one so
    # that one failing (a malformed expression) undoes the writes before it.
    planned = _check(backend, transact_items)
    saved: list[Saved] = []
    outcomes: list[tuple[str | None, str | None, Any]] = []
    for op_type, op, key in planned:
        table = backend.get_table(op["TableName"])
        hash_key, range_key = backend.get_keys_value(table, key)
        if op_type != "ConditionCheck":
            current = table.get_item(hash_key, range_key)
            saved.append((table, hash_key, range_key, copy.deepcopy(current)))
        try:
            _apply(backend, op_type, op, key)
            outcomes.append((None, None, None))
        except Exception as exc:  # noqa: BLE001 - reported per item, as DynamoDB does
            outcomes.append((type(exc).__name__, str(exc), None))
            _restore(saved)
            raise TransactionCanceledException(outcomes) from exc


@contextmanager
def serializable_transactions() -> Iterator[None]:
    """Make moto's transactions atomic across threads and cheap to roll back, inside the block."""
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(
        backend: DynamoDBBackend, transact_items: list[dict[str, Any]]
    ) -> None:
        with _LOCK:
            _run(backend, transact_items)

    setattr(DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010
    try:
        yield
    finally:
        setattr(DynamoDBBackend, "transact_write_items", original)  # noqa: B010
