"""The one mapping from Python snake_case names to the seed's camelCase names.

Database columns (``f1_score`` -> ``"f1Score"``) and JSON fields use the same
function, so the API, the ORM and raw SQL agree on every name.
"""


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_snake(name: str) -> str:
    out: list[str] = []
    for char in name:
        if char.isupper():
            out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out)
