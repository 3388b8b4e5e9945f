"""The Helm chart, rendered and validated offline: `helm lint`, `helm template` in several
configurations, every document against the Kubernetes schemas of kubernetes-validate (strict:
unknown fields fail), the operators' resources (Strimzi, CloudNativePG) against the minimal
schemas in crd-schemas.json, and what the chart promises operators (docs/operations.md)."""

import ast
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import kubernetes_validate.utils
import pytest
from deploy_support import CHART, KUBE_VERSION, PRODUCTION_VALUES, REPO_ROOT

from q2c_shared.events.topics import all_topics

SERVICES = ("quote", "order", "invoice", "payment")
# kubernetes-validate's schemas for the chart's oldest supported version (Chart.yaml
# kubeVersion) and a current one.
VALIDATE_VERSIONS = ("1.29", KUBE_VERSION.rsplit(".", 1)[0])
CRD_SCHEMAS: dict[str, Any] = json.loads((Path(__file__).parent / "crd-schemas.json").read_text())
HOOK = "helm.sh/hook"

OPERATORS_ON = (
    "--set",
    "kafka.strimziTopics.enabled=true",
    "--set",
    "kafka.topicPrefix=staging.",
    "--set",
    "postgres.cnpg.enabled=true",
    "--set",
    "postgres.cnpg.backup.enabled=true",
    "--set",
    "postgres.cnpg.backup.objectStoreName=q2c-backups",
    "--set",
    "metrics.podMonitor.enabled=true",
    "--set",
    "metrics.podMonitor.labels.release=kube-prometheus-stack",
)
EXISTING_SECRETS = (
    "--set",
    "apiKeys.existingSecret=my-keys",
    *(
        arg
        for key in SERVICES
        for arg in ("--set", f"services.{key}.database.existingSecret=my-{key}-db")
    ),
    "--set",
    "services.payment.secretEnv.STRIPE_WEBHOOK_SECRET=whsec_test",
    "--set",
    "services.invoice.env.INVOICE_RUN_CONCURRENCY=4",
)
AUTOSCALED = tuple(
    arg
    for key in SERVICES
    for role in ("api", "worker")
    for arg in (
        "--set",
        f"services.{key}.{role}.autoscaling.enabled=true",
        "--set",
        f"services.{key}.{role}.autoscaling.targetMemoryUtilizationPercentage=80",
    )
)
MINIMAL = (
    "--set",
    "services.quote.enabled=false",
    "--set",
    "services.order.enabled=false",
    "--set",
    "services.payment.enabled=false",
    "--set",
    "services.invoice.worker.enabled=false",
    "--set",
    "ingress.enabled=false",
    "--set",
    "migrations.waitForSchema=false",
    "--set",
    "serviceAccount.create=false",
    "--set",
    "spreadOverNodes=false",
)
SCENARIOS: dict[str, tuple[str, ...]] = {
    "default": (),
    "production": ("-f", str(PRODUCTION_VALUES)),
    "production-upgrade": ("-f", str(PRODUCTION_VALUES), "--is-upgrade"),
    "operators-on": OPERATORS_ON,
    "operators-on-upgrade": (*OPERATORS_ON, "--is-upgrade"),
    "existing-secrets": EXISTING_SECRETS,
    "autoscaled": AUTOSCALED,
    "minimal": MINIMAL,
}


@pytest.fixture(scope="module", autouse=True)
def _cached_kubernetes_schemas():
    """kubernetes-validate reads its schema files (1.4 MB of definitions) for every document;
    the same files serve every document here, so read each once."""
    original = kubernetes_validate.utils.schema_contents
    kubernetes_validate.utils.schema_contents = functools.cache(original)
    yield
    kubernetes_validate.utils.schema_contents = original


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def by_name(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in of_kind(docs, kind)}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def env_names(container: dict[str, Any]) -> set[str]:
    return {entry["name"] for entry in container.get("env", [])}


# -- lint and schema validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [(), ("-f", str(PRODUCTION_VALUES)), OPERATORS_ON],
    ids=["default", "production", "operators-on"],
)
def test_helm_lint_passes_strictly(run_helm, values):
    result = run_helm("lint", "--strict", str(CHART), "--kube-version", KUBE_VERSION, *values)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_rendered_document_is_valid(render, scenario):
    docs = render(*SCENARIOS[scenario])
    assert docs
    for doc in docs:
        key = f"{doc['apiVersion']}/{doc['kind']}"
        name = f"{doc['kind']} {doc['metadata']['name']}"
        if key in CRD_SCHEMAS:
            # kubernetes-validate knows built-in kinds only: operators' kinds are checked
            # against the fields this chart uses (crd-schemas.json).
            try:
                jsonschema.validate(doc, CRD_SCHEMAS[key])
            except jsonschema.ValidationError as error:
                pytest.fail(f"{name}: {error.message} at {list(error.absolute_path)}")
            continue
        for version in VALIDATE_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(
                    f"{name} (Kubernetes {version}): {error.message} at {list(error.absolute_path)}"
                )


def test_strict_validation_catches_an_unknown_field(render):
    """podSecurityContext passes through the values unchecked: a misspelt field reaches the
    Deployment, and strict validation is what stops it."""
    docs = render("--set", "podSecurityContext.runAsUsr=10001")
    deployment = of_kind(docs, "Deployment")[0]
    with pytest.raises(kubernetes_validate.ValidationError, match="runAsUsr"):
        kubernetes_validate.validate(deployment, VALIDATE_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_names_are_unique_and_labels_recommended(render, scenario):
    docs = render(*SCENARIOS[scenario])
    seen = set()
    for doc in docs:
        identity = (doc["kind"], doc["metadata"]["name"])
        assert identity not in seen, f"{identity} rendered twice"
        seen.add(identity)
        labels = doc["metadata"].get("labels", {})
        for label in (
            "helm.sh/chart",
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by",
            "app.kubernetes.io/part-of",
        ):
            assert label in labels, f"{identity} lacks the label {label}"


# -- the values schema -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typo",
    [
        "services.invoice.worker.replicaz=3",
        "services.billing.enabled=true",
        "ingres.enabled=false",
        "kafka.strimziTopics.partitons=12",
        "postgres.cnpg.instance=3",
    ],
)
def test_values_schema_rejects_a_typo(run_helm, typo):
    result = run_helm("template", "q2c", str(CHART), "--set", typo)
    assert result.returncode != 0
    assert "additional properties" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        "services.order.database.url=postgresql://postgres@db/q2c_order",  # not asyncpg
        "image.pullPolicy=Sometimes",
        "services.quote.ingressPaths[0]=/accounts",  # outside /v1
        "config.logLevel=verbose",
    ],
)
def test_values_schema_rejects_a_wrong_value(run_helm, bad):
    result = run_helm("template", "q2c", str(CHART), "--set", bad)
    assert result.returncode != 0, result.stdout[:300]
    assert "schema" in result.stderr, result.stderr


def test_values_schema_is_draft_07_and_closed():
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False
    assert schema["definitions"]["service"]["additionalProperties"] is False
    jsonschema.Draft7Validator.check_schema(schema)


# -- workloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_deployment_is_probed_hardened_and_sized(render, scenario):
    deployments = of_kind(render(*SCENARIOS[scenario]), "Deployment")
    assert deployments
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        spec = pod_spec(deployment)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name
        assert spec["automountServiceAccountToken"] is False, name
        tmp = [volume for volume in spec["volumes"] if volume["name"] == "tmp"]
        assert tmp and "emptyDir" in tmp[0], name
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{name}/{container['name']}"
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert {"mountPath": "/tmp", "name": "tmp"} in container["volumeMounts"], where
            resources = container["resources"]
            assert resources["requests"]["cpu"] and resources["requests"]["memory"], where
            assert resources["limits"]["memory"], where
        (container,) = spec["containers"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert {"DATABASE_URL", "Q2C_API_KEYS", "PORT"} <= env_names(container), name


def test_api_and_worker_run_the_same_image_in_their_own_modes(render):
    deployments = by_name(render(), "Deployment")
    for key in SERVICES:
        api = deployments[f"q2c-{key}-svc"]
        worker = deployments[f"q2c-{key}-svc-worker"]
        (api_container,) = pod_spec(api)["containers"]
        (worker_container,) = pod_spec(worker)["containers"]
        assert api_container["args"] == ["api"]
        assert worker_container["args"] == ["worker"]
        assert (
            api_container["image"] == worker_container["image"] == (f"ghcr.io/q2c/{key}-svc:0.1.0")
        )
        (wait,) = pod_spec(api)["initContainers"]
        assert wait["args"] == ["wait-for-schema"]
        labels = api["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == "api"
        assert (
            worker["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
            == "worker"
        )


def test_services_select_only_api_pods(render):
    docs = render()
    deployments = of_kind(docs, "Deployment")
    services = of_kind(docs, "Service")
    assert {service["metadata"]["name"] for service in services} == {
        f"q2c-{key}-svc" for key in SERVICES
    }
    for service in services:
        selector = service["spec"]["selector"]
        selected = [
            deployment["metadata"]["name"]
            for deployment in deployments
            if selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert selected == [service["metadata"]["name"]], (service["metadata"]["name"], selected)


@pytest.mark.parametrize("scenario", ["production", "autoscaled"])
def test_hpas_and_pdbs_point_at_rendered_deployments(render, scenario):
    docs = render(*SCENARIOS[scenario])
    deployments = by_name(docs, "Deployment")
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert hpas
    for hpa in hpas:
        target = hpa["spec"]["scaleTargetRef"]["name"]
        assert target in deployments, target
        assert "replicas" not in deployments[target]["spec"], "the HPA owns the replica count"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    pdbs = of_kind(docs, "PodDisruptionBudget")
    assert len(pdbs) == len(deployments)
    for pdb in pdbs:
        selector = pdb["spec"]["selector"]["matchLabels"]
        matched = [
            name
            for name, deployment in deployments.items()
            if selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert matched == [pdb["metadata"]["name"]]
    if scenario == "autoscaled":
        assert len(hpas) == 2 * len(SERVICES)


def test_production_workers_fit_their_partitions(render):
    """A consumer group uses one consumer per partition at most: a worker HPA allowed past the
    partition count would add idle consumers."""
    docs = render("-f", str(PRODUCTION_VALUES))
    partitions = {
        topic["spec"]["partitions"]
        for topic in of_kind(docs, "KafkaTopic")
        if not topic["spec"]["topicName"].endswith(".dlq")
    }
    (partition_count,) = partitions
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        if hpa["metadata"]["name"].endswith("-worker"):
            assert hpa["spec"]["maxReplicas"] <= partition_count, hpa["metadata"]["name"]


# -- ingress -----------------------------------------------------------------------------------


def _router_prefixes(service: str) -> set[str]:
    """The /v1 prefixes a service serves: `APIRouter(prefix=...)` in its code (every router is
    mounted under /v1 by q2c_shared.app)."""
    module = service.replace("-", "_")
    prefixes = set()
    for path in (REPO_ROOT / "services" / service / "src" / module).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "APIRouter"
            ):
                for keyword in node.keywords:
                    if keyword.arg == "prefix" and isinstance(keyword.value, ast.Constant):
                        prefixes.add("/v1" + keyword.value.value)
    return prefixes


def test_one_ingress_routes_every_service_prefix_to_its_service(render):
    (ingress,) = of_kind(render(), "Ingress")
    (rule,) = ingress["spec"]["rules"]
    routes = {path["path"]: path["backend"]["service"]["name"] for path in rule["http"]["paths"]}
    assert all(path["pathType"] == "Prefix" for path in rule["http"]["paths"])
    expected = {}
    for key in SERVICES:
        prefixes = _router_prefixes(f"{key}-svc")
        assert prefixes, f"no APIRouter prefixes found in {key}-svc"
        expected.update({prefix: f"q2c-{key}-svc" for prefix in prefixes})
    # Every prefix the code serves is routed to its service, and nothing else is routed.
    assert routes == expected
    assert routes["/v1/webhooks"] == "q2c-payment-svc"  # Stripe's webhook, no bearer key


def test_ingress_hosts_and_tls_from_values(render):
    (ingress,) = of_kind(render("-f", str(PRODUCTION_VALUES)), "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["billing.example.com"]
    assert ingress["spec"]["tls"][0]["secretName"] == "q2c-tls"


# -- migrations --------------------------------------------------------------------------------


def test_migration_jobs_are_pre_install_and_pre_upgrade_hooks(render):
    docs = render()
    jobs = by_name(docs, "Job")
    assert set(jobs) == {f"q2c-{key}-svc-migrate" for key in SERVICES}
    hook_secrets = {
        doc["metadata"]["name"]: doc
        for doc in of_kind(docs, "Secret")
        if HOOK in doc["metadata"].get("annotations", {})
    }
    for job in jobs.values():
        annotations = job["metadata"]["annotations"]
        assert annotations[HOOK].split(",") == ["pre-install", "pre-upgrade"]
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
        (container,) = pod_spec(job)["containers"]
        assert container["args"] == ["migrate"]
        assert "serviceAccountName" not in pod_spec(job), "the release's SA is not there yet"
        # The DATABASE_URL comes from a hook Secret created before the Job in the same phase.
        source = container["env"][0]["valueFrom"]["secretKeyRef"]["name"]
        secret = hook_secrets[source]
        assert secret["metadata"]["annotations"][HOOK] == annotations[HOOK]
        assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
            annotations["helm.sh/hook-weight"]
        )
        assert pod_spec(job)["restartPolicy"] == "Never"


def test_with_cnpg_install_migrates_as_a_job_and_upgrades_as_a_hook(render):
    install = by_name(render(*OPERATORS_ON), "Job")
    assert set(install) == {f"q2c-{key}-svc-migrate-install" for key in SERVICES}
    assert all(HOOK not in job["metadata"].get("annotations", {}) for job in install.values())
    upgrade = by_name(render(*OPERATORS_ON, "--is-upgrade"), "Job")
    assert set(upgrade) == {f"q2c-{key}-svc-migrate" for key in SERVICES}
    assert all(job["metadata"]["annotations"][HOOK] == "pre-upgrade" for job in upgrade.values())
    for job in (*install.values(), *upgrade.values()):
        (container,) = pod_spec(job)["containers"]
        env = {entry["name"]: entry for entry in container["env"]}
        assert env["DATABASE_USER"]["valueFrom"]["secretKeyRef"]["name"].endswith("-pg-app")
        assert env["DATABASE_URL"]["value"].startswith(
            "postgresql+asyncpg://$(DATABASE_USER):$(DATABASE_PASSWORD)@"
        )


# -- secrets and configuration -----------------------------------------------------------------


def test_secrets_come_from_the_chart_or_from_existing_secrets(render):
    default = render()
    secrets = by_name(default, "Secret")
    assert "Q2C_API_KEYS" in secrets["q2c-api-keys"]["data"]
    assert set(secrets["q2c-invoice-svc"]["data"]) == {"DATABASE_URL"}

    docs = render(*EXISTING_SECRETS)
    secrets = by_name(docs, "Secret")
    assert "q2c-api-keys" not in secrets
    assert not any(HOOK in s["metadata"].get("annotations", {}) for s in secrets.values())
    assert set(secrets["q2c-payment-svc"]["data"]) == {"STRIPE_WEBHOOK_SECRET"}
    for deployment in of_kind(docs, "Deployment"):
        (container,) = pod_spec(deployment)["containers"]
        env = {entry["name"]: entry for entry in container["env"]}
        key = deployment["metadata"]["name"].split("-")[1]
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"my-{key}-db"
        assert env["Q2C_API_KEYS"]["valueFrom"]["secretKeyRef"]["name"] == "my-keys"
    configs = by_name(docs, "ConfigMap")
    assert configs["q2c-invoice-svc-config"]["data"] == {"INVOICE_RUN_CONCURRENCY": "4"}


def test_shared_config_and_quote_reads_contracts_from_this_release(render):
    configs = by_name(render(), "ConfigMap")
    shared = configs["q2c-config"]["data"]
    assert shared["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert shared["KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert configs["q2c-quote-svc-config"]["data"]["ORDER_SERVICE_URL"] == "http://q2c-order-svc"


def test_quote_documents_ask_this_releases_invoice_svc_unless_told_otherwise(render):
    quote = by_name(render(), "ConfigMap")["q2c-quote-svc-config"]["data"]
    assert quote["INVOICE_SERVICE_URL"] == "http://q2c-invoice-svc"

    elsewhere = "http://invoices.billing.svc:8003"
    told = by_name(
        render("--set", f"services.quote.env.INVOICE_SERVICE_URL={elsewhere}"), "ConfigMap"
    )
    assert told["q2c-quote-svc-config"]["data"]["INVOICE_SERVICE_URL"] == elsewhere


# -- operators' resources ----------------------------------------------------------------------


def test_strimzi_topics_are_the_contract_topics_and_their_dead_letters(render):
    topics = of_kind(render(*OPERATORS_ON), "KafkaTopic")
    assert {topic["apiVersion"] for topic in topics} == {"kafka.strimzi.io/v1"}
    names = {topic["spec"]["topicName"]: topic for topic in topics}
    assert set(names) == set(all_topics("staging."))
    for name, topic in names.items():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "q2c"
        assert topic["spec"]["partitions"] == (1 if name.endswith(".dlq") else 6)
        assert topic["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_cnpg_clusters_one_per_service_kept_on_uninstall(render):
    docs = render(*OPERATORS_ON)
    clusters = by_name(docs, "Cluster")
    assert set(clusters) == {f"q2c-{key}-pg" for key in SERVICES}
    for key in SERVICES:
        cluster = clusters[f"q2c-{key}-pg"]
        assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
        assert cluster["spec"]["bootstrap"]["initdb"]["database"] == f"q2c_{key}"
        assert cluster["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
        assert cluster["spec"]["plugins"][0]["parameters"]["barmanObjectName"] == "q2c-backups"
    backups = by_name(docs, "ScheduledBackup")
    assert {backup["spec"]["cluster"]["name"] for backup in backups.values()} == set(clusters)
    assert "Cluster" not in {doc["kind"] for doc in render()}


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels, matchExpressions In) selects `labels`."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression  # the only operator the chart uses
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def test_the_pod_monitor_scrapes_every_api_and_worker_pod_and_nothing_else(render):
    docs = render(*OPERATORS_ON)
    (monitor,) = of_kind(docs, "PodMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")
    selector = monitor["spec"]["selector"]
    deployments = of_kind(docs, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} >= {
        f"q2c-{key}-svc{suffix}" for key in SERVICES for suffix in ("", "-worker")
    }
    for deployment in deployments:
        template = deployment["spec"]["template"]
        assert _selects(selector, template["metadata"]["labels"]), deployment["metadata"]["name"]
        ports = {port["name"] for c in template["spec"]["containers"] for port in c["ports"]}
        assert "http" in ports
    jobs = of_kind(docs, "Job")
    assert jobs
    for job in jobs:  # the migrations serve no metrics
        assert not _selects(selector, job["spec"]["template"]["metadata"]["labels"])
    assert not of_kind(render(), "PodMonitor")


def test_minimal_install_renders_only_what_was_asked(render):
    docs = render(*MINIMAL)
    assert {doc["metadata"]["name"] for doc in of_kind(docs, "Deployment")} == {"q2c-invoice-svc"}
    assert not of_kind(docs, "Ingress")
    assert not of_kind(docs, "ServiceAccount")
    (deployment,) = of_kind(docs, "Deployment")
    assert "initContainers" not in pod_spec(deployment)
    assert pod_spec(deployment)["serviceAccountName"] == "default"
