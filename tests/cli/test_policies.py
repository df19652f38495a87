"""Policies from the command line: ``extends`` keeps the example policies the default plus their
stage, errors name the unknown transform or key, and ``policy``/``transforms``/``check`` show
what there is (issue 12, items 2, 3 and 7)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import yaml

from tests.cli.conftest import SAMPLE, Run, write_jsonl
from transforms.policy import load_policy

ROOT = Path(__file__).parents[2]
PLUGIN = ROOT / "examples" / "plugin"


@pytest.fixture
def plugin_registered() -> Iterator[None]:
    """The example plugin's transform registered, as installing its package would do."""
    sys.path.insert(0, str(PLUGIN / "src"))
    try:
        import sanitizer_grid.snap_pointer_to_grid  # noqa: F401

        yield
    finally:
        sys.path[:] = [p for p in sys.path if not p.startswith(str(PLUGIN))]


def outcomes(run: Run, source: Path, tmp_path: Path, policy: str) -> dict[str, int]:
    out = tmp_path / f"{Path(policy).stem}.out.jsonl"
    dropped = tmp_path / f"{Path(policy).stem}.dropped.jsonl"
    result = run("sanitize", str(source), "-o", str(out), "-q", str(tmp_path / "q.jsonl"),
                 "--dropped", str(dropped), "-p", policy)  # fmt: skip
    assert result.exit_code == 0, result.output
    counts = {"sanitized": len(out.read_bytes().splitlines())}
    for line in dropped.read_bytes().splitlines():
        rule = "dropped:" + orjson.loads(line)["rule"]
        counts[rule] = counts.get(rule, 0) + 1
    return counts


@pytest.fixture(params=["simulated", "shipped sample"])
def typing_input(request: pytest.FixtureRequest, run: Run, tmp_path: Path) -> Path:
    if request.param == "shipped sample":
        if not SAMPLE.is_file():
            pytest.skip(f"{SAMPLE} is not here")
        return SAMPLE
    raw = tmp_path / "raw.jsonl"
    result = run("simulate", "-o", str(raw), "--users", "2", "--duration", "30", "--seed", "3")
    assert result.exit_code == 0, result.output
    return raw


def test_the_plugin_policy_absorbs_key_presses_like_the_default(
    run: Run, tmp_path: Path, typing_input: Path, plugin_registered: None
) -> None:
    default = outcomes(run, typing_input, tmp_path, "builtin:default")
    plugin = outcomes(run, typing_input, tmp_path, str(PLUGIN / "policy.yaml"))
    assert plugin == default  # the grid stage changes positions, not which events leave
    lines = len(typing_input.read_bytes().splitlines())
    assert plugin["sanitized"] < lines  # not "505 in, 505 out"
    assert any(rule.startswith("dropped:") for rule in plugin)


def test_the_plugin_policy_is_every_default_stage_plus_its_own(plugin_registered: None) -> None:
    default = [stage.stage_name for stage in load_policy("builtin:default").stages]
    plugin = [stage.stage_name for stage in load_policy(PLUGIN / "policy.yaml").stages]
    assert plugin == [*default[:-1], "snap_pointer_to_grid", default[-1]]


def readme_policies() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = text.split("```yaml\n")[1:]
    return [block.split("```")[0] for block in blocks if block.startswith("version: 1")]


def test_the_readme_example_policies_extend_the_default(
    run: Run, tmp_path: Path, plugin_registered: None
) -> None:
    examples = readme_policies()
    assert examples, "the README shows an example policy"
    for number, text in enumerate(examples):
        assert yaml.safe_load(text)["extends"] == "builtin:default"
        path = tmp_path / f"readme-{number}.yaml"
        path.write_text(text)
        result = run("check", str(path))
        assert result.exit_code == 0, result.output
        names = [stage.stage_name for stage in load_policy(path).stages]
        default = [stage.stage_name for stage in load_policy("builtin:default").stages]
        assert [name for name in names if name in default] == default


def write_policy(tmp_path: Path, document: dict[str, object]) -> str:
    path = tmp_path / "my-policy.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def test_a_misspelt_required_transform_is_named_with_the_right_name(
    run: Run, tmp_path: Path
) -> None:
    document = load_policy_document("builtin:default")
    document["stages"][1]["transform"] = "strip_typed_txt"
    for command in (["check"], ["sanitize", "-", "-o", "-", "-q", str(tmp_path / "q")]):
        args = [*command[:1], write_policy(tmp_path, document)] if command == ["check"] else [
            *command, "-p", write_policy(tmp_path, document)]  # fmt: skip
        result = run(*args, input=b"")
        assert result.exit_code == 2, result.output
        assert (
            "stage 2 (strip_typed_txt): field transform: unknown transform 'strip_typed_txt'; "
            "did you mean 'strip_typed_text'?"
        ) in result.stderr
        assert "must appear without" not in result.stderr


def load_policy_document(reference: str) -> dict[str, list[dict[str, object]]]:
    from cli.catalog import policy_as_document

    return policy_as_document(reference)


def test_a_misspelt_top_level_key_is_named_with_the_right_one(run: Run, tmp_path: Path) -> None:
    document = load_policy_document("builtin:default")
    document["stagse"] = document.pop("stages")
    result = run("check", write_policy(tmp_path, document))
    assert result.exit_code == 2
    assert "unknown key 'stagse'; did you mean 'stages'?" in result.stderr
    assert "Field required" not in result.stderr


def test_a_misspelt_stage_or_config_key_is_named_with_the_right_one(
    run: Run, tmp_path: Path
) -> None:
    document = load_policy_document("builtin:default")
    # Wherever the default keeps its coarsen_timestamp stage (its position changes with it).
    index = [stage["transform"] for stage in document["stages"]].index("coarsen_timestamp")
    document["stages"][index] = {"transform": "coarsen_timestamp", "confg": {"bucket_ms": 1000}}
    result = run("check", write_policy(tmp_path, document))
    assert result.exit_code == 2
    assert f"stage {index + 1} (coarsen_timestamp): field confg" in result.stderr
    assert "did you mean 'config'?" in result.stderr
    document["stages"][index] = {"transform": "coarsen_timestamp", "config": {"bucket_m": 1000}}
    result = run("check", write_policy(tmp_path, document))
    assert "field config.bucket_m" in result.stderr and "did you mean 'bucket_ms'?" in result.stderr


@pytest.mark.parametrize("version", [2, 0, "1", True])
def test_only_policy_version_1_is_accepted(run: Run, tmp_path: Path, version: object) -> None:
    document: dict[str, object] = {**load_policy_document("builtin:default"), "version": version}
    result = run("check", write_policy(tmp_path, document))
    assert result.exit_code == 2, result.output
    assert f"version: {version!r} is not supported" in result.stderr


def test_check_exits_2_like_sanitize_for_a_bad_policy(run: Run, tmp_path: Path) -> None:
    bad = write_policy(tmp_path, {"version": 1, "stages": [{"transform": "allowlist_fields"}]})
    source = write_jsonl(tmp_path / "in.jsonl", [])
    checked = run("check", bad)
    sanitized = run("sanitize", str(source), "-o", str(tmp_path / "o"), "-q",
                    str(tmp_path / "q"), "-p", bad)  # fmt: skip
    assert checked.exit_code == sanitized.exit_code == 2
    assert run("check", "builtin:strict").exit_code == 0


def test_extends_inserts_and_configures_at_named_places(run: Run, tmp_path: Path) -> None:
    drop_chat = {"transform": "drop_sensitive_apps", "name": "drop_chat",
                 "config": {"apps": ["Slack"]}}  # fmt: skip
    coarser = {"transform": "coarsen_timestamp", "name": "coarser", "config": {"bucket_ms": 60000}}
    document = {
        "version": 1,
        "extends": "builtin:default",
        "configure": {"coarsen_timestamp": {"bucket_ms": 5000}},
        "insert": [
            {"after": "drop_sensitive_apps", "stages": [drop_chat]},
            {"before": "allowlist_fields", "stages": [coarser]},
        ],
    }
    policy = load_policy(write_policy(tmp_path, document))
    names = [stage.stage_name for stage in policy.stages]
    # (the default's whole-type drops come first: see policies/default.yaml)
    at = names.index("drop_sensitive_apps")
    assert names[at : at + 3] == ["drop_sensitive_apps", "drop_chat", "strip_typed_text"]
    assert names[-2:] == ["coarser", "allowlist_fields"]
    coarsen = next(stage for stage in policy.stages if stage.stage_name == "coarsen_timestamp")
    assert coarsen.config == {"bucket_ms": 5000}
    shown = run("policy", "show", write_policy(tmp_path, document))
    assert shown.exit_code == 0, shown.output
    assert "extends builtin:default, shown resolved" in shown.stdout
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(shown.stdout)
    assert [stage.stage_name for stage in load_policy(resolved).stages] == names


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"insert": {"before": "allowlist_feilds", "stages": [{"transform": "renumber_seq",
          "name": "again"}]}}, "no stage named 'allowlist_feilds' in the base; did you mean "
         "'allowlist_fields'?"),
        ({"configure": {"coarsen_timestmp": {"bucket_ms": 5000}}},
         "did you mean 'coarsen_timestamp'"),
        ({"stages": []}, "a policy with 'extends' changes its base with 'insert' and 'configure'"),
        ({"extends": "builtin:defualt"},
         "unknown built-in policy 'defualt'; did you mean 'default'?"),
        ({"insert": {"after": "allowlist_fields", "stages": [{"transform": "renumber_seq",
          "name": "again"}]}}, "the last stage must be 'allowlist_fields'"),
    ],
)  # fmt: skip
def test_extends_errors_name_the_problem(
    run: Run, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    document = {"version": 1, "extends": "builtin:default", **change}
    result = run("check", write_policy(tmp_path, document))
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_policy_extending_itself_is_refused(run: Run, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("version: 1\nextends: a.yaml\n")
    result = run("check", str(tmp_path / "a.yaml"))
    assert result.exit_code == 2
    assert "a cycle" in result.stderr


def test_extends_follows_the_default_whatever_it_holds() -> None:
    from transforms.policy import parse_policy

    base = load_policy("builtin:default")
    extended = parse_policy({"version": 1, "extends": "builtin:default"}, "inline")
    assert extended.stages == base.stages


def test_policy_list_and_show_print_the_builtins(run: Run) -> None:
    listed = run("policy", "list")
    assert listed.exit_code == 0
    for name in ("default", "strict", "loose", "per-event"):
        assert f"builtin:{name}" in listed.stdout
    shown = run("policy", "show", "builtin:default")
    assert shown.exit_code == 0
    document = yaml.safe_load(shown.stdout)
    assert [s["transform"] for s in document["stages"]] == [
        stage.transform for stage in load_policy("builtin:default").stages
    ]


def test_transforms_list_names_every_transform_with_its_doc(run: Run) -> None:
    from transforms.registry import lookup, registered_names

    result = run("transforms", "list")
    assert result.exit_code == 0
    for name in registered_names():
        assert name in result.stdout
    first_words = " ".join(lookup("scrub_text").doc.split()[:3])
    assert first_words in " ".join(result.stdout.split())


def test_a_plugin_found_by_its_entry_point_is_listed_and_usable(tmp_path: Path) -> None:
    """As if ``pip install examples/plugin``: a distribution whose entry point names the module."""
    import os
    import subprocess

    site = tmp_path / "site"
    info = site / "sanitizer_grid-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sanitizer-grid\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[sanitizer.transforms]\nsnap_pointer_to_grid = sanitizer_grid.snap_pointer_to_grid\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANITIZER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(PLUGIN / "src"), str(ROOT)])

    def sanitizer(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    listed = sanitizer("transforms", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if "snap_pointer_to_grid" in line)
    assert "plugin sanitizer_grid.snap_pointer_to_grid" in line
    assert "Floor x and y" in line
    checked = sanitizer("check", str(PLUGIN / "policy.yaml"))
    assert checked.returncode == 0, checked.stderr
