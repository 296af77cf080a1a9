"""NUL characters in parsed JSON. PostgreSQL stores no NUL (U+0000) in text or JSON, so a door
that takes JSON refuses one by where it is (a dotted path such as `answers.label.1`), before a
write could fail with a 500."""


def first_nul_path(body) -> str | None:
    """The dotted path of the first key or string in a parsed JSON body holding a NUL, or None.
    Iterative: a body nested as deep as the JSON parser allows cannot exhaust the stack here."""
    stack = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                where = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return where
                stack.append((where, item))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                stack.append((f"{path}.{index}" if path else str(index), value[index]))
    return None
