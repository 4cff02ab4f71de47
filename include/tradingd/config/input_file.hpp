#pragma once
// InputFile: reads a start-up input (config, conditions) whole, or opens one
// (replay) for streaming, only after checking that it is a regular file of a
// bounded size: a directory, a FIFO, a device (/dev/zero) or an oversized file
// is refused with a ConfigError naming it, before any byte is parsed, and a
// FIFO is never waited on. Start-up only (main thread).

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace tradingd {

class InputFile {
 public:
  static constexpr std::size_t max_config_bytes = 1 << 20;       // 1 MiB of TOML
  static constexpr std::size_t max_conditions_bytes = 64 << 20;  // ~200,000 conditions

  // The whole file; `what` names it in messages ("config file").
  [[nodiscard]] static std::string read(const std::filesystem::path& path, std::size_t max_bytes,
                                        std::string_view what);

  // Throws ConfigError unless `path` is a regular file (symlinks followed);
  // used before handing a path to a library that would block on or
  // misread anything else (SQLite, std::ifstream).
  static void require_regular(const std::filesystem::path& path, std::string_view what);
};

}  // namespace tradingd
