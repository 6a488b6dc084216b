package k8s.admission

pod(containers) = {"kind": {"kind": "Pod"}, "namespace": "apps", "object": {"metadata": {"name": "p"}, "spec": {"containers": containers}}}

limits = {"limits": {"cpu": "1", "memory": "1Gi"}}

test_trusted_image_is_admitted {
	allowed with input as {"request": pod([{"name": "web", "image": "registry.example.com/web:1", "resources": limits}])}
}

test_untrusted_registry_is_denied {
	deny["container web: image nginx:1 comes from untrusted registry docker.io"] with input as {"request": pod([{"name": "web", "image": "nginx:1", "resources": limits}])}
}

test_system_namespace_may_use_any_registry {
	r := object.union(pod([{"name": "dns", "image": "nginx:1", "resources": limits}]), {"namespace": "kube-system"})
	count(deny) == 0 with input as {"request": r}
}

test_privileged_is_denied {
	c := {"name": "root", "image": "gcr.io/x", "resources": limits, "securityContext": {"privileged": true}}
	deny == {"container root must not be privileged"} with input as {"request": pod([c])}
}

# OPA semantics: `not has_cpu_limit(container.resources.limits)` is undefined for a container
# without resources (the argument moves out of the negation); only the rule-based check fires.
test_missing_limits_reported_once {
	c := {"name": "bare", "image": "gcr.io/x"}
	deny == {"container bare has no resource limits"} with input as {"request": pod([c])}
}

test_limits_without_cpu {
	c := {"name": "mem", "image": "gcr.io/x", "resources": {"limits": {"memory": "1Gi"}}}
	deny == {"container mem has limits without cpu"} with input as {"request": pod([c])}
}

test_deployment_needs_team_label {
	d := {"kind": {"kind": "Deployment"}, "namespace": "apps", "object": {"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": []}}}}}
	deny == {"deployments must carry a team label"} with input as {"request": d}
}

test_first_container_in_name_order {
	cs := [{"name": "zeta", "image": "gcr.io/z"}, {"name": "alpha", "image": "gcr.io/a"}]
	first_container_name == "alpha" with input as {"request": pod(cs)}
}

test_response_lists_sorted_messages {
	cs := [{"name": "b", "image": "nginx", "resources": limits}, {"name": "a", "image": "alpine", "resources": limits}]
	response == {"allowed": false, "status": {"message": "container a: image alpine comes from untrusted registry docker.io; container b: image nginx comes from untrusted registry docker.io"}} with input as {"request": pod(cs)}
}
