#include <catch2/catch.hpp>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/config_loader.hpp"

using namespace tradingd;

namespace {

std::vector<std::string> errors_of(const std::string& toml) {
  try {
    (void)ConfigLoader::load_string(toml, "t.toml", "/base");
  } catch (const ConfigError& e) {
    return e.errors();
  }
  return {};
}

bool contains(const std::vector<std::string>& errs, const std::string& needle) {
  for (const auto& e : errs)
    if (e.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("an empty config gives every default of design.md §6", "[unit][config]") {
  const Settings s = ConfigLoader::load_string("", "t.toml", "/base");
  CHECK(s.exchange.primary == "bybit");
  CHECK(s.exchange.fallback == "binance");
  CHECK(s.exchange.failover_after_ms == 10000);
  CHECK(s.trading.coins.size() == 20);
  CHECK(s.trading.coins.front() == "BTC");
  CHECK(s.trading.quote == "USDT");
  CHECK(s.risk.max_positions == 5);
  CHECK(s.risk.max_position_per_coin == 1);
  CHECK(s.risk.max_exposure_pct == 0.10);
  CHECK(s.risk.default_stop_loss_pct == 0.02);
  CHECK(s.risk.default_take_profit_pct == 0.015);
  CHECK(s.paper.initial_balance == 1000.0);
  CHECK(s.paper.fee_pct == 0.001);
  CHECK(s.storage.db_path == "/base/data/journal.db");  // relative to the config's folder
  CHECK(s.log.dir == "/base/logs");
  CHECK(s.log.level == "info");
  CHECK(s.health.interval_ms == 1000);
  CHECK(s.health.stale_after_ms == 5000);
  CHECK(s.feed.reconnect_after_stale_ms == 30000);
  CHECK(s.feed.max_tick_age_ms == 5000);
  CHECK(s.feed.rotate_after_ms == 82800000);
  CHECK(s.api.listen == "127.0.0.1");
  CHECK(s.api.port == 8080);
  CHECK(s.api.token_env == "TRADINGD_API_TOKEN");
  CHECK(s.shutdown.conditions == ShutdownConditions::Cancel);
  CHECK(s.shutdown.positions == ShutdownPositions::Keep);
}

TEST_CASE("values are read, and absolute paths stay absolute", "[unit][config]") {
  const Settings s = ConfigLoader::load_string(R"(
[trading]
coins = ["BTC", "ETH"]
[risk]
max_positions = 3
max_exposure_pct = 1
[paper]
initial_balance = 5000
[storage]
db_path = "/var/lib/tradingd/j.db"
[shutdown]
conditions = "keep"
positions = "close"
)",
                                               "t.toml", "/base");
  CHECK(s.trading.coins == std::vector<std::string>{"BTC", "ETH"});
  CHECK(s.risk.max_positions == 3);
  CHECK(s.risk.max_exposure_pct == 1.0);
  CHECK(s.paper.initial_balance == 5000.0);
  CHECK(s.storage.db_path == "/var/lib/tradingd/j.db");
  CHECK(s.shutdown.conditions == ShutdownConditions::Keep);
  CHECK(s.shutdown.positions == ShutdownPositions::Close);
}

TEST_CASE("each kind of config error names file, line and key", "[unit][config]") {
  struct Row {
    const char* toml;
    const char* expected;
  };
  const Row rows[] = {
      {"[risk]\nmax_posiitons = 3\n", "t.toml:2: risk.max_posiitons: unknown key"},
      {"[riks]\nmax_positions = 3\n", "t.toml:1: riks: unknown key"},
      {"[risk]\nmax_positions = \"five\"\n", "t.toml:2: risk.max_positions: expected an integer, got a string"},
      {"[risk]\nmax_positions = 0\n", "t.toml:2: risk.max_positions: must be between 1 and"},
      {"[risk]\nmax_exposure_pct = 1.5\n", "t.toml:2: risk.max_exposure_pct: must be in (0, 1]"},
      {"[risk]\nmax_exposure_pct = 0\n", "t.toml:2: risk.max_exposure_pct: must be in (0, 1]"},
      {"[risk]\ndefault_stop_loss_pct = 1\n", "t.toml:2: risk.default_stop_loss_pct: must be in [0, 1)"},
      {"[risk]\ndefault_take_profit_pct = -0.1\n", "t.toml:2: risk.default_take_profit_pct: must be in [0, 1)"},
      {"[risk]\ncooldown_after_stop_ms = -1\n", "t.toml:2: risk.cooldown_after_stop_ms: must be between 0 and"},
      {"[risk]\ncooldown_after_stop_ms = 1.5\n", "t.toml:2: risk.cooldown_after_stop_ms: expected an integer"},
      {"[paper]\nfill_on = \"mid\"\n", "t.toml:2: paper.fill_on: must be one of \"trade\", \"quote\", got \"mid\""},
      {"[paper]\nslippage_bps = 1001\n", "t.toml:2: paper.slippage_bps: must be in [0, 1000]"},
      {"[paper]\nslippage_bps = -1\n", "t.toml:2: paper.slippage_bps: must be in [0, 1000]"},
      // Just out of range: the value as given (shortest round trip), not rounded onto the bound.
      {"[paper]\nslippage_bps = 1000.0000001\n",
       "t.toml:2: paper.slippage_bps: must be in [0, 1000], got 1000.0000001"},
      {"[risk]\nmax_exposure_pct = 1.0000000000000002\n", "got 1.0000000000000002"},
      {"[paper]\nmax_quote_age_ms = 0\n", "t.toml:2: paper.max_quote_age_ms: must be between 1 and"},
      {"[paper]\ninitial_balance = -1\n", "t.toml:2: paper.initial_balance"},
      {"[exchange]\nprimary = \"kraken\"\n", "t.toml:2: exchange.primary: must be one of \"bybit\", \"binance\""},
      {"[exchange]\nprimary = \"binance\"\nfallback = \"binance\"\n", "t.toml:3: exchange.fallback: must differ"},
      {"[exchange.bybit]\nurl = \"https://x\"\n", "exchange.bybit.url: must start with ws:// or wss://"},
      {"[exchange.binance]\nurl = \"wss://stream.binance.com:99999\"\n", "exchange.binance.url: has an invalid port"},
      {"[exchange.bybit]\nurll = \"wss://x\"\n", "t.toml:2: exchange.bybit.urll: unknown key"},
      {"[tls]\nverify = \"yes\"\n", "t.toml:2: tls.verify: expected true or false"},
      {"[trading]\ncoins = [\"BTC\", 3]\n", "t.toml:2: trading.coins: every element must be a string"},
      {"[trading]\ncoins = [\"BTC\", \"BTC\"]\n", "trading.coins: \"BTC\" is listed twice"},
      {"[trading]\ncoins = [\"btc\"]\n", "trading.coins: \"btc\" is not an upper-case coin name"},
      {"[log]\nlevel = \"loud\"\n", "t.toml:2: log.level: must be one of"},
      {"[feed]\nbackoff_initial_ms = 5000\nbackoff_max_ms = 100\n", "feed.backoff_max_ms: must be at least"},
      {"[shutdown]\npositions = \"sell\"\n", "t.toml:2: shutdown.positions: must be one of \"keep\", \"close\""},
      {"risk = 3\n", "t.toml:1: risk: expected a table"},
      {"[risk\nmax_positions = 3\n", "t.toml:1:"},  // TOML syntax error: line named
  };
  for (const auto& row : rows) {
    CAPTURE(row.toml);
    const auto errs = errors_of(row.toml);
    REQUIRE_FALSE(errs.empty());
    CHECK(contains(errs, row.expected));
  }
}

TEST_CASE("all config errors are reported at once", "[unit][config]") {
  const auto errs = errors_of("[risk]\nmax_posiitons = 3\nmax_exposure_pct = 2\n[paper]\nfee_pct = \"x\"\n[bogus]\n");
  CHECK(errs.size() == 4);
  CHECK(contains(errs, "risk.max_posiitons: unknown key"));
  CHECK(contains(errs, "risk.max_exposure_pct"));
  CHECK(contains(errs, "paper.fee_pct"));
  CHECK(contains(errs, "bogus: unknown key"));
}

TEST_CASE("a missing config file is an error naming it", "[unit][config]") {
  CHECK_THROWS_WITH(ConfigLoader::load_file("/nonexistent/tradingd.toml"),
                    Catch::Contains("/nonexistent/tradingd.toml: cannot open config file"));
}

TEST_CASE("the shipped config/settings.toml is valid and equals the defaults but for quote fills with slippage",
          "[unit][config]") {
  Settings s = ConfigLoader::load_file(TRADINGD_SOURCE_DIR "/config/settings.toml");
  const Settings d =
      ConfigLoader::load_string("", TRADINGD_SOURCE_DIR "/config/settings.toml", TRADINGD_SOURCE_DIR "/config");
  CHECK(s.paper.fill_on == FillOn::Quote);
  CHECK(s.paper.slippage_bps == 2.0);
  CHECK(d.paper.fill_on == FillOn::Trade);  // the defaults of design.md §6
  CHECK(d.paper.slippage_bps == 0.0);
  s.paper.fill_on = d.paper.fill_on;
  s.paper.slippage_bps = d.paper.slippage_bps;
  CHECK(s.to_toml() == d.to_toml());
}

TEST_CASE("the --check-config printout is itself a config that loads to the same settings", "[unit][config]") {
  const Settings s = ConfigLoader::load_string(
      "[risk]\nmax_exposure_pct = 0.3\ncooldown_after_stop_ms = 5000\n[paper]\nfee_pct = 0\nfill_on = \"quote\"\n"
      "slippage_bps = 1.5\nmax_quote_age_ms = 750\n",
      "t.toml", "/b");
  const Settings again = ConfigLoader::load_string(s.to_toml(), "t.toml", "/b");
  CHECK(again.to_toml() == s.to_toml());
  CHECK(again.risk.max_exposure_pct == 0.3);
  CHECK(again.paper.fee_pct == 0.0);
  CHECK(again.risk.cooldown_after_stop_ms == 5000);
  CHECK(again.paper.fill_on == FillOn::Quote);
  CHECK(again.paper.slippage_bps == 1.5);
  CHECK(again.paper.max_quote_age_ms == 750);
}
