"""The errors the MTurk endpoint answers with, in the shape botocore parses (reference §1.4):
HTTP 400 or 500, `__type` in the body (botocore ignores the x-amzn-ErrorType header for this
protocol), `Message` and, for MTurk's own errors, `TurkErrorCode`."""

import time


class MTurkError(Exception):
    """Answered as {"__type": error_type, "Message": ..., "TurkErrorCode": ...}."""

    status = 400
    error_type = "RequestError"

    def __init__(self, message: str, turk_error_code: str = "", *, stamp: bool = True):
        super().__init__(message)
        # MTurk appends " (<epoch millis>)" to its messages; clients match on the text before.
        self.message = f"{message} ({int(time.time() * 1000)})" if stamp else message
        self.turk_error_code = turk_error_code

    def body(self) -> dict:
        body = {"__type": self.error_type, "Message": self.message}
        if self.turk_error_code:
            body["TurkErrorCode"] = self.turk_error_code
        return body


class RequestError(MTurkError):
    pass


class ServiceFault(MTurkError):
    status = 500
    error_type = "ServiceFault"


class AuthError(MTurkError):
    """A refused signature: AWS's generic codes, no TurkErrorCode, no timestamp."""

    def __init__(self, error_type: str, message: str, status: int = 400):
        super().__init__(message, stamp=False)
        self.error_type = error_type
        self.status = status


class UnknownOperation(MTurkError):
    error_type = "UnknownOperationException"


class Throttled(MTurkError):
    """Too many requests from one access key or address (docs/adr/0023): MTurk's own answer,
    which botocore retries after a pause."""

    error_type = "ThrottlingException"

    def __init__(self, retry_after: int):
        super().__init__("Rate exceeded", stamp=False)
        self.retry_after = retry_after


# TurkErrorCodes.
PARAMETER_OUT_OF_RANGE = "AWS.ParameterOutOfRange"
HIT_DOES_NOT_EXIST = "AWS.MechanicalTurk.HITDoesNotExist"
ASSIGNMENT_DOES_NOT_EXIST = "AWS.MechanicalTurk.AssignmentDoesNotExist"
INVALID_ASSIGNMENT_STATE = "AWS.MechanicalTurk.InvalidAssignmentState"
INVALID_HIT_STATE = "AWS.MechanicalTurk.InvalidHITState"
HIT_ALREADY_EXISTS = "AWS.MechanicalTurk.HitAlreadyExists"
DUPLICATE_REQUEST = "AWS.MechanicalTurk.DuplicateRequest"
QUALIFICATION_TYPE_ALREADY_EXISTS = "AWS.MechanicalTurk.QualificationTypeAlreadyExists"
QUALIFICATION_TYPE_DOES_NOT_EXIST = "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
QUALIFICATION_DOES_NOT_EXIST = "AWS.MechanicalTurk.QualificationDoesNotExist"
INVALID_QUALIFICATION_STATE = "AWS.MechanicalTurk.InvalidQualificationState"
HIT_TYPE_DOES_NOT_EXIST = "AWS.MechanicalTurk.HITTypeDoesNotExist"
INSUFFICIENT_FUNDS = "AWS.MechanicalTurk.InsufficientFunds"
INVALID_MAXIMUM_ASSIGNMENTS_INCREASE = "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"
XML_PARSE_ERROR = "AWS.MechanicalTurk.XMLParseError"
WORKER_DOES_NOT_EXIST = "AWS.MechanicalTurk.WorkerDoesNotExist"
UNSUPPORTED_OPERATION = "AWS.MechanicalTurk.UnsupportedOperation"
INVALID_PARAMETER = "AWS.MechanicalTurk.InvalidParameterValue"


def out_of_range(name: str, detail: str) -> RequestError:
    return RequestError(f"Value for {name} {detail}.", PARAMETER_OUT_OF_RANGE)


def hit_does_not_exist(hit_id: str) -> RequestError:
    return RequestError(f"Hit {hit_id} does not exist.", HIT_DOES_NOT_EXIST)


def assignment_does_not_exist(assignment_id: str) -> RequestError:
    return RequestError(f"Assignment {assignment_id} does not exist.", ASSIGNMENT_DOES_NOT_EXIST)


def qualification_type_does_not_exist(type_id: str) -> RequestError:
    return RequestError(
        f"QualificationType {type_id} does not exist.", QUALIFICATION_TYPE_DOES_NOT_EXIST
    )


def worker_invalid(worker_id: str) -> RequestError:
    return RequestError(f"WorkerId is invalid: {worker_id} does not exist.", WORKER_DOES_NOT_EXIST)


def invalid_assignment_state() -> RequestError:
    return RequestError(
        "This operation can be called with a status of: Submitted", INVALID_ASSIGNMENT_STATE
    )


def insufficient_funds(detail: str) -> RequestError:
    return RequestError(
        f"You do not have enough funds to complete this request. {detail}", INSUFFICIENT_FUNDS
    )
