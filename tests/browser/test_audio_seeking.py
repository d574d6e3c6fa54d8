"""Seeking in recordings in a real browser: the call page's waveform player plays from where the
listener clicks, and an audio element streaming a recording or a clip seeks by HTTP Range
(206 Partial Content) and plays from the seek point.

The call page's player draws the waveform from the whole recording, so it fetches it once and
seeks in memory; the playlist session's audio element streams from the server, which is where
Range matters. Times are checked with margins: playback in a loaded headless browser is slow
to start but never jumps back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Response

from tests.browser.conftest import Live

CALL = "DEMO-0002"  # an audio call (20 s of tone bursts) that no other browser test reviews
PLAYED_S = 1.0  # how far past the seek point playback must get

# Load `url` into a new audio element, seek to `target` seconds and play until PLAYED_S later;
# report where the seek landed, the earliest time heard after it and the last time reached.
STREAM_AND_SEEK = """async ([url, target, played]) => {
  const audio = new Audio();
  audio.preload = "auto";
  audio.muted = true;
  const settled = (event) => new Promise((resolve, reject) => {
    audio.addEventListener(event, resolve, { once: true });
    audio.addEventListener("error", () => reject(new Error(`media error ${audio.error.code}`)),
      { once: true });
  });
  const loaded = settled("loadedmetadata");
  audio.src = url;
  await loaded;
  const seeked = settled("seeked");
  audio.currentTime = target;
  await seeked;
  const seekedTo = audio.currentTime;
  const heard = [];
  audio.addEventListener("timeupdate", () => heard.push(audio.currentTime));
  await audio.play();
  await new Promise((resolve) => {
    const check = () => (audio.currentTime >= target + played ? resolve() : setTimeout(check, 50));
    check();
  });
  audio.pause();
  return { seekedTo, earliest: Math.min(...heard), reached: audio.currentTime,
           duration: audio.duration };
}"""


def _listen_for_audio(page: Page, path_end: str) -> list[Response]:
    responses: list[Response] = []
    page.on("response", lambda r: responses.append(r) if r.url.endswith(path_end) else None)
    return responses


def _stream_and_seek(page: Page, url: str, target: float) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(STREAM_AND_SEEK, [url, target, PLAYED_S])
    assert abs(result["seekedTo"] - target) < 0.1, result
    assert result["earliest"] >= target - 0.1, result  # it did not restart from the beginning
    assert result["reached"] >= target + PLAYED_S, result
    return result


def _assert_served_by_range(responses: list[Response]) -> None:
    assert responses, "the audio element fetched nothing"
    partial = [r for r in responses if r.status == 206]
    assert partial, [(r.status, r.request.headers.get("range")) for r in responses]
    for response in partial:
        assert response.request.headers.get("range", "").startswith("bytes=")
        assert response.headers["content-range"].startswith("bytes ")
        assert response.headers["accept-ranges"] == "bytes"


def test_the_call_page_player_plays_from_where_the_listener_seeks(
    page_as: Callable[[str], Page], live: Live
) -> None:
    assert CALL in live.seeded.audio_call_ids
    page = page_as("supervisor")
    page.goto(f"/calls/{CALL}")
    page.wait_for_function("() => window.tiexinPlayer && window.tiexinPlayer.getDuration() > 0")
    duration = float(page.evaluate("window.tiexinPlayer.getDuration()"))
    assert duration > 10
    page.evaluate(
        """() => {
          window.heardTimes = [];
          window.tiexinPlayer.on("timeupdate", (time) => window.heardTimes.push(time));
        }"""
    )
    waveform = page.locator("#waveform")
    box = waveform.bounding_box()
    assert box is not None
    waveform.click(position={"x": box["width"] * 0.6, "y": box["height"] / 2})  # a seek
    page.wait_for_function("() => window.tiexinPlayer.getCurrentTime() > 0")
    target = float(page.evaluate("window.tiexinPlayer.getCurrentTime()"))
    assert abs(target - 0.6 * duration) < 0.05 * duration

    page.evaluate("() => { window.heardTimes = []; }")
    page.click("#play")
    page.wait_for_function(
        "(target) => window.tiexinPlayer.getCurrentTime() >= target", arg=target + PLAYED_S
    )
    page.click("#play")  # pause
    heard = page.evaluate("window.heardTimes")
    assert heard and min(heard) >= target - 0.1, (target, heard[:5])


def test_a_streaming_audio_element_seeks_in_a_call_by_range(
    page_as: Callable[[str], Page], live: Live
) -> None:
    """What the playlist session does with a whole call: stream it, seek to a clip's start."""
    page = page_as("supervisor")
    page.goto("/")
    url = f"/api/v1/calls/{CALL}/audio"
    responses = _listen_for_audio(page, url)
    result = _stream_and_seek(page, url, 12.0)
    assert result["duration"] > 15
    _assert_served_by_range(responses)


def test_a_clip_window_seeks_by_range_for_a_user_who_may_not_hear_the_call(
    page_as: Callable[[str], Page], live: Live
) -> None:
    inspector = page_as("inspector")
    inspector.goto("/")
    csrf = {"X-CSRF-Token": inspector.request.get("/api/v1/auth/csrf").json()["csrf_token"]}
    playlist = inspector.request.post(
        "/api/v1/playlists", data={"title": "Range seeking"}, headers=csrf
    )
    assert playlist.ok, playlist.text()
    playlist_id = playlist.json()["id"]
    clip = inspector.request.post(
        f"/api/v1/playlists/{playlist_id}/clips",
        data={"call_id": CALL, "start_s": 4, "end_s": 14, "example": "good"},
        headers=csrf,
    )
    assert clip.ok, clip.text()

    agent = page_as("agent")  # may not hear DEMO-0002 (another agent's call), only the clip
    agent.goto("/playlists")
    clip_url = f"/api/v1/playlists/{playlist_id}/clips/{clip.json()['id']}/audio"
    assert agent.request.get(f"/api/v1/calls/{CALL}/audio").status == 404
    responses = _listen_for_audio(agent, clip_url)
    result = _stream_and_seek(agent, clip_url, 6.0)
    assert 9.5 < result["duration"] < 10.5
    _assert_served_by_range(responses)
