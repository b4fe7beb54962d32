#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""k8sman.py - what a kubelet would run for one container (or init container)
of the DaemonSet in a manifest of tools/k8s/, as `podman run` arguments (one
a line).

  k8sman.py MANIFEST CONTAINER run [--host-path HOST=TEST]... [--field PATH=VALUE]...
                                   [--volume NAME=TEST]... [--drop-cap CAP]
  k8sman.py MANIFEST CONTAINER get KEY      image, args (one a line), grace,
                                             probe:startup|readiness|liveness
                                             (PATH PORT), caps (one a line)

`run` prints the options before the image (capabilities dropped and added,
privileged or not, read-only root, user, no-new-privileges, env, mounts,
host PID, memory and CPU limits); the image and args come from `get`.
hostPath volumes are mapped to test paths (--host-path), emptyDir volumes
to test directories (--volume), fieldRef env from --field. Anything the
script does not know how to reproduce is an error, not skipped.
"""
import sys
import yaml


def daemonset(path):
    for d in yaml.safe_load_all(open(path)):
        if d and d.get("kind") == "DaemonSet":
            return d
    sys.exit(f"{path}: no DaemonSet")


def container(ds, name):
    spec = ds["spec"]["template"]["spec"]
    for c in spec.get("initContainers", []) + spec["containers"]:
        if c["name"] == name:
            return c
    sys.exit(f"no container {name}")


def mem(q):
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}
    for u, m in units.items():
        if q.endswith(u):
            return str(int(q[:-2]) * m)
    return str(int(q))


def cpus(q):
    q = str(q)
    return str(int(q[:-1]) / 1000) if q.endswith("m") else q


def run_args(ds, c, opts):
    spec = ds["spec"]["template"]["spec"]
    out = []
    sc = c.get("securityContext", {})
    if sc.get("privileged"):
        out.append("--privileged")
    caps = sc.get("capabilities", {})
    for cap in caps.get("drop", []):
        out.append(f"--cap-drop={cap}")
    for cap in caps.get("add", []):
        if cap != opts["drop_cap"]:
            out.append(f"--cap-add=CAP_{cap}")
    if sc.get("readOnlyRootFilesystem"):
        out.append("--read-only")
    if "runAsUser" in sc:
        out.append(f"--user={sc['runAsUser']}")
    if sc.get("allowPrivilegeEscalation") is False:
        out.append("--security-opt=no-new-privileges")
    seccomp = sc.get("seccompProfile", {}).get("type", "RuntimeDefault")
    if seccomp == "Unconfined":
        out.append("--security-opt=seccomp=unconfined")
    elif seccomp != "RuntimeDefault":
        sys.exit(f"seccomp profile {seccomp}: not reproduced")
    if spec.get("hostPID"):
        out.append("--pid=host")
    for e in c.get("env", []):
        if "value" in e:
            out.append(f"--env={e['name']}={e['value']}")
        else:
            ref = e["valueFrom"]["fieldRef"]["fieldPath"]
            if ref not in opts["field"]:
                sys.exit(f"env {e['name']}: no --field {ref}")
            out.append(f"--env={e['name']}={opts['field'][ref]}")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for m in c.get("volumeMounts", []):
        v = vols[m["name"]]
        if "hostPath" in v:
            src = opts["host_path"].get(v["hostPath"]["path"])
        elif "emptyDir" in v:
            src = opts["volume"].get(m["name"])
        else:
            sys.exit(f"volume {m['name']}: kind not reproduced")
        if not src:
            sys.exit(f"volume {m['name']}: no test path given")
        ro = ":ro" if m.get("readOnly") else ""
        out.append(f"--volume={src}:{m['mountPath']}{ro}")
    lim = c.get("resources", {}).get("limits", {})
    if "memory" in lim:
        out.append(f"--memory={mem(lim['memory'])}")
    if "cpu" in lim:
        out.append(f"--cpus={cpus(lim['cpu'])}")
    return out


def get(ds, c, key):
    spec = ds["spec"]["template"]["spec"]
    if key == "image":
        return [c["image"]]
    if key == "args":
        return c.get("args", [])
    if key == "grace":
        return [str(spec.get("terminationGracePeriodSeconds", 30))]
    if key == "caps":
        return c["securityContext"]["capabilities"].get("add", [])
    if key == "port":
        return [str(c["ports"][0]["containerPort"])]
    if key.startswith("probe:"):
        p = c[key[6:] + "Probe"]["httpGet"]
        port = p["port"]
        if isinstance(port, str):
            port = next(x["containerPort"] for x in c["ports"] if x["name"] == port)
        return [f"{p['path']} {port}"]
    sys.exit(f"unknown key {key}")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    ds = daemonset(sys.argv[1])
    c = container(ds, sys.argv[2])
    if sys.argv[3] == "get":
        print("\n".join(get(ds, c, sys.argv[4])))
        return
    opts = {"host_path": {}, "field": {}, "volume": {}, "drop_cap": None}
    a = sys.argv[4:]
    while a:
        flag, val = a[0], a[1]
        a = a[2:]
        if flag == "--drop-cap":
            opts["drop_cap"] = val
            continue
        k, v = val.split("=", 1)
        opts[{"--host-path": "host_path", "--field": "field", "--volume": "volume"}[flag]][k] = v
    print("\n".join(run_args(ds, c, opts)))


main()
