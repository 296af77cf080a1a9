from microwork.mturk import lookups, shapes
from microwork.mturk.pagination import paginate
from microwork.quality.models import WorkerQualification


def run(requester, params) -> dict:
    qualification_type = lookups.own_qualification_type(
        requester, params.entity_id("QualificationTypeId")
    )
    status = params.string("Status", required=False, choices=("Granted", "Revoked")) or "Granted"
    grants = WorkerQualification.objects.select_related("qualification_type", "worker").filter(
        qualification_type=qualification_type, status=status
    )
    return paginate(
        grants,
        params,
        result_key="Qualifications",
        shape=shapes.qualification_shape,
        scope=f"ListWorkersWithQualificationType:{qualification_type.public_id}:{status}",
    )
