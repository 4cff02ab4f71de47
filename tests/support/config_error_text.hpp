#pragma once
// The messages of the ConfigError a call throws, for tests that check what a
// user would read.

#include <functional>
#include <string>

#include "tradingd/config/config_error.hpp"

namespace tradingd::test {

// Every message of a ConfigError, one per line; empty when nothing was thrown.
inline std::string config_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace tradingd::test
