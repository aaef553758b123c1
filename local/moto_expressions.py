"""The local moto parses each DynamoDB expression once: same parsers, same results, same errors, less CPU.

moto parses every condition, filter, update, key condition and projection expression again on each call, and
most of them two or three times per call (once to check the request, again to apply it, again inside a
transaction), then runs every update expression through ten tree walks, three of which check only its shape.
PayKit sends the same few expressions thousands of times: profiled, this was about half of the webhook
benchmark's CPU. Here each parser runs once per expression string and shape of its names and values, with a
placeholder where each value goes; every call then puts its own values into a copy of that parse. Nothing is
cached when a parse fails, so errors are raised by moto's own code with the call's own values.
"""
from __future__ import annotations

import copy
from decimal import Decimal
from functools import lru_cache
from typing import Any, Hashable

import moto.dynamodb.models as moto_models
import moto.dynamodb.responses as moto_responses
from moto.dynamodb import comparisons
from moto.dynamodb.parsing import key_condition_expression, validators
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

_SIZE = 4096  # distinct expression shapes kept; PayKit sends a few dozen
_MotoConditionParser = comparisons.ConditionExpressionParser
_moto_parse_key_condition = key_condition_expression.parse_expression
_moto_validate_key_schema = key_condition_expression.validate_schema
_MotoProjectionParser = moto_responses.ProjectionExpressionParser
_MotoUpdateValidator = validators.UpdateExpressionValidator
# The update validator's walks that read only the expression, its names and the table's keys (not values, not the
# item): once they passed for a shape, they pass again.
_SHAPE_CHECKS = (validators.ActionCountValidator, validators.OverlappingPathsValidator,
                 validators.UpdateHashRangeKeyValidator)
_PASSED = "_local_passed_shapes"  # on a cached tree: the (names, table keys) its shape checks passed for
_moto_nodes_to_be_processed = DepthFirstTraverser.nodes_to_be_processed


def _frozen_names(names: dict[str, str] | None) -> tuple[tuple[str, str], ...] | None:
    return None if names is None else tuple(sorted(names.items()))


def _thawed(names: tuple[tuple[str, str], ...] | None) -> dict[str, str] | None:
    return None if names is None else dict(names)


def _value_names(values: dict[str, Any] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


# ---------------------------------------------------------------------- condition and filter expressions


class _TreeOnlyParser(_MotoConditionParser):
    """moto's parser, stopping before it builds the operators: its checked syntax tree, values left as names."""

    def _make_op_condition(self, node: Any) -> Any:  # parse() ends with this call on the whole tree
        return node


@lru_cache(maxsize=_SIZE)
def _condition_tree(expression: str, names: tuple[tuple[str, str], ...] | None,
                    value_names: frozenset[str] | None) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    placeholders = None if value_names is None else {name: name for name in value_names}
    parser = _TreeOnlyParser(expression, _thawed(names), placeholders)
    tree = parser.parse()
    return tree, tuple(parser.expr_attr_names_found), tuple(parser.expr_attr_values_found)


def _with_values(node: Any, values: dict[str, Any]) -> Any:
    """A copy of the tree with each value placeholder replaced by the call's value (the tree's nodes are tuples)."""
    if node.kind == _MotoConditionParser.Kind.EXPRESSION_ATTRIBUTE_VALUE:
        return node._replace(value=values[node.text])
    if not node.children:
        return node
    return node._replace(children=[_with_values(child, values) for child in node.children])


class CachedConditionParser(_MotoConditionParser):
    """ConditionExpressionParser whose lexing and parsing happen once per expression, names and value names."""

    def parse(self) -> Any:
        if not self.condition_expression:
            return super().parse()
        tree, names_found, values_found = _condition_tree(
            self.condition_expression, _frozen_names(self.expression_attribute_names),
            _value_names(self.expression_attribute_values))
        self.expr_attr_names_found.extend(names_found)
        self.expr_attr_values_found.extend(values_found)
        return self._make_op_condition(_with_values(tree, self.expression_attribute_values or {}))


# ---------------------------------------------------------------------- update expressions


@lru_cache(maxsize=_SIZE)
def _update_tree(expression: str) -> Any:
    """Read-only once made: moto's validator works on a deep copy, the request checks only read it."""
    return UpdateExpressionParser.make(expression)


class CachedUpdateExpressionParser(UpdateExpressionParser):
    @classmethod
    def make(cls, expression_str: str) -> Any:
        return _update_tree(expression_str)


_IMMUTABLE = (str, int, float, bool, type(None), Decimal)


def copy_tree(node: Any, memo: dict[int, Any] | None = None) -> Any:
    """copy.deepcopy of a parsed update expression in a fifth of the time: its nodes are copied one by one with
    their children re-parented, strings and numbers shared; anything else is deep-copied as before."""
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    if not isinstance(node, Node):
        return node if isinstance(node, _IMMUTABLE) else copy.deepcopy(node, memo)
    new = memo[id(node)] = object.__new__(type(node))
    for name, value in vars(node).items():
        if name == "children" and value is not None:
            value = [copy_tree(child, memo) for child in value]
        elif name != "parent" and name != _PASSED:
            value = copy_tree(value, memo)
        setattr(new, name, value)
    new.parent = memo.get(id(node.parent), node.parent) if node.parent is not None else None
    return new


class _CopiedFast:
    """What moto's Validator deep-copies instead of the tree itself (it copies the tree it is given)."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return copy_tree(self.tree)


def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
    """moto's tree walks ask this at every node, and moto builds the same tuple anew each time (its node kinds
    are fixed per walk): built once per walk here."""
    kinds = self.__dict__.get("_local_node_kinds")
    if kinds is None:
        kinds = self.__dict__["_local_node_kinds"] = _moto_nodes_to_be_processed(self)
    return kinds


class CachedShapeUpdateValidator(_MotoUpdateValidator):
    """moto's update validator, skipping the shape-only walks for an expression, names and keys that passed."""

    def __init__(self, expression: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(_CopiedFast(expression), *args, **kwargs)
        self._source = expression

    def validate(self) -> Any:
        shape: Hashable = (_frozen_names(self.expression_attribute_names), tuple(self.table.table_key_attrs))
        passed: set[Hashable] = self._source.__dict__.setdefault(_PASSED, set())
        skip = shape in passed
        node = self.node_to_validate
        for processor in self.processors:
            if not (skip and isinstance(processor, _SHAPE_CHECKS)):
                node = processor.traverse(node)
        passed.add(shape)
        return node


# ---------------------------------------------------------------------- key conditions


@lru_cache(maxsize=_SIZE)
def _key_condition(expression: str, names: tuple[tuple[str, str], ...], value_names: frozenset[str],
                   schema: tuple[tuple[tuple[str, str], ...], ...]) -> tuple[Any, Any, list[str], dict[int, str]]:
    # A non-empty stand-in per value: moto's empty-key checks see the real values when they are put in below.
    markers = {name: {"S": f"\x00{name}"} for name in value_names}
    hash_conditions, range_conditions, names_used = _moto_parse_key_condition(
        key_condition_expression=expression, expression_attribute_values=markers,
        expression_attribute_names=dict(names), schema=[dict(key) for key in schema])
    return hash_conditions, range_conditions, names_used, {id(marker): name for name, marker in markers.items()}


def parse_key_condition(key_condition_expression: str, expression_attribute_values: dict[str, Any],
                        expression_attribute_names: dict[str, str], schema: list[dict[str, str]]) -> Any:
    """moto's parse_expression, tokenizing once per expression, names, value names and key schema."""
    try:
        hash_conditions, range_conditions, names_used, markers = _key_condition(
            key_condition_expression, tuple(sorted(expression_attribute_names.items())),
            frozenset(expression_attribute_values), tuple(tuple(sorted(key.items())) for key in schema))
    except Exception:  # moto's own parse with the call's values raises its own error, in its own order
        return _moto_parse_key_condition(key_condition_expression=key_condition_expression,
                                         expression_attribute_values=expression_attribute_values,
                                         expression_attribute_names=expression_attribute_names, schema=schema)

    def real(value: Any) -> Any:
        name = markers.get(id(value))
        return copy.deepcopy(value) if name is None else expression_attribute_values[name]

    # moto's schema check again, now with the call's values (it alone raises for an empty key value).
    results = [(name, "=", [real(value)]) for name, value in hash_conditions]
    results += [(name, comparison, [real(v) for v in values]) for name, comparison, values in range_conditions]
    hash_checked, range_checked = _moto_validate_key_schema(results, schema)
    return hash_checked, range_checked, list(names_used)


# ---------------------------------------------------------------------- projection expressions


@lru_cache(maxsize=_SIZE)
def _projection(expression: str, names: tuple[tuple[str, str], ...] | None) -> tuple[list[list[str]], list[str]]:
    parser = _MotoProjectionParser(expression, _thawed(names))
    return parser.parse(), parser.expr_attr_names_found


class CachedProjectionParser(_MotoProjectionParser):
    def parse(self) -> list[list[str]]:
        if not self.projection_expression:
            return super().parse()
        paths, names_found = _projection(self.projection_expression, _frozen_names(self.expression_attribute_names))
        self.expr_attr_names_found.extend(names_found)
        return [list(path) for path in paths]


def install() -> None:
    """Puts the cached parsers where moto's DynamoDB request handlers and backend look them up."""
    comparisons.ConditionExpressionParser = CachedConditionParser  # type: ignore[misc]
    moto_models.UpdateExpressionParser = CachedUpdateExpressionParser  # type: ignore[misc]
    moto_responses.UpdateExpressionParser = CachedUpdateExpressionParser  # type: ignore[misc]
    moto_models.UpdateExpressionValidator = CachedShapeUpdateValidator  # type: ignore[misc]
    moto_responses.parse_expression = parse_key_condition  # type: ignore[assignment]
    moto_responses.ProjectionExpressionParser = CachedProjectionParser  # type: ignore[misc]
    DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed  # type: ignore[method-assign]


def uninstall() -> None:
    """moto's own parsers again (the equivalence tests compare both)."""
    comparisons.ConditionExpressionParser = _MotoConditionParser  # type: ignore[misc]
    moto_models.UpdateExpressionParser = UpdateExpressionParser  # type: ignore[misc]
    moto_responses.UpdateExpressionParser = UpdateExpressionParser  # type: ignore[misc]
    moto_models.UpdateExpressionValidator = _MotoUpdateValidator  # type: ignore[misc]
    moto_responses.parse_expression = _moto_parse_key_condition  # type: ignore[assignment]
    moto_responses.ProjectionExpressionParser = _MotoProjectionParser  # type: ignore[misc]
    DepthFirstTraverser.nodes_to_be_processed = _moto_nodes_to_be_processed  # type: ignore[method-assign]
