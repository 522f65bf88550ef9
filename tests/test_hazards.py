"""Every trap in ../shared/HAZARDS.md has tests that would catch its return: this table names
them, and fails when one of them is renamed or removed."""

from __future__ import annotations

import importlib
import re

import pytest
from helpers import ROOT

#: HAZARDS.md item -> the tests that guard against it.
GUARDS = {
    1: [
        "test_catalog::test_hostile_text_values_never_widen_the_results",
        "test_catalog::test_hostile_iri_values_are_refused_or_harmless",
        "test_properties::test_hostile_values_never_widen_results_on_rdflib",
    ],
    2: [
        "test_catalog::test_unknown_parameter_lists_the_valid_ones",
        "test_catalog::test_missing_required_parameter",
    ],
    3: [
        "test_catalog::test_bad_saved_queries_are_refused",
        "test_endpoint::test_virtuoso_gives_the_same_answers_through_hkit_query",
    ],
    4: ["test_catalog::test_wrong_type", "test_catalog::test_header_and_parameters_are_read"],
    5: ["test_catalog::test_a_parameter_may_not_become_a_regular_expression"],
    6: [
        "test_security::test_nothing_reaches_the_network",
        "test_catalog::test_a_saved_query_cannot_hide_service_behind_escapes",
        "test_readonly_differential::test_the_check_refuses_every_query_that_reaches_out",
        "test_validate::test_a_sparql_constraint_that_reaches_outside_is_refused",
    ],
    7: [
        "test_security::test_bad_input_through_clirunner",
        "test_security::test_bad_input_through_the_installed_command",
    ],
    8: [
        "test_export::test_tricky_literals_survive_every_format",
        "test_scale::test_the_strict_loader_reads_what_rdflib_reads",
        "test_ontology::test_every_file_parses_strictly_and_the_same_with_rdflib",
    ],
    9: [
        "test_ontology::test_strict_parse_rejects_what_rdflib_would_accept",
        "test_checks::test_check_fails_on_a_broken_fixture_and_names_the_problem",
    ],
    10: ["test_reason::test_reason_on_the_shipped_graph_says_what_it_set_aside"],
    11: [
        "test_export::test_export_reparses_exactly_with_pyoxigraph",
        "test_export::test_jsonld_is_strict_json",
        "test_export::test_rdfxml_refuses_what_xml_cannot_carry",
        "test_properties::test_tricky_graphs_survive_every_export_format",
    ],
    12: [
        "test_endpoint::test_rdflib_over_the_nquads_export_gives_the_same_answers",
        "test_queries::test_comparison_equates_only_what_rdf_equates",
        "test_queries::test_query_has_metadata_and_a_total_order",
    ],
    13: [
        "test_endpoint::test_virtuoso_gives_the_same_answers_through_hkit_query",
        "test_endpoint::test_virtuoso_without_the_default_graph_is_not_hkit_alone",
    ],
    14: ["test_export::test_jena_accepts_every_export_strictly_and_reads_the_same_triples"],
    15: [
        "test_reason::test_prepare_for_owl_sets_aside_only_what_hermit_cannot_read",
        "test_reason::test_reason_without_java_or_time_exits_2_with_one_line",
        "test_reason::test_reason_exits_1_and_names_the_problem",
    ],
    16: [
        "test_shapes::test_shapes_use_only_shacl_core_terms",
        "test_shapes::test_fail_fixture_violates_that_shape_with_the_expected_messages",
        "test_validate::test_a_sparql_constraint_that_reaches_outside_is_refused",
    ],
    17: ["test_endpoint::test_virtuoso_gives_the_same_answers_through_hkit_query"],
    18: [
        "test_endpoint::test_virtuoso_gives_the_same_answers_through_hkit_query",
        "test_endpoint::test_rdflib_over_the_nquads_export_gives_the_same_answers",
    ],
    19: ["test_endpoint::test_rdflib_over_the_nquads_export_gives_the_same_answers"],
    20: ["test_export::test_jena_accepts_every_export_strictly_and_reads_the_same_triples"],
    # hkit asks an endpoint for SPARQL JSON results by that media type, as Comunica needs
    21: [
        "test_endpoint::test_the_protocol_request",
        "test_loading_doc::test_the_comunica_recipe_runs_and_answers_as_hkit",
    ],
    22: [
        "test_validate::test_a_malformed_shapes_graph_is_a_clear_error",
        "test_validate::test_flattened_shapes_give_the_results_of_the_shapes_as_written",
    ],
    23: ["test_security::test_the_reasoner_never_follows_owl_imports"],
    24: [
        "test_cli::test_query_does_not_import_heavy_modules",
        "test_fast::test_the_fast_lane_imports_neither_click_nor_rdflib",
    ],
    25: ["test_catalog::test_every_saved_query_header_is_yaml_that_grlc_can_read"],
    # pyshacl pastes sh:declare prefixes and namespaces into the query text as they are
    26: [
        "test_shapes_network::test_user_shapes_reach_no_host_and_are_refused_in_one_line",
        "test_shapes_network::test_the_assembled_text_is_checked_when_the_written_fields_pass",
        "test_shapes_network::test_the_offline_child_alone_keeps_the_canary_silent",
        "test_shapes_network::test_a_malformed_declaration_is_one_line_and_exit_2",
    ],
    # uvicorn's keep-alive timer starts after a first answer; its SIGTERM; mimeparse's ties
    27: [
        "test_serve_hardening::test_idle_connections_do_not_block_others",
        "test_serve_hardening::test_idle_connections_are_closed_after_the_request_timeout",
        "test_serve_hardening::test_a_request_head_sent_slowly_is_cut_off",
        "test_serve::test_sigterm_stops_the_server_cleanly_and_removes_its_files",
        "test_serve::test_results_are_negotiated_by_accept",
    ],
    # a keyword glued to a number, a boolean or a prefix's colon is still a keyword
    28: [
        "test_readonly_differential::test_glued_keywords_refused_whatever_either_oracle_reads",
        "test_security::test_nothing_reaches_the_network",
    ],
    # rdflib's SPARQL algebra walkers miss IRIs inside FILTER expressions: hkit reads the text
    29: [
        "test_checks::test_query_iris_reads_sparql_not_text",
        "test_checks::test_query_iris_finds_what_only_a_filter_names_where_rdflib_s_algebra_does_not",
    ],
    # owlready2 does not read Turtle: a release's ontology is also RDF/XML, which it loads
    30: ["test_release::test_owlready2_loads_the_released_owl_file"],
    # HermiT's command line reports an OWL 2 DL violation as a Java stack line, not by axiom
    31: [
        "test_profile::test_reason_names_the_violation_in_one_line_without_starting_hermit",
        "test_profile::test_hermit_itself_reports_the_violation_only_as_a_stack_line",
        "test_review::test_the_broken_ontology_triggers_every_check",
    ],
    # Debian's Jena with all of /usr/share/java on the class path dies on clashing SLF4J
    # bindings (docs/loading.md's class path, run as written); Comunica 5 needs Node.js 22, and
    # 4.5 (tests/oracles/package.json) runs on Node.js 20
    32: [
        "test_loading_doc::test_the_jena_recipe_runs_and_answers_as_hkit",
        "test_loading_doc::test_every_block_of_the_page_is_marked_and_every_store_is_tested_or_on_paper",
        "test_export::test_jena_accepts_every_export_strictly_and_reads_the_same_triples",
        "test_loading_doc::test_the_comunica_recipe_runs_and_answers_as_hkit",
    ],
    # SPARQL leaves the order of language-tagged literals undefined: saved queries order by STR()
    33: [
        "test_queries::test_no_saved_query_orders_by_what_sparql_leaves_unordered",
        "test_queries::test_the_ordering_check_finds_a_language_tagged_key",
        "test_ordering::test_every_saved_query_keeps_the_engines_order",
    ],
    # owlrl's closure holds generalised RDF (literal subjects) that N-Triples parsers refuse; a
    # query written for a store without reasoning returns duplicates, extra kinds and distant
    # places on one that reasons (GraphDB's default ruleset is RDFS-Plus)
    34: [
        "test_regimes::test_a_reasoners_closure_holds_generalised_rdf_that_parsers_refuse",
        "test_regimes::test_a_saved_query_answers_the_same_under_every_regime",
        "test_regimes::test_the_same_rows_with_generated_data_that_links_both_ways",
    ],
    # Oxigraph 0.5 joins a VALUES block with a UNION beside it only after reading every branch
    # whole: parameters go into each branch, and saved queries keep no VALUES beside a UNION
    35: [
        "test_query_plans::test_no_saved_query_puts_values_beside_a_union",
        "test_query_plans::test_the_check_finds_values_beside_a_union",
        "test_query_plans::test_parameters_reach_every_branch_and_keep_the_rows",
    ],
    # Python start-up here: pathlib imports urllib.parse and ipaddress (a replayed answer imports
    # neither); seccomp's struct sock_fprog needs native alignment
    36: [
        "test_startup::test_a_replayed_answer_imports_neither_pathlib_nor_the_library",
        "test_startup::test_the_seccomp_program_is_packed_as_the_kernel_reads_it",
    ],
}


def test_every_hazard_has_a_guard():
    hazards = ROOT.parent / "shared" / "HAZARDS.md"
    if not hazards.is_file():
        pytest.skip("../shared/HAZARDS.md is not beside the checkout")
    numbers = {int(n) for n in re.findall(r"^(\d+)\. ", hazards.read_text(encoding="utf-8"), re.M)}
    assert numbers <= set(GUARDS), sorted(numbers - set(GUARDS))


@pytest.mark.parametrize("number", sorted(GUARDS))
def test_every_named_guard_exists(number):
    for guard in GUARDS[number]:
        module, name = guard.split("::")
        assert callable(getattr(importlib.import_module(module), name, None)), guard
