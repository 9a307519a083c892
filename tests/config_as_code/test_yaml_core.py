"""blastwall.yaml is read as YAML 1.2 (core schema), and hostile YAML is one clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from blastwall.config_as_code import yaml_core
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_file, load_text
from tests.config_as_code.factories import EXAMPLE, example_text

ROUTER = "          min_confidence: 0.7\n"


def router_content(extra: str) -> dict[str, Any]:
    """The router surface's free-form content with ``extra`` lines added (indented)."""
    text = example_text((ROUTER, ROUTER + extra))
    content = load_text(text).systems[0].surfaces[0].content
    assert content is not None
    return content


def issues(text: str, name: str = "hostile.yaml") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(text, file=name)
    return [str(issue) for issue in caught.value.issues]


def test_yaml_11_booleans_stay_text_in_free_form_values() -> None:
    content = router_content("          words: [refund, yes, off, No, ON, y, n, true, False]\n")
    assert content["words"] == ["refund", "yes", "off", "No", "ON", "y", "n", True, False]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("10:30", "10:30"),  # YAML 1.1: the sexagesimal number 630
        ("2026-01-05", "2026-01-05"),  # YAML 1.1: a date
        ("1_000", "1_000"),  # YAML 1.1: 1000
        ("010", 10),  # YAML 1.1: octal 8
        ("0o17", 15),
        ("0x1F", 31),
        ("-3", -3),
        ("1e3", 1000.0),
        ("-.5", -0.5),
        ("~", None),
        ("Null", None),
        ("'yes'", "yes"),
        ("TRUE", True),
    ],
)
def test_scalars_resolve_by_the_core_schema(written: str, read: Any) -> None:
    assert router_content(f"          value: {written}\n")["value"] == read


def test_typed_fields_still_refuse_yes_with_file_and_line() -> None:
    text = example_text(("release_gate: false", "release_gate: yes"))
    assert issues(text, "examples/blastwall.yaml") == [
        "examples/blastwall.yaml:176: systems[0].canary_target.release_gate: expected true or "
        "false, got the text 'yes'"
    ]


def test_the_example_reads_the_same_as_before() -> None:
    """Nothing in the shipped example depended on YAML 1.1 (the demo and README use it)."""
    legacy = yaml.safe_load(EXAMPLE.read_text())
    assert yaml_core.safe_load(EXAMPLE.read_text()) == legacy


def test_a_billion_laughs_is_refused_before_it_expands() -> None:
    lines = ["version: 1", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    assert issues("\n".join(lines) + "\n") == [
        "hostile.yaml:7: f: aliases here expand to more than 200,000 values (a 'billion "
        "laughs'?): use fewer aliases, or write the values out"
    ]


def test_too_many_aliases_are_refused_at_the_first_one_too_many() -> None:
    text = "version: 1\nx: &x 1\nl: [" + ", ".join(["*x"] * 201) + "]\n"
    assert issues(text) == [
        "hostile.yaml:3: l[200]: more than 200 aliases (*name): write the values out, or "
        "split the file"
    ]


def test_aliases_that_nest_past_the_depth_limit_are_refused() -> None:
    deep = "[" * 40 + "1" + "]" * 40
    text = f"version: 1\na: &a {deep}\nb: &b {'[' * 30}*a{']' * 30}\n"
    assert issues(text) == [
        "hostile.yaml:3: b[0][0][0][0][0]: nested deeper than 64 levels: flatten the structure "
        "(counting what its aliases expand to)"
    ]


def test_a_recursive_alias_is_refused() -> None:
    assert issues("version: 1\na: &a [1, *a]\n") == [
        "hostile.yaml:2: a[1]: an alias refers to a node that contains it (a recursive alias): "
        "configuration cannot be recursive, write the value out"
    ]


def test_deep_nesting_is_refused_without_a_traceback() -> None:
    text = "version: 1\nx: " + "[" * 50_000 + "]" * 50_000 + "\n"
    assert issues(text) == [
        "hostile.yaml:2: x[0][0][0][0][0]: nested deeper than 64 levels: flatten the structure"
    ]


def test_a_nul_character_is_refused_with_its_line_and_column() -> None:
    assert issues('version: 1\nsystems: []\nx: "a\x00b"\n') == [
        "hostile.yaml:3: <document>: invalid YAML: the character #x0000 (column 6) is not "
        "allowed in a YAML file; remove it (YAML allows no control characters but tab and "
        "line breaks)"
    ]


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * yaml_core.MAX_BYTES)
    with pytest.raises(ConfigError) as caught:
        load_file(path)
    assert [str(i) for i in caught.value.issues] == [
        f"{path}: <document>: the file is 2,097,163 bytes, more than the 2,097,152 a "
        "configuration file may be: split it, or manage large canary sets through the API"
    ]


def test_safe_load_reads_infinity_and_not_a_number_by_the_core_schema() -> None:
    read = yaml_core.safe_load("[.inf, -.Inf, .NaN, .nan1]")
    assert (read[0], read[1], read[2] != read[2], read[3]) == (
        float("inf"),
        float("-inf"),
        True,
        ".nan1",
    )


def test_release_surface_files_and_set_values_are_read_as_yaml_12(tmp_path: Path) -> None:
    from blastwall.cli.releases import build_surfaces  # noqa: PLC0415  (the CLI's reader)

    prompt = tmp_path / "prompt.yaml"
    prompt.write_text("content: [refund, yes, off]\nstrict: true\n")
    surfaces = build_surfaces(
        [f"system-prompt={prompt}"], ["generation.stream=on", "generation.top_p=0.9"], lambda _: {}
    )
    assert surfaces == {
        "system-prompt": {"content": ["refund", "yes", "off"], "strict": True},
        "generation": {"stream": "on", "top_p": 0.9},
    }


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "version: 1\nx: " + "[" * 50_000 + "]" * 50_000 + "\n",
            "x[0][0][0][0][0]: nested deeper than 64 levels: flatten the structure",
        ),
        (
            'version: 1\nx: "a\x00b"\n',
            "<document>: invalid YAML: the character #x0000 (column 6) is not allowed in a YAML "
            "file; remove it (YAML allows no control characters but tab and line breaks)",
        ),
    ],
)
def test_blastwall_apply_prints_one_error_line_not_a_traceback(
    tmp_path: Path, text: str, error: str
) -> None:
    from tests.cli.conftest import invoke  # noqa: PLC0415  (the CLI runner)

    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    # No server: the file is refused locally before anything is sent.
    result = invoke("apply", "-f", str(path), env={"BLASTWALL_SERVER": "http://127.0.0.1:9"})
    assert (result.exit_code, result.stderr.splitlines()) == (
        1,
        [f"Error: {path} has 1 problem; fix and run again:", f"{path}:2: {error}"],
    )
