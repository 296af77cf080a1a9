from microwork.mturk import lookups
from microwork.mturk.operations import _qualification
from microwork.mturk.pagination import paginate
from microwork.quality.enums import QualificationRequestState
from microwork.quality.models import QualificationRequest


def run(requester, params) -> dict:
    """The requests waiting for the caller's decision: tests without an answer key."""
    type_id = params.entity_id("QualificationTypeId", required=False)
    requests = QualificationRequest.objects.filter(
        qualification_type__owner=requester, state=QualificationRequestState.SUBMITTED
    ).select_related("qualification_type", "worker")
    if type_id is not None:
        requests = requests.filter(
            qualification_type=lookups.own_qualification_type(requester, type_id)
        )
    return paginate(
        requests,
        params,
        result_key="QualificationRequests",
        shape=_qualification.request_shape,
        scope=f"ListQualificationRequests:{type_id or ''}",
    )
