"""This block's settings."""

from __future__ import annotations

from crm_core.contract.records import SettingSpec, parse_positive_int

PAYMENT_DAYS = "channel_commerce.payment_days"

SPECS = (
    SettingSpec(PAYMENT_DAYS, 30, "days a dealer has to pay after shipment", parse_positive_int),
)
