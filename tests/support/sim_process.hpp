#pragma once
// SimProcess: a real exchange-sim on a free loopback port, for integration
// tests. It waits for the sim's "listening on" line and keeps the URL.

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_process.hpp"

namespace tradingd::test {

// Polls `done` every 20 ms until it holds or `timeout` passes; returns whether it held.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

class SimProcess {
 public:
  // `args` after the binary; --port 0 is added, so each test gets its own port.
  SimProcess(std::vector<std::string> args, const std::filesystem::path& dir, const std::string& name)
      : process_(with_binary(std::move(args)), dir, name) {
    const std::string marker = "listening on ";
    if (!wait_until([&] { return process_.stdout_text().find(marker) != std::string::npos || !process_.running(); },
                    std::chrono::seconds(15)))
      throw std::runtime_error("exchange-sim did not start: " + process_.stderr_text());
    const std::string out = process_.stdout_text();
    const auto at = out.find(marker);
    if (at == std::string::npos) throw std::runtime_error("exchange-sim failed: " + process_.stderr_text());
    url_ = out.substr(at + marker.size(), out.find(' ', at + marker.size()) - at - marker.size());
  }

  // wss://127.0.0.1:PORT
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] std::string output() const { return process_.stdout_text(); }
  TestProcess& process() { return process_; }

 private:
  static std::vector<std::string> with_binary(std::vector<std::string> args) {
    args.insert(args.begin(), EXCHANGE_SIM_BINARY);
    args.insert(args.end(), {"--port", "0"});
    return args;
  }

  TestProcess process_;
  std::string url_;
};

}  // namespace tradingd::test
