"""A tiny real ONNX model whose output is its input, hand-encoded (no `onnx` package needed).

With the U2-Net-p input specification the "mask" is channel 0 of the prepared image, normalised
and resized back, so tests exercise real onnxruntime sessions and the real pre- and
post-processing in milliseconds. Field numbers follow onnx.proto (ModelProto, GraphProto,
NodeProto, ValueInfoProto, TypeProto, TensorShapeProto).
"""

from __future__ import annotations

from pathlib import Path

_FLOAT = 1


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _value_info(name: str, dims: list[int | str]) -> bytes:
    shape = b"".join(
        _field(1, _field(1, d) if isinstance(d, int) else _field(2, d.encode())) for d in dims
    )
    tensor_type = _field(1, _FLOAT) + _field(2, shape)
    return _field(1, name.encode()) + _field(2, _field(1, tensor_type))


def identity_model(path: Path, dims: list[int | str]) -> Path:
    """Write an ONNX model whose output is its input: channel 0 of the prepared image."""
    node = _field(1, b"image") + _field(2, b"mask") + _field(3, b"id") + _field(4, b"Identity")
    graph = (
        _field(1, node)
        + _field(2, b"identity")
        + _field(11, _value_info("image", dims))
        + _field(12, _value_info("mask", dims))
    )
    opset = _field(1, b"") + _field(2, 13)
    path.write_bytes(
        _field(1, 8) + _field(2, b"pixellift-tests") + _field(7, graph) + _field(8, opset)
    )
    return path


def write_identity_model(path: Path, side: int = 320) -> Path:
    """Write a ``[1, 3, side, side]`` identity model to ``path``."""
    return identity_model(path, [1, 3, side, side])
