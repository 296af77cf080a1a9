import uuid

from microwork.mturk import errors, lookups, services
from microwork.mturk.errors import RequestError, out_of_range
from microwork.payments import services as payments


def run(requester, params) -> dict:
    worker_id = params.worker_id()
    amount = params.money("BonusAmount")
    assignment = lookups.assignment(requester, params.entity_id("AssignmentId"))
    reason = params.string("Reason", max_length=1024)
    token = params.string("UniqueRequestToken", required=False, min_length=1, max_length=64)
    if amount < 1:
        raise out_of_range("BonusAmount", "must be more than 0.00")
    if assignment.worker.worker_id != worker_id:
        raise RequestError(
            f"Assignment {assignment.public_id} was not done by worker {worker_id}.",
            errors.INVALID_PARAMETER,
        )
    if not reason.strip():
        raise out_of_range("Reason", "must not be empty")
    try:
        record = services.request_token_claim(
            requester=requester, token=token, operation="SendBonus"
        )
    except services.DuplicateRequestToken as duplicate:
        raise RequestError(
            f"A bonus was already sent with this request token, for assignment "
            f"{duplicate.result_id}.",
            errors.DUPLICATE_REQUEST,
        ) from None
    # The token record's id makes the payment key unique even after the token expires.
    key = f"mturk:{record.pk}:{token}" if record is not None else f"mturk:{uuid.uuid4()}"
    try:
        payments.bonus_send(
            requester=requester,
            assignment=assignment,
            amount_cents=amount,
            reason=reason,
            request_key=key,
        )
    except payments.InsufficientFunds:
        raise
    except payments.PaymentRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_PARAMETER) from None
    services.request_token_done(record, assignment.public_id)
    return {}
