"""Checks on rendered Kubernetes manifests that schemas do not make (.ci/validate-deploy).

usage: python deploy/check_manifests.py <overlay name> <rendered.yaml>
Each service has its Deployment (hardened, probed, sized), Service, ServiceAccount, HPA, PDB,
NetworkPolicy and migration Job; the workbench the same but no Job, plus an Ingress with TLS; every pod runs as non-root on a read-only root filesystem;
production carries no Secret and replicates streams 3 times.
"""

from __future__ import annotations

import sys

import yaml

SERVICES = ("intake", "tasking", "deadline", "escalation", "reporting")
APP_KINDS = (  # what each service and the workbench has
    "Deployment",
    "Service",
    "ServiceAccount",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
)


def main(overlay: str, path: str) -> int:
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    names = {k: {n for kk, n in by if kk == k} for k, _ in by}
    problems: list[str] = []

    def need(cond: bool, what: str) -> None:
        if not cond:
            problems.append(what)

    need(
        any(
            d["kind"] == "NetworkPolicy"
            and d["spec"]["podSelector"] == {}
            and set(d["spec"]["policyTypes"]) == {"Ingress", "Egress"}
            and not d["spec"].get("ingress")
            and not d["spec"].get("egress")
            for d in docs
        ),
        "a default-deny NetworkPolicy",
    )
    for s in (*SERVICES, "workbench"):
        name = f"duban-{s}"
        for kind in APP_KINDS:
            need((kind, name) in by, f"{kind} {name}")
        need(s == "workbench" or ("Job", f"{name}-migrate") in by, f"Job {name}-migrate")
        sa = by.get(("ServiceAccount", name))
        need(
            sa is not None and sa.get("automountServiceAccountToken") is False, f"{name}: ServiceAccount without token"
        )
        dep = by.get(("Deployment", name))
        if dep:
            c = dep["spec"]["template"]["spec"]["containers"][0]
            need(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz", f"{name}: liveness /healthz")
            need(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz", f"{name}: readiness /readyz")
            need(
                {"cpu", "memory"} <= set(c.get("resources", {}).get("requests", {}))
                and {"cpu", "memory"} <= set(c.get("resources", {}).get("limits", {})),
                f"{name}: requests and limits",
            )
            need(any(m["mountPath"] == "/tmp" for m in c.get("volumeMounts", [])), f"{name}: an emptyDir on /tmp")
            need("replicas" not in dep["spec"], f"{name}: replicas left to the HPA")
        job = by.get(("Job", f"{name}-migrate"))
        if job:
            need(
                job["spec"]["template"]["spec"]["containers"][0].get("args") == ["migrate"],
                f"{name}: the Job runs `migrate`",
            )
    for d in docs:
        if d["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        pod = d["spec"]["template"]["spec"]
        ref = f"{d['kind']} {d['metadata']['name']}"
        psc = pod.get("securityContext", {})
        need(psc.get("runAsNonRoot") is True, f"{ref}: runAsNonRoot")
        need(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{ref}: seccomp RuntimeDefault")
        need(pod.get("automountServiceAccountToken") is False, f"{ref}: no service account token")
        for c in pod["containers"]:
            sc = c.get("securityContext", {})
            need(sc.get("readOnlyRootFilesystem") is True, f"{ref}/{c['name']}: readOnlyRootFilesystem")
            need(sc.get("allowPrivilegeEscalation") is False, f"{ref}/{c['name']}: allowPrivilegeEscalation false")
            need(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{ref}/{c['name']}: capabilities drop ALL")
            need(
                ":" in c["image"] and not c["image"].endswith(":latest"),
                f"{ref}/{c['name']}: a pinned image tag ({c['image']})",
            )
    need(("Ingress", "duban-workbench") in by, "Ingress duban-workbench")  # its APP_KINDS are checked above
    ingress = by.get(("Ingress", "duban-workbench"))
    need(
        bool(ingress and ingress["spec"].get("tls") and ingress["spec"]["tls"][0].get("secretName")),
        "duban-workbench: Ingress with TLS",
    )
    for s in SERVICES:  # each service's API admits the workbench
        policy = by.get(("NetworkPolicy", f"duban-{s}"), {"spec": {}})
        need(
            any(
                f.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == "duban-workbench"
                for rule in policy["spec"].get("ingress", [])
                for f in rule.get("from", [])
            ),
            f"duban-{s}: ingress from the workbench",
        )
    nats = by.get(("StatefulSet", "duban-nats"))
    need(nats is not None and nats["spec"]["replicas"] == 3, "NATS: a 3-node StatefulSet")
    config = next(
        (d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("duban-config")), None
    )
    need(config is not None, "ConfigMap duban-config")
    replicas = (config or {}).get("data", {}).get("DUBAN_STREAM_REPLICAS")
    if overlay == "prod":
        need(replicas == "3", f"prod: DUBAN_STREAM_REPLICAS=3 (is {replicas})")
        need(not names.get("Secret"), f"prod: no Secret in the repository (found {sorted(names.get('Secret', []))})")
        anti = nats["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"] if nats else {}
        need(
            "requiredDuringSchedulingIgnoredDuringExecution" in anti,
            "prod: NATS nodes on different machines (required anti-affinity)",
        )
    for p in problems:
        print(f"check_manifests {overlay}: missing or wrong: {p}", file=sys.stderr)
    print(f"check_manifests {overlay}: {len(docs)} objects, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
