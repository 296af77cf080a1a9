from microwork.mturk import notifying
from microwork.mturk.errors import UNSUPPORTED_OPERATION, RequestError, out_of_range


def run(requester, params) -> dict:
    test_event = params.string("TestEventType", choices=notifying.EVENT_TYPES)
    spec = params.body.get("Notification")
    if spec is None:
        params.string("Notification")  # MissingParameter, as botocore would name it
    try:
        fields = notifying.check_specification(spec)
    except notifying.NotificationRefused as refusal:
        raise out_of_range(refusal.parameter, refusal.message) from None
    if fields["transport"] not in notifying.DELIVERED:
        raise RequestError(
            f"This server delivers notifications by Email only: a {fields['transport']} "
            "notification is stored by UpdateNotificationSettings but never sent.",
            UNSUPPORTED_OPERATION,
        )
    notifying.send(
        destination=fields["destination"],
        events=[notifying.event(test_event, hit_id="", hit_type_id="")],
        requester_id=requester.pk,
    )
    return {}
