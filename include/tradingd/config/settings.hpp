#pragma once
// Settings: the effective configuration (design.md §6, contract), every key with
// the default shown there. Produced by ConfigLoader at start-up, then read-only.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tradingd {

struct ExchangeSettings {
  std::string primary = "bybit";
  std::string fallback = "binance";
  std::int64_t failover_after_ms = 10000;  // primary down this long: trade on the fallback
  std::int64_t failback_after_ms = 30000;  // primary live again this long: back to it
  std::string bybit_url = "wss://stream.bybit.com/v5/public/spot";
  std::string binance_url = "wss://stream.binance.com:9443";
};

struct TlsSettings {
  std::filesystem::path ca_file;  // empty: the system store only
  bool verify = true;
};

struct TradingSettings {
  std::vector<std::string> coins = {"BTC", "ETH", "SOL",  "BNB", "XRP", "DOGE", "ADA",  "AVAX",  "LINK", "DOT",
                                    "POL", "UNI", "ATOM", "LTC", "BCH", "PEPE", "SHIB", "FLOKI", "WIF",  "BONK"};
  std::string quote = "USDT";
};

struct RiskSettings {
  int max_positions = 5;
  int max_position_per_coin = 1;
  double max_exposure_pct = 0.10;
  double default_stop_loss_pct = 0.02;
  double default_take_profit_pct = 0.015;
  std::int64_t cooldown_after_stop_ms = 0;  // no entry on a coin this long after a losing stop there; 0: off
};

// design.md §4.4: what a fill is priced from.
enum class FillOn { Trade, Quote };

struct PaperSettings {
  double initial_balance = 1000.0;
  double fee_pct = 0.001;
  FillOn fill_on = FillOn::Trade;
  double slippage_bps = 0.0;             // against the trader, on every fill
  std::int64_t max_quote_age_ms = 2000;  // an older quote is not used: the fill falls back to the trade price
};

struct StorageSettings {
  std::filesystem::path db_path = "data/journal.db";
};

struct LogSettings {
  std::filesystem::path dir = "logs";
  std::string level = "info";
};

struct HealthSettings {
  std::int64_t interval_ms = 1000;
  std::int64_t stale_after_ms = 5000;
};

struct FeedSettings {
  std::int64_t reconnect_after_stale_ms = 30000;
  std::int64_t max_tick_age_ms = 5000;
  std::int64_t backoff_initial_ms = 500;
  std::int64_t backoff_max_ms = 30000;
  std::int64_t rotate_after_ms = 82800000;
  std::int64_t backoff_reset_after_ms = 300000;  // live this long: the backoff starts over
  std::int64_t ping_interval_ms = 20000;         // Bybit: client ping period
  std::int64_t pong_timeout_ms = 30000;          // Bybit: no data and no pong this long after a ping: dead
  std::int64_t silence_timeout_ms = 60000;       // Binance: no frame at all (pings included) this long: dead
  std::int64_t coin_stale_after_ms = 60000;      // a subscribed coin without a trade this long is reported
};

struct ApiSettings {
  std::string listen = "127.0.0.1";
  int port = 8080;
  std::string token_env = "TRADINGD_API_TOKEN";
};

enum class ShutdownConditions { Cancel, Keep };
enum class ShutdownPositions { Keep, Close };

struct ShutdownSettings {
  ShutdownConditions conditions = ShutdownConditions::Cancel;
  ShutdownPositions positions = ShutdownPositions::Keep;
};

// design.md §11: a session recording of every input of a live run.
struct RecordSettings {
  std::filesystem::path dir;         // "" = off; relative to the config file
  std::int64_t rotate_minutes = 60;  // a new gzip chunk this often
  std::int64_t keep_hours = 0;       // sessions older than this are deleted; 0 = keep every session
};

struct Settings {
  std::filesystem::path source;  // the config file these came from ("" for defaults)
  ExchangeSettings exchange;
  TlsSettings tls;
  TradingSettings trading;
  RiskSettings risk;
  PaperSettings paper;
  StorageSettings storage;
  LogSettings log;
  HealthSettings health;
  FeedSettings feed;
  ApiSettings api;
  ShutdownSettings shutdown;
  RecordSettings record;

  // The effective settings as TOML, for --check-config: what the daemon will run with.
  [[nodiscard]] std::string to_toml() const;
  // design.md §11's what-if: every trading setting ([trading], [risk], [paper],
  // [feed], [shutdown]) that differs between these and `other`, one line each,
  // "[paper] slippage_bps = 0.0 -> 5.0" (this value first).
  [[nodiscard]] std::vector<std::string> trading_differences(const Settings& other) const;
  // These settings with the trading sections of `other` (the rest kept).
  [[nodiscard]] Settings with_trading_of(const Settings& other) const;
};

}  // namespace tradingd
