"""JSON Schema (draft 2020-12) of every event type's data, checked in under `events/schemas/`.

    python -m events.schemas --write   # regenerate events/schemas/<ce_type>.json
    python -m events.schemas --check   # exit 1 naming the files that differ from the code
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from events import generated
from events.base import Event
from events.topics import EVENT_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def schema_for(cls: type[Event], ref_template: str = "#/$defs/{model}") -> dict:
    """The JSON Schema of an event type's data, identified and titled by its `ce_type`."""
    schema = cls.model_json_schema(ref_template=ref_template)
    # `$id` and title name the contract as it is known on the wire, not the Python class.
    return {"$schema": DIALECT, "$id": cls.TYPE, **schema, "title": cls.TYPE}


def render(schema: dict) -> str:
    """Stable text of a schema: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def path_for(type_: str) -> Path:
    """Where the schema of an event type is checked in."""
    return SCHEMA_DIR / f"{type_}.json"


def generate() -> dict[Path, str]:
    """Every schema file as the code defines it."""
    return {path_for(type_): render(schema_for(cls)) for type_, cls in sorted(EVENT_TYPES.items())}


def owned() -> list[Path]:
    """The schema files currently checked in."""
    return sorted(SCHEMA_DIR.glob("*.json"))


def main(argv: list[str] | None = None) -> int:
    return generated.main(argv, what="event JSON Schemas", command="events.schemas", generate=generate, owned=owned)


if __name__ == "__main__":
    sys.exit(main())
