"""Block 2 in customization: rules on stage changes, the loss-reason picklist, custom fields on projects."""

from __future__ import annotations

import pytest
from conftest import Block2
from sqlalchemy import select
from test_ps_gates import new_project

from crm_core.features.rules.store import RuleSpec, add
from crm_core.foundation.errors import ValidationError
from crm_core.kernel.models import FollowUp
from crm_core.services import custom_fields, picklists
from crm_project_sales.models import Project
from crm_project_sales.services import projects


def test_lost_project_fires_a_rule_and_reasons_come_from_the_picklist(block2: Block2) -> None:
    first = new_project(block2)
    second = new_project(block2)
    with block2.work("admin", write=True) as ctx:
        custom_fields.define(ctx, "projects", "competitor", "text", label_zh="竞争对手")
        add(
            ctx,
            RuleSpec(
                "丢单复盘", "project.stage_changed", "follow-up 3 丢单复盘", ("stage_code=lost",)
            ),
        )
    with block2.work("ka", write=True) as ctx:
        custom_fields.set_values(ctx, "projects", first, {"竞争对手": "某友商"})
        projects.lose(ctx, first, "价格太高")  # free text while the picklist is empty
    with block2.work("admin", write=True) as ctx:
        picklists.add(ctx, "loss_reason", "price", "Price", "价格")
        picklists.add(ctx, "loss_reason", "timing", "Timing", "时机")
    with pytest.raises(ValidationError, match="loss_reason"), block2.work("ka", write=True) as ctx:
        projects.lose(ctx, second, "运气不好")
    with block2.work("ka", write=True) as ctx:
        projects.lose(ctx, second, "价格")
    with block2.work("ka") as ctx:
        assert ctx.session.get(Project, second).lost_reason == "price"
        assert custom_fields.values_for(ctx, "projects", [first])[first] == {"competitor": "某友商"}
        follow_ups = ctx.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
    assert [f.text for f in follow_ups] == ["丢单复盘", "丢单复盘"]
