"""Decoding recordings with PyAV into 16 kHz float32 channels; bad files get a readable reason."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
import numpy.typing as npt

from tiexin.domain.calls import AudioInfo
from tiexin.domain.errors import InputError

TARGET_RATE = 16_000
_WAV_FORMATS = {1: "pcm", 3: "pcm_float", 6: "alaw", 7: "mulaw", 0xFFFE: "extensible"}


@dataclass(frozen=True)
class DecodedAudio:
    samples: npt.NDArray[np.float32]  # shape (channels, n) at TARGET_RATE, values in [-1, 1]
    info: AudioInfo


def decode_recording(path: Path, *, max_duration_s: float) -> DecodedAudio:
    """Decode `path`; raise InputError naming the file and the problem when it cannot be used."""
    _check_file(path)
    if path.suffix.lower() == ".wav":
        _check_wav_header(path)
    try:
        with av.open(str(path)) as container:
            return _decode_container(container, path, max_duration_s)
    except av.error.FFmpegError as exc:
        raise InputError(
            f"not a readable audio file ({_ffmpeg_reason(exc)})", source=str(path)
        ) from exc


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file listed but not found", source=str(path))
    if not path.is_file():
        raise InputError("not a regular file", source=str(path))
    if path.stat().st_size == 0:
        raise InputError("empty file (0 bytes)", source=str(path))


def _check_wav_header(path: Path) -> None:
    """Catch what FFmpeg silently tolerates: text named .wav, truncation, unknown codecs."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise InputError(
                "not a WAV file: no RIFF/WAVE header" + _looks_like_text(head), source=str(path)
            )
        _walk_wav_chunks(handle, size, str(path))


def _walk_wav_chunks(handle: BinaryIO, size: int, source: str) -> None:
    read = handle.read
    found_format = False
    while True:
        header = read(8)
        if len(header) < 8:
            break
        chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
        start = handle.tell()
        if chunk_id == b"fmt ":
            _check_wav_format(read(min(chunk_size, 40)), source)
            found_format = True
        elif chunk_id == b"data":
            if not found_format:
                raise InputError("corrupt WAV: data chunk before format chunk", source=source)
            available = size - start
            if chunk_size != 0xFFFFFFFF and available < chunk_size:
                raise InputError(
                    f"truncated WAV: header declares {chunk_size} bytes of audio, "
                    f"file holds {available}",
                    source=source,
                )
            return
        handle.seek(start + chunk_size + (chunk_size & 1))
    raise InputError("corrupt WAV: no audio data chunk", source=source)


def _check_wav_format(fmt: bytes, source: str) -> None:
    if len(fmt) < 16:
        raise InputError("corrupt WAV: format chunk too short", source=source)
    tag, channels, rate = struct.unpack("<HHI", fmt[:8])
    if tag not in _WAV_FORMATS:
        raise InputError(
            f"unsupported codec: WAV format tag 0x{tag:04x} "
            "(supported: PCM, IEEE float, A-law, µ-law)",
            source=source,
        )
    if channels not in (1, 2) or not 4000 <= rate <= 192_000:
        raise InputError(
            f"corrupt WAV: {channels} channels at {rate} Hz is not a call recording", source=source
        )


def _looks_like_text(head: bytes) -> str:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    printable = all(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return " (it looks like a text file)" if printable else ""


def _ffmpeg_reason(exc: av.error.FFmpegError) -> str:
    return str(getattr(exc, "strerror", None) or exc).strip()


def _decode_container(
    container: av.container.InputContainer, path: Path, max_duration_s: float
) -> DecodedAudio:
    if not container.streams.audio:
        raise InputError("no audio stream in the file", source=str(path))
    stream = container.streams.audio[0]
    codec = stream.codec_context.name
    channels = stream.codec_context.channels
    rate = stream.codec_context.sample_rate
    if channels not in (1, 2):
        raise InputError(f"{channels} audio channels; expected mono or stereo", source=str(path))
    _check_duration(_declared_duration(container, stream), max_duration_s, path)
    samples = _resample_all(container, stream, channels)
    duration = samples.shape[1] / TARGET_RATE
    _check_duration(duration, max_duration_s, path)
    if samples.shape[1] == 0:
        raise InputError("no audio could be decoded", source=str(path))
    info = AudioInfo(codec=codec, sample_rate=rate, channels=channels, duration_s=duration)
    return DecodedAudio(samples=samples, info=info)


def _declared_duration(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return 0.0


def _check_duration(duration_s: float, max_duration_s: float, path: Path) -> None:
    if duration_s > max_duration_s:
        raise InputError(
            f"recording is {duration_s:.0f} s long, over the {max_duration_s:.0f} s limit "
            "(setting TIEXIN_MAX_DURATION_S)",
            source=str(path),
        )


def _resample_all(
    container: av.container.InputContainer, stream: av.AudioStream, channels: int
) -> npt.NDArray[np.float32]:
    layout = "stereo" if channels == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=TARGET_RATE)
    chunks: list[npt.NDArray[np.float32]] = []
    for frame in container.decode(stream):
        chunks.extend(_as_float(out) for out in resampler.resample(frame))
    chunks.extend(_as_float(out) for out in resampler.resample(None))
    if not chunks:
        return np.zeros((channels, 0), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks, axis=1), dtype=np.float32)


def _as_float(frame: av.AudioFrame) -> npt.NDArray[np.float32]:
    return np.asarray(frame.to_ndarray(), dtype=np.float32)
