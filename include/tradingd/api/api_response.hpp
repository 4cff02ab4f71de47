#pragma once
// ApiResponse: what the control API answers, from any of its parts (the
// router, the HTTP server, the event stream). Every refusal is made by
// ApiResponse::refusal, so every one has the same shape: {"error": message}.
// A plain value: any thread may build one.

#include <string>
#include <string_view>
#include <vector>

namespace tradingd {

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  std::string allow;  // a 405's Allow header: the methods the path takes ("GET, POST")

  // {"error": message} with `status` (4xx, or 500/503): how every endpoint
  // refuses. The message is escaped as JSON; the caller keeps what a client
  // sent out of it or passes it through TextGuard::printable first.
  static ApiResponse refusal(int status, std::string_view message);
  // The same with "details": one line per thing refused (a batch of conditions).
  static ApiResponse refusal(int status, std::string_view message, const std::vector<std::string>& details);
};

}  // namespace tradingd
