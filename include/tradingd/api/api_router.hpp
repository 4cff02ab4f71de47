#pragma once
// ApiRouter: the control API's endpoints as a function from a request to a
// response, on the io thread (so it reads and changes trading state without
// locks). ControlApi feeds it from HTTP; tests can call it directly.
//
//   GET  /                         the dashboard (DashboardPage)
//   GET  /health                   200 when healthy, 503 with the reasons
//   GET  /status                   feed, counts, balance, equity, journal, uptime
//   GET  /conditions               armed conditions
//   POST /conditions               one object or an array (as the conditions file)
//   DELETE /conditions/{id}        CANCELLED
//   GET  /positions                open positions with live P&L
//   POST /positions/{id}/close     closes at the last price (MANUAL)
//   POST /halt | /resume           kill switch: no new entries / entries again
//   POST /flatten                  closes every position at its last price
//   GET  /trades?hours=N           served by ControlApi off the io thread (disk)
//   GET  /metrics                  Prometheus text exposition (format 0.0.4)
//   GET  /events                   WebSocket of committed journal events (EventStream, via ControlApi)
//
// Mutations need `Authorization: Bearer <token>`; with no token configured the
// API is read-only. The token is compared in constant time and never logged.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tradingd {

class ControlTarget;
class EventStream;

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
};

class ApiRouter {
 public:
  ApiRouter(ControlTarget& system, std::string token);

  ApiResponse handle(std::string_view method, std::string_view target, std::string_view authorization,
                     std::string_view body);
  [[nodiscard]] bool read_only() const { return token_.empty(); }
  // GET /status and /metrics report on it (ControlApi's, when there is one).
  void attach_events(const EventStream* events) { events_ = events; }

  // GET /trades answers at most `limit` trades (the newest): 1000 unless asked, 10000 at most.
  static constexpr std::int64_t default_trades_limit = 1000;
  static constexpr std::int64_t max_trades_limit = 10000;
  static constexpr double max_trades_hours = 876000;  // GET /trades?hours=: 100 years
  // {"error": message} with `status`: how every endpoint refuses.
  static ApiResponse error(int status, std::string message);
  // The raw value of `key` in the target's query ("/trades?hours=2&limit=5"),
  // or nullopt; a bare key ("?since") has the empty value, refused like "since=".
  static std::optional<std::string_view> query_param(std::string_view target, std::string_view key);
  // The 400 for a query that names a key twice ("?kinds=A&kinds=B": which one
  // was meant cannot be known), or nullopt.
  static std::optional<ApiResponse> repeated_query_key(std::string_view target);
  // %XX decoded (in a query, '+' as a space too); nullopt for a broken escape.
  static std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);
  // GET /trades?hours=N&limit=M, from the journal on disk: any thread but the io thread.
  static ApiResponse trades(const std::filesystem::path& db_path, std::string_view target, std::int64_t now_ms);

 private:
  [[nodiscard]] bool authorized(std::string_view authorization) const;
  ApiResponse health();
  ApiResponse status();
  ApiResponse conditions();
  ApiResponse arm(std::string_view body);
  ApiResponse cancel(std::string_view id);
  ApiResponse positions();
  ApiResponse close(std::string_view id);
  ApiResponse halt(bool halted);
  ApiResponse flatten();
  ApiResponse metrics();

  ControlTarget& system_;
  const EventStream* events_ = nullptr;
  const std::string token_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace tradingd
