#include "tradingd/api/api_response.hpp"

#include <nlohmann/json.hpp>

#include "tradingd/config/json_text.hpp"

namespace tradingd {

ApiResponse ApiResponse::refusal(int status, std::string_view message) {
  return ApiResponse{status, json_text(nlohmann::json{{"error", message}}), "application/json", {}};
}

ApiResponse ApiResponse::refusal(int status, std::string_view message, const std::vector<std::string>& details) {
  return ApiResponse{
      status, json_text(nlohmann::json{{"error", message}, {"details", details}}), "application/json", {}};
}

}  // namespace tradingd
