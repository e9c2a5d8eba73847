"""Validate an incoming payload against its contract, failing with a message that names fields."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from pixellift.core.errors import InvalidEventError

T = TypeVar("T")


def parse_payload(contract: TypeAdapter[T], payload: Any, what: str) -> T:
    """The payload as its contract's model.

    Raises
    ------
    PermanentError
        Naming ``what`` and every invalid field; retrying the same payload cannot help.

    Examples
    --------
    >>> from pixellift.core.contracts.tasks import ItemTask
    >>> parse_payload(TypeAdapter(ItemTask), {"batch_id": "b", "workspace_id": "w",
    ...                                       "item_id": "i"}, "process input").item_id
    'i'
    >>> parse_payload(TypeAdapter(ItemTask), {"batch_id": "b", "workspace_id": "w"}, "input")
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidEventError: input: item_id: Field required
    """
    try:
        return contract.validate_python(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        msg = f"{what}: {problems}"
        raise InvalidEventError(msg) from exc
