package config.service_test

import data.config.service

good := {"name": "api", "port": 8443, "replicas": 2, "env": {"LOG_LEVEL": "info"}, "tls": {"enabled": true, "cert": "/certs/api.pem"}}

test_good_document_is_valid if {
	service.valid with input as good
}

test_missing_required_field if {
	doc := object.remove(good, ["replicas"])
	some msg in service.errors with input as doc
	contains(msg, "replicas")
}

test_port_out_of_range_is_one_error if {
	doc := object.union(good, {"port": 70000})
	count(service.errors) == 1 with input as doc
	not service.valid with input as doc
}

test_cross_field_tls_rule if {
	doc := object.union(object.remove(good, ["tls"]), {"tls": {"enabled": true}})
	service.errors == {"tls.cert is required when tls is enabled"} with input as doc
}

test_privileged_port_needs_replicas if {
	doc := object.union(good, {"port": 443, "replicas": 1})
	service.errors == {"privileged ports (< 1024) need replicas >= 2"} with input as doc
}

test_env_names if {
	doc := object.union(good, {"env": {"log_level": "x", "OK": "y"}})
	service.errors == {"env log_level: names are UPPER_SNAKE_CASE"} with input as doc
}

test_env_names_sorted if {
	# object.union merges nested objects, so the old env goes first.
	doc := object.union(object.remove(good, ["env"]), {"env": {"ZED": "1", "ALPHA": "2", "MID": "3"}})
	service.env_names == ["ALPHA", "MID", "ZED"] with input as doc
}

# A document without tls: the negated ref `not input.tls.cert` is only reached when tls is enabled.
test_no_tls_section if {
	service.valid with input as object.remove(good, ["tls"])
}
