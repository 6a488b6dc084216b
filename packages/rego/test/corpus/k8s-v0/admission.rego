package k8s.admission

import data.lib.k8s

trusted_registries = {"registry.example.com", "gcr.io"}

deny[msg] {
	not k8s.is_system_namespace
	container := k8s.pod_containers(input.request)[_]
	registry := k8s.image_registry(container.image)
	not trusted_registries[registry]
	msg := sprintf("container %v: image %v comes from untrusted registry %v", [container.name, container.image, registry])
}

deny[msg] {
	container := k8s.pod_containers(input.request)[_]
	container.securityContext.privileged
	msg := sprintf("container %v must not be privileged", [container.name])
}

# Negation over a call with an argument that may be missing: OPA moves `container.resources.limits`
# out of the negation, so a container without resources is not reported by this rule ...
deny[msg] {
	container := k8s.pod_containers(input.request)[_]
	not has_cpu_limit(container.resources.limits)
	msg := sprintf("container %v has limits without cpu", [container.name])
}

# ... and this rule, which negates a rule instead, reports it.
deny[msg] {
	container := k8s.pod_containers(input.request)[_]
	not container_has_limits(container)
	msg := sprintf("container %v has no resource limits", [container.name])
}

has_cpu_limit(limits) {
	limits.cpu
}

container_has_limits(container) {
	container.resources.limits
}

deny[msg] {
	input.request.kind.kind == "Deployment"
	not k8s.has_label(input.request.object, "team")
	msg := "deployments must carry a team label"
}

# The first container in name order (OPA iterates sets sorted).
first_container_name = name {
	names := {c.name | c := k8s.pod_containers(input.request)[_]}
	sorted := [n | names[n]]
	name := sorted[0]
}

allowed {
	count(deny) == 0
}

response = {"allowed": allowed_or_false, "status": {"message": concat("; ", sort([m | deny[m]]))}}

allowed_or_false = true {
	allowed
} else = false {
	true
}
