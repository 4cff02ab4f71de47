#include "tradingd/config/config_error.hpp"

namespace tradingd {
namespace {

std::string join(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += '\n';
    out += e;
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> errors)
    : std::runtime_error(join(errors)), errors_(std::move(errors)) {}

}  // namespace tradingd
