from microwork.mturk import lookups
from microwork.quality import services as quality


def run(requester, params) -> dict:
    qualification_type = lookups.own_qualification_type(
        requester, params.entity_id("QualificationTypeId")
    )
    quality.qualification_type_delete(qualification_type=qualification_type)
    return {}
