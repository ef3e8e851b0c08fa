"""A reference is an id only when a 64-bit key can hold it; otherwise it is looked up as a name,
and a lookup of something that is no record answers "not found" on one line."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from crm_core.foundation.errors import one_line
from crm_core.foundation.record_ids import LARGEST_ID, record_id


@given(st.one_of(st.text(), st.integers()))
def test_record_id_is_a_positive_64_bit_whole_number_or_none(ref: Any) -> None:
    found = record_id(ref)
    assert found is None or 0 < found <= LARGEST_ID
    if found is not None:
        assert str(found) == str(ref).strip().lstrip("0")


def test_only_ascii_digits_within_64_bits_are_ids() -> None:
    assert record_id("42") == 42 and record_id(" 7 ") == 7
    assert record_id(str(LARGEST_ID)) == LARGEST_ID
    for text in (str(LARGEST_ID + 1), "99999999999999999999999", "²", "٣", "0", "-1", "4 2"):
        assert record_id(text) is None, text


@given(st.text())
def test_one_line_keeps_printable_text_and_escapes_the_rest(text: str) -> None:
    shown = one_line(text)
    assert shown.isprintable()
    if text.isprintable():
        assert shown == text


def test_a_reference_beyond_64_bits_or_across_lines_is_not_found_in_one_line(
    crm_cli: Any,
) -> None:
    for ref in ("99999999999999999999999", "某公司\n第二行"):
        refused = crm_cli("customers", "show", ref)
        assert refused.exit_code == 1, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        assert "No customer" in refused.stderr or "没有客户" in refused.stderr
