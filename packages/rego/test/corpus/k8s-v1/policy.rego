package k8s.policy

import data.lib.workloads
import data.k8s.config as cfg

# Ref heads: violations grouped by rule name, each a set of messages.
violations.registry contains msg if {
	some c in workloads.containers(input.object)
	not trusted(c.image)
	msg := sprintf("%s: untrusted image %s", [c.name, c.image])
}

violations.latest_tag contains msg if {
	some c in workloads.containers(input.object)
	endswith(c.image, ":latest")
	msg := sprintf("%s: image uses :latest", [c.name])
}

# Negated call with a possibly missing argument: undefined when runAsNonRoot is absent (OPA), so
# the explicit rule below is what reports a missing securityContext.
violations.root contains msg if {
	some c in workloads.containers(input.object)
	not is_true(c.securityContext.runAsNonRoot)
	msg := sprintf("%s: runAsNonRoot is false", [c.name])
}

violations.root contains msg if {
	some c in workloads.containers(input.object)
	not c.securityContext
	msg := sprintf("%s: no securityContext", [c.name])
}

is_true(x) if x == true

trusted(image) if {
	some prefix in cfg.registries
	startswith(image, concat("", [prefix, "/"]))
}

trusted(image) if {
	not contains(image, "/")
	workloads.default_registry() in cfg.registries
}

# Head value computed from refs with a variable key (moved into the body by the compiler).
replicas[name] := input.objects[name].spec.replicas if some name

deny contains msg if some msg in violations[_]

allow if count(deny) == 0
