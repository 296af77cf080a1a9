from microwork.mturk import files, lookups
from microwork.mturk.errors import PARAMETER_OUT_OF_RANGE, RequestError
from microwork.notifications.mail import absolute


def run(requester, params) -> dict:
    assignment = lookups.assignment(requester, params.entity_id("AssignmentId"))
    question = params.string("QuestionIdentifier", min_length=1, max_length=64)
    if files.stored_file_name(assignment, question) is None:
        raise RequestError(
            f"Assignment {assignment.public_id} has no uploaded file for the question {question}.",
            PARAMETER_OUT_OF_RANGE,
        )
    return {"FileUploadURL": absolute(files.signed_path(assignment, question))}
