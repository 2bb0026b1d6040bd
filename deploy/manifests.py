"""The Kubernetes resources that follow from the list of services and the topic declarations, so that a new
service or topic is one edit in the code: disruption budgets, autoscalers and network policies per
workload, the gateway's Ingress, and the Job that creates every topic before the services start.

    python -m deploy.manifests --write   # after adding a service or a topic
    python -m deploy.manifests --check   # part of the tests
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import yaml

from deploy import generated
from deploy.local.run import SERVICES, WEB_SETTINGS, settings_class
from events import TOPICS, dead_letter_topic

K8S = generated.DEPLOY / "k8s"
NAMESPACE = "ai-marketplace"
PART_OF = {"app.kubernetes.io/part-of": "ai-marketplace"}
# Where the platform runs its ingress controller and Prometheus (namespace names).
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"
PARTITIONS, REPLICATION_FACTOR, MIN_IN_SYNC = 6, 3, 2
IMAGE = "registry.example.govt.nz/ai-marketplace@sha256:" + "0" * 64


@dataclass(frozen=True)
class Workload:
    name: str
    port: int
    ops_port: int | None = None  # metrics and readiness on a port of their own (the gateway)


def workloads() -> list[Workload]:
    """Every service and the web pages at the port their settings default to, and the gateway."""
    services = [Workload(name, settings_class(path).model_fields["port"].default)
                for name, path in (SERVICES | {"web": WEB_SETTINGS}).items()]
    return [*services, Workload("gateway", 8080, ops_port=8090)]


def _meta(name: str, **extra) -> dict:
    return {"name": name, "namespace": NAMESPACE, "labels": {"app.kubernetes.io/name": name, **PART_OF}, **extra}


def _selector(name: str) -> dict:
    return {"matchLabels": {"app.kubernetes.io/name": name}}


def availability() -> list[dict]:
    """Per workload: at most one replica down by choice (drains, upgrades), and replicas following CPU."""
    documents = []
    for workload in workloads():
        documents.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(workload.name),
                          "spec": {"maxUnavailable": 1, "selector": _selector(workload.name)}})
        documents.append({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _meta(workload.name),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload.name},
                     "minReplicas": 2, "maxReplicas": 6,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}})
    return documents


def _from_namespace(namespace: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}


def network_policies() -> list[dict]:
    """Services take requests from the gateway only (and scrapes from monitoring); the gateway from the
    ingress controller (and monitoring on its operations port). Egress is left to the platform's policy
    (PostgreSQL, Kafka and DNS live outside this namespace)."""
    documents = []
    for workload in workloads():
        if workload.name == "gateway":
            rules = [{"from": [_from_namespace(INGRESS_NAMESPACE)], "ports": [{"port": workload.port}]},
                     {"from": [_from_namespace(MONITORING_NAMESPACE)], "ports": [{"port": workload.ops_port}]}]
        else:
            rules = [{"from": [{"podSelector": _selector("gateway")}, _from_namespace(MONITORING_NAMESPACE)],
                      "ports": [{"port": workload.port}]}]
        documents.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                          "metadata": _meta(workload.name),
                          "spec": {"podSelector": _selector(workload.name), "policyTypes": ["Ingress"],
                                   "ingress": rules}})
    return documents


def ingress() -> list[dict]:
    """The gateway, the only public entry point, under the marketplace's host name with TLS."""
    host = "marketplace.example.govt.nz"
    return [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta("gateway"),
             "spec": {"ingressClassName": "nginx", "tls": [{"hosts": [host], "secretName": "marketplace-tls"}],
                      "rules": [{"host": host, "http": {"paths": [{
                          "path": "/", "pathType": "Prefix",
                          "backend": {"service": {"name": "gateway", "port": {"name": "http"}}}}]}}]}}]


def topic_names() -> list[str]:
    """Every topic and every consumer's dead-letter topic."""
    names = [topic.name for topic in TOPICS.values()]
    names += [dead_letter_topic(topic.name, consumer) for topic in TOPICS.values() for consumer in topic.consumers]
    return sorted(names)


def topics_job() -> list[dict]:
    """A Job, run before the services, creating each topic with its partitions and replication (the
    brokers do not create topics on first use)."""
    commands = [f"/opt/kafka/bin/kafka-topics.sh --bootstrap-server \"$KAFKA_BOOTSTRAP_SERVERS\" "
                f"--command-config /etc/kafka-admin/client.properties --create --if-not-exists --topic {name} "
                f"--partitions {PARTITIONS} --replication-factor {REPLICATION_FACTOR} "
                f"--config min.insync.replicas={MIN_IN_SYNC}" for name in topic_names()]
    container = {
        "name": "create-topics", "image": "apache/kafka:3.9.1", "command": ["/bin/sh", "-ec", "\n".join(commands)],
        "envFrom": [{"configMapRef": {"name": "marketplace-config"}}],
        "volumeMounts": [{"name": "kafka-admin", "mountPath": "/etc/kafka-admin", "readOnly": True}],
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}
    return [{"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta("create-topics"),
             "spec": {"backoffLimit": 6, "template": {"metadata": {"labels": PART_OF}, "spec": {
                 "restartPolicy": "OnFailure", "automountServiceAccountToken": False,
                 "securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                                     "seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [container],
                 # client.properties: the Kafka admin's SASL settings, from the platform's secret store.
                 "volumes": [{"name": "kafka-admin", "secret": {"secretName": "kafka-admin-client"}}]}}}}]


def _render(documents: list[dict], what: str) -> str:
    header = f"# {generated.HEADER.format(module='deploy.manifests')}\n# {what}\n"
    return header + yaml.safe_dump_all(documents, sort_keys=False, width=120)


GENERATED = {
    K8S / "05-topics.yaml": lambda: _render(topics_job(), "Every topic, created once before the services start."),
    K8S / "21-ingress.yaml": lambda: _render(ingress(), "The gateway, the only public entry point."),
    K8S / "40-availability.yaml": lambda: _render(availability(), "Disruption budgets and CPU autoscaling."),
    K8S / "41-network-policies.yaml": lambda: _render(network_policies(), "Who may open a connection to whom."),
}


def main(argv: list[str] | None = None) -> int:
    return generated.main("deploy.manifests", GENERATED, argv)


if __name__ == "__main__":
    sys.exit(main())
