"""Rollups: pre-aggregated counts and sums that the database keeps true by itself.

A rollup is a small table of totals per key (say interactions per local day, customer owner and
salesperson). Reports and dashboards read it instead of scanning millions of source rows.

Why triggers: totals that follow every insert, delete and update of the source rows, and every
change of a customer's owner or attributes, must not depend on each write path remembering to
update them. The core, plugins, bulk loads and raw SQL all write through the same triggers, so a
rollup is correct by construction (docs/decisions/0015-rollups-kept-by-triggers.md).

Visibility: every rollup is keyed by the customer's owner (`owner_id`) and its model is
`OwnerScoped`, so the one visibility policy filters it like any customer. A customer's rows move
between owners' totals when the customer changes hands. A `TeamTotals` keeps a rollup's totals
per team (derived from the rollup's rows by triggers, decision 0025); its model is `TeamScoped`.
A `MonthlyDays` folds a day rollup into months with a bit per active day (decision 0027).

The tables, indexes and triggers are derived from the `Rollup` specs (the core's and those that
plugins register with `crm_register_rollups`) and the deployment's time zone. `sync` installs
them, and rebuilds a rollup from its source whenever its derived SQL changes (a new spec, a new
time zone); `check` compares each rollup with a fresh aggregation of its source.
"""

from crm_core.features.rollups.batches import (
    bulk_insert,
    customer_rows_inserting,
    customers_changing,
    parents_changing,
)
from crm_core.features.rollups.spec import RollupState
from crm_core.features.rollups.upkeep import detach, differences, ready, rebuild, sync

__all__ = [
    "RollupState",
    "bulk_insert",
    "customer_rows_inserting",
    "customers_changing",
    "detach",
    "differences",
    "parents_changing",
    "ready",
    "rebuild",
    "sync",
]
