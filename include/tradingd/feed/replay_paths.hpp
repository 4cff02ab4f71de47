#pragma once
// ReplayPaths: the files a run's `--replay SOURCE…` names (design.md §10): a file
// as it is, a directory's files ending in .csv, .gz or .zip, a glob's matches,
// each directory's and glob's in byte order of name, all in command-line
// order (the order equal times keep). Other files of a directory (Binance's
// .CHECKSUM files) are ignored. Start-up only.

#include <filesystem>
#include <string>
#include <vector>

namespace tradingd {

class ReplayPaths {
 public:
  // Throws ConfigError naming a source that gives no file, or a file named twice.
  [[nodiscard]] static std::vector<std::filesystem::path> expand(const std::vector<std::string>& sources);
};

}  // namespace tradingd
