#!/usr/bin/python3
"""Turns docs/openapi.yaml into a C++ source defining OpenApiDocument::json()
(the document as compact JSON), for GET /openapi.json. Run by the build:
    openapi_to_cpp.py docs/openapi.yaml OUT.cpp
Debian's python3 with python3-yaml (scripts/install-deps.sh installs it)."""
import json
import sys

import yaml

DELIMITER = "tradingd_openapi"


def main():
    source, out = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if f"){DELIMITER}\"" in text:
        sys.exit(f"{source}: contains the raw string delimiter )\"{DELIMITER}\"")
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write("// Generated from docs/openapi.yaml by scripts/openapi_to_cpp.py: do not edit.\n"
                "#include \"tradingd/api/openapi_document.hpp\"\n\n"
                "namespace tradingd {\n\n"
                "std::string_view OpenApiDocument::json() {\n"
                f"  static constexpr char text[] = R\"{DELIMITER}({text}){DELIMITER}\";\n"
                "  return {text, sizeof text - 1};\n"
                "}\n\n"
                "}  // namespace tradingd\n")
    import os
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
