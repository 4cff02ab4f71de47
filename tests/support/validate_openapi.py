#!/usr/bin/env python3
"""Checks docs/openapi.yaml against what a running tradingd really answers.

    validate_openapi.py docs/openapi.yaml exchanges.json

exchanges.json (written by the integration test) is a list of
{"method": "post", "path": "/conditions", "status": 201, "body": <the JSON answer>,
 "request": <the JSON sent, or null>}. The document must be valid OpenAPI 3.1
(openapi-spec-validator); each answer's status must be documented for its
operation and its body must match the schema given there, each request body
tradingd accepted (2xx) the operation's requestBody schema (openapi-schema-validator, JSON Schema
2020-12 with the document's own $refs). Exit 1 listing every mismatch.
Needs the python3 that carries openapi-spec-validator and openapi-schema-validator.
"""
import json
import sys

import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def deref(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def errors_against(doc, schema_pointer, instance):
    root = dict(doc)
    root["$ref"] = schema_pointer
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
            for e in sorted(OAS31Validator(root).iter_errors(instance), key=str)]


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    validate(doc)
    with open(sys.argv[2], encoding="utf-8") as f:
        exchanges = json.load(f)
    problems, covered = [], set()
    for x in exchanges:
        method, path, status = x["method"], x["path"], str(x["status"])
        what = f"{method.upper()} {path} -> {status}"
        op = doc["paths"].get(path, {}).get(method)
        if op is None:
            problems.append(f"{what}: the operation is not in the document")
            continue
        response = op["responses"].get(status)
        if response is None:
            problems.append(f"{what}: status {status} is not documented")
            continue
        base = ("paths", path, method, "responses", status)
        if "$ref" in response:
            base = tuple(response["$ref"][2:].split("/"))
            response = deref(doc, response["$ref"])
        if "application/json" not in response.get("content", {}):
            problems.append(f"{what}: the document gives no JSON body")
            continue
        for e in errors_against(doc, pointer(*base, "content", "application/json", "schema"), x["body"]):
            problems.append(f"{what}: {e}")
        if x.get("request") is not None and status.startswith("2"):  # bad requests are sent on purpose
            for e in errors_against(doc, pointer("paths", path, method, "requestBody", "content", "application/json",
                                                 "schema"), x["request"]):
                problems.append(f"{what}: request {e}")
        covered.add((method, path, status))
    for p in problems:
        print("MISMATCH", p)
    print(f"validate_openapi: the document is valid OpenAPI {doc['openapi']}; {len(exchanges)} answers of "
          f"{len(covered)} (operation, status) pairs checked, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
