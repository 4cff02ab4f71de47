#pragma once
// ConfigLoader reads the TOML config (design.md §6). Unknown keys, wrong types and
// out-of-range values are errors naming file, line and key; all are collected
// and thrown together as one ConfigError. Relative paths are resolved against
// the config file's folder. Start-up only (main thread).

#include <filesystem>
#include <string_view>

#include "tradingd/config/settings.hpp"

namespace tradingd {

class ConfigLoader {
 public:
  // Files::Ignore: files the process would open are not checked (a session
  // replay reads a recorded config.toml for its trading settings only, maybe
  // on another machine).
  enum class Files { Check, Ignore };
  [[nodiscard]] static Settings load_file(const std::filesystem::path& path, Files files = Files::Check);
  // `source_name` labels messages; relative paths resolve against `base_dir`.
  [[nodiscard]] static Settings load_string(std::string_view toml_text, const std::filesystem::path& source_name,
                                            const std::filesystem::path& base_dir, Files files = Files::Check);
};

}  // namespace tradingd
