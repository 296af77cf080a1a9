from microwork.mturk import notifying, selectors
from microwork.mturk.errors import HIT_TYPE_DOES_NOT_EXIST, RequestError, out_of_range


def run(requester, params) -> dict:
    hit_type_id = params.entity_id("HITTypeId")
    spec = params.body.get("Notification")
    active = params.boolean("Active")
    if spec is None and active is None:
        raise out_of_range("Notification", "or Active must be given")
    project = selectors.hit_type_for_requester(requester=requester, hit_type_id=hit_type_id)
    if project is None:
        raise RequestError(f"HITType {hit_type_id} does not exist.", HIT_TYPE_DOES_NOT_EXIST)
    try:
        notifying.setting_update(project=project, spec=spec, active=active)
    except notifying.NotificationRefused as refusal:
        raise out_of_range(refusal.parameter, refusal.message) from None
    return {}
