from microwork.mturk import errors, selectors, shapes
from microwork.mturk.pagination import paginate
from microwork.quality.enums import SYSTEM_QUALIFICATION_FOR_MTURK_ID
from microwork.quality.models import QualificationType


def run(requester, params) -> dict:
    type_id = params.entity_id("QualificationTypeId")
    hits = selectors.hits(requester)
    if type_id in SYSTEM_QUALIFICATION_FOR_MTURK_ID:
        hits = hits.filter(
            batch__project__requirements__system_key=SYSTEM_QUALIFICATION_FOR_MTURK_ID[type_id]
        )
    else:
        if not QualificationType.objects.filter(public_id=type_id).exists():
            raise errors.qualification_type_does_not_exist(type_id)
        hits = hits.filter(batch__project__requirements__qualification_type__public_id=type_id)
    return paginate(
        hits.distinct(),
        params,
        result_key="HITs",
        shape=shapes.hit_shape,
        scope=f"ListHITsForQualificationType:{type_id}",
    )
