"""The checked-in contracts (AsyncAPI document, JSON Schemas) agree with the code and its naming rules."""

import json
import re

import pytest
import yaml

from events import asyncapi, generated, schemas
from events.topics import EVENT_TYPES, TOPICS

AGGREGATE = r"(?P<aggregate>[a-z]+(?:_[a-z]+)*)"
VERSION = r"v(?P<version>[1-9]\d*)"
TYPE_NAME = re.compile(rf"^nz\.govt\.marketplace\.{AGGREGATE}\.(?P<verb>[a-z]+)\.{VERSION}$")
TOPIC_NAME = re.compile(rf"^(?P<domain>[a-z]+)\.{AGGREGATE}\.{VERSION}$")
# Past participles that do not end in -ed; extend when a new event type needs one.
IRREGULAR_PAST = {"withdrawn", "sent", "paid", "held", "set", "made", "taken", "won", "lost", "begun", "written"}


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(asyncapi.DOCUMENT.read_text(encoding="utf-8"))


def test_asyncapi_document_matches_the_code():
    assert asyncapi.DOCUMENT.read_text(encoding="utf-8") == asyncapi.render(), (
        "events/asyncapi.yaml is stale: run `python -m events.asyncapi --write`"
    )


def test_schema_files_match_the_code():
    stale = generated.stale(schemas.generate(), schemas.owned())
    assert stale == [], f"stale schema files {[p.name for p in stale]}: run `python -m events.schemas --write`"


def test_check_commands_pass_on_the_checked_in_files():
    assert schemas.main(["--check"]) == 0
    assert asyncapi.main(["--check"]) == 0


def test_check_names_stale_and_leftover_files_and_write_fixes_them(tmp_path):
    current, changed, missing, leftover = (tmp_path / n for n in ("a.json", "b.json", "c.json", "old.json"))
    current.write_text("same\n")
    changed.write_text("before\n")
    leftover.write_text("gone\n")
    expected = {current: "same\n", changed: "after\n", missing: "new\n"}
    owned = lambda: sorted(tmp_path.glob("*.json"))  # noqa: E731

    assert generated.stale(expected, owned()) == [changed, missing, leftover]
    generated.write(expected, owned())
    assert generated.stale(expected, owned()) == []
    assert not leftover.exists() and missing.read_text() == "new\n"


@pytest.mark.parametrize("type_", sorted(EVENT_TYPES))
def test_event_type_and_topic_names_follow_the_rules(type_):
    cls = EVENT_TYPES[type_]
    name = TYPE_NAME.match(type_)
    assert name, f"{type_} is not nz.govt.marketplace.<aggregate>.<past-tense verb>.v<N>"
    assert name["verb"].endswith("ed") or name["verb"] in IRREGULAR_PAST, f"{name['verb']} is not past tense"
    topic = TOPIC_NAME.match(cls.TOPIC)
    assert topic, f"{cls.TOPIC} is not <domain>.<aggregate>.v<N>"
    # One topic per aggregate and version, so the Kafka key keeps one aggregate's events in order.
    assert (topic["aggregate"], topic["version"]) == (name["aggregate"], name["version"])
    assert topic["domain"] == TOPICS[cls.TOPIC].producer


@pytest.mark.parametrize("name", sorted(TOPICS))
def test_topics_are_well_formed(name):
    topic = TOPICS[name]
    assert TOPIC_NAME.match(name)
    assert topic.events, f"{name} carries no event type"
    assert topic.producer not in topic.consumers


def test_every_topic_is_a_channel_with_its_event_types(document):
    by_address = {c["address"]: c for c in document["channels"].values()}
    for name, topic in TOPICS.items():
        assert name in by_address, f"topic {name} has no channel"
        assert list(by_address[name]["messages"]) == [cls.TYPE for cls in topic.events]


def test_every_event_type_is_a_message(document):
    messages = document["components"]["messages"]
    for type_, cls in EVENT_TYPES.items():
        message = messages[type_]
        headers = message["headers"]["properties"]
        assert message["name"] == cls.__name__
        assert message["summary"] == cls.__doc__.strip().splitlines()[0]
        assert message["payload"] == {"$ref": f"#/components/schemas/{type_}"}
        assert headers["ce_type"]["const"] == type_
        assert headers["ce_source"]["const"] == f"/services/{TOPICS[cls.TOPIC].producer}"
        assert headers["ce_specversion"]["const"] == "1.0"
        assert "key" in message["bindings"]["kafka"]


def test_producer_sends_and_each_consumer_receives(document):
    for name, topic in TOPICS.items():
        ops = [op for op in document["operations"].values() if op["channel"] == {"$ref": f"#/channels/{name}"}]
        assert [op["title"].split()[0] for op in ops if op["action"] == "send"] == [topic.producer]
        assert [op["title"].split()[0] for op in ops if op["action"] == "receive"] == topic.consumers


def test_dead_letter_convention_is_described(document):
    channel = document["channels"][asyncapi.DEAD_LETTER_CHANNEL]
    headers = document["components"]["messages"][asyncapi.DEAD_LETTER_MESSAGE]["headers"]
    assert channel["address"] == "{topic}.{group}.dlt"
    assert headers["required"] == [
        "dlt_error", "dlt_origin_topic", "dlt_origin_partition", "dlt_origin_offset", "dlt_failed_at",
    ]


def test_every_reference_resolves(document):
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(document)):
        target = document
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, f"{ref} does not resolve"
            target = target[part]


@pytest.mark.parametrize("type_", sorted(EVENT_TYPES))
def test_payload_in_document_is_the_exported_schema(document, type_):
    exported = json.loads(schemas.path_for(type_).read_text(encoding="utf-8"))
    # The document hoists shared models into components; point the file's refs there to compare.
    exported = json.loads(json.dumps(exported).replace('"#/$defs/', '"#/components/schemas/'))
    components = document["components"]["schemas"]
    for name, shared in exported.pop("$defs", {}).items():
        assert components[name] == shared
    assert exported.pop("$schema") == "https://json-schema.org/draft/2020-12/schema"
    assert exported.pop("$id") == exported["title"] == type_
    assert components[type_] == exported
