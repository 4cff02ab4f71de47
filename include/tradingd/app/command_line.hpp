#pragma once
// CommandLine: tradingd's options (design.md §1, contract). Parsing errors are a
// std::invalid_argument whose message says what was wrong.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tradingd/feed/archive_format.hpp"
#include "tradingd/feed/replay_pace.hpp"
#include "tradingd/feed/replay_time_shift.hpp"

namespace tradingd {

struct CommandLine {
  std::filesystem::path config;
  std::optional<std::filesystem::path> conditions;
  std::vector<std::string> replay;  // SOURCE...: files, directories, globs (design.md §10)
  std::optional<ArchiveFormat> format;
  double replay_rate = 0.0;                             // ticks per second; 0 = as fast as possible
  ReplayPace clock = ReplayPace::max();                 // --clock (design.md §12)
  bool api = false;                                     // --api: the control API during a --replay
  std::optional<ReplayTimeShift> shift_time_to;         // --shift-time-to DATE (design.md §12)
  std::optional<std::filesystem::path> record;          // --record DIR (design.md §11); overrides [record] dir
  std::optional<std::filesystem::path> replay_session;  // --replay-session DIR (one session's folder)
  std::optional<std::filesystem::path> db;              // --db FILE: the journal a session replay writes
  bool check_config = false;
  bool version = false;
  bool help = false;

  [[nodiscard]] static CommandLine parse(const std::vector<std::string>& args);
  [[nodiscard]] static std::string usage();
};

}  // namespace tradingd
