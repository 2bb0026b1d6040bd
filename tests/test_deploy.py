"""The deployment files, checked as configuration (no container engine runs here): generated parts up to
date, every manifest valid against the Kubernetes schemas, the compose file valid for Docker Compose, and
every service of the code present in both with what production needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from deploy import manifests
from deploy.local.run import SERVICES
from servicekit.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
K8S_FILES = sorted((DEPLOY / "k8s").glob("*.yaml"))
WORKLOADS = [*SERVICES, "web", "gateway"]
BIN = Path(sys.executable).parent


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def k8s(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for path in K8S_FILES for d in documents(path) if d["kind"] == kind}


def test_the_generated_manifests_are_up_to_date():
    assert manifests.main(["--check"]) == 0


@pytest.mark.parametrize("path", K8S_FILES, ids=lambda p: p.name)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(path):
    for document in documents(path):
        if document["apiVersion"].startswith("kafka.strimzi.io/"):
            continue  # the operator's own resource: its schema is the operator's CRD
        kubernetes_validate.validate(document, "1.33", strict=True)


def test_the_compose_file_is_valid_for_docker_compose():
    checked = subprocess.run([BIN / "docker-compose", "-f", DEPLOY / "compose" / "compose.yaml", "--env-file",
                              DEPLOY / "compose" / "env.example", "config", "-q"],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_every_workload_runs_in_kubernetes_as_production_needs():
    deployments, services = k8s("Deployment"), k8s("Service")
    budgets, autoscalers, policies = k8s("PodDisruptionBudget"), k8s("HorizontalPodAutoscaler"), k8s("NetworkPolicy")
    for name in WORKLOADS:
        pod = deployments[name]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(container), name
        assert container["lifecycle"]["preStop"]["exec"]["command"], name
        assert "@sha256:" in container["image"], name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
            "kubernetes.io/hostname", "topology.kubernetes.io/zone"}, name
        assert name in services and name in budgets and name in autoscalers and name in policies, name
    for name in [*SERVICES, "web"]:  # from the gateway (and scrapes), from nobody else
        (rule,) = policies[name]["spec"]["ingress"]
        assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}} in rule["from"]
    assert k8s("Ingress")["gateway"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "gateway"
    job = k8s("Job")["create-topics"]["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert all(f"--topic {topic} " in job for topic in manifests.topic_names())


def test_every_workload_runs_in_compose_with_limits_and_a_health_check():
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())["services"]
    for name in WORKLOADS:
        assert compose[name]["healthcheck"]["test"], name
        assert compose[name]["deploy"]["resources"]["limits"], name
    for name in SERVICES:
        assert f"{name.upper()}_DATABASE_URL" in compose[name]["environment"], name
    brokers = [compose[f"kafka-{n}"]["environment"] for n in (1, 2, 3)]
    assert all(b["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false" and b["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
               and b["KAFKA_MIN_INSYNC_REPLICAS"] == 2 for b in brokers)
