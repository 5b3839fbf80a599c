"""A Jinja2 sandbox with a budget, for templates that come with someone else's change.

jinja2's sandbox keeps a template away from Python's internals, but not from computing
forever or filling memory: ``{{ 9**(9**10) }}`` hangs at compile time (constant folding),
two nested ``range(100000)`` loops run for hours, ``'a' * 2000000000`` takes gigabytes.
Here a render has a budget, and going over it raises ``TemplateLimitError``:

- nothing is computed at compile time: no constant folding, and every arithmetic operator
  is intercepted (jinja2 never folds an intercepted operator);
- every loop iteration, call, filter, test, operation and comparison is a step (a search
  through a list is one step per item): at most ``MAX_STEPS`` per render;
- a render has ``MAX_SECONDS`` of wall time, enforced from outside it: a timer thread marks
  the budget spent and the next step stops the render. For the step after it to come soon,
  no single operation may run long: the filters and methods whose cost grows faster than
  the text they make (``wordwrap``, ``urlize``, ``striptags``, ``pprint``, ``sort``, ...)
  refuse inputs above ``MAX_OPERATION_TEXT`` characters (each then takes about a second
  at most);
- no text a template makes (a string, a joined list, its output) may exceed ``MAX_TEXT``
  characters, no list ``MAX_ITEMS`` items, no integer ``MAX_INT_BITS`` bits, and no number
  given to a call or filter (a width, a count) may exceed ``MAX_ITEMS``. Sizes are checked
  before the value is built wherever they can be known in advance.

The budget is far above what a card needs (cardkit's own template on a 35-task card takes
a few thousand steps), so it only ever stops a runaway.
"""

from __future__ import annotations

import inspect
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from operator import eq, ge, gt, le, lt, ne
from typing import Any

from jinja2 import Environment, Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from cardkit.io.lazyre import lazy

MAX_STEPS = 10_000_000
MAX_SECONDS = 60.0
MAX_TEXT = 50_000_000
MAX_ITEMS = 1_000_000
MAX_INT_BITS = 65_536
MAX_OPERATION_TEXT = 1_000_000

# The filters that cost more than a pass over their input, with the largest input (in
# characters of text) each may take in one call: about a second's work on a current CPU.
# striptags is quadratic on text full of tags (markupsafe 3), hence its lower bound.
_SLOW_FILTERS = {
    "wordwrap": MAX_OPERATION_TEXT,
    "urlize": MAX_OPERATION_TEXT,
    "pprint": MAX_OPERATION_TEXT,
    "title": 5 * MAX_OPERATION_TEXT,
    "sort": 5 * MAX_OPERATION_TEXT,
    "dictsort": 5 * MAX_OPERATION_TEXT,
    "groupby": 5 * MAX_OPERATION_TEXT,
    "unique": 5 * MAX_OPERATION_TEXT,
    "striptags": MAX_OPERATION_TEXT // 5,
}
_SLOW_METHODS = {"striptags": MAX_OPERATION_TEXT // 5, "title": 5 * MAX_OPERATION_TEXT}

# Widths and precisions in a %-format (%9999d, %.9999f) and a str.format spec ({:>9999}).
_PERCENT_SPEC = lazy(r"%[-#0 +]*(\d*)(?:\.(\d*))?")
_NUMBER = lazy(r"\d+")
# Filters that turn a whole value into text (at most six characters per character: escapes).
_STRINGIFYING = {"string", "tojson", "pprint", "urlize", "xmlattr", "urlencode", "e", "escape"}


class TemplateLimitError(SecurityError):
    """The template went over its budget; the message says which limit."""


class _BudgetCodeGenerator(CodeGenerator):
    """Compiles every loop to count its iterations, and ``~`` to check the text it makes."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # `{% for x in items %}` becomes `{% for x in environment.guard_loop(items) %}`.
        for loop in node.find_all(nodes.For):
            guard = nodes.EnvironmentAttribute("guard_loop", lineno=loop.iter.lineno)
            loop.iter = nodes.Call(guard, [loop.iter], [], None, None, lineno=loop.iter.lineno)
        super().visit_Template(node, frame)

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        # `a < b in c` becomes `environment.compare(a, "lt", b, "in", c)`: each one a step.
        self.write("environment.compare(")
        self.visit(node.expr, frame)
        for operand in node.ops:
            self.write(f", {operand.op!r}, ")
            self.visit(operand.expr, frame)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _BudgetTemplate(Template):
    """A template whose render is watched: a timer marks the budget spent at the deadline."""

    environment: BudgetSandbox

    def render(self, *args: Any, **kwargs: Any) -> str:
        environment = self.environment
        remaining = max(environment.deadline - time.monotonic(), 0.0)
        watchdog = threading.Timer(remaining, environment.expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().render(*args, **kwargs)
        finally:
            watchdog.cancel()


class BudgetSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose renders are bounded (see the module docstring).

    The time budget counts from the environment's creation: make one per render.
    """

    code_generator_class = _BudgetCodeGenerator
    template_class = _BudgetTemplate
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["optimized"] = False
        kwargs["finalize"] = self.checked_text
        super().__init__(*args, **kwargs)
        self.steps = 0
        self.seconds = MAX_SECONDS
        self.deadline = time.monotonic() + self.seconds
        self.expired = False  # set by the render's watchdog timer at the deadline
        self.globals.pop("lipsum", None)  # generates text in a loop no step can stop
        self.filters = _Bounded(self._bounded, self.filters)
        self.tests = _Bounded(self._bounded_test, self.tests)

    # -- the budget ------------------------------------------------------------------------
    def expire(self) -> None:
        self.expired = True

    def step(self, cost: int = 1) -> None:
        self.steps += cost
        if self.steps > MAX_STEPS:
            raise TemplateLimitError(
                f"the template ran more than {MAX_STEPS:,} steps (loop iterations, calls, "
                "filters, comparisons and operations): it looks like a runaway loop"
            )
        if self.expired:
            raise TemplateLimitError(f"the template ran longer than {self.seconds:g} s")

    def checked(self, value: Any) -> Any:
        """``value`` itself, after checking its size."""
        if isinstance(value, (str, bytes)):
            if len(value) > MAX_TEXT:
                raise TemplateLimitError(_too_long(len(value)))
        elif isinstance(value, (list, tuple, dict, set, frozenset)):
            if len(value) > MAX_ITEMS:
                raise TemplateLimitError(f"a list of {len(value):,} items, over {MAX_ITEMS:,}")
        elif _is_int(value) and value.bit_length() > MAX_INT_BITS:
            raise TemplateLimitError(f"an integer of over {MAX_INT_BITS:,} bits")
        return value

    def checked_text(self, value: Any) -> Any:
        """A value about to become text (output, ``~``, ``%``): its text must fit."""
        text_size(value)
        return value

    def guard_loop(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            self.step()
            yield item

    def concat(self, parts: Iterable[Any]) -> str:
        """Joins the output and every buffer: stops as soon as the text would be too long."""
        pieces = []
        size = 0
        for part in parts:
            text = part if isinstance(part, str) else str(self.checked_text(part))
            size += len(text)
            if size > MAX_TEXT:
                raise TemplateLimitError(_too_long(size))
            pieces.append(text)
        return "".join(pieces)

    # -- operators, calls and filters ------------------------------------------------------
    def compare(self, left: Any, *operations: Any) -> Any:
        """A (chained) comparison with Python's result, each pair a step or more: a search
        through a list or a comparison of two lists costs one step per item. The operands
        come evaluated (a template's expressions have no side effects, and an undefined one
        only fails where it is used); the comparisons stop at the first false one."""
        result: Any = True
        for name, right in zip(operations[::2], operations[1::2], strict=True):
            self.step(_comparison_cost(name, left, right))
            result = _COMPARISONS[name](left, right)
            if not result:
                return result
            left = right
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.step()
        _check_binop(operator, left, right)
        return self.checked(self.binop_table[operator](left, right))

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        self.step()
        return self.unop_table[operator](arg)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self.step()
        _check_numbers(args, kwargs)
        _check_method(__obj, args)
        return __self.checked(super().call(__context, __obj, *args, **kwargs))

    def _bounded(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """The filter ``name``, counted as a step, its arguments and its result checked."""
        signature = inspect.signature(function)
        check = _FILTER_CHECKS.get(name)

        def bounded(*args: Any, **kwargs: Any) -> Any:
            self.step()
            _check_numbers(args[1:], kwargs)
            args = _materialized(args)
            if name in _SLOW_FILTERS:
                _limit_operation(name, text_size(_subject(args)), _SLOW_FILTERS[name])
            if check is not None:
                bound = signature.bind(*args, **kwargs)
                check(bound.arguments)  # may replace an iterator by the list it yields
                args, kwargs = bound.args, bound.kwargs
            elif name in _STRINGIFYING:
                _limit_text(6 * text_size(_subject(args)))
            return self.checked(function(*args, **kwargs))

        bounded.__dict__.update(getattr(function, "__dict__", {}))  # jinja2's pass_* marks
        bounded.__name__ = getattr(function, "__name__", name)
        return bounded

    def _bounded_test(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """The test ``name`` (``is in``, ``is eq``, ...) counted as a comparison."""

        def bounded(value: Any, *args: Any) -> Any:
            self.step(_comparison_cost(name, value, args[0] if args else None))
            return function(value, *args)

        bounded.__dict__.update(getattr(function, "__dict__", {}))
        bounded.__name__ = getattr(function, "__name__", name)
        return bounded


class _Bounded(dict):
    """The sandbox's filters or tests: each one, also those added later, goes through
    ``wrap`` (which counts it and checks its arguments)."""

    def __init__(
        self,
        wrap: Callable[[str, Callable[..., Any]], Callable[..., Any]],
        functions: dict[str, Any],
    ):
        super().__init__()
        self.wrap = wrap
        for name, function in functions.items():
            self[name] = function

    def __setitem__(self, name: str, function: Callable[..., Any]) -> None:
        super().__setitem__(name, self.wrap(name, function))


def _subject(args: tuple[Any, ...]) -> Any:
    """The value a filter works on: its first argument that is not jinja2's own context."""
    contexts = (EvalContext, Environment, Context)
    return next((a for a in args if not isinstance(a, contexts)), None)


def _materialized(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The filter's arguments with an iterator as its subject replaced by the list it yields,
    within the limits: a filter may collect what a chain of lazy filters makes."""
    contexts = (EvalContext, Environment, Context)
    for index, value in enumerate(args):
        if not isinstance(value, contexts):
            if isinstance(value, Iterator):
                return (*args[:index], _bounded_text_list(value), *args[index + 1 :])
            break
    return args


def _bounded_text_list(items: Iterable[Any]) -> list[Any]:
    """The items of an iterator that is about to become text, refused as soon as there are
    more than MAX_ITEMS or their text would pass MAX_TEXT."""
    found = []
    size = 0
    for item in items:
        found.append(item)
        size += text_size(item)
        if len(found) > MAX_ITEMS:
            raise TemplateLimitError(f"a sequence of over {MAX_ITEMS:,} items")
        if size > MAX_TEXT:
            raise TemplateLimitError(_too_long(size))
    return found


def _comparison_cost(operator: str, left: Any, right: Any) -> int:
    """The steps a comparison costs: one, or one per item it may look at in a list."""
    if operator in ("in", "notin"):
        return 1 + (len(right) if isinstance(right, (list, tuple)) else 0)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return 1 + min(len(left), len(right))
    return 1


# jinja2's names of the comparison operators (jinja2.compiler.operators).
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": eq,
    "ne": ne,
    "lt": lt,
    "lteq": le,
    "gt": gt,
    "gteq": ge,
    "in": lambda item, container: item in container,
    "notin": lambda item, container: item not in container,
}


def _limit_operation(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise TemplateLimitError(
            f"{name} of a text of {size:,} characters, over the limit of {limit:,} for one call"
        )


def _too_long(size: int) -> str:
    return f"a text of {size:,} characters, over the limit of {MAX_TEXT:,}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set)) else 0


def text_size(value: Any, limit: int = MAX_TEXT) -> int:
    """About how many characters ``str(value)`` has; TemplateLimitError over ``limit``.

    Walks containers without building their text, and stops as soon as the limit is passed,
    so ``[big_string] * 1000000`` is refused after one item.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif _is_int(item):
            total += item.bit_length() // 3 + 1
        else:
            total += 24
        if total > limit:
            raise TemplateLimitError(_too_long(total))
    return total


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, a result that would be too large."""
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if _is_int(count) and isinstance(seq, (str, bytes, list, tuple)):
                limit = MAX_TEXT if isinstance(seq, (str, bytes)) else MAX_ITEMS
                if len(seq) * count > limit:
                    raise TemplateLimitError(f"a repetition of {len(seq) * count:,} items")
        if (
            _is_int(left)
            and _is_int(right)
            and left.bit_length() + right.bit_length() > MAX_INT_BITS
        ):
            raise TemplateLimitError(f"an integer of over {MAX_INT_BITS:,} bits")
    elif operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        if right * (abs(left).bit_length() - 1) > MAX_INT_BITS:
            raise TemplateLimitError(f"an integer of over {MAX_INT_BITS:,} bits")
    elif operator == "+":
        if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            _limit_text(text_size([left, right]))
        elif _length(left) + _length(right) > MAX_TEXT:
            raise TemplateLimitError(_too_long(_length(left) + _length(right)))
    elif operator == "%" and isinstance(left, str):
        _check_percent_format(left)
        text_size(right)


def _check_numbers(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """No call or filter gets a count or width above MAX_ITEMS (``center(10**9)``)."""
    for value in (*args, *kwargs.values()):
        if _is_int(value) and value > MAX_ITEMS:
            raise TemplateLimitError(f"a number above {MAX_ITEMS:,} given to a call")


def _check_percent_format(text: str) -> None:
    for match in _PERCENT_SPEC.finditer(text):
        if any(n and int(n) > MAX_ITEMS for n in match.groups()):
            raise TemplateLimitError(f"a format width above {MAX_ITEMS:,}")


def _check_brace_format(text: str) -> None:
    try:
        specs = [spec or "" for _, _, spec, _ in string.Formatter().parse(text)]
    except ValueError:
        return  # str.format reports it
    if any(int(n) > MAX_ITEMS for spec in specs for n in _NUMBER.findall(spec)):
        raise TemplateLimitError(f"a format width above {MAX_ITEMS:,}")


def _check_method(obj: Any, args: tuple[Any, ...]) -> None:
    """String methods whose result can be far larger than their inputs."""
    target = getattr(obj, "__wrapped__", obj)  # jinja2's sandbox wraps str.format
    owner = getattr(target, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(target, "__name__", "")
    if name in _SLOW_METHODS:
        _limit_operation(name, len(owner), _SLOW_METHODS[name])
    elif name in ("format", "format_map"):
        _check_brace_format(owner)
        text_size(args)
    elif name == "expandtabs":
        _limit_text(owner.count("\t") * (args[0] if args and _is_int(args[0]) else 8))
    elif name == "join" and args:
        items = args[0]
        if isinstance(items, (list, tuple)):
            _limit_text(text_size(items) + len(owner) * len(items))
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])
    elif name == "translate":
        _limit_text(len(owner) * (text_size(args[0]) if args else 1))


def _limit_text(size: int) -> None:
    if size > MAX_TEXT:
        raise TemplateLimitError(_too_long(size))


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = len(text) + 1 if old == "" else text.count(old)
        _limit_text(len(text) + count * (len(new) - len(old)))


def _check_join(arguments: dict[str, Any]) -> None:
    items = arguments.get("value")
    if not isinstance(items, (str, list, tuple)) and isinstance(items, Iterable):
        items = arguments["value"] = _bounded_text_list(items)
    if isinstance(items, (list, tuple)):
        _limit_text(text_size(items) + _length(arguments.get("d", "")) * len(items))


def _check_indent(arguments: dict[str, Any]) -> None:
    text, width = arguments.get("s"), arguments.get("width")
    if isinstance(text, str):
        _limit_text(len(text) + text.count("\n") * (width if _is_int(width) else _length(width)))


def _check_wordwrap(arguments: dict[str, Any]) -> None:
    text, width = arguments.get("s"), arguments.get("width")
    if isinstance(text, str) and _is_int(width):
        lines = len(text) // max(width, 1) + text.count("\n") + 1
        _limit_text(len(text) + lines * max(_length(arguments.get("wrapstring")), 1))


def _check_format(arguments: dict[str, Any]) -> None:
    value = arguments.get("value")
    if isinstance(value, str):
        _check_percent_format(value)
    text_size([arguments.get("args"), arguments.get("kwargs")])


def _check_sum(arguments: dict[str, Any]) -> None:
    start, items = arguments.get("start"), arguments.get("iterable")
    if not (isinstance(start, (list, tuple, str)) and isinstance(items, (list, tuple))):
        return
    if len(start) + sum(_length(i) for i in items) > MAX_ITEMS:
        raise TemplateLimitError(f"a sum of over {MAX_ITEMS:,} items")


_FILTER_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "join": _check_join,
    "replace": lambda a: _check_replace(a.get("s"), a.get("old"), a.get("new")),
    "indent": _check_indent,
    "wordwrap": _check_wordwrap,
    "format": _check_format,
    "sum": _check_sum,
}
