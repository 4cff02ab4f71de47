// TOML settings into ConfigLoader: either Settings or a ConfigError whose every
// message names the file and is one safe line; nothing else may escape.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/config_loader.hpp"
#include "tradingd/domain/text_guard.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tradingd;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)ConfigLoader::load_string(text, "fuzz.toml", "/nonexistent-base");
  } catch (const ConfigError& e) {
    for (const auto& m : e.errors()) {
      if (m.rfind("fuzz.toml", 0) != 0 || TextGuard::invalid_utf8_at(m)) std::abort();
      for (const char c : m)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) std::abort();
    }
  }
  return 0;
}
