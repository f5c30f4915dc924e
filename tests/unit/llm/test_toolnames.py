"""Tool names: ``server.tool`` inside, ``server__tool`` on the wire, mapped back exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tarsy.llm.toolnames import ToolNameMap, to_wire


def test_dotted_names_use_a_double_underscore_on_the_wire() -> None:
    assert to_wire("kubernetes-server.pods_list") == "kubernetes-server__pods_list"
    assert to_wire("dispatch_agent") == "dispatch_agent"


def test_names_map_back_exactly_even_with_underscores_in_the_server_name() -> None:
    names = ToolNameMap(["my__server.tool_a", "load_skill", "k8s.pods_list"])
    for name in ("my__server.tool_a", "load_skill", "k8s.pods_list"):
        assert names.canonical(names.wire(name)) == name


def test_unknown_wire_names_convert_back_by_the_separator() -> None:
    names = ToolNameMap([])
    assert names.canonical("github__list_prs") == "github.list_prs"
    assert names.canonical("list_agents") == "list_agents"


@given(
    st.lists(
        st.from_regex(r"[a-z][a-z0-9-]{0,10}\.[a-z][a-z0-9_-]{0,10}", fullmatch=True),
        unique=True,
        max_size=8,
    )
)
def test_every_offered_name_round_trips(offered: list[str]) -> None:
    names = ToolNameMap(offered)
    for name in offered:
        assert names.canonical(names.wire(name)) == name
