"""Integration tier: adapters against moto, and the whole chain on the local runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.settings import Settings

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``integration`` (the directory is the tier)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with the local state in a temporary folder."""
    return Settings.from_env(
        {"HOME": str(tmp_path), "PIXELLIFT_STATE_DIR": str(tmp_path / "state")}
    )


@pytest.fixture
def aws() -> Iterator[None]:
    """moto's in-process AWS for the adapter tests."""
    with mock_aws():
        yield


@pytest.fixture
def tables(aws: None, settings: Settings) -> Tables:
    """The state tables, created in moto."""
    bound = Tables.bound(settings.tables, settings.region)
    bound.create_missing()
    return bound
