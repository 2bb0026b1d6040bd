"""Kafka's ACLs as deployed: generated from the topic declarations, each service writing only its own topics."""

from __future__ import annotations

import yaml

from deploy import kafka_acls
from events import TOPICS, dead_letter_topic
from servicekit.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


def writers(rules) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in rules:
        if rule.resource == "topic" and "Write" in rule.operations:
            found.setdefault(rule.name, set()).add(rule.service)
    return found


def test_the_deployed_files_are_what_the_topic_declarations_give():
    assert kafka_acls.main(["--check"]) == 0


def test_only_a_topics_producer_writes_it_and_its_consumers_read_it():
    rules = kafka_acls.acls()
    written = writers(rules)
    for topic in TOPICS.values():
        assert written[topic.name] == {topic.producer}
        readers = {rule.service for rule in rules if rule.name == topic.name and "Read" in rule.operations}
        assert readers == set(topic.consumers), topic.name
        for consumer in topic.consumers:
            parked = dead_letter_topic(topic.name, consumer)
            assert written[parked] == {consumer}
            assert {rule.service for rule in rules if rule.name == parked and "Read" in rule.operations} == {consumer}
    # Nothing else is writable, and no rule names a resource by wildcard.
    assert set(written) == {t.name for t in TOPICS.values()} | {
        dead_letter_topic(t.name, c) for t in TOPICS.values() for c in t.consumers}
    assert all("*" not in rule.name for rule in rules)


def test_compose_runs_kafka_with_authorisation_and_every_service_signs_in_as_itself():
    services = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())["services"]
    for broker in (services[f"kafka-{n}"]["environment"] for n in (1, 2, 3)):
        assert broker["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
        assert broker["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("StandardAuthorizer")
        assert broker["KAFKA_SUPER_USERS"] == "User:admin"
        # Every listener wants SASL, the controllers' too.
        assert broker["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] == "CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"
    assert services["kafka-setup"]["volumes"] == ["./kafka-setup.sh:/kafka-setup.sh:ro"]
    for service in kafka_acls.SERVICES:
        environment = services[service]["environment"]
        assert environment["KAFKA_SASL_USERNAME"] == service
        assert environment["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert environment["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert services[service]["depends_on"]["kafka-setup"] == {"condition": "service_completed_successfully"}


def test_kubernetes_has_a_kafka_user_per_service_and_each_deployment_signs_in_as_it():
    users = {d["metadata"]["name"]: d for d in yaml.safe_load_all((DEPLOY / "k8s" / "30-kafka-users.yaml").read_text())}
    assert set(users) == set(kafka_acls.SERVICES)
    config = yaml.safe_load((DEPLOY / "k8s" / "01-config.yaml").read_text())["data"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" and config["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    for number, service in enumerate(kafka_acls.SERVICES, start=10):
        assert users[service]["spec"]["authentication"] == {"type": "scram-sha-512"}
        documents = yaml.safe_load_all((DEPLOY / "k8s" / f"{number}-{service}.yaml").read_text())
        deployment = next(d for d in documents if d["kind"] == "Deployment")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {item["name"]: item for item in container["env"]}
        assert env["KAFKA_SASL_USERNAME"]["value"] == service
        assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == f"{service.upper()}_KAFKA_PASSWORD"
