package k8s.gatekeeper

# Gatekeeper-style template: violation[{"msg": msg, "details": {...}}] over input.review and
# input.parameters. This module imports rego.v1, so it is v1 syntax inside a v0 code base.
import rego.v1

violation contains {"msg": msg, "details": {"missing_labels": missing}} if {
	provided := {label | input.review.object.metadata.labels[label]}
	required := {label | some label in input.parameters.labels}
	missing := required - provided
	count(missing) > 0
	msg := sprintf("you must provide labels: %v", [sort(missing)])
}
