from microwork.mturk import errors, shapes
from microwork.mturk.errors import RequestError
from microwork.mturk.operations import _qualification
from microwork.quality import services as quality


def run(requester, params) -> dict:
    fields = {
        "name": params.string("Name", min_length=1, max_length=200),
        "description": params.string("Description", max_length=2000),
        "status": params.string("QualificationTypeStatus", choices=_qualification.STATUSES),
        "keywords": params.string("Keywords", required=False, max_length=1000) or "",
        **_qualification.optional_members(params),
    }
    try:
        qualification_type = quality.qualification_type_create(owner=requester, **fields)
    except quality.QualificationTypeNameTaken as taken:
        raise RequestError(taken.message, errors.QUALIFICATION_TYPE_ALREADY_EXISTS) from None
    except quality.QualityRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_PARAMETER) from None
    return {"QualificationType": shapes.qualification_type_shape(qualification_type, is_owner=True)}
