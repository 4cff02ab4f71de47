#pragma once
// DaemonHarness: what an integration test needs to run the real tradingd
// binary the way a user does: a config file in a temp folder, a conditions
// file, a ticks CSV, the process, and the journal read back with SQLite.

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "random_scenario.hpp"
#include "test_process.hpp"
#include "tradingd/journal/journal_reader.hpp"

namespace tradingd::test {

class DaemonHarness {
 public:
  explicit DaemonHarness(const std::string& tag) : dir_(tag) {
    set("trading", "coins", R"(["BTC", "ETH", "SOL"])");
    set("storage", "db_path", "\"journal.db\"");
    set("log", "dir", "\"logs\"");
    set("health", "interval_ms", "100");
    // Tests talk only to loopback: port 9 (discard) is closed, so a service
    // run that is not pointed at an exchange-sim sees "connection refused".
    set("exchange.bybit", "url", "\"ws://127.0.0.1:9/v5/public/spot\"");
    set("exchange.binance", "url", "\"ws://127.0.0.1:9\"");
    set("api", "port", "0");  // any free port: tests run side by side
  }

  // Sets `key = value` (value as TOML text) in [section].
  void set(const std::string& section, const std::string& key, const std::string& value) {
    sections_[section][key] = value;
  }

  std::filesystem::path write_config(const std::string& name = "settings.toml") const {
    std::string text;
    for (const auto& [section, keys] : sections_) {
      text += "[" + section + "]\n";
      for (const auto& [k, v] : keys) text += k + " = " + v + "\n";
    }
    write_file(dir_ / name, text);
    return dir_ / name;
  }

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    write_file(dir_ / name, text);
    return dir_ / name;
  }

  [[nodiscard]] std::filesystem::path db_path() const { return dir_ / "journal.db"; }
  [[nodiscard]] std::filesystem::path log_path() const { return dir_ / "logs" / "trading.log"; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

  // Runs tradingd with `args` after the binary; returns the finished process's exit code.
  struct Result {
    int exit_code;
    std::string out, err;
  };
  Result run(std::vector<std::string> args, const std::string& name,
             std::chrono::milliseconds timeout = std::chrono::seconds(120)) const {
    args.insert(args.begin(), TRADINGD_BINARY);
    TestProcess p(args, dir_.path(), name);
    const auto code = p.wait(timeout);
    return {code.value_or(-1), p.stdout_text(), p.stderr_text()};
  }

  Result replay(const std::filesystem::path& conditions, const std::filesystem::path& ticks,
                const std::string& name = "replay") const {
    return run({"--config", (dir_ / "settings.toml").string(), "--conditions", conditions.string(), "--replay",
                ticks.string()},
               name);
  }

  // The first column of the first row of `sql`, as text ("" when NULL or no row).
  [[nodiscard]] std::string query(const std::string& sql) const {
    SQLite::Database db(db_path().string(), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, sql);
    if (!q.executeStep() || q.getColumn(0).isNull()) return "";
    return q.getColumn(0).getString();
  }
  [[nodiscard]] double query_double(const std::string& sql) const {
    SQLite::Database db(db_path().string(), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    return db.execAndGet(sql).getDouble();
  }

  // The rows `sql` selects from the journal at `db_path`, as text, in order.
  [[nodiscard]] static std::string rows(const std::filesystem::path& db_path, const std::string& sql) {
    SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, sql);
    std::string out;
    while (q.executeStep()) {
      for (int i = 0; i < q.getColumnCount(); ++i) {
        const auto col = q.getColumn(i);
        out += col.isNull() ? std::string("NULL") : col.getString();
        out += '|';
      }
      out += '\n';
    }
    return out;
  }

  // Every row of every journal table, as text: two journals are the same
  // journal when their dumps are equal.
  [[nodiscard]] std::string dump() const {
    std::string out;
    for (const char* table : {"conditions", "trades", "balance", "events"})
      out += std::string("== ") + table + "\n" +
             rows(db_path(), std::string("SELECT * FROM ") + table + " ORDER BY rowid");
    return out;
  }

  // design.md §5's consistency rules; returns the broken ones (empty: consistent).
  // design.md §5's invariants, by the one implementation of them that
  // start-up and `tradingd journal check` use, and that the journal began
  // with `initial_balance`.
  [[nodiscard]] std::vector<std::string> invariant_violations(double initial_balance) const {
    std::vector<std::string> v = tradingd::JournalReader(db_path()).integrity_problems();
    SQLite::Database db(db_path().string(), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement initial(db, "SELECT balance FROM balance WHERE reason = 'INITIAL' ORDER BY seq LIMIT 1");
    if (initial.executeStep() && initial.getColumn(0).getDouble() != initial_balance)
      v.push_back("the INITIAL balance is " + std::to_string(initial.getColumn(0).getDouble()) + ", not " +
                  std::to_string(initial_balance));
    return v;
  }

 private:
  TempDir dir_;
  std::map<std::string, std::map<std::string, std::string>> sections_;
};

// A scenario's settings as its config file spells them; writes the config.
inline void configure(DaemonHarness& h, const Scenario& s) {
  h.set("risk", "max_positions", std::to_string(s.risk.max_positions));
  h.set("risk", "max_position_per_coin", std::to_string(s.risk.max_position_per_coin));
  h.set("risk", "max_exposure_pct", std::to_string(s.risk.max_exposure_pct));
  h.set("risk", "cooldown_after_stop_ms", std::to_string(s.risk.cooldown_after_stop_ms));
  h.set("paper", "fill_on", s.paper.fill_on == FillOn::Quote ? "\"quote\"" : "\"trade\"");
  h.set("paper", "slippage_bps", std::to_string(s.paper.slippage_bps));
  h.set("paper", "max_quote_age_ms", std::to_string(s.paper.max_quote_age_ms));
  h.write_config();
}

// The conditions and ticks of a scenario as the files tradingd reads.
inline std::string conditions_json(const std::vector<TradeCondition>& conditions) {
  std::string out = "[\n";
  char buf[1024];
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    const auto& c = conditions[i];
    std::snprintf(buf, sizeof buf,
                  R"({"id":"%s","coin":"%s","direction":"%s","trigger_type":"%s","trigger_price":%.17g,)"
                  R"("stop_loss_pct":%.17g,"take_profit_pct":%.17g,"position_size_usd":%.17g,)"
                  R"("strategy_id":"%s","reasoning":"test","valid_until":%lld,"created_at":%lld)",
                  c.id.c_str(), c.coin.c_str(), c.direction == Direction::Long ? "LONG" : "SHORT",
                  c.trigger_type == TriggerType::Above ? "ABOVE" : "BELOW", c.trigger_price, c.stop_loss_pct,
                  c.take_profit_pct, c.position_size_usd, c.strategy_id.c_str(),
                  static_cast<long long>(c.valid_until_ms), static_cast<long long>(c.created_at_ms));
    out += buf;
    if (c.trailing_stop_pct) {
      std::snprintf(buf, sizeof buf, R"(,"trailing_stop_pct":%.17g,"trailing_activation_pct":%.17g)",
                    *c.trailing_stop_pct, c.trailing_activation_pct.value_or(0.0));
      out += buf;
    }
    if (c.max_hold_ms) out += ",\"max_hold_ms\":" + std::to_string(*c.max_hold_ms);
    if (!c.oco_group.empty()) out += ",\"oco_group\":\"" + c.oco_group + "\"";
    out += i + 1 < conditions.size() ? "},\n" : "}\n";
  }
  return out + "]\n";
}

// Three columns while no row has a quote (the old format), else five:
// ts_ms,coin,price,bid,ask with empty cells for what a row does not carry.
inline std::string ticks_csv(const std::vector<ScenarioTick>& ticks) {
  bool quotes = false;
  for (const auto& t : ticks) quotes = quotes || t.has_quote();
  std::string out = quotes ? "ts_ms,coin,price,bid,ask\n" : "ts_ms,coin,price\n";
  char buf[160];
  for (const auto& t : ticks) {
    std::snprintf(buf, sizeof buf, "%lld,%s,", static_cast<long long>(t.ts), t.coin.c_str());
    out += buf;
    if (t.has_price) {
      std::snprintf(buf, sizeof buf, "%.17g", t.price);
      out += buf;
    }
    if (quotes) {
      out += ',';
      if (t.has_bid) {
        std::snprintf(buf, sizeof buf, "%.17g", t.bid);
        out += buf;
      }
      out += ',';
      if (t.has_ask) {
        std::snprintf(buf, sizeof buf, "%.17g", t.ask);
        out += buf;
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace tradingd::test
