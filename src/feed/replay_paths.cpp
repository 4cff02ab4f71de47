#include "tradingd/feed/replay_paths.hpp"

#include <glob.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "tradingd/config/config_error.hpp"

namespace tradingd {
namespace {

bool replay_extension(const std::string& name) {
  const auto ends = [&](std::string_view s) {
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".csv") || ends(".gz") || ends(".zip");
}

std::vector<std::filesystem::path> directory_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!replay_extension(name) || name.front() == '.') continue;
    std::error_code type_ec;
    if (std::filesystem::is_directory(it->path(), type_ec)) continue;
    out.push_back(it->path());
  }
  if (ec) throw ConfigError({dir.string() + ": cannot list the directory: " + ec.message()});
  // Byte order of name, whatever the locale.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.native() < b.native(); });
  return out;
}

}  // namespace

std::vector<std::filesystem::path> ReplayPaths::expand(const std::vector<std::string>& sources) {
  std::vector<std::filesystem::path> files;
  for (const std::string& source : sources) {
    std::error_code ec;
    const std::filesystem::path path(source);
    if (std::filesystem::is_directory(path, ec)) {
      auto found = directory_files(path);
      if (found.empty()) throw ConfigError({source + ": the directory holds no .csv, .gz or .zip file to replay"});
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(path, ec)) {
      files.push_back(path);
    } else if (source.find_first_of("*?[") != std::string::npos) {
      glob_t g{};
      const int rc = ::glob(source.c_str(), GLOB_NOSORT, nullptr, &g);
      std::vector<std::filesystem::path> found;
      for (std::size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) {
        std::filesystem::path match(g.gl_pathv[i]);
        if (!std::filesystem::is_directory(match, ec)) found.push_back(std::move(match));
      }
      globfree(&g);
      if (found.empty()) throw ConfigError({source + ": no file matches"});
      std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.native() < b.native(); });
      files.insert(files.end(), found.begin(), found.end());
    } else {
      throw ConfigError({source + ": no such file or directory"});
    }
  }
  // A file named twice would replay its rows twice.
  std::set<std::filesystem::path> seen;
  for (const auto& f : files) {
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(f, ec);
    if (!seen.insert(ec ? f : canonical).second)
      throw ConfigError({f.string() + ": the file is named twice among the replay sources"});
  }
  return files;
}

}  // namespace tradingd
