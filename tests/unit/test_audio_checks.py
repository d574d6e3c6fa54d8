from __future__ import annotations

import random
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.support.audio import encode, write_wav
from tiexin.adapters.audio import TARGET_RATE, decode_recording
from tiexin.domain.calls import AudioInfo
from tiexin.domain.errors import InputError

LIMIT_S = 60.0


def tone(seconds: float, rate: int, channels: int, *, freq: float = 440.0) -> np.ndarray:
    """int16 (channels, n): a sine per channel, each channel at a different loudness."""
    t = np.arange(int(seconds * rate)) / rate
    rows = [(0.5 / (c + 1)) * np.sin(2 * np.pi * freq * t) for c in range(channels)]
    return (np.stack(rows) * 32767).astype(np.int16)


def chunk(chunk_id: bytes, payload: bytes, *, declared: int | None = None) -> bytes:
    size = len(payload) if declared is None else declared
    pad = b"\0" if len(payload) % 2 else b""
    return chunk_id + struct.pack("<I", size) + payload + pad


def fmt(tag: int = 1, channels: int = 1, rate: int = 8000, bits: int = 16) -> bytes:
    align = (channels * bits // 8) & 0xFFFF
    byte_rate = (rate * align) & 0xFFFFFFFF
    return chunk(b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, byte_rate, align, bits))


def riff(*chunks: bytes, form: bytes = b"WAVE") -> bytes:
    body = form + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        decode_recording(path, max_duration_s=LIMIT_S)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert caught.value.source == str(path)
    return message.removeprefix(f"{path}: ")


def test_missing_file(tmp_path: Path) -> None:
    assert reason(tmp_path / "gone.wav") == "file listed but not found"


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "calls.wav"
    folder.mkdir()
    assert reason(folder) == "not a regular file"


@pytest.mark.parametrize("name", ["empty.wav", "empty.mp3"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    assert reason(put(tmp_path, name, b"")) == "empty file (0 bytes)"


NO_HEADER = "not a WAV file: no RIFF/WAVE header"
AS_TEXT = NO_HEADER + " (it looks like a text file)"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"call_id,file\nA-1,a.wav\n", AS_TEXT),
        ("客服录音，不是音频".encode(), AS_TEXT),
        (b"RIFF", AS_TEXT),  # shorter than a RIFF header
        (b"\xff\xfe\x00\x01" * 8, NO_HEADER),  # binary: no claim that it is text
        (b"RIFF\xa4\xff\x00\x00AVI " + bytes(32), NO_HEADER),  # RIFF without WAVE
        (b"RIFX\xa4\xff\x00\x00WAVE" + bytes(32), NO_HEADER),  # big-endian RIFX
    ],
)
def test_not_a_wav(tmp_path: Path, data: bytes, expected: str) -> None:
    assert reason(put(tmp_path, "call.wav", data)) == expected


def test_binary_riff_without_wave_is_not_called_text(tmp_path: Path) -> None:
    data = riff(chunk(b"avih", bytes(24)), form=b"AVI ")
    assert data[4:8] == b"\x24\x00\x00\x00"
    assert reason(put(tmp_path, "movie.wav", data)) == NO_HEADER


def test_suffix_check_is_case_insensitive(tmp_path: Path) -> None:
    message = reason(put(tmp_path, "CALL.WAV", b"just some text, not audio"))
    assert message == "not a WAV file: no RIFF/WAVE header (it looks like a text file)"


def test_truncated_data_chunk(tmp_path: Path) -> None:
    good = write_wav(tmp_path / "good.wav", tone(1.0, 8000, 1), 8000)
    data = good.read_bytes()
    cut = put(tmp_path, "cut.wav", data[:1000])
    # the wave module writes a 44-byte header: data payload starts at byte 44
    assert reason(cut) == "truncated WAV: header declares 16000 bytes of audio, file holds 956"


def test_truncated_handmade(tmp_path: Path) -> None:
    data = riff(fmt(), chunk(b"data", bytes(100), declared=5000))
    assert reason(put(tmp_path, "t.wav", data)) == (
        "truncated WAV: header declares 5000 bytes of audio, file holds 100"
    )


@pytest.mark.parametrize(("tag", "shown"), [(0x1234, "0x1234"), (2, "0x0002"), (0x55, "0x0055")])
def test_unknown_format_tag(tmp_path: Path, tag: int, shown: str) -> None:
    data = riff(fmt(tag=tag, bits=8), chunk(b"data", bytes(800)))
    assert reason(put(tmp_path, "u.wav", data)) == (
        f"unsupported codec: WAV format tag {shown} (supported: PCM, IEEE float, A-law, µ-law)"
    )


@pytest.mark.parametrize(
    ("channels", "rate"), [(0, 8000), (3, 8000), (0xFFFF, 8000), (1, 3999), (2, 192_001)]
)
def test_absurd_format(tmp_path: Path, channels: int, rate: int) -> None:
    data = riff(fmt(channels=channels, rate=rate), chunk(b"data", bytes(800)))
    assert reason(put(tmp_path, "a.wav", data)) == (
        f"corrupt WAV: {channels} channels at {rate} Hz is not a call recording"
    )


def test_short_format_chunk(tmp_path: Path) -> None:
    data = riff(chunk(b"fmt ", struct.pack("<HHI", 1, 1, 8000)), chunk(b"data", bytes(800)))
    assert reason(put(tmp_path, "s.wav", data)) == "corrupt WAV: format chunk too short"


def test_data_chunk_before_format(tmp_path: Path) -> None:
    data = riff(chunk(b"data", bytes(800)), fmt())
    assert reason(put(tmp_path, "d.wav", data)) == "corrupt WAV: data chunk before format chunk"


@pytest.mark.parametrize(
    "chunks",
    [
        (fmt(),),
        (fmt(), chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00test\x00")),
    ],
)
def test_no_data_chunk(tmp_path: Path, chunks: tuple[bytes, ...]) -> None:
    assert reason(put(tmp_path, "n.wav", riff(*chunks))) == "corrupt WAV: no audio data chunk"


def test_duration_over_the_limit(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "long.wav", tone(3.0, 8000, 1), 8000)
    with pytest.raises(InputError) as caught:
        decode_recording(path, max_duration_s=2.0)
    assert str(caught.value) == (
        f"{path}: recording is 3 s long, over the 2 s limit (setting TIEXIN_MAX_DURATION_S)"
    )


def test_good_8k_mono(tmp_path: Path) -> None:
    samples = tone(1.0, 8000, 1)
    path = write_wav(tmp_path / "mono.wav", samples, 8000)
    decoded = decode_recording(path, max_duration_s=LIMIT_S)
    assert decoded.info == AudioInfo(
        codec="pcm_s16le", sample_rate=8000, channels=1, duration_s=1.0
    )
    assert decoded.samples.dtype == np.float32
    assert decoded.samples.shape == (1, TARGET_RATE)
    assert decoded.samples.flags["C_CONTIGUOUS"]
    peak = float(np.abs(decoded.samples).max())
    assert 0.45 < peak < 0.55


def test_good_16k_stereo_keeps_channels_apart(tmp_path: Path) -> None:
    samples = tone(0.5, 16_000, 2)
    path = write_wav(tmp_path / "stereo.wav", samples, 16_000)
    decoded = decode_recording(path, max_duration_s=LIMIT_S)
    assert decoded.info == AudioInfo(
        codec="pcm_s16le", sample_rate=16_000, channels=2, duration_s=0.5
    )
    assert decoded.samples.shape == (2, 8000)
    expected = samples.astype(np.float32) / 32768
    np.testing.assert_allclose(decoded.samples, expected, atol=1e-3)
    left, right = np.abs(decoded.samples).max(axis=1)
    assert left == pytest.approx(2 * right, rel=0.01)


def test_header_check_tolerates_odd_chunks_before_data(tmp_path: Path) -> None:
    pcm = tone(0.25, 8000, 1).tobytes()
    data = riff(fmt(), chunk(b"junk", b"abc"), chunk(b"data", pcm))
    decoded = decode_recording(put(tmp_path, "j.wav", data), max_duration_s=LIMIT_S)
    assert decoded.info.channels == 1
    assert decoded.samples.shape == (1, 4000)


@pytest.mark.parametrize(("codec", "name"), [("pcm_alaw", "alaw"), ("pcm_mulaw", "mulaw")])
def test_companded_wav(tmp_path: Path, codec: str, name: str) -> None:
    source = write_wav(tmp_path / "source.wav", tone(1.0, 8000, 2), 8000)
    path = encode(source, tmp_path / f"{name}.wav", codec=codec, container="wav")
    tag = struct.unpack("<H", path.read_bytes()[20:22])[0]
    assert tag == {"alaw": 6, "mulaw": 7}[name]
    decoded = decode_recording(path, max_duration_s=LIMIT_S)
    assert decoded.info == AudioInfo(codec=codec, sample_rate=8000, channels=2, duration_s=1.0)
    assert decoded.samples.shape == (2, TARGET_RATE)
    np.testing.assert_allclose(np.abs(decoded.samples).max(axis=1), [0.5, 0.25], rtol=0.05)


def test_random_bytes_mp3(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(4096)
    message = reason(put(tmp_path, "noise.mp3", noise))
    assert message.startswith("not a readable audio file (")
