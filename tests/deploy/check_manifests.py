#!/usr/bin/env python3
"""Static checks of the deployment files (docker/, deploy/).

Parses every YAML file under docker/ and deploy/ (and the Grafana JSON
dashboards) and checks what the docs/SERVICE_DESIGN.md (§5-6) asks of them:

  Kubernetes  StatefulSet: a per-pod state volume for --state-dir,
              nvidia.com/gpu limit, native gRPC probes on the
              right health services, terminationGracePeriodSeconds longer
              than --drain-seconds (+ preStop pause), read-only dataset PVC,
              resource requests, non-root; Services (one headless) matching
              the pods; PodDisruptionBudget; ServiceMonitor endpoints naming a
              real Service port; HPA (autoscaling/v2) on a queue-wait metric
              that the prometheus-adapter rules expose.
  compose     the three services, named volumes, the read-only dataset
              mount, health check, the GPU reservation stanza of the GPU
              variant, the files it mounts; schema-valid where docker-compose's
              compose_spec.json and python3-jsonschema are installed.
  Prometheus  scrape target tenas:9464; Grafana provisioning + dashboard
              panels for the listed metrics; every metric name used exists in
              server/metrics.cc; every PromQL expression parses (promtool,
              when installed).
  Dockerfiles multi-stage, the CI scripts in the build stage, non-root,
              exec-form ENTRYPOINT, EXPOSE, HEALTHCHECK.

Needs python3-yaml. Prints one line per check and "N passed, N failed".
usage: check_manifests.py [REPO_ROOT]
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))
READY_SERVICE = "tenas.v1.ArchitectureScorer"
DASHBOARD_METRICS = [
    "tenas_requests_total", "tenas_request_duration_seconds_bucket",
    "tenas_queue_depth", "tenas_queue_wait_seconds",
    "tenas_evaluation_duration_seconds", "tenas_searches_active",
    "tenas_device_memory_bytes",
]

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""))
    return ok


def rel(path):
    return os.path.relpath(path, ROOT)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------
def load_all():
    docs = {}  # path -> list of documents
    files = []
    for top in ("docker", "deploy"):
        for ext in ("yaml", "yml"):
            files += glob.glob(os.path.join(ROOT, top, "**", "*." + ext),
                               recursive=True)
    check("YAML files found under docker/ and deploy/", len(files) >= 10,
          "%d found" % len(files))
    for path in sorted(set(files)):
        try:
            with open(path) as f:
                docs[path] = [d for d in yaml.safe_load_all(f) if d is not None]
            check("parses: " + rel(path), bool(docs[path]), "empty")
        except yaml.YAMLError as e:
            check("parses: " + rel(path), False, str(e).replace("\n", " "))
    return docs


def k8s_objects(docs):
    objs = []
    for path, ds in docs.items():
        if os.sep + "k8s" + os.sep not in path:
            continue
        for d in ds:
            ok = isinstance(d, dict) and "apiVersion" in d and "kind" in d \
                and "name" in d.get("metadata", {})
            check("k8s object has apiVersion/kind/metadata.name: %s" %
                  rel(path), ok)
            if ok:
                d["__file__"] = rel(path)
                objs.append(d)
    return objs


def one(objs, kind):
    found = [o for o in objs if o["kind"] == kind]
    check("exactly one %s" % kind, len(found) == 1, "%d found" % len(found))
    return found[0] if found else None


def labels_match(selector, labels):
    return bool(selector) and all(labels.get(k) == v
                                  for k, v in selector.items())


def flag_value(args, name):
    """Value of --name=V or --name V (dashes or underscores) in args."""
    names = {"--" + name, "--" + name.replace("-", "_")}
    for i, a in enumerate(args):
        a = str(a)
        key, eq, val = a.partition("=")
        if key in names:
            if eq:
                return val
            if i + 1 < len(args):
                return str(args[i + 1])
    return None


def parse_seconds(text):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", str(text).strip())
    if not m or not any(m.groups()):
        return None
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


# ---------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------
def check_deployment(dep):
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    pod_labels = spec["template"]["metadata"]["labels"]
    check("StatefulSet apiVersion apps/v1", dep["apiVersion"] == "apps/v1")
    check("StatefulSet selector matches its pod labels",
          labels_match(spec["selector"]["matchLabels"], pod_labels))
    containers = pod["containers"]
    check("StatefulSet has one container", len(containers) == 1)
    c = containers[0]
    args = [str(a) for a in c.get("args", [])]
    limits = c.get("resources", {}).get("limits", {})
    requests = c.get("resources", {}).get("requests", {})
    check("container limits nvidia.com/gpu: 1",
          str(limits.get("nvidia.com/gpu")) == "1", str(limits))
    check("container requests cpu and memory",
          "cpu" in requests and "memory" in requests, str(requests))
    check("server runs on the pod's GPU (--device cuda:0)",
          flag_value(args, "device") == "cuda:0", str(args))
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    grpc_port = int(flag_value(args, "port") or 50051)
    check("container port 'grpc' = --port (%d)" % grpc_port,
          ports.get("grpc") == grpc_port, str(ports))
    metrics_port = int(flag_value(args, "metrics-port") or 9464)
    check("container port 'metrics' = --metrics-port (%d)" % metrics_port,
          ports.get("metrics") == metrics_port, str(ports))

    for probe, service in (("startupProbe", READY_SERVICE),
                           ("readinessProbe", READY_SERVICE),
                           ("livenessProbe", "")):
        p = c.get(probe)
        g = (p or {}).get("grpc")
        check("%s is a native gRPC probe" % probe, isinstance(g, dict),
              str(p))
        if isinstance(g, dict):
            check("%s grpc.port = %d" % (probe, grpc_port),
                  g.get("port") == grpc_port, str(g))
            check("%s grpc.service = %r" % (probe, service),
                  g.get("service", "") == service, str(g))
    sp = c.get("startupProbe", {})
    budget = sp.get("periodSeconds", 10) * sp.get("failureThreshold", 3)
    check("startupProbe allows >= 2 min for dataset loading (%d s)" % budget,
          budget >= 120)

    drain = int(flag_value(args, "drain-seconds") or 30)
    pause = 0
    pre = c.get("lifecycle", {}).get("preStop", {})
    cmd = pre.get("exec", {}).get("command", [])
    if cmd and os.path.basename(str(cmd[0])) == "sleep" and len(cmd) > 1:
        pause = int(cmd[1])
    elif "sleep" in pre:
        pause = int(pre["sleep"].get("seconds", 0))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check("terminationGracePeriodSeconds (%s) > --drain-seconds (%d) + "
          "preStop pause (%d)" % (grace, drain, pause),
          isinstance(grace, int) and grace > drain + pause)

    data_dir = flag_value(args, "data-dir")
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    m = mounts.get(data_dir or "/data")
    check("--data-dir (%s) is a volume mount" % data_dir, m is not None,
          str(list(mounts)))
    if m:
        v = vols.get(m["name"], {})
        pvc = v.get("persistentVolumeClaim")
        check("dataset volume is a PVC", pvc is not None, str(v))
        check("dataset PVC and mount are read-only",
              bool(pvc and pvc.get("readOnly")) and m.get("readOnly") is True)
    state_dir = flag_value(args, "state-dir")
    check("--state-dir is set", bool(state_dir), str(args))
    templates = {t["metadata"]["name"]: t
                 for t in spec.get("volumeClaimTemplates", [])}
    state_mount = [m for p, m in mounts.items()
                   if state_dir and (state_dir + "/").startswith(p.rstrip("/") + "/")]
    check("--state-dir (%s) is on a per-pod volumeClaimTemplate" % state_dir,
          len(state_mount) == 1 and state_mount[0]["name"] in templates and
          not state_mount[0].get("readOnly"), str(list(mounts)))
    check("serviceName is the headless Service",
          spec.get("serviceName") == "tenas-headless", spec.get("serviceName"))
    sc = pod.get("securityContext", {})
    csc = c.get("securityContext", {})
    check("pod runs as non-root",
          sc.get("runAsNonRoot") is True or csc.get("runAsNonRoot") is True)
    check("no privilege escalation",
          csc.get("allowPrivilegeEscalation") is False)
    return pod_labels, grpc_port, metrics_port, vols


def check_services(objs, pod_labels, grpc_port, metrics_port):
    services = [o for o in objs if o["kind"] == "Service"]
    check("at least two Services", len(services) >= 2, str(len(services)))
    headless = [s for s in services if s["spec"].get("clusterIP") == "None"]
    check("one headless Service (clusterIP: None)", len(headless) == 1,
          str(len(headless)))
    for s in services:
        name = s["metadata"]["name"]
        check("Service %s selects the tenas pods" % name,
              labels_match(s["spec"].get("selector"), pod_labels))
        ports = s["spec"].get("ports", [])
        check("Service %s exposes gRPC port %d" % (name, grpc_port),
              any(p.get("port") == grpc_port and
                  p.get("targetPort") in (grpc_port, "grpc") for p in ports),
              str(ports))
    if headless:
        check("headless Service does not publish unready pods",
              not headless[0]["spec"].get("publishNotReadyAddresses", False))
    return services


def check_pdb(pdb, pod_labels):
    if not pdb:
        return
    spec = pdb["spec"]
    check("PodDisruptionBudget apiVersion policy/v1",
          pdb["apiVersion"] == "policy/v1")
    check("PodDisruptionBudget selects the tenas pods",
          labels_match(spec.get("selector", {}).get("matchLabels"),
                       pod_labels))
    check("PodDisruptionBudget sets minAvailable or maxUnavailable",
          ("minAvailable" in spec) != ("maxUnavailable" in spec))


def check_servicemonitor(sm, services, metrics_port):
    if not sm:
        return
    check("ServiceMonitor apiVersion monitoring.coreos.com/v1",
          sm["apiVersion"] == "monitoring.coreos.com/v1")
    sel = sm["spec"].get("selector", {}).get("matchLabels", {})
    selected = [s for s in services
                if labels_match(sel, s["metadata"].get("labels", {}))]
    check("ServiceMonitor selects exactly one Service (no double scrape)",
          len(selected) == 1, str([s["metadata"]["name"] for s in selected]))
    endpoints = sm["spec"].get("endpoints", [])
    check("ServiceMonitor has endpoints", bool(endpoints))
    for e in endpoints:
        port_names = {p.get("name"): p for s in selected
                      for p in s["spec"].get("ports", [])}
        p = port_names.get(e.get("port"))
        check("ServiceMonitor endpoint port %r is a port of the Service" %
              e.get("port"), p is not None, str(list(port_names)))
        if p:
            check("that port reaches --metrics-port",
                  p.get("targetPort") in (metrics_port, "metrics") and
                  p.get("port") == metrics_port, str(p))
        check("ServiceMonitor endpoint path /metrics",
              e.get("path", "/metrics") == "/metrics")


def adapter_rules(objs):
    rules = []
    for o in objs:
        if o["kind"] == "ConfigMap" and "config.yaml" in o.get("data", {}):
            cfg = yaml.safe_load(o["data"]["config.yaml"])
            rules += cfg.get("rules", []) + cfg.get("externalRules", [])
    check("prometheus-adapter rules found", bool(rules))
    for r in rules:
        ok = all(k in r for k in ("seriesQuery", "name", "metricsQuery")) \
            and "as" in r["name"]
        check("adapter rule %s has seriesQuery/name.as/metricsQuery" %
              r.get("name", {}).get("as"), ok)
        res = r.get("resources", {})
        check("adapter rule %s maps namespace and pod" %
              r.get("name", {}).get("as"),
              "template" in res or
              {"namespace", "pod"} <= set(res.get("overrides", {})))
    return rules


def check_hpa(hpa, dep, rules):
    if not hpa:
        return []
    spec = hpa["spec"]
    check("HPA apiVersion autoscaling/v2",
          hpa["apiVersion"] == "autoscaling/v2")
    ref = spec.get("scaleTargetRef", {})
    check("HPA targets the StatefulSet",
          ref.get("kind") == "StatefulSet" and
          ref.get("name") == dep["metadata"]["name"], str(ref))
    check("HPA minReplicas <= maxReplicas",
          1 <= spec.get("minReplicas", 1) <= spec["maxReplicas"])
    names = []
    for m in spec.get("metrics", []):
        t = m.get("type")
        body = m.get({"Pods": "pods", "External": "external",
                      "Object": "object"}.get(t, ""), {})
        name = body.get("metric", {}).get("name")
        if name:
            names.append(name)
    check("HPA scales on a queue-wait metric (Pods/External)",
          any(n.startswith("tenas_queue_wait_seconds") for n in names),
          str(names))
    exposed = {r["name"]["as"] for r in rules}
    for n in names:
        check("HPA metric %s is exposed by an adapter rule" % n, n in exposed,
              str(sorted(exposed)))
    return names


# ---------------------------------------------------------------------------
# compose, Prometheus, Grafana
# ---------------------------------------------------------------------------
def volume_entries(service):
    out = []
    for v in service.get("volumes", []):
        if isinstance(v, str):
            parts = v.split(":")
            out.append({"source": parts[0], "target": parts[1],
                        "read_only": len(parts) > 2 and "ro" in parts[2],
                        "type": "bind" if parts[0].startswith((".", "/"))
                        else "volume"})
        else:
            out.append(v)
    return out


def check_compose(docs):
    path = os.path.join(ROOT, "docker", "compose.yaml")
    compose = (docs.get(path) or [None])[0]
    if not check("docker/compose.yaml present", compose is not None):
        return None
    base = os.path.dirname(path)
    services = compose.get("services", {})
    check("compose has services tenas, prometheus, grafana",
          {"tenas", "prometheus", "grafana"} <= set(services),
          str(sorted(services)))
    top_volumes = set((compose.get("volumes") or {}).keys())
    tenas = services.get("tenas", {})
    vols = volume_entries(tenas)
    data = [v for v in vols if v.get("target") == "/data"]
    check("tenas mounts datasets at /data from a named volume",
          len(data) == 1 and data[0].get("type", "volume") == "volume" and
          data[0].get("source") in top_volumes, str(data))
    check("the dataset mount is read-only",
          bool(data) and data[0].get("read_only") is True)
    state = [v for v in vols if v.get("target") == "/var/lib/tenas"]
    check("tenas state at /var/lib/tenas from a named volume",
          len(state) == 1 and state[0].get("source") in top_volumes)
    ports = " ".join(str(p) for p in tenas.get("ports", []))
    check("tenas publishes 50051 and 9464",
          "50051" in ports and "9464" in ports, ports)
    hc = tenas.get("healthcheck", {})
    check("tenas healthcheck runs `tenas health`",
          "health" in " ".join(map(str, hc.get("test", []))), str(hc))
    args = [str(a) for a in tenas.get("command", [])]
    drain = int(flag_value(args, "drain-seconds") or 30)
    grace = parse_seconds(tenas.get("stop_grace_period", "10s"))
    check("stop_grace_period (%s s) > --drain-seconds (%d)" % (grace, drain),
          grace is not None and grace > drain)
    build = tenas.get("build", {})
    check("tenas builds docker/Dockerfile from the repo root",
          build.get("dockerfile") == "docker/Dockerfile" and
          os.path.normpath(os.path.join(base, build.get("context", "."))) ==
          ROOT, str(build))
    for name in ("prometheus", "grafana"):
        s = services.get(name, {})
        image = s.get("image", "")
        check("%s image has a pinned tag" % name,
              ":" in image and not image.endswith(":latest"), image)
        for v in volume_entries(s):
            if v.get("type") == "bind":
                src = os.path.normpath(os.path.join(base, v["source"]))
                check("%s bind mount exists: %s" % (name, rel(src)),
                      os.path.exists(src))
    prom_mounts = {v.get("target"): v for v in
                   volume_entries(services.get("prometheus", {}))}
    src = prom_mounts.get("/etc/prometheus/prometheus.yml", {}).get("source")
    check("prometheus uses deploy/prometheus/prometheus.yml",
          src is not None and os.path.normpath(os.path.join(base, src)) ==
          os.path.join(ROOT, "deploy", "prometheus", "prometheus.yml"))
    graf_mounts = {v.get("target"): v for v in
                   volume_entries(services.get("grafana", {}))}
    check("grafana mounts provisioning and dashboards",
          "/etc/grafana/provisioning" in graf_mounts and
          "/var/lib/grafana/dashboards" in graf_mounts, str(list(graf_mounts)))

    gpu_files = [p for p in docs if os.path.basename(p).startswith("compose")
                 and p != path]
    gpu_found = False
    for p in [path] + gpu_files:
        for d in docs.get(p, []):
            for sname, s in (d.get("services") or {}).items():
                devs = (s.get("deploy", {}).get("resources", {})
                        .get("reservations", {}).get("devices", []))
                for dev in devs:
                    if dev.get("driver") == "nvidia" and \
                            str(dev.get("count")) == "1" and \
                            "gpu" in dev.get("capabilities", []):
                        gpu_found = True
                        g_args = [str(a) for a in s.get("command", [])]
                        check("GPU service %s runs --device cuda:0 (%s)" %
                              (sname, rel(p)),
                              flag_value(g_args, "device") == "cuda:0")
                        b = s.get("build", {})
                        check("GPU service %s builds docker/Dockerfile.cuda" %
                              sname, b.get("dockerfile") ==
                              "docker/Dockerfile.cuda", str(b))
    check("a GPU variant reserves devices (driver nvidia, count 1, "
          "capabilities [gpu])", gpu_found)
    check_compose_schema([path] + gpu_files, docs)
    return compose


def check_compose_schema(paths, docs):
    """Validates against docker-compose's bundled Compose Specification schema
    when it and python3-jsonschema are installed (skipped otherwise). The
    1.29 schema predates the top-level `name`, which is dropped first."""
    schema_path = "/usr/lib/python3/dist-packages/compose/config/compose_spec.json"
    try:
        import jsonschema
    except ImportError:
        print("skip compose schema validation (python3-jsonschema missing)")
        return
    if not os.path.isfile(schema_path):
        print("skip compose schema validation (docker-compose's "
              "compose_spec.json missing)")
        return
    with open(schema_path) as f:
        schema = json.load(f)
    for p in paths:
        for d in docs.get(p, []):
            d = {k: v for k, v in d.items() if k != "name"}
            errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(d),
                            key=lambda e: list(e.path))
            check("compose schema: %s" % rel(p), not errors,
                  "; ".join("%s: %s" % ("/".join(map(str, e.path)), e.message)
                            for e in errors[:3]))


def check_prometheus(docs):
    path = os.path.join(ROOT, "deploy", "prometheus", "prometheus.yml")
    cfg = (docs.get(path) or [None])[0]
    if not check("deploy/prometheus/prometheus.yml present", cfg is not None):
        return
    targets = [t for sc in cfg.get("scrape_configs", [])
               for st in sc.get("static_configs", [])
               for t in st.get("targets", [])]
    check("prometheus scrapes tenas:9464", "tenas:9464" in targets,
          str(targets))
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "config", path],
                           capture_output=True, text=True)
        check("promtool check config prometheus.yml", r.returncode == 0,
              (r.stdout + r.stderr).strip().replace("\n", " "))
    else:
        print("skip promtool check config (promtool missing)")


def check_grafana(docs):
    gdir = os.path.join(ROOT, "deploy", "grafana")
    ds_docs = [d for p, ds in docs.items()
               if p.startswith(os.path.join(gdir, "provisioning",
                                            "datasources")) for d in ds]
    datasources = [x for d in ds_docs for x in d.get("datasources", [])]
    check("Grafana datasource: prometheus at http://prometheus:9090",
          any(x.get("type") == "prometheus" and
              x.get("url") == "http://prometheus:9090" for x in datasources),
          str(datasources))
    prov_docs = [d for p, ds in docs.items()
                 if p.startswith(os.path.join(gdir, "provisioning",
                                              "dashboards")) for d in ds]
    providers = [x for d in prov_docs for x in d.get("providers", [])]
    check("Grafana dashboard provider reads /var/lib/grafana/dashboards",
          any(x.get("type") == "file" and x.get("options", {}).get("path") ==
              "/var/lib/grafana/dashboards" for x in providers))
    exprs = []
    dashboards = glob.glob(os.path.join(gdir, "dashboards", "*.json"))
    check("a Grafana dashboard JSON exists", bool(dashboards))
    for path in dashboards:
        try:
            with open(path) as f:
                dash = json.load(f)
        except ValueError as e:
            check("dashboard parses: " + rel(path), False, str(e))
            continue
        check("dashboard parses: " + rel(path), True)
        panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
        ids = [p.get("id") for p in dash.get("panels", [])]
        check("dashboard panel ids unique", len(ids) == len(set(ids)))
        check("every panel has a gridPos and targets",
              all("gridPos" in p and p.get("targets") for p in panels))
        exprs_by_panel = {p["title"]: [t.get("expr", "") for t in
                                       p.get("targets", [])] for p in panels}
        for metric in DASHBOARD_METRICS:
            has = [t for t, es in exprs_by_panel.items()
                   if any(metric in e for e in es)]
            check("dashboard has a panel for %s" % metric, bool(has))
        check("latency panel uses histogram_quantile over "
              "tenas_request_duration_seconds_bucket",
              any(re.search(r"histogram_quantile\(.*tenas_request_duration_"
                            r"seconds_bucket", e)
                  for es in exprs_by_panel.values() for e in es))
        exprs += [e for es in exprs_by_panel.values() for e in es]
    return exprs


def server_metric_names():
    path = os.path.join(ROOT, "server", "metrics.cc")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return set(re.findall(r'\.Name\("([a-z_]+)"\)', f.read()))


def check_metric_names(exprs):
    names = server_metric_names()
    if names is None:
        print("skip metric names (server/metrics.cc missing)")
        return
    used = set()
    for e in exprs:
        used |= set(re.findall(r"\b(tenas_[a-z_]+)", e))
    for u in sorted(used):
        base = re.sub(r"_(bucket|sum|count)$", "", u)
        check("metric %s exists in server/metrics.cc" % u,
              u in names or base in names, u)


def promql_syntax(exprs):
    """Checks PromQL syntax with `promtool check rules` on a temporary rule
    file (one recording rule per expression; Grafana and adapter template
    variables replaced by sample values)."""
    promtool = shutil.which("promtool")
    if not promtool:
        print("skip PromQL syntax check (promtool missing)")
        return
    subs = [("$__rate_interval", "5m"), ("$__interval", "1m"),
            ("$instance", ".*"), ("<<.Series>>", "tenas_queue_depth"),
            ("<<.LabelMatchers>>", 'namespace="default",pod=~"tenas-.*"'),
            ("<<.GroupBy>>", "namespace, pod")]
    rules = []
    for i, (where, e) in enumerate(exprs):
        for a, b in subs:
            e = e.replace(a, b)
        rules.append({"record": "tenas:check_%d" % i, "expr": e})
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": [{"name": "check", "rules": rules}]}, f)
        name = f.name
    try:
        r = subprocess.run([promtool, "check", "rules", name],
                           capture_output=True, text=True)
    finally:
        os.unlink(name)
    check("all %d PromQL expressions parse (promtool check rules)" %
          len(exprs), r.returncode == 0,
          (r.stdout + r.stderr).strip().replace("\n", " ")[:800])


# ---------------------------------------------------------------------------
# Dockerfiles
# ---------------------------------------------------------------------------
def dockerfile_instructions(path):
    """(stage index, INSTRUCTION, argument text) with continuations joined."""
    with open(path) as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    out, stage = [], -1
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, rest = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            stage += 1
        out.append((stage, instr, rest.strip()))
    return out


def check_dockerfile(name, build_runs=None):
    path = os.path.join(ROOT, "docker", name)
    if not check("docker/%s present" % name, os.path.isfile(path)):
        return
    ins = dockerfile_instructions(path)
    froms = [r for s, i, r in ins if i == "FROM"]
    check("%s is multi-stage (build + runtime)" % name, len(froms) >= 2,
          str(froms))
    last = len(froms) - 1
    for f in froms:
        image = f.split()[0]
        check("%s base %s pinned (tag, not latest)" % (name, image),
              ":" in image and not image.endswith(":latest"))
    if build_runs:
        runs = [r for s, i, r in ins if i == "RUN" and s == 0]
        for cmd in build_runs:
            check("%s build stage runs `%s`" % (name, cmd), cmd in runs,
                  str(runs))
    final = [(i, r) for s, i, r in ins if s == last]
    users = [r for i, r in final if i == "USER"]
    check("%s runtime runs as a non-root user" % name,
          bool(users) and users[-1].split(":")[0] not in ("root", "0"),
          str(users))
    ep = [r for i, r in final if i == "ENTRYPOINT"]
    try:
        ep_list = json.loads(ep[-1]) if ep else None
    except ValueError:
        ep_list = None
    check("%s exec-form ENTRYPOINT [\"/usr/local/bin/tenas-server\"]" % name,
          ep_list == ["/usr/local/bin/tenas-server"], str(ep))
    cmd = [r for i, r in final if i == "CMD"]
    try:
        cmd_list = json.loads(cmd[-1]) if cmd else []
    except ValueError:
        cmd_list = []
    check("%s CMD is exec-form with --port 50051 --metrics-port 9464" % name,
          flag_value(cmd_list, "port") == "50051" and
          flag_value(cmd_list, "metrics-port") == "9464", str(cmd))
    exposed = " ".join(r for i, r in final if i == "EXPOSE").split()
    check("%s EXPOSE 50051 9464" % name,
          {"50051", "9464"} <= set(exposed), str(exposed))
    hc = " ".join(r for i, r in final if i == "HEALTHCHECK")
    check("%s HEALTHCHECK runs `tenas health --server 127.0.0.1:50051`" %
          name, "tenas" in hc and "health" in hc and "127.0.0.1:50051" in hc,
          hc)
    copies = " ".join(r for i, r in final if i == "COPY")
    for b in ("tenas-server", "tenas-bench", "/data/"):
        check("%s runtime copies %s" % (name, b), b in copies)
    return ins


def main():
    print("repository: " + ROOT)
    docs = load_all()
    objs = k8s_objects(docs)
    dep = one(objs, "StatefulSet")
    exprs = []
    if dep:
        pod_labels, grpc_port, metrics_port, _ = check_deployment(dep)
        services = check_services(objs, pod_labels, grpc_port, metrics_port)
        check_pdb(one(objs, "PodDisruptionBudget"), pod_labels)
        check_servicemonitor(one(objs, "ServiceMonitor"), services,
                             metrics_port)
        rules = adapter_rules(objs)
        check_hpa(one(objs, "HorizontalPodAutoscaler"), dep, rules)
        exprs += [("adapter", r["metricsQuery"]) for r in rules]
        pvcs = [o for o in objs if o["kind"] == "PersistentVolumeClaim"]
        claim = [v["persistentVolumeClaim"]["claimName"]
                 for v in dep["spec"]["template"]["spec"].get("volumes", [])
                 if "persistentVolumeClaim" in v]
        check("the dataset PVC is defined (ReadOnlyMany)",
              any(p["metadata"]["name"] in claim and
                  "ReadOnlyMany" in p["spec"].get("accessModes", [])
                  for p in pvcs))
    check_compose(docs)
    check_prometheus(docs)
    dash_exprs = check_grafana(docs) or []
    exprs += [("dashboard", e) for e in dash_exprs]
    check_metric_names([e for _, e in exprs])
    promql_syntax(exprs)
    check_dockerfile("Dockerfile", build_runs=[
        "bash scripts/install-deps.sh",
        "bash scripts/build.sh -DTENAS_BUILD_TESTS=OFF -DTENAS_BUILD_BENCH=ON"])
    cuda = check_dockerfile("Dockerfile.cuda")
    if cuda:
        text = " ".join(r for _, _, r in cuda)
        check("Dockerfile.cuda guards the LibTorch C++ ABI",
              "_GLIBCXX_USE_CXX11_ABI" in text)
        check("Dockerfile.cuda installs the pin of scripts/torch2.env",
              "scripts/torch2.env" in text and
              "bash scripts/install-torch2.sh" in text)
        check("Dockerfile.cuda builds with scripts/build-torch2.sh",
              "bash scripts/build-torch2.sh" in text)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
