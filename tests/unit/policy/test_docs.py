"""The generated rules reference in docs/policies/ matches the packs and the schema."""

from __future__ import annotations

import json
from pathlib import Path

from pixellift.core.policy.docs import SCHEMA_FILE, main, render_docs
from pixellift.core.policy.schema import pack_json_schema

DOCS = Path(__file__).resolve().parents[3] / "docs" / "policies"


def test_docs_policies_are_up_to_date():
    # GIVEN the committed reference and a fresh rendering
    expected = render_docs()
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.iterdir() if p.is_file()}

    # WHEN they are compared
    stale = sorted(
        name
        for name in expected.keys() | committed.keys()
        if expected.get(name) != committed.get(name)
    )

    # THEN they are identical (run `python -m pixellift.core.policy.docs docs/policies` to refresh)
    assert stale == []


def test_reference_lists_every_rule_with_its_source():
    # GIVEN the rendered Amazon page
    page = render_docs()["amazon.md"]

    # WHEN searched
    # THEN rules, category sections and source links are there
    assert "`AMAZON_MAIN_WHITE_BACKGROUND` | blocker | no | main; all |" in page
    assert "### jewelry" in page
    assert "https://sellercentral.amazon.com/gp/help/external/GT8RSE9S9NK4LP6Z" in page


def test_schema_file_is_the_exported_json_schema():
    # GIVEN the rendered schema file
    # WHEN parsed
    # THEN it is the pydantic export of the pack model
    assert json.loads(render_docs()[SCHEMA_FILE]) == pack_json_schema()


def test_main_writes_the_reference_into_a_folder(tmp_path):
    # GIVEN an empty folder
    # WHEN the generator runs
    code = main([str(tmp_path / "out")])

    # THEN every file is written
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(render_docs())


def test_main_needs_exactly_one_folder():
    # GIVEN no argument
    # WHEN the generator runs
    # THEN it exits with a usage error
    assert main([]) == 2
