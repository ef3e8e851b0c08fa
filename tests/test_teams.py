"""The team hierarchy and its closure table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.foundation.errors import ValidationError
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Team, TeamClosure
from crm_core.services import teams


def closure(deployment: Deployment) -> set[tuple[str, str, int]]:
    with deployment.work("admin") as ctx:
        names = dict(ctx.session.execute(select(Team.id, Team.name)).all())
        return {
            (names[a], names[d], depth)
            for a, d, depth in ctx.session.execute(
                select(TeamClosure.ancestor_id, TeamClosure.descendant_id, TeamClosure.depth)
            )
        }


def expected_closure(parents: dict[str, str | None]) -> set[tuple[str, str, int]]:
    pairs = set()
    for team in parents:
        node: str | None = team
        depth = 0
        while node is not None:
            pairs.add((node, team, depth))
            node = parents[node]
            depth += 1
    return pairs


def test_closure_follows_adds_and_moves(crm_deployment: Deployment) -> None:
    parents: dict[str, str | None] = {"A": None, "B": "A", "C": "B", "D": "C", "E": None}
    with crm_deployment.work("admin", write=True) as ctx:
        for name, parent in parents.items():
            teams.add(ctx, name, parent)
    assert closure(crm_deployment) == expected_closure(parents)
    with crm_deployment.work("admin", write=True) as ctx:
        teams.move(ctx, "C", "E")  # C takes D with it
    parents["C"] = "E"
    assert closure(crm_deployment) == expected_closure(parents)
    with crm_deployment.work("admin", write=True) as ctx:
        teams.move(ctx, "E", None)
        teams.move(ctx, "B", "D")
    parents["B"] = "D"
    assert closure(crm_deployment) == expected_closure(parents)


def test_cycles_are_refused(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        teams.add(ctx, "A")
        teams.add(ctx, "B", "A")
    with (
        pytest.raises(ValidationError, match="cycle"),
        crm_deployment.work("admin", write=True) as ctx,
    ):
        teams.move(ctx, "A", "B")
    with (
        pytest.raises(ValidationError, match="cycle"),
        crm_deployment.work("admin", write=True) as ctx,
    ):
        teams.move(ctx, "A", "A")
