"""The call API and page: who may open which call, masking, audio with Range, audit entries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.conftest import Web
from tiexin.adapters.storage.tables import audit_log

EVERY_CALL = ("inspector", "supervisor", "admin")


def _audit_count(web: Web, action: str, resource_id: str) -> int:
    with web.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.id).where(
                (audit_log.c.action == action) & (audit_log.c.resource_id == resource_id)
            )
        ).all()
    return len(rows)


@pytest.mark.parametrize("username", EVERY_CALL)
def test_roles_that_see_every_call_get_the_detail(web: Web, username: str) -> None:
    call_id = web.seeded.other_call_id
    response = web.client(username).get(f"/api/v1/calls/{call_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["call_id"] == call_id and body["turns"] and body["features"]
    turn = body["turns"][0]
    assert {"role", "start", "end", "text", "sentiment", "confidence"} <= turn.keys()
    evaluation = body["evaluations"][0]
    assert evaluation["items"] and evaluation["score_source"] == "automatic"
    assert evaluation["items"][0]["name"]  # item names come from the scorecard


def test_an_agent_sees_their_own_call_but_never_another_agents(web: Web) -> None:
    agent = web.client("agent")
    assert agent.get(f"/api/v1/calls/{web.seeded.agent_call_id}").status_code == 200
    other = agent.get(f"/api/v1/calls/{web.seeded.other_call_id}")
    assert other.status_code == 404 and "turns" not in other.text
    assert agent.get(f"/api/v1/calls/{web.seeded.other_call_id}/audio").status_code == 404


def test_an_agent_does_not_see_evaluations_before_release(web: Web) -> None:
    body = web.client("agent2").get(f"/api/v1/calls/{web.seeded.other_call_id}").json()
    assert body["evaluations"] == []


def test_an_account_manager_may_not_open_calls(web: Web) -> None:
    manager = web.client("manager")
    assert manager.get(f"/api/v1/calls/{web.seeded.agent_call_id}").status_code == 403
    assert manager.get(f"/api/v1/calls/{web.seeded.agent_call_id}/audio").status_code == 403


def test_unknown_call_is_404(web: Web) -> None:
    assert web.client("inspector").get("/api/v1/calls/NOPE-1").status_code == 404
    page = web.client("inspector").get("/calls/NOPE-1", headers={"accept": "text/html"})
    assert page.status_code == 404


@pytest.mark.parametrize(("username", "masked"), [("inspector", True), ("supervisor", False)])
def test_customer_number_is_masked_unless_the_role_may_see_it(
    web: Web, username: str, masked: bool
) -> None:
    number = (
        web.client(username)
        .get(f"/api/v1/calls/{web.seeded.agent_call_id}")
        .json()["customer_msisdn"]
    )
    assert number and ("****" in number) is masked


def test_opening_a_call_is_audited(web: Web) -> None:
    call_id = web.seeded.call_ids[-1]
    before = _audit_count(web, "call.view", call_id)
    web.client("inspector").get(f"/api/v1/calls/{call_id}", headers=web.token("inspector"))
    assert _audit_count(web, "call.view", call_id) == before + 1


def test_audio_streams_with_range_and_audits_only_the_start_of_a_playback(web: Web) -> None:
    call_id = web.seeded.audio_call_ids[1]
    client = web.client("supervisor")
    before = _audit_count(web, "audio.play", call_id)
    whole = client.get(f"/api/v1/calls/{call_id}/audio")
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes" and whole.content[:4] == b"RIFF"
    first = client.get(f"/api/v1/calls/{call_id}/audio", headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and len(first.content) == 100
    assert first.headers["content-range"] == f"bytes 0-99/{len(whole.content)}"
    later = client.get(f"/api/v1/calls/{call_id}/audio", headers={"Range": "bytes=1000-"})
    assert later.status_code == 206 and later.content == whole.content[1000:]
    assert _audit_count(web, "audio.play", call_id) == before + 2  # the chunk at 1000 is not


def test_audio_needs_the_play_permission(web: Web) -> None:
    call_id = web.seeded.audio_call_ids[0]
    assert web.client("admin").get(f"/api/v1/calls/{call_id}/audio").status_code == 403
    assert web.client("agent").get(f"/api/v1/calls/{call_id}/audio").status_code == 200


def test_a_transcript_only_call_has_no_recording(web: Web) -> None:
    call_id = web.seeded.call_ids[-1]
    response = web.client("inspector").get(f"/api/v1/calls/{call_id}/audio")
    assert response.status_code == 404 and "transcript" in response.json()["detail"]
    page = web.client("inspector").get(f"/calls/{call_id}")
    assert 'id="no-player"' in page.text and 'id="waveform"' not in page.text


def test_the_page_has_player_transcript_findings_and_chart_in_chinese_and_english(
    web: Web,
) -> None:
    call_id = web.seeded.audio_call_ids[0]
    client = web.client("inspector")
    page = client.get(f"/calls/{call_id}")
    assert page.status_code == 200
    for marker in ('id="waveform"', 'class="turn ', 'id="sentiment-chart"', "对话转写"):
        assert marker in page.text
    assert "/static/vendor/wavesurfer.min.js" in page.text
    english = client.get(f"/calls/{call_id}?lang=en")
    assert "Transcript" in english.text


def test_the_page_names_sections_and_shows_the_operators_local_time(web: Web) -> None:
    call = web.client("inspector").get(f"/api/v1/calls/{web.seeded.agent_call_id}").json()
    page = web.client("inspector").get(f"/calls/{web.seeded.agent_call_id}").text
    assert call["evaluations"][0]["dimension_names"]["voice_quality"] == "语音质量"
    assert ">语音质量</th>" in page
    # DEMO-0001 starts at 09:12 in Beijing (01:12 UTC); staff read the hotline's clock.
    assert "<dd>2025-06-02 09:12</dd>" in page
