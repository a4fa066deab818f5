"""The asset graph a new engineer opens reads as one pipeline: no group floats unconnected, and
every check (GX suites and dbt tests alike) says what it checks."""
from __future__ import annotations


def test_every_group_is_connected_to_another_group():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    group_of = {key: graph.get(key).group_name for key in graph.materializable_asset_keys}
    linked = set()
    for key, group in group_of.items():
        node = graph.get(key)
        for other in (*node.parent_keys, *node.child_keys):
            if other in group_of and group_of[other] != group:
                linked.add(group)
    assert set(group_of.values()) - linked == set(), "groups with no edge to the rest of the graph"


def test_every_asset_check_has_a_description():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    missing = [key.to_user_string() for key in graph.asset_check_keys if not (graph.get_check_spec(key).description or "").strip()]
    assert not missing, f"{len(missing)} checks without a description, e.g. {missing[:5]}"
    specs = [graph.get_check_spec(k) for k in graph.asset_check_keys]
    dbt_tests = [s for s in specs if "dagster_dbt/unique_id" in (s.metadata or {})]
    assert len(dbt_tests) > 50
    assert all(s.description.endswith(("nothing is published.", "the run goes on.")) for s in dbt_tests)
