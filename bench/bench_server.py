"""What people wait for at the server: `crm serve` started for real on 127.0.0.1 over an existing
deployment (a world from bench/world.py), then 1 and 50 concurrent clients, each a salesperson
with their own API token, for `--seconds` each: the customer list (a page of 50), a name-prefix
search, a customer's 360 view, logging an interaction. Prints p50/p95/p99 per request kind,
throughput and every answer that was not 2xx.

    python bench/bench_server.py --db sqlite:////tmp/w.db
    python bench/bench_server.py --db postgresql+psycopg://... --workers 2 --clients 1 --clients 50

Targets (docs/benchmarks.md): p95 <= 50 ms with one client, <= 150 ms with 50, on a 2-core
machine where the clients share the cores with the server. The tokens it creates are revoked at
the end; the interactions it logs stay (they are the load). Bounded: it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

import httpx

from crm_core.api.crm import Crm
from crm_core.kernel.deployment import Deployment, open_deployment

TARGETS_MS = {1: 50.0, 50: 150.0}
KINDS = ("list", "prefix", "360", "log")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _salespeople(deployment: Deployment, count: int) -> list[str]:
    with Crm(deployment).as_user("admin") as desk:
        people = [u.login for u in desk.users.list() if u.role == "sales" and u.active]
    people = [p for p in people if p != "leaver"]
    return sorted(people, key=lambda login: (len(login), login))[:count]


def _tokens(deployment: Deployment, logins: list[str]) -> dict[str, str]:
    with Crm(deployment).as_user("admin", write=True) as desk:
        return {
            login: desk.tokens.create(login, "bench_server", "write").secret for login in logins
        }


def _revoke(deployment: Deployment) -> None:
    with Crm(deployment).as_user("admin", write=True) as desk:
        for token in desk.tokens.list():
            if token.name == "bench_server" and token.revoked_at is None:
                desk.tokens.revoke(token.id)


def _start(url: str, port: int, workers: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "crm_core.cli.main", "--db", url, "serve"]
    command += ["--port", str(port), "--workers", str(workers), "--no-jobs"]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting")
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not answer /healthz within 120 s")


class Person:
    """One salesperson's client: what they own (for 360 views and prefixes) and their token."""

    def __init__(self, login: str, token: str, customers: list[dict[str, Any]]) -> None:
        self.login = login
        self.headers = {"authorization": f"Bearer {token}", "accept-language": "zh"}
        # Their own customers: the shared pool's may be viewed but not logged against.
        self.ids = [c["id"] for c in customers if c.get("owner") == login] or [1]
        self.prefixes = [c["name"][:2] for c in customers if c.get("name")] or ["华"]


async def _prepare(base: str, tokens: dict[str, str]) -> list[Person]:
    people = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for login, token in tokens.items():
            headers = {"authorization": f"Bearer {token}"}
            # Their own customers (a first page of everything they see starts with the pool).
            page = await client.get(
                "/api/v1/customers", params={"owner": login, "limit": 50}, headers=headers
            )
            page.raise_for_status()
            people.append(Person(login, token, page.json()))
    return people


async def _load(
    base: str,
    people: list[Person],
    clients: int,
    seconds: float,
    log_path: str,
    seed: int,
    think: float = 0.0,
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    times: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        stop = time.monotonic() + seconds

        async def one(person: Person) -> None:
            while time.monotonic() < stop:
                if think:  # a person reads the answer before the next click
                    await asyncio.sleep(rng.expovariate(1 / think))
                kind = rng.choice(KINDS)
                started = time.perf_counter()
                if kind == "list":
                    answer = await client.get(
                        "/api/v1/customers", params={"limit": 50}, headers=person.headers
                    )
                elif kind == "prefix":
                    answer = await client.get(
                        "/api/v1/customers",
                        params={"prefix": rng.choice(person.prefixes), "limit": 50},
                        headers=person.headers,
                    )
                elif kind == "360":
                    answer = await client.get(
                        f"/api/v1/customers/{rng.choice(person.ids)}", headers=person.headers
                    )
                else:
                    answer = await client.post(
                        log_path,
                        json={
                            "customer": str(rng.choice(person.ids)),
                            "kind": "call",
                            "notes": "电话回访，客户询问报价",
                        },
                        headers=person.headers,
                    )
                took = (time.perf_counter() - started) * 1000
                if answer.is_success:
                    times[kind].append(took)
                else:
                    failures[f"{kind} {answer.status_code}"] += 1

        begun = time.monotonic()
        await asyncio.gather(*(one(people[n % len(people)]) for n in range(clients)))
        elapsed = time.monotonic() - begun
    return times, failures, elapsed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _log_path(base: str, token: str) -> str:
    document = httpx.get(
        f"{base}/api/openapi.json", headers={"authorization": f"Bearer {token}"}, timeout=60
    ).json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("operationId") == (
                "interactions_log_post"
            ):
                return str(path)
    raise SystemExit("the server has no route for `crm interactions log`")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="database URL of an existing deployment")
    parser.add_argument("--clients", type=int, action="append", help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=30, help="length of each run")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--label", default="", help="prefix for each printed line")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds each client waits between requests (0: back to back, the ceiling)",
    )
    args = parser.parse_args()
    sizes = args.clients or [1, 50]
    deployment = open_deployment(args.db)
    logins = _salespeople(deployment, max(sizes))
    if not logins:
        raise SystemExit("the deployment has no active salesperson")
    tokens = _tokens(deployment, logins)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(args.db, port, args.workers)
    code = 0
    try:
        log_path = _log_path(base, next(iter(tokens.values())))
        people = asyncio.run(_prepare(base, tokens))
        for clients in sizes:
            times, failures, elapsed = asyncio.run(
                _load(base, people, clients, args.seconds, log_path, clients, args.think)
            )
            total = sum(len(v) for v in times.values())
            target = TARGETS_MS.get(clients)
            print(
                f"{args.label}{clients} client(s), {args.workers} worker(s): "
                f"{total / elapsed:.0f} requests/s over {elapsed:.0f} s"
                + (f", {args.think:g} s mean think time" if args.think else "")
                + (f" (target p95 <= {target:.0f} ms)" if target else "")
            )
            for kind in KINDS:
                got = times.get(kind, [])
                if not got:
                    print(f"{args.label}  {kind}: no successful request")
                    continue
                print(
                    f"{args.label}  {kind:<6} n={len(got):<6} p50 {statistics.median(got):6.1f} ms"
                    f"  p95 {_percentile(got, 0.95):6.1f} ms  p99 {_percentile(got, 0.99):6.1f} ms"
                )
            for what, count in sorted(failures.items()):
                print(f"{args.label}  not 2xx: {what} x{count}")
                code = 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        _revoke(deployment)
        deployment.engine.dispose()
    return code


if __name__ == "__main__":
    os.environ.setdefault("CRM_LANG", "en")
    sys.exit(main())
