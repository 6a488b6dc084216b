package lib.k8s

import future.keywords.in

# Helpers shared by the admission rules (Rego v0 style: no `if`, `=` heads).

pod_containers(review) = containers {
	review.kind.kind == "Pod"
	containers := array.concat(object.get(review.object.spec, "containers", []), object.get(review.object.spec, "initContainers", []))
}

pod_containers(review) = containers {
	review.kind.kind in {"Deployment", "StatefulSet", "DaemonSet"}
	spec := review.object.spec.template.spec
	containers := array.concat(object.get(spec, "containers", []), object.get(spec, "initContainers", []))
}

image_registry(image) = registry {
	parts := split(image, "/")
	count(parts) > 1
	registry := parts[0]
} else = "docker.io" {
	true
}

has_label(obj, key) {
	obj.metadata.labels[key]
}

default is_system_namespace = false

is_system_namespace {
	input.request.namespace in {"kube-system", "kube-public"}
}
