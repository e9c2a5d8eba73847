from __future__ import annotations

from pathlib import Path

from pixellift.cli.inputs import collect_inputs, output_stems


def test_collect_inputs_expands_folders_and_reports_missing(tmp_path: Path) -> None:
    # GIVEN a folder with two images, a text file, and a nested image
    (tmp_path / "b.jpg").write_bytes(b"x")
    (tmp_path / "a.PNG").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.heic").write_bytes(b"x")
    # WHEN
    files, missing = collect_inputs([tmp_path, tmp_path / "b.jpg", tmp_path / "gone.jpg"])
    # THEN folders give images only, duplicates are dropped, the missing path is reported
    assert [f.name for f in files] == ["a.PNG", "b.jpg", "c.heic"]
    assert missing == [(tmp_path / "gone.jpg", "no such file or folder")]


def test_collect_inputs_keeps_explicit_non_image_files(tmp_path: Path) -> None:
    note = tmp_path / "notes.txt"
    note.write_text("x")
    files, missing = collect_inputs([note])
    assert files == [note] and missing == []


def test_collect_inputs_reports_a_folder_without_images(tmp_path: Path) -> None:
    files, missing = collect_inputs([tmp_path])
    assert files == [] and missing == [(tmp_path, "folder holds no image files")]


def test_output_stems_are_unique_when_names_collide() -> None:
    stems = output_stems([Path("a/x.jpg"), Path("b/x.jpg"), Path("x.png")])
    assert len(set(stems.values())) == 3
    assert stems[Path("x.png")] == "x-png"
