#pragma once
// ApiRun: a daemon with its control API against exchange-sim (BTC looping
// 100 -> 103), started with or without the API token in its environment.

#include <filesystem>
#include <optional>
#include <regex>
#include <string>

#include "http_client.hpp"
#include "live_run.hpp"

namespace tradingd::test {

inline constexpr const char* token = "t0ken-for-tests-7f3a";
inline const std::string auth = std::string("Authorization: Bearer ") + token;

// BTC goes round 100 -> 103 -> 100, forever.
inline constexpr const char* loop_path =
    "ts_ms,symbol,price\n0,BTCUSDT,100\n0,BTCUSDT,101\n0,BTCUSDT,102\n0,BTCUSDT,103\n0,BTCUSDT,102\n"
    "0,BTCUSDT,101\n0,ETHUSDT,2000\n";

struct ApiRun : LiveRun {
  explicit ApiRun(const std::string& tag) : LiveRun(tag, "bybit") {
    write_path(loop_path);
    write_conditions({});
  }

  // Starts the daemon with the token (or none) in its environment; waits for
  // the API and the feed. Again after a stop: a restart on the same journal,
  // whose log lines are looked for after those of the earlier runs.
  TestProcess& start_with(bool with_token) {
    daemon.write_config();
    const std::size_t earlier = std::filesystem::exists(daemon.log_path()) ? log().size() : 0;
    std::vector<std::string> argv = {"/usr/bin/env"};
    if (with_token) argv.push_back(std::string("TRADINGD_API_TOKEN=") + token);
    argv.insert(argv.end(), {TRADINGD_BINARY, "--config", (daemon.dir() / "settings.toml").string()});
    TestProcess& p = process.emplace(argv, daemon.dir(), "tradingd");
    const auto this_run = [&] {
      const std::string text = log();
      return text.size() > earlier ? text.substr(earlier) : std::string();
    };
    if (!wait_until([&] { return this_run().find("Connected to bybit") != std::string::npos; }))
      FAIL("the log never said: Connected to bybit\n--- tradingd log:\n" << log());
    static const std::regex re(R"(Control API on http://127\.0\.0\.1:([0-9]+))");
    std::smatch m;
    const std::string text = this_run();
    REQUIRE(std::regex_search(text, m, re));
    port = static_cast<unsigned short>(std::stoi(m[1]));
    return p;
  }

  [[nodiscard]] std::string condition_body(const std::string& id, double trigger) const {
    return condition(id, "BTC", "LONG", "ABOVE", trigger, 20);
  }

  unsigned short port = 0;
  std::optional<TestProcess> process;
};

}  // namespace tradingd::test
