"""Custom patterns: replacement templates, sharing one pass, order, and odd regexes."""

from __future__ import annotations

import pytest

from tarsy.masking import CustomRule, MaskingError, MaskingRules, Scanner, build_masker
from tarsy.masking.templates import parse_template


def custom(*rules: tuple[str, str], builtins: tuple[str, ...] = ()) -> Scanner:
    return Scanner(builtins, [CustomRule(p, r) for p, r in rules])


def test_reference_custom_pattern_masks_internal_ids() -> None:
    scanner = custom((r"INTERNAL_[A-Z0-9]{16}", "[MASKED_INTERNAL_ID]"))
    assert scanner.scan("ref INTERNAL_ABCDEF0123456789 ok") == "ref [MASKED_INTERNAL_ID] ok"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$1=[X]", "user=[X]"),
        ("${1}=[X]", "user=[X]"),
        ("${key}=[X]", "user=[X]"),
        ("$key=[X]", "user=[X]"),
        ("$$1", "$1"),
        ("$1x", ""),  # as in the reference: the group named "1x", which does not exist
        ("$0!", "user=hunter2!"),
        ("cost $", "cost $"),
        (r"\1", r"\1"),
        ("$9[X]", "[X]"),
    ],
)
def test_templates_use_the_reference_syntax(template: str, expected: str) -> None:
    scanner = custom((r"(?P<key>user)=(\w+)", template))
    assert scanner.scan("user=hunter2") == expected


def test_shared_pass_shifts_group_numbers_per_pattern() -> None:
    scanner = custom(
        (r"(alpha)-(\d+)", "$1-[N]"),
        (r"(beta)-(\d+)", "$2-$1"),
        (r"(?i)GAMMA-\d+", "[G]"),
    )
    assert scanner.scan("alpha-1 beta-2 gamma-3") == "alpha-[N] 2-beta [G]"


def test_patterns_that_cannot_share_a_pass_run_alone_and_still_mask() -> None:
    scanner = custom(
        (r"(\w)\1{3,}", "[REPEAT]"),  # back-reference
        (r"x*", "[EMPTY]"),  # matches the empty string: empty matches mask nothing
        (r"(?x) secret \s* = \s* \w+", "secret=[S]"),  # verbose global flag
        (r"(?P<n>id)-\d+", "${n}-[ID]"),  # named group
    )
    assert scanner.scan("aaaa secret = abc id-7 xx") == "[REPEAT] secret=[S] id-[ID] [EMPTY]"


def test_built_ins_come_first_at_the_same_place_then_customs_in_order() -> None:
    scanner = custom(
        (r"password: \w+", "[CUSTOM]"),
        (r"\bfoo\w*", "[FIRST]"),
        (r"\bfoobar", "[SECOND]"),
        builtins=("password",),
    )
    assert scanner.scan("password: hunter22 foobar") == "password: [MASKED_PASSWORD] [FIRST]"


def test_leftmost_custom_match_beats_a_later_built_in() -> None:
    scanner = custom((r"db=\S+", "db=[DB]"), builtins=("password",))
    assert scanner.scan("db=x;password=hunter22") == "db=[DB]"


def test_invalid_custom_regex_and_unknown_names_raise_masking_error() -> None:
    with pytest.raises(MaskingError, match="invalid"):
        build_masker(MaskingRules(custom=(CustomRule("([a-", "x"),)))
    with pytest.raises(MaskingError, match="pattern group 'nope'"):
        build_masker(MaskingRules(groups=("nope",)))
    with pytest.raises(MaskingError, match="pattern 'nope'"):
        build_masker(MaskingRules(patterns=("nope",)))
    with pytest.raises(MaskingError, match="no pattern"):
        build_masker(MaskingRules(custom=(CustomRule("", "x"),)))


def test_parse_template_parts() -> None:
    assert parse_template("plain").parts == ("plain",)
    assert parse_template("a${1}b", groups=1, offset=4).parts == ("a", 5, "b")
    assert parse_template("a$1b", groups=1).parts == ("a",)  # the group named "1b"
    assert parse_template("$0", groups=0, offset=4).parts == (0,)
    assert parse_template("${missing}", groups=2).parts == ("",)
