"""Members shared by the qualification operations: CreateQualificationType's and
UpdateQualificationType's optional members, MTurk's system types, qualification requests."""

from microwork.mturk import errors, shapes
from microwork.mturk.errors import RequestError, out_of_range
from microwork.quality import qualification_tests
from microwork.quality.enums import MTURK_SYSTEM_TYPES
from microwork.quality.models import QualificationRequest

STATUSES = ("Active", "Inactive")


def optional_members(params) -> dict:
    fields = {}
    for name, field, reader in (
        (
            "RetryDelayInSeconds",
            "retry_delay_seconds",
            lambda n: params.integer(n, required=False, minimum=0),
        ),
        ("Test", "test", lambda n: params.string(n, required=False, max_length=65535)),
        ("AnswerKey", "answer_key", lambda n: params.string(n, required=False, max_length=65535)),
        (
            "TestDurationInSeconds",
            "test_duration_seconds",
            lambda n: params.integer(n, required=False, minimum=1),
        ),
        ("AutoGranted", "auto_granted", lambda n: params.boolean(n)),
        ("AutoGrantedValue", "auto_granted_value", lambda n: params.integer(n, required=False)),
    ):
        value = reader(name)
        if value is not None:
            fields[field] = value
    if fields.get("test") and fields.get("auto_granted"):
        raise out_of_range("AutoGranted", "cannot be true for a type with a Test")
    return fields


# --- system qualification types and qualification requests --------------------------------

# MTurk's system types have no creation time one could learn; a fixed one keeps them stable.
SYSTEM_CREATION_TIME = 1_483_228_800.0  # 2017-01-01, the API version's year


def system_type_shapes(query: str = "") -> list[dict]:
    """MTurk's system qualification types (quality.enums.MTURK_SYSTEM_TYPES) as
    QualificationType structures, those whose name or description holds `query`."""
    wanted = (query or "").lower()
    return [
        system_type_shape(type_id)
        for type_id, name, description in MTURK_SYSTEM_TYPES
        if wanted in name.lower() or wanted in description.lower()
    ]


def system_type_shape(type_id: str) -> dict | None:
    for known_id, name, description in MTURK_SYSTEM_TYPES:
        if known_id == type_id:
            return {
                "QualificationTypeId": known_id,
                "CreationTime": SYSTEM_CREATION_TIME,
                "Name": name,
                "Description": description,
                "QualificationTypeStatus": "Active",
                "IsRequestable": False,
                "AutoGranted": False,
            }
    return None


def request_shape(request) -> dict:
    """A QualificationRequest: the test as shown and the answers as QuestionFormAnswers."""
    shape = {
        "QualificationRequestId": request.public_id,
        "QualificationTypeId": request.qualification_type.public_id,
        "WorkerId": request.worker.worker_id,
        "SubmitTime": shapes.epoch(request.submitted_at or request.started_at),
    }
    if request.test:
        shape["Test"] = request.test
        shape["Answer"] = qualification_tests.answers_xml(request.answers, request.test)
    return shape


def own_request(requester, request_id: str) -> QualificationRequest:
    """The requester's qualification request, or MTurk's error naming the id."""
    found = (
        QualificationRequest.objects.select_related("qualification_type", "worker")
        .filter(public_id=request_id, qualification_type__owner=requester)
        .first()
    )
    if found is None:
        raise RequestError(
            f"QualificationRequest {request_id} does not exist.", errors.INVALID_PARAMETER
        )
    return found
