"""Every way the gateway is started keeps uvicorn off X-Forwarded-For and probes the right ports."""

from __future__ import annotations

import json

import yaml

from deploy.local.run import make_plan
from servicekit.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


def gateway_container() -> dict:
    documents = yaml.safe_load_all((DEPLOY / "k8s" / "20-gateway.yaml").read_text())
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_every_gateway_command_runs_uvicorn_as_the_gateway_needs():
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())["services"]["gateway"]
    # Continuation lines joined, the exec-form CMD is a JSON list.
    dockerfile = (DEPLOY / "Dockerfile").read_text().replace("\\\n", "").splitlines()
    dockerfile_cmd = json.loads(next(line for line in dockerfile if line.startswith("CMD "))[4:])
    local = make_plan({"ENVIRONMENT": "development"}).gateway.command
    for command in (gateway_container()["command"], compose["command"], local, dockerfile_cmd):
        assert "--no-proxy-headers" in command, command
        assert command[command.index("--http") + 1] == "gateway.server:GatewayHttpProtocol", command


def test_trusted_proxies_are_set_explicitly_and_readiness_is_probed_on_the_operations_port():
    container = gateway_container()
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["GATEWAY_TRUSTED_PROXIES"] == "" and env["GATEWAY_OPS_PORT"] == "8090"
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}
    assert {"name": "ops", "containerPort": 8090} in container["ports"]
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())["services"]["gateway"]
    assert compose["environment"]["GATEWAY_TRUSTED_PROXIES"] == ""
    assert "127.0.0.1:8090/readyz" in " ".join(compose["healthcheck"]["test"])
    assert compose["ports"] == ["8080:8080"]


def test_only_the_gateway_holds_the_identity_key_and_every_service_reads_the_public_jwks():
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())["services"]
    apps = {name: service for name, service in compose.items() if "uvicorn" in service.get("command", [])}
    assert "gateway" in apps and len(apps) > 1
    for name, service in apps.items():
        secrets, env = service.get("secrets", []), service["environment"]
        if name == "gateway":
            assert "gateway_identity_key" in secrets and env["GATEWAY_IDENTITY_KEY_FILE"].endswith("identity_key")
            continue
        assert "gateway_identity_key" not in secrets, name
        assert {"source": "identity_jwks", "target": env["IDENTITY_JWKS"]} in service["configs"], name

    config = yaml.safe_load((DEPLOY / "k8s" / "01-config.yaml").read_text())["data"]
    jwks_folder = config["IDENTITY_JWKS"].rsplit("/", 1)[0]
    deployments = [d for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
                   for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] == "Deployment"]
    assert len(deployments) == len(apps)
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        (container,) = pod["containers"]
        if deployment["metadata"]["name"] == "gateway":
            assert "gateway-identity-key" in secrets
            continue
        assert "gateway-identity-key" not in secrets, deployment["metadata"]["name"]
        maps = {v["name"] for v in pod["volumes"] if v.get("configMap", {}).get("name") == "identity-jwks"}
        assert any(m["name"] in maps and m["mountPath"] == jwks_folder for m in container["volumeMounts"])
