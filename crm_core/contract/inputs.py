"""Reading what people type and other systems send: amounts (bounded, exact), days and moments,
JSON with a bound on its nesting, text files in UTF-8 or GB18030, and references that may be a
record's id. Each refuses bad input with a ValidationError whose message
says what is wrong."""

from crm_core.foundation.dates import parse_day, parse_moment
from crm_core.foundation.jsontext import MOST_NESTED, read_json
from crm_core.foundation.record_ids import record_id
from crm_core.foundation.text_files import read_text_file
from crm_core.services.products import (
    MAX_AMOUNT,
    MAX_QUANTITY,
    parse_amount,
    parse_quantity,
    within_bounds,
)

__all__ = [
    "MAX_AMOUNT",
    "MAX_QUANTITY",
    "MOST_NESTED",
    "parse_amount",
    "parse_day",
    "parse_moment",
    "parse_quantity",
    "read_json",
    "read_text_file",
    "record_id",
    "within_bounds",
]
