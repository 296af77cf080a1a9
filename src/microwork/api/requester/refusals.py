"""The use cases' refusals as problems: every requester endpoint runs its use case inside
`refusals()`, so a refused act answers the same problem whichever endpoint asked."""

from contextlib import contextmanager

from microwork.api.problems import ApiProblem
from microwork.payments.services import IdempotencyConflict, InsufficientFunds, PaymentRefused
from microwork.projects.services import BatchStateError, ProjectTermsLocked
from microwork.quality.services import QualificationTypeNameTaken, QualityRefused
from microwork.work.services import WorkRefused


@contextmanager
def refusals():
    try:
        yield
    except BatchStateError as error:
        raise ApiProblem(409, "batch-state", str(error)) from None
    except ProjectTermsLocked as error:
        raise ApiProblem(
            409,
            "project-terms-locked",
            "Pay, time and template are frozen once a batch of the project has been published.",
            errors=[{"field": field, "message": "frozen"} for field in error.args[0]],
        ) from None
    except InsufficientFunds as error:
        raise ApiProblem(409, "insufficient-funds", error.message) from None
    except IdempotencyConflict as error:
        raise ApiProblem(409, "idempotency-conflict", error.message) from None
    except PaymentRefused as error:
        raise ApiProblem(409, "payment-refused", error.message) from None
    except QualificationTypeNameTaken as error:
        raise ApiProblem(
            409, "name-taken", error.message, errors=[{"field": "name", "message": error.message}]
        ) from None
    except QualityRefused as error:
        raise ApiProblem(409, "quality-refused", error.message) from None
    except WorkRefused as error:
        raise ApiProblem(409, "review-refused", error.message) from None
