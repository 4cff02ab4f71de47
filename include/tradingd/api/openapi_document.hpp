#pragma once
// OpenApiDocument: docs/openapi.yaml, the control API's contract, as the JSON
// that GET /openapi.json serves. Compiled in at build time (the build turns the
// YAML into JSON with Debian's python3-yaml: scripts/openapi_to_cpp.py), so the
// daemon serves exactly the document of its own revision. Any thread.

#include <string_view>

namespace tradingd {

class OpenApiDocument {
 public:
  [[nodiscard]] static std::string_view json();
};

}  // namespace tradingd
