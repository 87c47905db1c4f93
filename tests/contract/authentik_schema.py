#!/usr/bin/env python3
"""Validates what poc-tui's Authentik contract fakes serve, and the request bodies poc-tui
sends, against the pydantic models of the official `authentik-client` package (generated from
Authentik's OpenAPI schema). The Rust test `authentik_contract` writes one JSON file per shape:
{"model": "<authentik_client.models name>", "what": "...", "body": ...}.

A body fails when the model refuses it (a missing required field, a wrong type, a bad enum
value) or when it carries a field the model does not know (a renamed or invented field).
Exit 0 when every file validates and every expected model was seen; 1 otherwise.
"""

import json
import sys
import typing
from pathlib import Path

import pydantic
from authentik_client import models

EXPECTED = {
    "PaginatedUserList",
    "PaginatedGroupList",
    "PaginatedApplicationList",
    "PaginatedOAuth2ProviderList",
    "UserRequest",
    "UserPasswordSetRequest",
}


def model_classes(annotation):
    """The pydantic models an annotation refers to (through Optional, List, Annotated…)."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found.extend(model_classes(arg))
    return found


def unknown_fields(cls, data, path):
    """Keys of `data` that `cls` (recursively) does not declare."""
    if not isinstance(data, dict):
        return []
    fields = {(f.alias or name): f for name, f in cls.model_fields.items()}
    problems = []
    for key, value in data.items():
        if key not in fields:
            problems.append(f"{path}.{key}: not a field of {cls.__name__}")
            continue
        for sub in model_classes(fields[key].annotation):
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                where = f"{path}.{key}[{i}]" if isinstance(value, list) else f"{path}.{key}"
                problems.extend(unknown_fields(sub, item, where))
    return problems


def check(path):
    doc = json.loads(path.read_text())
    name = doc["model"]
    cls = getattr(models, name, None)
    if cls is None:
        return name, [f"authentik_client.models has no {name}"]
    problems = []
    try:
        cls.model_validate(doc["body"])
    except pydantic.ValidationError as e:
        for err in e.errors():
            where = ".".join(str(p) for p in err["loc"])
            problems.append(f"{where}: {err['msg']}")
    problems.extend(unknown_fields(cls, doc["body"], "body"))
    return name, problems


def main():
    if len(sys.argv) != 2:
        print("usage: authentik_schema.py DUMP_DIR", file=sys.stderr)
        return 2
    files = sorted(Path(sys.argv[1]).glob("*.json"))
    seen = set()
    failed = 0
    for path in files:
        name, problems = check(path)
        seen.add(name)
        if problems:
            failed += 1
            print(f"FAIL {path.name} ({name}):")
            for p in problems:
                print(f"    {p}")
        else:
            print(f"ok   {path.name} ({name})")
    missing = EXPECTED - seen
    if missing:
        print(f"FAIL no dump of: {', '.join(sorted(missing))}")
    print(f"{len(files)} shapes checked against authentik-client, {failed} failed")
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
