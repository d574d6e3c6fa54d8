"""The storage layer on SQLite and PostgreSQL: migrations, repository, unit of work."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tiexin.adapters.storage import (
    CallNotFoundError,
    SqlUnitOfWork,
    StaleAnalysisError,
    make_engine,
    make_session_factory,
    migrate,
)
from tiexin.adapters.storage.tables import (
    SEARCH_INDEX,
    call_turns,
    calls,
    include_object_for,
    metadata,
)
from tiexin.domain.calls import (
    AudioInfo,
    CallAnalysis,
    CallFeatures,
    CallMetadata,
    CallSource,
    CallStatus,
    Direction,
    Role,
    Turn,
    TurnMeasure,
)
from tiexin.features.extract import features_to_dict

BEIJING = timezone(timedelta(hours=8))
HASH_A = "a" * 64
HASH_B = "b" * 64


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def uow(sessions: sessionmaker[Session]) -> SqlUnitOfWork:
    return SqlUnitOfWork(sessions)


def meta(call_id: str, **fields: Any) -> CallMetadata:
    defaults: dict[str, Any] = {"file": f"{call_id}.wav", "line": "10088"}
    return CallMetadata(call_id=call_id, **{**defaults, **fields})


def turns(*texts: str) -> tuple[Turn, ...]:
    roles = (Role.AGENT, Role.CUSTOMER)
    return tuple(
        Turn(role=roles[i % 2], start_s=2.0 * i, end_s=2.0 * i + 1.5, text=t, confidence=0.9)
        for i, t in enumerate(texts)
    )


def features(turn_count: int, **extra: float) -> CallFeatures:
    measures = tuple(
        TurnMeasure(speech_rate=200.0 + i, sentiment=None if i % 2 == 0 else 0.5)
        for i in range(turn_count)
    )
    return CallFeatures(
        duration_s=30.0,
        talk_time_s={"agent": 10.0, "customer": 8.0},
        talk_ratio={"agent": 0.55, "customer": 0.45},
        silence_total_s=2.0,
        longest_silence_s=1.0,
        silences_over_threshold=(),
        silence_threshold_s=3.0,
        overtalk_events=(),
        response_latency_s={"agent": 0.4, "customer": None},
        speech_rate={"agent": 210.0, "customer": 190.0},
        speech_rate_unit="cpm",
        turn_measures=measures,
        channel_levels=(),
        customer_sentiment_start=0.1,
        customer_sentiment_end=0.5,
        customer_sentiment_trajectory=0.4,
        extra=dict(extra),
    )


def analysis(call_id: str, call_turns: tuple[Turn, ...], **fields: Any) -> CallAnalysis:
    values: dict[str, Any] = {
        "call_id": call_id,
        "content_hash": HASH_A,
        "language": "zh",
        "duration_s": 30.0,
        "turns": call_turns,
        "features": features(len(call_turns)),
        "notes": ("roles by channel",),
        "audio": AudioInfo(codec="pcm_s16le", sample_rate=8000, channels=2, duration_s=30.0),
        "asr_model": "whisper-base",
    }
    return CallAnalysis(**{**values, **fields})


def queue(uow: SqlUnitOfWork, *call_ids: str, content_hash: str = HASH_A) -> None:
    with uow:
        for call_id in call_ids:
            uow.calls.add_queued(
                meta(call_id),
                source=CallSource.AUDIO,
                content_hash=content_hash,
                file_path=f"/rec/{call_id}.wav",
            )
        uow.commit()


def test_migrate_twice_and_tables_match_the_migration(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0011"
        opts = {"compare_type": True, "include_object": include_object_for(engine.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, metadata) == []


@pytest.mark.postgres
def test_concurrent_migrations_on_postgresql_wait_for_each_other(postgres_url: str) -> None:
    engines = [make_engine(postgres_url) for _ in range(3)]
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        start.wait()
        try:
            migrate(engine)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,), daemon=True) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "migrations deadlocked"
    for engine in engines:
        engine.dispose()
    assert errors == []


def test_sqlite_engine_creates_its_folder_and_sets_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'tiexin.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    finally:
        engine.dispose()
    assert (tmp_path / "a" / "b" / "tiexin.db").is_file()


def test_add_and_get_round_trip(uow: SqlUnitOfWork) -> None:
    start = datetime(2024, 5, 1, 9, 30, tzinfo=BEIJING)
    call = meta(
        "c1",
        start_time=start,
        direction=Direction.OUTBOUND,
        agent_id="A07",
        customer_msisdn="13800000000",
        duration_s=61.5,
        language="en",
    )
    with uow:
        uow.calls.add_queued(
            call, source=CallSource.AUDIO, content_hash=HASH_A, file_path="/rec/c1.wav"
        )
        uow.commit()
    with uow:
        stored = uow.calls.get("c1")
        assert uow.calls.get("missing") is None
    assert stored is not None
    assert stored.metadata == dataclasses.replace(call, file="/rec/c1.wav")
    assert stored.metadata.start_time == start
    assert stored.metadata.start_time is not None
    assert stored.metadata.start_time.utcoffset() == timedelta(0)
    assert (stored.status, stored.source, stored.content_hash) == (
        CallStatus.QUEUED,
        CallSource.AUDIO,
        HASH_A,
    )
    assert (stored.error, stored.attempts) == (None, 0)


def test_duplicate_call_id_is_refused(uow: SqlUnitOfWork) -> None:
    queue(uow, "c1")
    with pytest.raises(IntegrityError), uow:
        uow.calls.add_queued(
            meta("c1"), source=CallSource.AUDIO, content_hash=HASH_B, file_path=None
        )


def test_conflict_is_recorded_once_and_the_call_kept(uow: SqlUnitOfWork) -> None:
    queue(uow, "c1")
    with uow:
        for _ in range(2):
            uow.calls.record_conflict(
                "c1", file_path="/rec/again/c1.wav", existing_hash=HASH_A, new_hash=HASH_B
            )
        uow.commit()
    with uow:
        conflicts = uow.calls.conflicts()
        stored = uow.calls.get("c1")
    assert len(conflicts) == 1
    assert conflicts[0]["call_id"] == "c1"
    assert (conflicts[0]["existing_hash"], conflicts[0]["new_hash"]) == (HASH_A, HASH_B)
    assert conflicts[0]["file_path"] == "/rec/again/c1.wav"
    assert conflicts[0]["detected_at"].tzinfo is not None
    assert stored is not None
    assert stored.content_hash == HASH_A


def test_failed_rows_and_counts(uow: SqlUnitOfWork) -> None:
    queue(uow, "c1", "c2", "c3")
    with uow:
        uow.calls.add_failed(
            meta("bad-row"), reason="line 7: start_time is not a date", file_path=None
        )
        uow.calls.add_failed(meta("c1", line=""), reason="empty file (0 bytes)", file_path=None)
        uow.calls.mark_failed("c2", "ASR crashed")
        uow.calls.mark_failed("c2", "ASR crashed again")
        uow.commit()
    with uow:
        bad, first, second = (uow.calls.get(c) for c in ("bad-row", "c1", "c2"))
        assert uow.calls.counts() == {"queued": 1, "analysed": 0, "failed": 3}
        assert uow.calls.ids_with_status(CallStatus.FAILED) == ["c1", "c2", "bad-row"]
        assert uow.calls.ids_with_status(CallStatus.QUEUED, CallStatus.ANALYSED) == ["c3"]
        assert [c.metadata.call_id for c in uow.calls.pending()] == ["c3"]
    assert bad is not None and first is not None and second is not None
    assert (bad.status, bad.error, bad.file_path) == (
        CallStatus.FAILED,
        "line 7: start_time is not a date",
        None,
    )
    assert (first.error, first.file_path, first.metadata.line) == (
        "empty file (0 bytes)",
        "/rec/c1.wav",
        "10088",
    )
    assert (second.status, second.error, second.attempts) == (
        CallStatus.FAILED,
        "ASR crashed again",
        2,
    )


def test_unknown_call_is_reported(uow: SqlUnitOfWork) -> None:
    with uow, pytest.raises(CallNotFoundError, match="nope"):
        uow.calls.mark_failed("nope", "reason")
    with uow, pytest.raises(CallNotFoundError):
        uow.calls.save_analysis(analysis("nope", turns("你好")))


def test_requeue_takes_the_new_content_and_forgets_the_old_outcome(uow: SqlUnitOfWork) -> None:
    queue(uow, "c1")
    with uow:
        uow.calls.save_analysis(analysis("c1", turns("你好", "喂")))
        uow.calls.mark_failed("c1", "scoring failed")
        uow.calls.requeue(
            "c1", content_hash=HASH_B, file_path="/rec/fixed/c1.wav", meta=meta("c1", agent_id="A1")
        )
        uow.commit()
    with uow:
        stored = uow.calls.get("c1")
        assert uow.calls.load_turns("c1") == []
        assert [c.metadata.call_id for c in uow.calls.pending()] == ["c1"]
        exported = next(uow.calls.iter_export())
    assert stored is not None
    assert (stored.status, stored.error, stored.attempts, stored.content_hash) == (
        CallStatus.QUEUED,
        None,
        0,
        HASH_B,
    )
    assert (stored.file_path, stored.metadata.agent_id) == ("/rec/fixed/c1.wav", "A1")
    assert (exported["features"], exported["notes"], exported["duration_s"]) == (None, [], None)


def test_save_analysis_twice_keeps_one_set_of_turns(
    uow: SqlUnitOfWork, sessions: sessionmaker[Session]
) -> None:
    queue(uow, "c1")
    call_turns_ = turns("您好，请问有什么可以帮您？", "我的话费扣错了", "我帮您查一下")
    result = analysis("c1", call_turns_, original_texts=("orig 0", "orig 1", "orig 2"))
    for _ in range(2):
        with uow:
            uow.calls.save_analysis(result)
            uow.commit()
    with uow:
        stored = uow.calls.get("c1")
        assert uow.calls.load_turns("c1") == list(call_turns_)
        assert uow.calls.counts()["analysed"] == 1
    assert stored is not None
    assert (stored.status, stored.error, stored.metadata.language) == (
        CallStatus.ANALYSED,
        None,
        "zh",
    )
    with sessions() as session:
        rows = session.execute(select(call_turns).order_by(call_turns.c.idx)).all()
        call = session.execute(select(calls)).one()
    assert [(r.idx, r.sentiment, r.speech_rate, r.text_original) for r in rows] == [
        (0, None, 200.0, "orig 0"),
        (1, 0.5, 201.0, "orig 1"),
        (2, None, 202.0, "orig 2"),
    ]
    assert call.audio == {
        "codec": "pcm_s16le",
        "sample_rate": 8000,
        "channels": 2,
        "duration_s": 30.0,
    }
    assert call.analysed_at is not None and call.analysed_at.tzinfo is not None
    assert (call.asr_model, call.role_confidence) == ("whisper-base", 1.0)


def test_analysis_of_replaced_content_is_refused(uow: SqlUnitOfWork) -> None:
    queue(uow, "c1", content_hash=HASH_B)
    with uow, pytest.raises(StaleAnalysisError, match="c1"):
        uow.calls.save_analysis(analysis("c1", turns("你好")))


def test_turn_measures_must_align_with_turns(uow: SqlUnitOfWork) -> None:
    queue(uow, "c1")
    misaligned = analysis("c1", turns("你好", "喂"), features=features(1))
    with uow, pytest.raises(ValueError):
        uow.calls.save_analysis(misaligned)


def test_export_streams_every_call_in_order_with_its_fields(uow: SqlUnitOfWork) -> None:
    queue(uow, "c1", "c2", "c3", "c4", "c5")
    shuffled = (
        Turn(role=Role.CUSTOMER, start_s=5.0, end_s=6.0, text="later"),
        Turn(role=Role.AGENT, start_s=0.5, end_s=2.0, text="earlier"),
    )
    with uow:
        uow.calls.save_analysis(analysis("c2", shuffled, features=features(2, score=0.8)))
        uow.calls.mark_failed("c4", "not a readable audio file")
        uow.commit()
    with uow:
        exported = list(uow.calls.iter_export(batch_size=2))
    assert [e["call_id"] for e in exported] == ["c1", "c2", "c3", "c4", "c5"]
    assert set(exported[0]) == {
        "call_id", "status", "error", "language", "duration_s", "start_time", "direction",
        "line", "agent_id", "source", "role_confidence", "notes", "turns", "features",
        "evaluation",
    }  # fmt: skip
    analysed, failed = exported[1], exported[3]
    assert [t["text"] for t in analysed["turns"]] == ["earlier", "later"]
    assert analysed["turns"][0] == {
        "role": "agent",
        "start_s": 0.5,
        "end_s": 2.0,
        "text": "earlier",
    }
    assert analysed["features"] == features_to_dict(features(2, score=0.8))
    assert analysed["features"]["extra"] == {"score": 0.8}
    assert (analysed["status"], analysed["error"], analysed["notes"]) == (
        "analysed",
        None,
        ["roles by channel"],
    )
    assert (failed["status"], failed["error"], failed["turns"]) == (
        "failed",
        "not a readable audio file",
        [],
    )
    assert (exported[0]["source"], exported[0]["direction"], exported[0]["start_time"]) == (
        "audio",
        "inbound",
        None,
    )


def test_export_gives_start_time_in_iso_form(uow: SqlUnitOfWork) -> None:
    start = datetime(2024, 5, 1, 9, 30, tzinfo=BEIJING)
    with uow:
        uow.calls.add_queued(
            meta("c1", start_time=start),
            source=CallSource.AUDIO,
            content_hash=HASH_A,
            file_path=None,
        )
        uow.commit()
    with uow:
        (exported,) = uow.calls.iter_export()
    assert exported["start_time"] is not None
    assert datetime.fromisoformat(exported["start_time"]) == start.astimezone(UTC)


def test_transcript_turns_are_stored_on_queueing_but_not_exported(uow: SqlUnitOfWork) -> None:
    imported = turns("您好", "我想改套餐")
    with uow:
        uow.calls.add_queued(
            meta("t1", file="t1.json"),
            source=CallSource.TRANSCRIPT,
            content_hash=HASH_A,
            file_path="/imports/t1.json",
            turns=imported,
        )
        uow.commit()
    with uow:
        assert uow.calls.load_turns("t1") == list(imported)
        (exported,) = uow.calls.iter_export()
    assert (exported["source"], exported["status"], exported["turns"]) == (
        "transcript",
        "queued",
        [],
    )


def test_unicode_text_round_trips(uow: SqlUnitOfWork) -> None:
    text_ = "您好，贵宾专线 ☎️ 全球通套餐「畅享」—— café 𠀀"
    queue(uow, "通话-001")
    result = analysis(
        "通话-001",
        turns(text_, "好的"),
        notes=("角色按声道分配 ✓",),
        features=features(2),
    )
    with uow:
        uow.calls.save_analysis(result)
        uow.commit()
    with uow:
        assert uow.calls.load_turns("通话-001")[0].text == text_
        (exported,) = uow.calls.iter_export()
    assert exported["call_id"] == "通话-001"
    assert exported["turns"][0]["text"] == text_
    assert exported["notes"] == ["角色按声道分配 ✓"]


def test_an_exception_rolls_everything_back(uow: SqlUnitOfWork) -> None:
    with pytest.raises(RuntimeError), uow:
        uow.calls.add_queued(
            meta("c1"), source=CallSource.TRANSCRIPT, content_hash=HASH_A, file_path=None,
            turns=turns("一", "二"),
        )  # fmt: skip
        uow.calls.record_conflict("c1", file_path=None, existing_hash=HASH_A, new_hash=HASH_B)
        raise RuntimeError("boom")
    with uow:
        uow.calls.add_queued(
            meta("c2"), source=CallSource.AUDIO, content_hash=HASH_A, file_path=None
        )
        # leaving without commit() discards it too
    with uow:
        assert uow.calls.get("c1") is None
        assert uow.calls.get("c2") is None
        assert uow.calls.conflicts() == []
        assert uow.calls.load_turns("c1") == []


def test_deleting_a_call_deletes_its_turns(
    uow: SqlUnitOfWork, sessions: sessionmaker[Session]
) -> None:
    queue(uow, "c1")
    with uow:
        uow.calls.save_analysis(analysis("c1", turns("你好", "喂")))
        uow.commit()
    with sessions.begin() as session:
        session.execute(delete(calls))
    with sessions() as session:
        assert session.execute(select(call_turns)).all() == []


def test_concurrent_writers_on_different_calls(engine: Engine, uow: SqlUnitOfWork) -> None:
    per_thread = 15
    names = [[f"w{worker}-{n}" for n in range(per_thread)] for worker in range(2)]
    for call_ids in names:
        queue(uow, *call_ids)
    errors: list[BaseException] = []

    def work(call_ids: list[str]) -> None:
        own = SqlUnitOfWork(make_session_factory(engine))
        try:
            for call_id in call_ids:
                with own:
                    own.calls.save_analysis(analysis(call_id, turns("您好", "谢谢")))
                    own.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ids,), daemon=True) for ids in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "writers blocked"
    assert errors == []
    with uow:
        assert uow.calls.counts() == {"queued": 0, "analysed": 2 * per_thread, "failed": 0}
        assert all(len(uow.calls.load_turns(c)) == 2 for ids in names for c in ids)


def test_schema_has_the_expected_tables(engine: Engine) -> None:
    built = {
        name for name in inspect(engine).get_table_names() if not name.startswith(SEARCH_INDEX)
    }
    assert built == {"alembic_version", *metadata.tables}


def test_evaluations_keep_every_scorecard_version_and_export_the_latest(
    uow: SqlUnitOfWork,
) -> None:
    queue(uow, "e1")
    with uow:
        uow.calls.save_analysis(analysis("e1", ()))
        for version, total in (("1", 70.0), ("2", 80.0), ("2", 85.0)):
            uow.evaluations.save(
                "e1",
                scorecard_id="10088-vip",
                version=version,
                total=total,
                band=None,
                auto_failed=False,
                result={"scorecard": "10088-vip", "version": version, "total": total},
            )
        uow.commit()
    with uow:
        assert [e["total"] for e in uow.evaluations.for_call("e1")] == [85.0, 70.0]
        exported = list(uow.calls.iter_export())
    assert exported[0]["evaluation"] == {"scorecard": "10088-vip", "version": "2", "total": 85.0}
