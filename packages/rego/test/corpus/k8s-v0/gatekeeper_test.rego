package k8s.gatekeeper

import rego.v1

test_missing_labels_reported if {
	v := violation with input as {"review": {"object": {"metadata": {"labels": {"app": "x"}}}}, "parameters": {"labels": ["app", "team", "owner"]}}
	v == {{"msg": "you must provide labels: [\"owner\", \"team\"]", "details": {"missing_labels": {"owner", "team"}}}}
}

test_all_labels_present if {
	count(violation) == 0 with input as {"review": {"object": {"metadata": {"labels": {"app": "x", "team": "y"}}}}, "parameters": {"labels": ["app", "team"]}}
}
