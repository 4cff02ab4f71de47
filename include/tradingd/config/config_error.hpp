#pragma once
// ConfigError: a start-up input (config file, conditions file, replay file) is
// unusable. Carries every problem found, each naming file, line and key, so a
// user fixes them all in one pass. main() turns it into exit code 2.

#include <stdexcept>
#include <string>
#include <vector>

namespace tradingd {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> errors);
  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

}  // namespace tradingd
