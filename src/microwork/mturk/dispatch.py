"""The MTurk endpoint: POST /mturk/ in AWS JSON 1.1, the operation named by X-Amz-Target.

One view: check the SigV4 signature (auth.py), read the JSON body, run the operation's module
(operations/<operation>.py) in one transaction, answer JSON or an error boto3 parses
(errors.py). A refused operation rolls its whole transaction back, so it changes nothing.
"""

import importlib
import json
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from microwork.common.nul import first_nul_path
from microwork.common.ratelimits import RateLimited, rate_limit
from microwork.mturk import auth
from microwork.mturk.errors import (
    INSUFFICIENT_FUNDS,
    INVALID_HIT_STATE,
    PARAMETER_OUT_OF_RANGE,
    XML_PARSE_ERROR,
    MTurkError,
    RequestError,
    ServiceFault,
    Throttled,
    UnknownOperation,
)
from microwork.mturk.params import Params
from microwork.payments.services import InsufficientFunds
from microwork.projects.questions import QuestionInvalid
from microwork.projects.services import BatchStateError

logger = logging.getLogger(__name__)

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
CONTENT_TYPE = "application/x-amz-json-1.1"
# Tier 1 and tier 2 of the reference (§2.1), each served by operations/<snake_case>.py.
SUPPORTED = frozenset(
    {
        "GetAccountBalance",
        "CreateHIT",
        "CreateHITType",
        "CreateHITWithHITType",
        "GetHIT",
        "ListHITs",
        "ListHITsForQualificationType",
        "UpdateExpirationForHIT",
        "DeleteHIT",
        "CreateAdditionalAssignmentsForHIT",
        "ListAssignmentsForHIT",
        "GetAssignment",
        "ApproveAssignment",
        "RejectAssignment",
        "SendBonus",
        "ListBonusPayments",
        "CreateQualificationType",
        "GetQualificationType",
        "UpdateQualificationType",
        "DeleteQualificationType",
        "ListQualificationTypes",
        "AssociateQualificationWithWorker",
        "DisassociateQualificationFromWorker",
        "GetQualificationScore",
        "ListWorkersWithQualificationType",
        "CreateWorkerBlock",
        "DeleteWorkerBlock",
        "ListWorkerBlocks",
        "NotifyWorkers",
        "ListReviewableHITs",
        "UpdateHITReviewStatus",
        "ListQualificationRequests",
        "AcceptQualificationRequest",
        "RejectQualificationRequest",
        "UpdateNotificationSettings",
        "SendTestEventNotification",
        "GetFileUploadURL",
        "UpdateHITTypeOfHIT",
        "ListReviewPolicyResultsForHIT",
    }
)
# Every one of MTurk's 39 operations is served; a feature an operation cannot honour (an SQS
# or SNS test notification, a review policy other than MTurk's two) is refused by name.
NOT_SUPPORTED: frozenset[str] = frozenset()


def module_name(operation: str) -> str:
    """ "CreateHITWithHITType" -> "create_hit_with_hit_type"."""
    words = re.findall(
        r"[A-Z][a-z]*",
        operation.replace("HITs", "Hits").replace("HIT", "Hit").replace("URL", "Url"),
    )
    return "_".join(word.lower() for word in words)


def _respond(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    response["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def _error(error: MTurkError) -> HttpResponse:
    return _respond(error.body(), status=error.status)


def changes_something(operation: str) -> bool:
    return not operation.startswith(("Get", "List"))


def _run(operation: str, requester, body: dict, request) -> dict:
    module = importlib.import_module(f"microwork.mturk.operations.{module_name(operation)}")
    try:
        with transaction.atomic():
            answer = module.run(requester, Params(body))
            if changes_something(operation):
                # After the operation: a request refused on its own terms (a second approval,
                # a repeated UniqueRequestToken) gets MTurk's own error, not a replay's.
                auth.signature_once(request)
            return answer
    except InsufficientFunds as refusal:
        raise RequestError(
            f"You do not have enough funds to complete this request. {refusal.message}",
            INSUFFICIENT_FUNDS,
        ) from None
    except QuestionInvalid as refusal:
        raise RequestError(str(refusal), XML_PARSE_ERROR) from None
    except BatchStateError as refusal:  # e.g. an account whose address is not verified yet
        raise RequestError(str(refusal), INVALID_HIT_STATE) from None
    except ValidationError as refusal:
        raise RequestError("; ".join(refusal.messages), PARAMETER_OUT_OF_RANGE) from None


@csrf_exempt
def endpoint(request):
    if request.method != "POST":
        return _error(RequestError("The MTurk API takes POST requests only."))
    target = request.META.get("HTTP_X_AMZ_TARGET", "")
    try:
        key = auth.authenticate(request)
        try:
            rate_limit(request, "mturk", account=key.access_key_id)
        except RateLimited as limited:
            raise Throttled(limited.retry_after) from None
        if not target.startswith(TARGET_PREFIX):
            raise UnknownOperation(f"Unknown target {target!r}.", stamp=False)
        operation = target[len(TARGET_PREFIX) :]
        if operation in NOT_SUPPORTED:
            raise RequestError(
                f"The operation {operation} is not supported by this server.",
                "AWS.MechanicalTurk.UnsupportedOperation",
            )
        if operation not in SUPPORTED:
            raise UnknownOperation(f"Unknown operation {operation!r}.", stamp=False)
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise RequestError(
                "The request body is not JSON.", "AWS.MechanicalTurk.XMLParseError"
            ) from None
        except RecursionError:
            raise RequestError("The request body is nested too deeply.") from None
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        if (where := first_nul_path(body)) is not None:
            raise RequestError(f"{where} contains a NUL character (\\u0000), which is not text.")
        return _respond(_run(operation, key.requester, body, request))
    except RequestDataTooBig:
        return _error(
            RequestError(
                f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
            )
        )
    except Throttled as error:
        response = _error(error)
        response["Retry-After"] = str(error.retry_after)
        return response
    except MTurkError as error:
        return _error(error)
    except Exception:
        logger.exception("MTurk operation %s failed", target)
        return _error(
            ServiceFault(
                "We encountered an internal error. Please try again.", "AWS.ServiceUnavailable"
            )
        )
