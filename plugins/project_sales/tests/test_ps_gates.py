"""Stage gates: a project never sits past a stage whose gate is unmet."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Block2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_core.foundation.errors import NotFound, PermissionDenied, ValidationError
from crm_core.kernel.models import User
from crm_core.services import customers
from crm_project_sales.models import Project
from crm_project_sales.services import deliverables, money, pipeline, projects

CLOSE = date(2027, 3, 31)


def new_project(block2: Block2, category: str = "standard", owner: str = "ka") -> int:
    with block2.work(owner, write=True) as ctx:
        return projects.create(
            ctx,
            block2.customer,
            "净水系统改造",
            expected_amount="500000",
            expected_close=CLOSE,
            category=category,
        ).id


def deliver_gate(block2: Block2, project_id: int, tmp_path: Path, login: str = "ka") -> None:
    with block2.work(login, write=True) as ctx:
        project = projects.get(ctx, project_id)
        for need in pipeline.requirements(ctx, project.category):
            if need.stage_code != project.stage_code:
                continue
            if need.kind == "record":
                deliverables.add(ctx, project, need.deliverable, record={"amount": "500000"})
            else:
                path = tmp_path / f"{project_id}-{need.deliverable}.pdf"
                path.write_bytes(f"{project_id} {need.deliverable}".encode())
                deliverables.add(ctx, project, need.deliverable, path=path)


def test_advance_is_refused_with_what_is_missing(block2: Block2, tmp_path: Path) -> None:
    pid = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        assert projects.advance(ctx, pid).stage_code == "qualification"  # lead has no gate
    with pytest.raises(ValidationError) as caught, block2.work("ka", write=True) as ctx:
        projects.advance(ctx, pid)
    assert "qualification: budget (预算确认, record)" in str(caught.value)
    deliver_gate(block2, pid, tmp_path)
    with block2.work("ka", write=True) as ctx:
        assert projects.advance(ctx, pid).stage_code == "solution"
    # skipping ahead must meet every gate being left, and names each missing one
    with pytest.raises(ValidationError) as caught, block2.work("ka", write=True) as ctx:
        projects.advance(ctx, pid, "negotiation")
    assert "solution: design_plan" in str(caught.value) and "quotation: quotation" in str(
        caught.value
    )
    with block2.work("ka") as ctx:
        assert projects.get(ctx, pid).stage_code == "solution"


def test_category_gates_add_to_the_default(block2: Block2, tmp_path: Path) -> None:
    pid = new_project(block2, category="engineering")
    for _ in range(2):
        deliver_gate(block2, pid, tmp_path)
        with block2.work("ka", write=True) as ctx:
            projects.advance(ctx, pid)
    with block2.work("ka") as ctx:
        status = deliverables.gate_status(ctx, projects.get(ctx, pid), "solution")
        assert [m.split(" ")[0] for m in status.missing] == ["design_plan", "site_photos"]


def test_won_takes_the_accepted_quote_and_closes(block2: Block2, tmp_path: Path) -> None:
    pid = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        quote = money.add_quote(
            ctx, project, [money.parse_item("EQ-1:3-10%/60000"), money.parse_item("SV-1:1")]
        )
        assert quote.total == Decimal("275000.00") and quote.cost == Decimal("180000.00")
        money.set_quote_status(ctx, project, 1, "accepted")
    for _ in range(5):
        deliver_gate(block2, pid, tmp_path)
        with block2.work("ka", write=True) as ctx:
            projects.advance(ctx, pid)
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        assert project.stage_code == "won" and project.contract_amount == Decimal("275000.00")
        assert project.closed_at is not None
        with pytest.raises(ValidationError, match="closed"):
            projects.advance(ctx, pid, "lead")
        with pytest.raises(ValidationError, match="closed"):
            projects.lose(ctx, pid, "too late")


def test_moving_back_and_losing(block2: Block2) -> None:
    pid = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        projects.advance(ctx, pid)
        assert projects.advance(ctx, pid, "lead").stage_code == "lead"
        with pytest.raises(ValidationError, match="reason"):
            projects.lose(ctx, pid, " ")
        with pytest.raises(ValidationError, match="lose"):
            projects.advance(ctx, pid, "lost")
        lost = projects.lose(ctx, pid, "预算取消")
        assert lost.stage_code == "lost" and lost.lost_reason == "预算取消"


def test_files_are_stored_once_with_checksums(block2: Block2, tmp_path: Path) -> None:
    pid = new_project(block2)
    source = tmp_path / "方案.pdf"
    source.write_bytes(b"design plan v1")
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        first = deliverables.add(ctx, project, "design_plan", path=source)
        second = deliverables.add(ctx, project, "appendix", path=source)
        assert first.stored_path == second.stored_path and first.sha256 == deliverables.checksum(
            source
        )
        assert Path(first.stored_path or "").read_bytes() == b"design plan v1"
        with pytest.raises(ValidationError, match="no file"):
            deliverables.add(ctx, project, "x", path=tmp_path / "missing.pdf")
        with pytest.raises(ValidationError, match="not reached"):
            deliverables.add(ctx, project, "quotation", path=source, stage_code="quotation")
        assert deliverables.verify(ctx) == []
    Path(first.stored_path or "").write_bytes(b"tampered")
    with block2.work("ka") as ctx:
        assert [p["problem"] for p in deliverables.verify(ctx)] == [
            "checksum differs",
            "checksum differs",
        ]


def test_record_and_file_kinds_must_match_the_gate(block2: Block2, tmp_path: Path) -> None:
    pid = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        project = projects.advance(ctx, pid)
        with pytest.raises(ValidationError, match="must be a record"):
            path = tmp_path / "budget.xlsx"
            path.write_bytes(b"x")
            deliverables.add(ctx, project, "budget", path=path)
        with pytest.raises(ValidationError, match="at least one field"):
            deliverables.add(ctx, project, "budget", record={})


def test_passed_stage_deliverables_stay(block2: Block2, tmp_path: Path) -> None:
    pid = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        projects.advance(ctx, pid)
    deliver_gate(block2, pid, tmp_path)
    with block2.work("ka", write=True) as ctx:
        item = deliverables.listing(ctx, projects.get(ctx, pid))[0]
        projects.advance(ctx, pid)
        with pytest.raises(ValidationError, match="passed stage"):
            deliverables.remove(ctx, projects.get(ctx, pid), int(str(item["id"])))


def test_only_the_owner_side_may_move_a_project(block2: Block2) -> None:
    pid = new_project(block2)
    with pytest.raises(NotFound), block2.work("kb", write=True) as ctx:
        projects.advance(ctx, pid)
    with block2.work("km", write=True) as ctx:
        projects.advance(ctx, pid)  # the manager may
    with block2.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "公海项目客户"}, pool=True)
    with pytest.raises(PermissionDenied), block2.work("kb", write=True) as ctx:
        projects.create(
            ctx, "公海项目客户", "x", expected_amount="1", expected_close=CLOSE, owner_login="ka"
        )
    with pytest.raises(ValidationError, match="competitor"), block2.work("kb", write=True) as ctx:
        projects.create(ctx, "对手甲科技", "x", expected_amount="1", expected_close=CLOSE)


def test_a_project_belongs_to_its_customers_owner(block2: Block2) -> None:
    """The manager opens it, the customer's owner holds it; another owner is refused by name."""
    with block2.work("km", write=True) as ctx:
        project = projects.create(
            ctx, "华东重工集团", "二期", expected_amount="1", expected_close=CLOSE
        )
        assert ctx.session.get(User, project.owner_id).login == "ka"  # type: ignore[union-attr]
    with (
        pytest.raises(ValidationError, match="belong to its owner ka"),
        block2.work("km", write=True) as ctx,
    ):
        projects.create(
            ctx, "华东重工集团", "x", expected_amount="1", expected_close=CLOSE, owner_login="kb"
        )


OPS = st.lists(
    st.tuples(st.sampled_from(("deliver", "advance", "jump", "back", "remove")), st.integers(0, 6)),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS, category=st.sampled_from(("standard", "engineering")))
def test_no_project_ever_sits_past_an_unmet_gate(
    block2: Block2, tmp_path: Path, ops: list[tuple[str, int]], category: str
) -> None:
    pid = new_project(block2, category)
    for op, n in ops:
        try:
            with block2.work("ka", write=True) as ctx:
                project = projects.get(ctx, pid)
                ladder = [s for s in pipeline.stages(ctx, category) if s.outcome != "lost"]
                needs = [
                    r
                    for r in pipeline.requirements(ctx, category)
                    if r.stage_code == project.stage_code
                ]
                if op == "deliver" and needs:
                    need = needs[n % len(needs)]
                    if need.kind == "record":
                        deliverables.add(ctx, project, need.deliverable, record={"n": n})
                    else:
                        path = tmp_path / f"{pid}-{n}.bin"
                        path.write_bytes(bytes([n]))
                        deliverables.add(ctx, project, need.deliverable, path=path)
                elif op == "advance":
                    projects.advance(ctx, pid)
                elif op == "jump":
                    projects.advance(ctx, pid, ladder[n % len(ladder)].code)
                elif op == "back":
                    current = next(s for s in ladder if s.code == project.stage_code)
                    earlier = [s for s in ladder if s.seq < current.seq]
                    if earlier and current.outcome == "open":
                        projects.advance(ctx, pid, earlier[n % len(earlier)].code)
                elif op == "remove":
                    items = deliverables.listing(ctx, project)
                    if items:
                        deliverables.remove(ctx, project, int(str(items[n % len(items)]["id"])))
        except ValidationError:
            pass
        with block2.work("ka") as ctx:
            project = projects.get(ctx, pid)
            current = pipeline.stage(ctx, category, project.stage_code)
            for passed in pipeline.stages(ctx, category):
                if passed.seq < current.seq and passed.outcome == "open":
                    assert deliverables.gate_status(ctx, project, passed.code).missing == (), (
                        f"project sits at {current.code} past unmet gate {passed.code}"
                    )


def test_pipeline_configuration(block2: Block2) -> None:
    with block2.work("admin", write=True) as ctx:
        pipeline.set_pipeline(
            ctx,
            "service",
            [
                ("contact", "contact", "接洽", 20, "open"),
                ("proposal", "proposal", "建议书", 50, "open"),
                ("signed", "signed", "签约", 100, "won"),
                ("dropped", "dropped", "放弃", 0, "lost"),
            ],
        )
        pipeline.require(ctx, "service", "proposal", "proposal_doc", "建议书", "file")
        with pytest.raises(ValidationError, match="exactly one won"):
            pipeline.set_pipeline(ctx, "bad", [("a", "a", "甲", 10, "open")])
    pid = new_project(block2, category="service")
    with block2.work("ka", write=True) as ctx:
        assert projects.get(ctx, pid).stage_code == "contact"
        projects.advance(ctx, pid)
        with pytest.raises(ValidationError, match="proposal_doc"):
            projects.advance(ctx, pid)
    with (
        pytest.raises(ValidationError, match="sit in stage"),
        block2.work("admin", write=True) as ctx,
    ):
        pipeline.set_pipeline(
            ctx,
            "service",
            [("x", "x", "x", 10, "open"), ("w", "w", "w", 100, "won"), ("l", "l", "l", 0, "lost")],
        )
    with pytest.raises(PermissionDenied), block2.work("ka", write=True) as ctx:
        pipeline.require(ctx, "service", "contact", "x", "x", "file")


def test_expected_close_is_validated_as_a_date(block2: Block2) -> None:
    pid = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        project = projects.update(
            ctx, pid, expected_close=CLOSE + timedelta(days=30), expected_amount="600000"
        )
        assert isinstance(project, Project) and project.expected_amount == Decimal("600000.00")
        with pytest.raises(ValidationError):
            projects.update(ctx, pid, expected_amount="-5")


def test_every_table_is_under_the_visibility_policy_or_says_why() -> None:
    from crm_core.contract.testing import assert_tables_scoped
    from crm_project_sales.plugin import plugin

    assert_tables_scoped(
        plugin,
        shared={
            "ps_stage": "the pipeline's stages: configuration every project moves through",
            "ps_gate": "the deliverables each stage requires: configuration, not customer data",
        },
    )
