"""The HTTP edge under abuse (issue 7): how fast a fragment fan-out is refused, whether a
bystander waits meanwhile, and what oversized and cache-filling queries do to memory.

    .venv/bin/python -m benchmarks.http_edge [--levels 20] [--rounds 50]

Starts the real server (`uvicorn server:app`, one worker, SQLite in a temporary folder, demo
data) in a second process and measures it from this one:

1. fan-out: `query{...F0} fragment F0 on Query{...F1 ...F1} ... fragment F<levels> on
   Query{__typename}` posted `rounds` times, one after another, each with a distinct
   comment (so never from the cache): time to the refusal;
2. bystander: while four clients post the fan-out in a loop, `GET /healthz` latency, against
   the same with no fan-out running;
3. memory: the server's RSS before and after 20 distinct 10 MB comment-padded queries (each
   refused 413 from its Content-Length), then after 2,000 distinct valid queries
   (GraphiQL's introspection query, each with its own comment: parsed, validated, run and
   kept, the cache bounded by QUERY_CACHE_ENTRIES and QUERY_CACHE_BYTES).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from graphql import get_introspection_query

ROOT = Path(__file__).resolve().parent.parent
PAGE = resource.getpagesize()


def fan_out(levels: int) -> str:
    return " ".join(
        ["query{...F0}"]
        + [f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(levels)]
        + [f"fragment F{levels} on Query{{__typename}}"]
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mib(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def start(folder: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATA_DIR": str(folder),
        "SECRET_KEY": "benchmark",
        "SWEEP_INTERVAL": "0",
        "ORPHAN_SWEEP_INTERVAL": "0",
    }
    env.pop("DATABASE_URL", None)  # the embedded SQLite, with the demo county
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("wb"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start (see {folder / 'server.log'})")


def ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return (
        f"median {statistics.median(values) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {values[-1] * 1000:.1f} ms"
    )


async def refusals(client: httpx.AsyncClient, levels: int, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        # A distinct text each time, as an attacker would send: parsed and validated afresh.
        query = f"{fan_out(levels)} # {time.perf_counter_ns()}"
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": query})
        times.append(time.perf_counter() - started)
        code = response.json()["errors"][0]["extensions"]["code"]
        assert code == "QUERY_TOO_COMPLEX", response.text
    return times


async def bystander(client: httpx.AsyncClient, seconds: float) -> list[float]:
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        assert (await client.get("/healthz")).status_code == 200
        times.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="http-edge-") as tmp:
        port = free_port()
        server = start(Path(tmp), port)
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                await refusals(client, args.levels, 3)  # warm up
                times = await refusals(client, args.levels, args.rounds)
                print(f"{args.levels}-level fan-out refused: {ms(times)}")

                alone = await bystander(client, 3)
                stop = asyncio.Event()

                async def attacker() -> None:
                    async with httpx.AsyncClient(base_url=base, timeout=120) as own:
                        while not stop.is_set():
                            await refusals(own, args.levels, 1)

                attackers = [asyncio.create_task(attacker()) for _ in range(4)]
                during = await bystander(client, 5)
                stop.set()
                await asyncio.gather(*attackers)
                print(f"/healthz alone: {ms(alone)}")
                print(f"/healthz while 4 clients post the fan-out: {ms(during)}")

                before = rss_mib(server.pid)
                padding = 10 * 1024 * 1024
                for i in range(20):
                    body = {"query": f"{{ __typename }} # {i} " + "x" * padding}
                    response = await client.post("/graphql", json=body)
                    assert response.status_code == 413, response.status_code
                after = rss_mib(server.pid)
                print(
                    f"RSS before 20 distinct 10 MB queries {before:.1f} MiB, after "
                    f"{after:.1f} MiB ({after - before:+.1f} MiB)"
                )
                # Valid, so kept: GraphiQL's introspection query, each with its own comment.
                introspection = get_introspection_query(descriptions=True)
                for i in range(2000):
                    query = f"{introspection} # {i}"
                    response = await client.post("/graphql", json={"query": query})
                    assert "errors" not in response.json(), response.text[:300]
                filled = rss_mib(server.pid)
                print(
                    f"RSS after 2,000 distinct introspection queries (the document cache full) "
                    f"{filled:.1f} MiB ({filled - before:+.1f} MiB from the start)"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
