"""Web latency on a large database: the call list (filters, search) and the call page API.

Usage: .venv/bin/python benchmarks/web.py [--calls 1000000] [--clients 20] [--requests 30]
       [--server-workers 2]

Synthetic calls are bulk-loaded with COPY into a fresh schema on TIEXIN_TEST_POSTGRES_URL
(dropped afterwards), `tiexin serve` runs on it, and `--clients` threads send `--requests`
requests each per scenario over loopback. Baseline in the same run: the bare SQL each list
request needs (the page query and the capped count), timed on one connection.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tiexin.adapters.storage import make_engine, make_session_factory, migrate
from tiexin.adapters.storage.call_list import SqlCallListRepository
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.demo.dialogues import DIALOGUES
from tiexin.domain.call_list import CallListQuery
from tiexin.features.search_text import index_tokens, query_tokens
from tiexin.services.auth import add_user
from tiexin.services.call_list import COUNT_CAP
from tiexin.web.routes.calls import CallListParams

PathMaker = Callable[[random.Random], str]
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "benchmark-password"
AGENTS = [str(3000 + n) for n in range(200)]
ITEMS = ["greeting", "identity", "closing", "empathy", "accuracy", "proactive", "hold"]
START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 180
TURNS_PER_CALL = 6
# Scenario name and the list query it sends; the call page is added separately.
LIST_SCENARIOS: list[tuple[str, dict[str, str]]] = [
    ("list, newest first", {}),
    (
        "list, agent + 7 days",
        {"agent_id": AGENTS[7], "date_from": "2025-03-01", "date_to": "2025-03-07"},
    ),
    ("list, score < 60 by score", {"score_max": "60", "sort": "score", "order": "asc"}),
    ("list, failed item + negative", {"failed_item": "empathy", "sentiment": "negative"}),
    ("search, common word", {"q": "流量"}),
    ("search, two words + agent", {"q": "宽带 投诉", "agent_id": AGENTS[3]}),
]


def _copy(connection: Any, table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> None:
    with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _dialogue_words() -> list[list[str]]:
    return [index_tokens(t.text for t in d.turns).split(" ") for d in DIALOGUES]


def _calls(count: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    for n in range(1, count + 1):
        started = START + timedelta(seconds=rng.randrange(DAYS * 86400))
        score = round(rng.triangular(20, 100, 88), 2)
        yield (
            n, f"B{n:08d}", "transcript", started, rng.choice(("inbound", "outbound")), "10088",
            rng.choice(AGENTS), f"139{rng.randrange(10**8):08d}", "analysed", 0,
            round(rng.uniform(30, 900), 1), now, now, n, score,
            "合格" if score >= 60 else "不合格", score < 25, round(rng.uniform(-1, 1), 3),
        )  # fmt: skip


def _load(engine: Engine, count: int) -> None:
    rng = random.Random(5)
    words = _dialogue_words()
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        _copy(
            connection,
            "calls",
            "id, call_id, source, start_time, direction, line, agent_id, customer_msisdn, "
            "status, attempts, duration_s, created_at, updated_at, evaluation_id, score, band, "
            "auto_failed, customer_sentiment_end",
            _calls(count, rng),
        )
        result = '{"scorecard": "10088-vip", "version": "1", "items": []}'
        evaluations = (
            (n, n, "10088-vip", "1", 80.0, "合格", False, result, START)
            for n in range(1, count + 1)
        )
        _copy(
            connection,
            "evaluations",
            "id, call_pk, scorecard_id, scorecard_version, total, band, auto_failed, result, "
            "created_at",
            evaluations,
        )
        failed = (
            (n, item)
            for n in range(1, count + 1)
            for item in rng.sample(ITEMS, rng.choice((0, 0, 1, 2)))
        )
        _copy(connection, "call_failed_items", "call_pk, item_id", failed)
        tokens = ((n, " ".join(rng.choice(words) + rng.choice(words))) for n in range(1, count + 1))
        _copy(connection, "call_search", "call_pk, tokens", tokens)
        turns = (
            (
                n,
                i,
                ("agent", "customer")[i % 2],
                3.0 * i,
                3.0 * i + 2.5,
                "您好，请问有什么可以帮您？",
            )
            for n in range(1, count + 1)
            for i in range(TURNS_PER_CALL)
        )
        _copy(connection, "call_turns", "call_pk, idx, role, start_s, end_s, text", turns)
        cursor = connection.cursor()
        for table in ("calls", "evaluations", "call_failed_items", "call_search", "call_turns"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SELECT setval(pg_get_serial_sequence('calls', 'id'), %s)", (count,))
        cursor.execute("SELECT setval(pg_get_serial_sequence('evaluations', 'id'), %s)", (count,))
        connection.commit()
    finally:
        raw.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(url: str, folder: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "TIEXIN_DATA_DIR": str(folder), "TIEXIN_DATABASE_URL": url}
    command = [sys.executable, "-m", "tiexin", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/login", timeout=1)
            return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("tiexin serve did not start")


def _fixed(path: str) -> PathMaker:
    return lambda _rng: path


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _run_clients(
    base: str, headers: dict[str, str], paths: PathMaker, clients: int, n: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            for _ in range(n):
                path = paths(rng)
                started = time.perf_counter()
                response = http.get(path)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    failures[0] += response.status_code != 200

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0]


def _query(params: dict[str, str]) -> CallListQuery:
    """The query the server builds from these parameters."""
    return CallListParams.model_validate(params).query()


def _sql_latency(engine: Engine, params: dict[str, str], repeats: int) -> list[float]:
    query = _query(params)
    samples = []
    with engine.connect() as connection:
        repository = SqlCallListRepository(connection)
        for _ in range(repeats):
            started = time.perf_counter()
            repository.page(query, None)
            if not query_tokens(query.filters.text or ""):  # as list_calls: no count for search
                repository.count(query.filters, None, cap=COUNT_CAP + 1)
            samples.append(time.perf_counter() - started)
    return samples


def _call_page_exists(base: str, headers: dict[str, str]) -> bool:
    return httpx.get(f"{base}/api/v1/calls/B00000001", headers=headers).status_code == 200


def _call_page_sql(engine: Engine, count: int, repeats: int) -> list[float]:
    rng = random.Random(3)
    samples = []
    with engine.connect() as connection:
        for _ in range(repeats):
            call_id = f"B{rng.randrange(1, count + 1):08d}"
            started = time.perf_counter()
            pk = connection.execute(
                text("SELECT id FROM calls WHERE call_id = :c"), {"c": call_id}
            ).scalar_one()
            connection.execute(text("SELECT * FROM calls WHERE id = :p"), {"p": pk}).all()
            connection.execute(
                text("SELECT * FROM call_turns WHERE call_pk = :p ORDER BY idx"), {"p": pk}
            ).all()
            connection.execute(
                text("SELECT * FROM evaluations WHERE call_pk = :p"), {"p": pk}
            ).all()
            samples.append(time.perf_counter() - started)
    return samples


def _report(name: str, http: list[float], failures: int, sql: list[float]) -> None:
    p50, p95 = _percentiles(http)
    s50, s95 = _percentiles(sql)
    print(
        f"{name:32s} HTTP {p50 * 1000:7.1f} {p95 * 1000:7.1f} ms"
        f"   SQL {s50 * 1000:6.1f} {s95 * 1000:6.1f} ms"
        f"   p50 ratio {p50 / s50:5.1f}   errors {failures}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="per client and scenario")
    parser.add_argument("--server-workers", type=int, default=2, help="tiexin serve --workers")
    args = parser.parse_args()
    server_url = os.environ.get("TIEXIN_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    schema = f"bench_web_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    server = None
    try:
        migrate(engine)
        started = time.perf_counter()
        _load(engine, args.calls)
        print(f"{args.calls} calls loaded in {time.perf_counter() - started:.0f} s")
        sessions = make_session_factory(engine)
        add_user(lambda: SqlUnitOfWork(sessions), "bench", role="inspector", password=PASSWORD)
        with tempfile.TemporaryDirectory() as folder:
            server, base = _serve(rendered, Path(folder), args.server_workers)
            login = httpx.post(
                f"{base}/api/v1/auth/login", json={"username": "bench", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            print(f"{args.clients} clients x {args.requests} requests per scenario; p50 p95")
            for name, params in LIST_SCENARIOS:
                path = f"/api/v1/calls?{httpx.QueryParams(params)}"
                latencies, failures = _run_clients(
                    base, headers, _fixed(path), args.clients, args.requests
                )
                _report(name, latencies, failures, _sql_latency(engine, params, 50))
            if _call_page_exists(base, headers):
                latencies, failures = _run_clients(
                    base,
                    headers,
                    lambda rng: f"/api/v1/calls/B{rng.randrange(1, args.calls + 1):08d}",
                    args.clients,
                    args.requests,
                )
                _report(
                    "call page API", latencies, failures, _call_page_sql(engine, args.calls, 50)
                )
            else:
                print("call page API: not available in this build, not measured")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
