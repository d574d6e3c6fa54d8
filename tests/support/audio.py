"""Making test recordings: clips of the shared calls in other codecs, and broken files."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED_CALLS = REPO.parent / "shared" / "data" / "calls"


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(channels, samples) int16 and the sample rate."""
    with wave.open(str(path)) as handle:
        rate, channels = handle.getframerate(), handle.getnchannels()
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    return data.reshape(-1, channels).T.copy(), rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(samples.shape[0])
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(np.ascontiguousarray(samples.T).astype("<i2").tobytes())
    return path


def clip(source: Path, out: Path, *, seconds: float) -> Path:
    samples, rate = read_wav(source)
    return write_wav(out, samples[:, : int(seconds * rate)], rate)


def encode(source: Path, out: Path, *, codec: str, container: str) -> Path:
    """Re-encode a WAV with PyAV (A-law / µ-law WAV, MP3...)."""
    samples, rate = read_wav(source)
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    with av.open(str(out), "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples.T.reshape(1, -1)), format="s16", layout=layout
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return out


def unknown_codec_wav(out: Path) -> Path:
    """A RIFF/WAVE file whose format tag names no codec Tiexin decodes."""
    payload = bytes(16000)
    fmt = struct.pack("<HHIIHH", 0x1234, 1, 8000, 8000, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload
    out.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return out


def corrupt_wav(source: Path, out: Path) -> Path:
    """A valid RIFF header whose format chunk claims an impossible channel count and rate."""
    data = bytearray(source.read_bytes())
    data[22:28] = b"\xff" * 6
    out.write_bytes(bytes(data))
    return out


def truncated_wav(source: Path, out: Path) -> Path:
    data = source.read_bytes()
    out.write_bytes(data[: len(data) // 3])
    return out
