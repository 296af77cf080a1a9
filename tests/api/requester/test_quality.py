import pytest

from microwork.quality.models import (
    ProjectRequirement,
    QualificationType,
    Rule,
    WorkerQualification,
)
from tests.api.conftest import assert_problem
from tests.api.requester.conftest import make_project
from tests.api.requester.snapshot import rows

pytestmark = pytest.mark.django_db

NEW = {"name": "Careful", "description": "Careful workers"}


def _create(client, **fields):
    response = client.post("/api/v1/qualifications", {**NEW, **fields})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_read_change_delete_a_qualification_type(callers):
    created = _create(callers.api)
    url = f"/api/v1/qualifications/{created['id']}"

    assert callers.api.get(url).json() == created
    changed = callers.api.patch(url, {"description": "Very careful", "status": "Inactive"})
    deleted = callers.api.delete(url)

    assert (changed.json()["description"], changed.json()["status"]) == (
        "Very careful",
        "Inactive",
    )
    assert deleted.status_code == 204
    assert QualificationType.objects.get(public_id=created["id"]).deleted_at is not None
    assert_problem(callers.api.get(url), 404, "not-found")


def test_a_name_already_used_is_409_naming_it(callers):
    _create(callers.api)
    before = rows()
    body = assert_problem(callers.api.post("/api/v1/qualifications", NEW), 409, "name-taken")
    assert body["errors"][0]["field"] == "name"
    assert rows() == before


def test_grant_change_and_revoke(callers):
    qualification = _create(callers.api)
    grants = f"/api/v1/qualifications/{qualification['id']}/grants"
    worker_id = callers.worker.worker_id

    granted = callers.api.post(grants, {"worker_id": worker_id, "value": 3})
    changed = callers.api.post(grants, {"worker_id": worker_id, "value": 5})
    listed = callers.api.get(grants).json()
    revoked = callers.api.delete(f"{grants}/{worker_id}?reason=Sloppy")

    assert granted.json()["value"] == 3
    assert changed.json()["value"] == 5
    assert [(item["worker_id"], item["value"]) for item in listed["items"]] == [(worker_id, 5)]
    assert revoked.json()["status"] == "Revoked"
    grant = WorkerQualification.objects.get()
    assert (grant.status, grant.revoke_reason) == ("Revoked", "Sloppy")


def test_granting_an_unknown_worker_is_422_and_revoking_a_grant_never_made_is_404(callers):
    qualification = _create(callers.api)
    grants = f"/api/v1/qualifications/{qualification['id']}/grants"
    before = rows()

    body = assert_problem(
        callers.api.post(grants, {"worker_id": "NOBODY"}), 422, "validation-error"
    )
    assert_problem(callers.api.delete(f"{grants}/{callers.worker.worker_id}"), 404, "not-found")

    assert body["errors"] == [{"field": "worker_id", "message": "no worker has this id"}]
    assert rows() == before


RULE = {"condition": "gold_accuracy_below", "threshold_percent": 60, "action": "block"}


def test_put_rules_keeps_an_unchanged_rule_and_disables_the_others(callers):
    project = make_project(callers.owner)
    url = f"/api/v1/projects/{project.public_id}/rules"
    other = {"condition": "agreement_below", "threshold_percent": 40, "action": "flag"}
    first = callers.api.put(url, {"rules": [RULE, other]}).json()["rules"]

    second = callers.api.put(url, {"rules": [RULE]}).json()["rules"]

    assert second[0]["id"] == first[0]["id"]
    assert [rule["id"] for rule in callers.api.get(url).json()["rules"]] == [first[0]["id"]]
    assert Rule.objects.get(pk=first[1]["id"]).is_active is False


def test_a_bad_rule_is_422_naming_its_place_and_changes_nothing(callers):
    project = make_project(callers.owner)
    url = f"/api/v1/projects/{project.public_id}/rules"
    callers.api.put(url, {"rules": [RULE]})
    before = rows()

    body = assert_problem(
        callers.api.put(url, {"rules": [RULE, {**RULE, "threshold_percent": 101}]}),
        422,
        "validation-error",
    )

    assert [error["field"] for error in body["errors"]] == ["rules.1.threshold_percent"]
    assert rows() == before


def test_put_requirements_and_read_them_back(callers):
    project = make_project(callers.owner)
    qualification = _create(callers.api)
    url = f"/api/v1/projects/{project.public_id}/requirements"
    wanted = [
        {
            "qualification_id": qualification["id"],
            "comparator": "GreaterThanOrEqualTo",
            "integer_values": [3],
        },
        {"system_key": "approval_rate", "comparator": "GreaterThan", "integer_values": [95]},
    ]

    response = callers.api.put(url, {"requirements": wanted})

    assert response.status_code == 200, response.content
    assert response.json() == callers.api.get(url).json()
    assert [row["comparator"] for row in response.json()["requirements"]] == [
        "GreaterThanOrEqualTo",
        "GreaterThan",
    ]
    assert ProjectRequirement.objects.filter(project=project).count() == 2


def test_a_bad_requirement_is_422_naming_its_place(callers):
    project = make_project(callers.owner)
    url = f"/api/v1/projects/{project.public_id}/requirements"
    before = rows()

    body = assert_problem(
        callers.api.put(
            url,
            {"requirements": [{"system_key": "approval_rate", "comparator": "GreaterThan"}]},
        ),
        422,
        "validation-error",
    )

    assert body["errors"][0]["field"].startswith("requirements.0.")
    assert rows() == before


def test_another_requesters_private_type_cannot_be_required(callers):
    """Another's type may be required only if it is requestable (MTurk's rule)."""
    theirs = _create(callers.other_api, is_requestable=False)
    project = make_project(callers.owner)
    before = rows()

    body = assert_problem(
        callers.api.put(
            f"/api/v1/projects/{project.public_id}/requirements",
            {"requirements": [{"qualification_id": theirs["id"], "comparator": "Exists"}]},
        ),
        422,
        "validation-error",
    )

    assert [error["field"] for error in body["errors"]] == ["requirements.0.qualification_id"]
    assert rows() == before
