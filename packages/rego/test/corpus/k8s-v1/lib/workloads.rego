# Helpers for workload objects: the pod spec of any workload kind, and its containers.
package lib.workloads

pod_spec(obj) := obj.spec if obj.kind == "Pod"

pod_spec(obj) := obj.spec.template.spec if obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "Job"}

pod_spec(obj) := obj.spec.jobTemplate.spec.template.spec if obj.kind == "CronJob"

containers(obj) := [c | some field in ["initContainers", "containers"]; some c in object.get(pod_spec(obj), field, [])]

# A zero-argument function is a plain rule in OPA: data.lib.workloads.default_registry is defined.
default_registry() := "docker.io"
