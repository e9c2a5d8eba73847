"""Authorisation decision latency with 10,000 users in 100 workspaces.

Usage::

    python -m bench.authz                 # 10,000 users, 100 workspaces, 6,000 random decisions
    python -m bench.authz --quick         # 2,000 decisions
    python -m bench.authz --json bench/results/authz.json

Target: decision p99 under 1 ms. Each decision builds the principal from its roles in the
resource's workspace (a lookup in the membership table, held in memory here) and asks Cedar with
only that principal and the resource as entities, on the policy set and schema parsed once.

Baselines, decided in the same run on the same requests (and checked to agree):

1. ``reparse``: the same request, entities and policies, but the policy text and the schema are
   parsed on every call, as a straightforward ``cedarpy.is_authorized(request, text, ...)`` does.
2. ``all_entities``: the policies parsed once, but the entity set holds every user with every
   membership (parsed once into a handle) and each request adds its resource to it, which is what
   passing "all users" costs as the population grows (fewer decisions: it is slow).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cedarpy
import numpy as np
from pixellift.core.access.authorizer import Authorizer, cedar_entities, cedar_request
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.model import APPLIES_TO, Action, Principal, PrincipalKind, Resource, Role

SEED = 20261126  # fixed: the population and the requests repeat run to run

Memberships = dict[tuple[str, str], frozenset[Role]]
Request = tuple[str, Action, Resource]


def population(users: int, workspaces: int, rng: np.random.Generator) -> Memberships:
    """Each user holds one to three roles in one to three workspaces."""
    roles = list(Role)
    table: Memberships = {}
    for u in range(users):
        for w in rng.choice(workspaces, size=int(rng.integers(1, 4)), replace=False):
            held = rng.choice(len(roles), size=int(rng.integers(1, 4)), replace=False)
            table[(f"u{u}", f"w{int(w)}")] = frozenset(roles[i] for i in held)
    return table


def requests(
    count: int, users: int, workspaces: int, members: Memberships, rng: np.random.Generator
) -> list[Request]:
    """Random decisions: half in a workspace the user belongs to, half anywhere."""
    own: dict[str, list[str]] = {}
    for user, ws in members:
        own.setdefault(user, []).append(ws)
    actions = list(Action)
    out: list[Request] = []
    for i in range(count):
        user = f"u{int(rng.integers(users))}"
        ws = own[user][0] if i % 2 else f"w{int(rng.integers(workspaces))}"
        action = actions[int(rng.integers(len(actions)))]
        kind = sorted(APPLIES_TO[action])[int(rng.integers(len(APPLIES_TO[action])))]
        out.append(
            (user, action, Resource(kind=kind, id=f"r{int(rng.integers(1000))}", workspace_id=ws))
        )
    return out


def principal(user: str, workspace: str, members: Memberships) -> Principal:
    roles = members.get((user, workspace))
    return Principal(kind=PrincipalKind.USER, id=user, roles={workspace: roles} if roles else {})


Timed = tuple[list[float], list[float], list[bool]]


def _timed(decide: Callable[[Request], bool], batch: list[Request]) -> Timed:
    """Wall-clock and thread-CPU milliseconds of each decision, and the answers."""
    wall: list[float] = []
    cpu: list[float] = []
    answers: list[bool] = []
    for request in batch:
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        answers.append(decide(request))
        cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
        wall.append((time.perf_counter_ns() - start) / 1e6)
    return wall, cpu, answers


def _p(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 4)


def _summary(wall: list[float], cpu: list[float]) -> dict[str, float]:
    ordered, ordered_cpu = sorted(wall), sorted(cpu)
    return {
        "decisions": len(ordered),
        "p50_ms": _p(ordered, 0.5),
        "p99_ms": _p(ordered, 0.99),
        "mean_ms": round(statistics.fmean(ordered), 4),
        "cpu_p50_ms": _p(ordered_cpu, 0.5),
        "cpu_p99_ms": _p(ordered_cpu, 0.99),
    }


def run(users: int, workspaces: int, count: int) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    members = population(users, workspaces, rng)
    batch = requests(count, users, workspaces, members, rng)
    blueprint = load_blueprint()
    authorizer = Authorizer(blueprint)

    def contender(r: Request) -> bool:
        user, action, resource = r
        return authorizer.decide(
            principal(user, resource.workspace_id, members), action, resource
        ).allowed

    def reparse(r: Request) -> bool:
        user, action, resource = r
        p = principal(user, resource.workspace_id, members)
        result = cedarpy.is_authorized(
            cedar_request(p, action, resource),
            blueprint.text,
            cedar_entities(p, resource),
            schema=blueprint.schema_text,
        )
        return result.allowed

    everyone: dict[str, dict[str, list[str]]] = {}
    for (user, ws), roles in members.items():
        everyone.setdefault(user, {})[ws] = sorted(roles)
    base = cedarpy.Entities.from_json_str(
        json.dumps(
            [
                {
                    "uid": {"type": "PixelLift::User", "id": u},
                    "attrs": {},
                    "parents": [],
                    "tags": tags,
                }
                for u, tags in everyone.items()
            ]
        )
    )

    def all_entities(r: Request) -> bool:
        user, action, resource = r
        p = principal(user, resource.workspace_id, members)
        delta = json.dumps([cedar_entities(p, resource)[1]])
        result = cedarpy.is_authorized(
            cedar_request(p, action, resource), blueprint.policies, base.with_added_json_str(delta)
        )
        return result.allowed

    contender(batch[0])  # warm up
    rounds = 5
    size = len(batch) // rounds
    fast: tuple[list[float], list[float]] = ([], [])
    slow: tuple[list[float], list[float]] = ([], [])
    agree = True
    for k in range(rounds):  # interleaved, so drift on a shared machine hits both alike
        part = batch[k * size : (k + 1) * size]
        w1, c1, a1 = _timed(contender, part)
        w2, c2, a2 = _timed(reparse, part)
        fast[0].extend(w1)
        fast[1].extend(c1)
        slow[0].extend(w2)
        slow[1].extend(c2)
        agree &= a1 == a2
    sample = batch[: max(100, count // 20)]
    w3, c3, a3 = _timed(all_entities, sample)
    agree &= a3 == [contender(r) for r in sample]
    allowed = sum(contender(r) for r in batch)
    contender_summary = _summary(*fast)
    reparse_summary = _summary(*slow)
    everyone_summary = _summary(w3, c3)
    return {
        "users": users,
        "workspaces": workspaces,
        "memberships": len(members),
        "policies": len(blueprint.policy_ids),
        "allowed_share": round(allowed / len(batch), 3),
        "decisions_agree": agree,
        "contender": contender_summary,
        "baseline_reparse": reparse_summary,
        "baseline_all_entities": everyone_summary,
        "p99_speedup_vs_reparse": round(reparse_summary["p99_ms"] / contender_summary["p99_ms"], 1),
        "p99_speedup_vs_all_entities": round(
            everyone_summary["p99_ms"] / contender_summary["p99_ms"], 1
        ),
        "cpu_p99_speedup_vs_reparse": round(
            reparse_summary["cpu_p99_ms"] / contender_summary["cpu_p99_ms"], 1
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.authz", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="2,000 decisions")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    result = run(10_000, 100, 2_000 if args.quick else 6_000)
    result["machine"] = {"python": platform.python_version(), "processor": platform.machine()}
    c, r, e = result["contender"], result["baseline_reparse"], result["baseline_all_entities"]
    print(  # noqa: T201
        f"{result['users']:,} users, {result['workspaces']} workspaces, "
        f"{result['memberships']:,} memberships, {result['policies']} policies; "
        f"decisions agree: {result['decisions_agree']}\n"
        f"authoriser: p50 {c['p50_ms']} ms, p99 {c['p99_ms']} ms over {c['decisions']:,} "
        f"decisions (target p99 < 1 ms); CPU time p50 {c['cpu_p50_ms']} ms, "
        f"p99 {c['cpu_p99_ms']} ms\n"
        f"re-parsing baseline: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
        f"CPU p99 {r['cpu_p99_ms']} ms "
        f"(p99 x{result['p99_speedup_vs_reparse']})\n"
        f"all-users-as-entities baseline: p50 {e['p50_ms']} ms, p99 {e['p99_ms']} ms over "
        f"{e['decisions']} decisions (p99 x{result['p99_speedup_vs_all_entities']})"
    )
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["decisions_agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
