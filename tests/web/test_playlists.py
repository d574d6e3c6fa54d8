"""Coaching playlists over the API and pages, on both databases: permissions, clip checks,
ordering, who hears what, exports and the audit trail."""

from __future__ import annotations

import csv
import io
import json
import wave
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Web

API = "/api/v1/playlists"
MANAGERS = ("inspector", "supervisor")


def _create(web: Web, username: str = "inspector", **body: Any) -> int:
    payload = {"title": "第23周培训", "week": "2025-W23", "notes": "开场与结束语"} | body
    response = TestClient(web.app).post(API, json=payload, headers=web.token(username))
    assert response.status_code == 201, response.text
    playlist_id: int = response.json()["id"]
    return playlist_id


def _add_clip(web: Web, playlist_id: int, **body: Any) -> int:
    payload = {"call_id": web.seeded.audio_call_ids[0], "start_s": 0, "end_s": 2, "example": "good"}
    response = TestClient(web.app).post(
        f"{API}/{playlist_id}/clips", json=payload | body, headers=web.token("inspector")
    )
    assert response.status_code == 201, response.text
    clip_id: int = response.json()["id"]
    return clip_id


def _get(web: Web, playlist_id: int, username: str = "inspector") -> dict[str, Any]:
    response = TestClient(web.app).get(f"{API}/{playlist_id}", headers=web.token(username))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _audit(web: Web, action: str, playlist_id: int) -> list[dict[str, Any] | None]:
    with web.uow_factory() as uow:
        entries, _ = uow.audit.page(limit=50, action=action, resource_id=str(playlist_id))
    return [entry.detail for entry in entries]


@pytest.mark.parametrize(
    ("username", "may_view", "may_manage"),
    [
        ("inspector", True, True),
        ("supervisor", True, True),
        ("agent", True, False),
        ("manager", True, False),
        ("admin", False, False),
    ],
)
def test_each_role_may_view_and_manage_as_its_permissions_say(
    web: Web, username: str, may_view: bool, may_manage: bool
) -> None:
    playlist_id = _create(web)
    client = TestClient(web.app)
    headers = web.token(username)
    expected_view = 200 if may_view else 403
    assert client.get(API, headers=headers).status_code == expected_view
    assert client.get(f"{API}/{playlist_id}", headers=headers).status_code == expected_view
    created = client.post(API, json={"title": "x"}, headers=headers)
    assert created.status_code == (201 if may_manage else 403)
    clip = {"call_id": web.seeded.call_ids[0], "start_s": 0, "end_s": 1, "example": "bad"}
    added = client.post(f"{API}/{playlist_id}/clips", json=clip, headers=headers)
    assert added.status_code == (201 if may_manage else 403)
    patched = client.patch(f"{API}/{playlist_id}", json={"notes": "n"}, headers=headers)
    assert patched.status_code == (204 if may_manage else 403)
    deleted = client.delete(f"{API}/{playlist_id}", headers=headers)
    assert deleted.status_code == (204 if may_manage else 403)


def test_pages_list_edit_and_session_render_for_viewers(web: Web) -> None:
    playlist_id = _create(web, title="页面测试")
    _add_clip(web, playlist_id, note="标准开场白")
    for username in ("inspector", "agent", "manager"):
        client = web.client(username)
        listing = client.get("/playlists")
        assert listing.status_code == 200 and "页面测试" in listing.text
        edit = client.get(f"/playlists/{playlist_id}")
        assert edit.status_code == 200 and "标准开场白" in edit.text
        assert ('id="clip-form"' in edit.text) == (username == "inspector")
        session = client.get(f"/playlists/{playlist_id}/session")
        assert session.status_code == 200 and 'id="session-audio"' in session.text
    assert web.client("admin").get("/playlists").status_code == 403


def test_the_playlist_form_creates_a_playlist_with_the_csrf_token(web: Web) -> None:
    client = web.client("supervisor")
    form = {"title": "表单创建", "week": "2025-W24", "csrf_token": web.csrf(client)}
    response = client.post("/playlists", data=form)
    assert response.status_code == 303
    playlist_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert _get(web, playlist_id)["week"] == "2025-W24"
    assert client.post("/playlists", data={"title": "无令牌"}).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"call_id": "NO-SUCH-CALL"}, "body.call_id"),
        ({"start_s": -1}, "body.start_s"),
        ({"start_s": 3, "end_s": 3}, "body.end_s"),
        ({"start_s": 5, "end_s": 2}, "body.end_s"),
        ({"end_s": 100_000}, "body.end_s"),
        ({"example": "neutral"}, "body.example"),
    ],
)
def test_a_bad_clip_is_refused_with_422_naming_the_field_and_changes_nothing(
    web: Web, change: dict[str, Any], field: str
) -> None:
    playlist_id = _create(web)
    clip = {"call_id": web.seeded.call_ids[0], "start_s": 0, "end_s": 2, "example": "good"}
    response = TestClient(web.app).post(
        f"{API}/{playlist_id}/clips", json=clip | change, headers=web.token("inspector")
    )
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["detail"]]
    assert _get(web, playlist_id)["clips"] == []
    assert _audit(web, "playlist.clip_added", playlist_id) == []


def test_a_bad_week_is_refused(web: Web) -> None:
    response = TestClient(web.app).post(
        API, json={"title": "t", "week": "2025-23"}, headers=web.token("inspector")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body.week"


def test_clips_keep_dense_positions_through_reordering_and_removal(web: Web) -> None:
    playlist_id = _create(web)
    first, second, third = (_add_clip(web, playlist_id, start_s=s, end_s=s + 1) for s in (0, 2, 4))
    client, headers = TestClient(web.app), web.token("inspector")
    ordered = client.post(
        f"{API}/{playlist_id}/clips/order",
        json={"clip_ids": [third, first, second]},
        headers=headers,
    )
    assert ordered.status_code == 204
    clips = _get(web, playlist_id)["clips"]
    assert [(c["id"], c["position"]) for c in clips] == [(third, 1), (first, 2), (second, 3)]

    assert client.delete(f"{API}/{playlist_id}/clips/{first}", headers=headers).status_code == 204
    clips = _get(web, playlist_id)["clips"]
    assert [(c["id"], c["position"]) for c in clips] == [(third, 1), (second, 2)]

    partial = client.post(
        f"{API}/{playlist_id}/clips/order", json={"clip_ids": [second]}, headers=headers
    )
    assert partial.status_code == 422 and partial.json()["detail"][0]["field"] == "body.clip_ids"
    assert [c["id"] for c in _get(web, playlist_id)["clips"]] == [third, second]


def test_a_clip_is_edited_and_checked_again(web: Web) -> None:
    playlist_id = _create(web)
    clip_id = _add_clip(web, playlist_id)
    client, headers = TestClient(web.app), web.token("supervisor")
    url = f"{API}/{playlist_id}/clips/{clip_id}"
    edited = client.patch(url, json={"example": "bad", "note": "抢话", "end_s": 3}, headers=headers)
    assert edited.status_code == 204
    clip = _get(web, playlist_id)["clips"][0]
    assert (clip["example"], clip["note"], clip["end_s"]) == ("bad", "抢话", 3)
    refused = client.patch(url, json={"start_s": 5}, headers=headers)  # now start > end
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "body.end_s"
    assert _get(web, playlist_id)["clips"][0]["start_s"] == 0
    assert (
        client.patch(f"{API}/{playlist_id}/clips/999999", json={}, headers=headers).status_code
        == 404
    )
    assert client.get(f"{API}/999999", headers=headers).status_code == 404
    assert _audit(web, "playlist.clip_updated", playlist_id)[0] == {
        "clip_id": clip_id,
        "example": "bad",
        "note": "抢话",
        "end_s": 3.0,
    }


def test_clips_show_only_the_transcript_inside_their_window(web: Web) -> None:
    playlist_id = _create(web)
    call_id = web.seeded.call_ids[0]
    with web.uow_factory() as uow:
        turns = uow.calls.load_turns(call_id)
    window = (turns[1].start_s, turns[2].end_s)
    _add_clip(web, playlist_id, call_id=call_id, start_s=window[0], end_s=window[1])
    shown = _get(web, playlist_id, "agent2")["clips"][0]["turns"]
    inside = [t.text for t in turns if t.end_s > window[0] and t.start_s < window[1]]
    assert [turn["text"] for turn in shown] == inside
    assert turns[0].text not in [turn["text"] for turn in shown]


def test_an_agent_hears_another_agents_clip_through_the_playlist_only(web: Web) -> None:
    playlist_id = _create(web)
    other_call = web.seeded.audio_call_ids[1]
    clip_id = _add_clip(web, playlist_id, call_id=other_call, start_s=1, end_s=3)
    clip_for_inspector = _get(web, playlist_id)["clips"][0]
    assert clip_for_inspector["audio_url"] == f"/api/v1/calls/{other_call}/audio"
    assert (clip_for_inspector["play_from"], clip_for_inspector["play_to"]) == (1, 3)

    agent = web.token("agent")  # agent 3107 does not own DEMO-0002
    clip = _get(web, playlist_id, "agent")["clips"][0]
    assert clip["audio_url"] == f"{API}/{playlist_id}/clips/{clip_id}/audio"
    assert (clip["play_from"], clip["play_to"]) == (0, 2)
    assert "agent_id" not in json.dumps(clip) and "msisdn" not in json.dumps(clip)
    audio = TestClient(web.app).get(clip["audio_url"], headers=agent)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as heard:
        assert heard.getnframes() / heard.getframerate() == pytest.approx(2.0, abs=0.01)
    assert _audit(web, "playlist.clip_played", playlist_id) == [
        {"clip_id": clip_id, "start_s": 1.0, "end_s": 3.0}
    ]
    assert TestClient(web.app).get(clip["audio_url"], headers=web.token("admin")).status_code == 403


def test_a_transcript_only_clip_has_no_audio(web: Web) -> None:
    playlist_id = _create(web)
    transcript_call = web.seeded.call_ids[-1]
    clip_id = _add_clip(web, playlist_id, call_id=transcript_call)
    clip = _get(web, playlist_id, "agent")["clips"][0]
    assert clip["has_recording"] is False and clip["audio_url"] is None and clip["turns"]
    audio = TestClient(web.app).get(
        f"{API}/{playlist_id}/clips/{clip_id}/audio", headers=web.token("inspector")
    )
    assert audio.status_code == 404


def test_exports_carry_every_clip_and_are_audited(web: Web) -> None:
    playlist_id = _create(web, title="导出测试")
    good = _add_clip(web, playlist_id, note="规范开场", example="good")
    bad = _add_clip(
        web, playlist_id, call_id=web.seeded.call_ids[1], start_s=1, end_s=4, example="bad"
    )
    client, headers = TestClient(web.app), web.token("inspector")
    url = f"{API}/{playlist_id}/export"

    as_json = client.get(url, params={"format": "json"}, headers=headers)
    assert as_json.status_code == 200 and "attachment" in as_json.headers["content-disposition"]
    exported = as_json.json()
    assert exported["title"] == "导出测试"
    assert [(c["id"], c["example"]) for c in exported["clips"]] == [
        (good, "good"),
        (bad, "bad"),
    ]

    as_csv = client.get(url, params={"format": "csv"}, headers=headers)
    rows = list(csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert [(r["call_id"], r["example"], r["note"]) for r in rows] == [
        (web.seeded.audio_call_ids[0], "good", "规范开场"),
        (web.seeded.call_ids[1], "bad", ""),
    ]
    assert rows[1]["start_s"] == "1.0" and rows[1]["end_s"] == "4.0" and rows[1]["transcript"]

    as_html = client.get(url, params={"format": "html"}, headers=headers)
    assert as_html.status_code == 200 and "text/html" in as_html.headers["content-type"]
    assert (
        "导出测试" in as_html.text and "规范开场" in as_html.text and "<script" not in as_html.text
    )

    formats = [
        detail and detail["format"] for detail in _audit(web, "playlist.exported", playlist_id)
    ]
    assert sorted(formats) == ["csv", "html", "json"]
    refused = client.get(url, params={"format": "json"}, headers=web.token("agent"))
    assert refused.status_code == 403
    assert client.get(url, params={"format": "pdf"}, headers=headers).status_code == 422


def test_edits_are_audited_and_a_deleted_playlist_is_gone(web: Web) -> None:
    playlist_id = _create(web)
    _add_clip(web, playlist_id)
    client, headers = TestClient(web.app), web.token("inspector")
    assert (
        client.patch(f"{API}/{playlist_id}", json={"title": "新标题"}, headers=headers).status_code
        == 204
    )
    assert _get(web, playlist_id)["title"] == "新标题"
    assert (
        client.patch(f"{API}/{playlist_id}", json={"title": None}, headers=headers).status_code
        == 422
    )
    assert client.delete(f"{API}/{playlist_id}", headers=headers).status_code == 204
    assert client.get(f"{API}/{playlist_id}", headers=headers).status_code == 404
    for action in (
        "playlist.created",
        "playlist.clip_added",
        "playlist.updated",
        "playlist.deleted",
    ):
        assert len(_audit(web, action, playlist_id)) == 1, action
