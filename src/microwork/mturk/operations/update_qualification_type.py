from microwork.mturk import errors, lookups, shapes
from microwork.mturk.errors import RequestError
from microwork.mturk.operations import _qualification
from microwork.quality import services as quality


def run(requester, params) -> dict:
    qualification_type = lookups.own_qualification_type(
        requester, params.entity_id("QualificationTypeId")
    )
    fields = _qualification.optional_members(params)
    description = params.string("Description", required=False, max_length=2000)
    if description is not None:
        fields["description"] = description
    status = params.string(
        "QualificationTypeStatus", required=False, choices=_qualification.STATUSES
    )
    if status is not None:
        fields["status"] = status
    try:
        updated = quality.qualification_type_update(qualification_type=qualification_type, **fields)
    except quality.QualityRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_PARAMETER) from None
    return {"QualificationType": shapes.qualification_type_shape(updated, is_owner=True)}
