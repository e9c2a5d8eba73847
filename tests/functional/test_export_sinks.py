"""The folder export destination: atomic writes, listing, ZIP, and paths that stay inside."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pixellift.adapters.local.export_sink import FolderExportSink
from pixellift.core.errors import ExportDestinationError

pytestmark = pytest.mark.functional


def test_writes_read_back_and_list(tmp_path: Path) -> None:
    sink = FolderExportSink(tmp_path / "out")
    sink.write("r1/A/etsy/a.jpg", b"abc", content_type="image/jpeg")
    assert sink.read("r1/A/etsy/a.jpg") == b"abc"
    assert sink.read("r1/none.jpg") is None
    assert sink.list("r1/") == ["r1/A/etsy/a.jpg"]
    assert not list((tmp_path / "out").rglob("*.part"))


def test_zip_holds_this_exports_files_only(tmp_path: Path) -> None:
    (tmp_path / "out" / "old").mkdir(parents=True)
    (tmp_path / "out" / "old" / "x.jpg").write_bytes(b"old")
    sink = FolderExportSink(tmp_path / "out", zip_name="r1.zip")
    sink.write("r1/a.jpg", b"a", content_type="image/jpeg")
    (archive,) = sink.close()
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist() == ["r1/a.jpg"]
        assert zf.read("r1/a.jpg") == b"a"


@pytest.mark.parametrize("path", ["../escape.jpg", "/etc/passwd", "a/../../b.jpg", ""])
def test_paths_must_stay_inside_the_destination(tmp_path: Path, path: str) -> None:
    with pytest.raises(ExportDestinationError, match="must be relative and stay inside"):
        FolderExportSink(tmp_path).write(path, b"x", content_type="image/jpeg")


def test_unwritable_destination_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(ExportDestinationError, match="cannot create the export folder"):
        FolderExportSink(blocker / "out")
