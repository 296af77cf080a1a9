"""Members shared by CreateQualificationType and UpdateQualificationType."""

from microwork.mturk.errors import out_of_range

STATUSES = ("Active", "Inactive")


def optional_members(params) -> dict:
    fields = {}
    for name, field, reader in (
        (
            "RetryDelayInSeconds",
            "retry_delay_seconds",
            lambda n: params.integer(n, required=False, minimum=0),
        ),
        ("Test", "test", lambda n: params.string(n, required=False, max_length=65535)),
        ("AnswerKey", "answer_key", lambda n: params.string(n, required=False, max_length=65535)),
        (
            "TestDurationInSeconds",
            "test_duration_seconds",
            lambda n: params.integer(n, required=False, minimum=1),
        ),
        ("AutoGranted", "auto_granted", lambda n: params.boolean(n)),
        ("AutoGrantedValue", "auto_granted_value", lambda n: params.integer(n, required=False)),
    ):
        value = reader(name)
        if value is not None:
            fields[field] = value
    if fields.get("test") and fields.get("auto_granted"):
        raise out_of_range("AutoGranted", "cannot be true for a type with a Test")
    return fields
