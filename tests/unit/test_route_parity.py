"""Every route in template.yaml has a handler route, and every handler route is in template.yaml."""
from __future__ import annotations

from collections import defaultdict

from local.lambda_host import FUNCTIONS_DIR, load_function
from local.template import http_routes


def handler_routes(function: str) -> set[tuple[str, str]]:
    app = load_function(function).app
    return {(route.method.upper(), route.openapi_path) for route in app._static_routes + app._dynamic_routes}


def test_template_and_handlers_declare_the_same_routes() -> None:
    # Given the routes the template deploys, per function
    declared: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for route in http_routes():
        declared[route.function].add((route.method.upper(), route.path))
    # Then each such function serves exactly those routes
    assert declared, "template.yaml declares no HTTP routes"
    for function, routes in declared.items():
        assert handler_routes(function) == routes, function


def test_every_function_with_a_resolver_is_routed_by_the_template() -> None:
    routed = {route.function for route in http_routes()}
    for directory in sorted(p.parent.name for p in FUNCTIONS_DIR.glob("*/app.py")):
        module = load_function(directory)
        if hasattr(module, "app") and handler_routes(directory):
            assert directory in routed, f"{directory} serves routes that template.yaml does not declare"


def test_the_route_table_in_the_layer_is_the_templates() -> None:
    # Given the table the $default function answers 405 from (it cannot read template.yaml when deployed)
    from local import route_table
    from paykit.route_table import ROUTES

    # Then it is exactly what `python -m local.route_table` generates from the template now
    assert route_table.TABLE_PATH.read_text(encoding="utf-8") == route_table.render(), (
        "paykit/route_table.py is stale: run python -m local.route_table")
    assert set(ROUTES) == {(route.method, route.path) for route in http_routes()}


def test_the_default_route_is_served_by_a_function_without_a_resolver() -> None:
    # Given the $default route's function
    from local.template import default_route_function

    function = default_route_function()
    # Then it exists and routes nothing itself (every request it gets is one no other route takes)
    assert function is not None
    assert not hasattr(load_function(function), "app")
