"""Static checks of the ASL files: JSONPath only, error names in step with the error classes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from pixellift.core import errors

ROOT = Path(__file__).resolve().parents[2]
MACHINES = sorted((ROOT / "statemachines").glob("*.asl.json"))
LAMBDA_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def subclasses(base: type) -> set[type]:
    found: set[type] = set(base.__subclasses__())
    for cls in list(found):
        found |= subclasses(cls)
    return found


TRANSIENT = {c.__name__ for c in {errors.TransientError} | subclasses(errors.TransientError)}
PERMANENT = {c.__name__ for c in {errors.PermanentError} | subclasses(errors.PermanentError)}


def load(path: Path) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return definition


def states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition["States"].items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from states(processor)
        for branch in state.get("Branches", []):
            yield from states(branch)


def tasks(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(n, s) for n, s in states(load(path)) if s["Type"] == "Task"]


def all_tasks() -> list[tuple[str, str, dict[str, Any]]]:
    return [(p.name, n, s) for p in MACHINES for n, s in tasks(p)]


def test_machines_exist() -> None:
    # GIVEN / WHEN / THEN both state machines are in statemachines/
    assert [p.name for p in MACHINES] == ["photo_pipeline.asl.json", "policy_sync.asl.json"]


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_machine_is_jsonpath_asl_that_parses(path: Path) -> None:
    # GIVEN the file with its placeholders replaced by function ARNs
    text = path.read_text(encoding="utf-8")
    definition = re.sub(r"\$\{(\w+)\}", r"arn:aws:lambda:us-east-1:123456789012:function:\1", text)

    # WHEN / THEN it uses no JSONata-only fields and the Step Functions parser accepts it
    assert not re.search(r'"(QueryLanguage|Assign|Arguments|Output)"\s*:', text)
    assert AmazonStateLanguageParser.parse(definition)


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_placeholders_name_existing_functions(path: Path) -> None:
    # GIVEN the ${...FunctionArn} placeholders of a machine
    found = set(re.findall(r"\$\{(\w+)\}", path.read_text(encoding="utf-8")))

    # WHEN each is mapped back to a functions/<name>/ folder
    folders = {
        "".join(p.capitalize() for p in d.name.split("_")) + "FunctionArn": d
        for d in (ROOT / "functions").iterdir()
        if (d / "handler.py").is_file()
    }

    # THEN every placeholder has a handler
    assert found and found <= set(folders)


def test_every_error_name_exists_in_the_error_taxonomy() -> None:
    # GIVEN every ErrorEquals name of every Retry and Catch
    names = {
        name
        for _, _, task in all_tasks()
        for rule in [*task.get("Retry", []), *task.get("Catch", [])]
        for name in rule["ErrorEquals"]
    }

    # WHEN the Step Functions and Lambda service names are set aside
    ours = {n for n in names if not n.startswith(("States.", "Lambda."))}

    # THEN each remaining name is a pipeline error class of pixellift.core.errors
    assert ours, "no domain error names at all"
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.PhotoPipelineError)
    }
    assert ours <= defined


@pytest.mark.parametrize(("machine", "name", "task"), all_tasks(), ids=lambda v: str(v)[:30])
def test_every_task_retries_lambda_service_errors(
    machine: str, name: str, task: dict[str, Any]
) -> None:
    # GIVEN / WHEN the task's retried names / THEN they include the Lambda service errors
    retried = {n for rule in task.get("Retry", []) for n in rule["ErrorEquals"]}
    assert retried >= LAMBDA_ERRORS, f"{machine}: {name}"


@pytest.mark.parametrize(("machine", "name", "task"), all_tasks(), ids=lambda v: str(v)[:30])
def test_every_task_retries_every_transient_error_with_backoff_and_jitter(
    machine: str, name: str, task: dict[str, Any]
) -> None:
    # GIVEN the task's Retry rules that match our transient errors
    rules = [r for r in task.get("Retry", []) if TRANSIENT & set(r["ErrorEquals"])]

    # WHEN / THEN every TransientError class is retried, with backoff and full jitter
    assert {n for r in rules for n in r["ErrorEquals"]} >= TRANSIENT, f"{machine}: {name}"
    assert all(r["BackoffRate"] > 1 and r["JitterStrategy"] == "FULL" for r in rules)


@pytest.mark.parametrize(("machine", "name", "task"), all_tasks(), ids=lambda v: str(v)[:30])
def test_no_task_retries_a_permanent_error(machine: str, name: str, task: dict[str, Any]) -> None:
    # GIVEN / WHEN the retried names / THEN none is permanent (retrying cannot help)
    retried = {n for rule in task.get("Retry", []) for n in rule["ErrorEquals"]}
    assert not retried & PERMANENT, f"{machine}: {name}"


def test_every_item_task_catches_so_one_item_never_fails_the_batch() -> None:
    # GIVEN the tasks inside the pipeline's Map
    pipeline = load(ROOT / "statemachines" / "photo_pipeline.asl.json")
    item_states = pipeline["States"]["Process Items"]["ItemProcessor"]["States"]

    # WHEN each task's Catch rules are read
    catches = {n: s.get("Catch", []) for n, s in item_states.items() if s["Type"] == "Task"}

    # THEN every task catches everything, and failures end in Record Failure
    assert catches and all(
        any("States.ALL" in c["ErrorEquals"] for c in cs) for cs in catches.values()
    )
    targets = {c["Next"] for n, cs in catches.items() if n != "Record Failure" for c in cs}
    assert targets == {"Record Failure"}
    assert item_states["Record Failure"]["Parameters"]["Payload"]["outcome"] == "fail"


def test_map_concurrency_comes_from_the_execution_input() -> None:
    # GIVEN / WHEN the pipeline's Map state / THEN its concurrency is the input's max_concurrency
    state = load(ROOT / "statemachines" / "photo_pipeline.asl.json")["States"]["Process Items"]
    assert state["MaxConcurrencyPath"] == "$.max_concurrency"
    assert state["ResultPath"] is None
