#include "tradingd/config/json_text.hpp"

#include <nlohmann/json.hpp>

namespace tradingd {

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tradingd
