"""Blueprint versions: validation against the schema, the diff, and the why / why-not simulator."""

from __future__ import annotations

import pytest
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import (
    blueprint_versions,
    build_blueprint,
    diff_blueprints,
    load_blueprint,
)
from pixellift.core.access.model import (
    Action,
    Principal,
    PrincipalKind,
    Resource,
    ResourceKind,
    Role,
)
from pixellift.core.errors import InvalidAccessRequestError, InvalidBlueprintError

V1 = load_blueprint("1")


def test_shipped_blueprint_has_one_policy_per_role_and_the_wall() -> None:
    # GIVEN the shipped versions
    # THEN the newest has the nine roles and the API-key wall
    assert blueprint_versions()[-1] == load_blueprint().version
    assert set(V1.policy_ids) == {r.value for r in Role} | {"wall.api_key_home"}


def test_diff_of_a_version_with_itself_is_empty() -> None:
    # GIVEN the same version twice
    # WHEN diffed
    diff = diff_blueprints(V1, V1)
    # THEN nothing changed
    assert not diff.changed


def test_diff_names_the_text_and_the_actions_gained_and_lost() -> None:
    # GIVEN a version where finance loses view_audit and publisher gains approve_image
    files = dict(V1.files)
    files["finance"] = files["finance"].replace(', PixelLift::Action::"view_audit"', "")
    files["publisher"] = files["publisher"].replace(
        'PixelLift::Action::"share"',
        'PixelLift::Action::"share",\n     PixelLift::Action::"approve_image"',
    )
    v2 = build_blueprint("2", files)
    # WHEN diffed against v1
    diff = diff_blueprints(V1, v2)
    # THEN the effective change and the changed lines are reported
    assert diff.lost == {Role.FINANCE: (Action.VIEW_AUDIT,)}
    assert diff.gained == {Role.PUBLISHER: (Action.APPROVE_IMAGE,)}
    assert "--- 1/finance" in diff.text and "+++ 2/publisher" in diff.text
    assert '+     PixelLift::Action::"approve_image"' in diff.text


def test_reformatting_a_policy_changes_text_but_no_decision() -> None:
    # GIVEN viewer's policy re-indented
    files = dict(V1.files, viewer=V1.files["viewer"].replace("  principal,", "principal,"))
    # WHEN diffed
    diff = diff_blueprints(V1, build_blueprint("1.1", files))
    # THEN the text differs but no role gained or lost anything
    assert diff.text
    assert (diff.gained, diff.lost) == ({}, {})


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"x": "permit(principal, action, resource);"}, "every policy needs an @id"),
        (
            {
                "a": '@id("p") permit(principal, action, resource);',
                "b": '@id("p") forbid(principal, action, resource);',
            },
            "@id p is used in a too",
        ),
        (
            {"x": '@id("x") permit(principal, action == PixelLift::Action::"fly", resource);'},
            "x: does not validate",
        ),
        (
            {"x": '@id("x") permit(principal, action, resource) when { resource.owner };'},
            "does not validate",
        ),
    ],
)
def test_invalid_blueprints_are_refused_naming_the_file(
    files: dict[str, str], message: str
) -> None:
    # GIVEN a policy without @id, a duplicate @id, an unknown action, an unknown attribute
    # WHEN the blueprint is built
    # THEN it is refused, naming the file or policy
    with pytest.raises(InvalidBlueprintError, match=message):
        build_blueprint("bad", files)


def test_unknown_version_is_refused() -> None:
    with pytest.raises(InvalidBlueprintError, match="blueprint 99: no such version"):
        load_blueprint("99")


def test_why_names_the_permitting_policies_of_every_role_held() -> None:
    # GIVEN a user who is both reviewer and approver
    user = Principal(
        kind=PrincipalKind.USER, id="ana", roles={"acme": frozenset({Role.REVIEWER, Role.APPROVER})}
    )
    image = Resource(kind=ResourceKind.IMAGE, id="b-1/i0", workspace_id="acme")
    # WHEN asked why she may annotate
    decision = Authorizer(V1).why(user, Action.ANNOTATE_IMAGE, image)
    # THEN both role policies are named
    assert decision.determining == ("approver", "reviewer")


def test_why_not_lists_the_roles_that_would_allow_and_explains_a_default_deny() -> None:
    # GIVEN a viewer
    user = Principal(kind=PrincipalKind.USER, id="ana", roles={"acme": frozenset({Role.VIEWER})})
    destination = Resource(kind=ResourceKind.DESTINATION, id="amazon", workspace_id="acme")
    # WHEN asked why she may not export to amazon
    answer = Authorizer(V1).why_not(user, Action.EXPORT, destination)
    # THEN no policy permitted it, and owner, admin or publisher would
    assert answer.decision.determining == ()
    assert answer.would_allow == (Role.OWNER, Role.ADMIN, Role.PUBLISHER)
    assert answer.explain().endswith("allowed with any of: owner, admin, publisher (in acme)")


def test_why_not_for_a_user_without_any_role_in_the_workspace() -> None:
    # GIVEN a user with roles only elsewhere
    user = Principal(kind=PrincipalKind.USER, id="ana", roles={"rival": frozenset({Role.OWNER})})
    # WHEN asked why she may not view audit in acme
    answer = Authorizer(V1).why_not(user, Action.VIEW_AUDIT, Resource.workspace("acme"))
    # THEN it is a cross-workspace denial that owner, admin, finance or auditor in acme would lift
    assert answer.decision.cross_workspace
    assert "no role in acme" in answer.explain()
    assert answer.would_allow == (Role.OWNER, Role.ADMIN, Role.FINANCE, Role.AUDITOR)


def test_an_action_on_a_kind_it_does_not_apply_to_is_refused() -> None:
    user = Principal(kind=PrincipalKind.USER, id="ana", roles={"acme": frozenset({Role.OWNER})})
    with pytest.raises(
        InvalidAccessRequestError, match="export: applies to Destination, not Batch"
    ):
        Authorizer(V1).decide(
            user, Action.EXPORT, Resource(kind=ResourceKind.BATCH, id="b", workspace_id="acme")
        )
