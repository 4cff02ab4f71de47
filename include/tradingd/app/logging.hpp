#pragma once
// Logging: spdlog's default logger, with a console sink and a rotating file
// (<[log] dir>/trading.log, 10 MiB x 5). Any thread may log. A service logs
// asynchronously (the writes happen on spdlog's own thread); a replay logs
// synchronously through stdio buffers. setup/shutdown: main thread only.

#include "tradingd/config/settings.hpp"

namespace tradingd {

class Logging {
 public:
  // When lines reach the console and the file. EveryLine: as they are logged
  // (a service: an operator tailing the log sees them at once). Periodic:
  // once a second and at every warning or error, formatted by the thread
  // that logs (a replay: thousands of lines cost a few writes, not two
  // syscalls each, and no logging thread or queue is set up).
  enum class Flush { EveryLine, Periodic };
  // Throws std::runtime_error naming the folder when the log file cannot be opened.
  static void setup(const LogSettings& settings, Flush flush = Flush::EveryLine);
  // Console only, for commands that write no log file (tests, --check-config).
  static void setup_console(const std::string& level);
  // Writes out every queued line; call before the process exits.
  static void shutdown();
};

}  // namespace tradingd
