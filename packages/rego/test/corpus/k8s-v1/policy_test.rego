package k8s.policy_test

import data.k8s.config as cfg
import data.k8s.policy

pod(containers) := {"kind": "Pod", "spec": {"containers": containers}}

deployment(containers) := {"kind": "Deployment", "spec": {"template": {"spec": {"containers": containers}}}}

safe := {"name": "web", "image": "registry.example.com/web:1", "securityContext": {"runAsNonRoot": true}}

test_safe_pod_allowed if {
	policy.allow with input as {"object": pod([safe])}
}

test_deployment_containers_are_checked if {
	bad := object.union(safe, {"image": "evil.io/x:1"})
	policy.violations.registry == {"web: untrusted image evil.io/x:1"} with input as {"object": deployment([bad])}
}

test_latest_tag if {
	c := object.union(safe, {"image": "quay.io/a/b:latest"})
	policy.deny == {"web: image uses :latest"} with input as {"object": pod([c])}
}

test_missing_security_context_reported_by_the_explicit_rule_only if {
	c := {"name": "bare", "image": "quay.io/a:1"}
	policy.violations.root == {"bare: no securityContext"} with input as {"object": pod([c])}
}

test_run_as_root if {
	c := object.union(safe, {"securityContext": {"runAsNonRoot": false}})
	policy.violations.root == {"web: runAsNonRoot is false"} with input as {"object": pod([c])}
}

# `with` through the import alias of the config package (cfg) resolves to data.k8s.config.
test_registries_can_be_mocked_through_the_alias if {
	c := object.union(safe, {"image": "evil.io/x:1"})
	policy.allow with input as {"object": pod([c])} with cfg.registries as ["evil.io"]
}

test_docker_hub_image_needs_default_registry_trusted if {
	c := object.union(safe, {"image": "nginx:1"})
	not policy.allow with input as {"object": pod([c])}
	policy.allow with input as {"object": pod([c])} with data.k8s.config.registries as ["docker.io"]
}

test_zero_argument_function_is_a_rule if {
	data.lib.workloads.default_registry == "docker.io"
}

test_replicas_by_name if {
	policy.replicas == {"a": 2, "c": 1} with input as {"objects": {"a": {"spec": {"replicas": 2}}, "b": {"spec": {}}, "c": {"spec": {"replicas": 1}}}}
}
