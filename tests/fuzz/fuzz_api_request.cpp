// The control API as a client reaches it: raw bytes through Beast's HTTP
// parser (with the server's header and body limits) to ApiRouter, on a real
// TradingSystem with a journal in a scratch folder. Any request must get an
// answer below 500 ("never a 500 for bad input"), and every JSON answer must
// be valid UTF-8. The token is known, so the fuzzer reaches the mutations too.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tradingd/api/api_router.hpp"
#include "tradingd/api/control_api.hpp"
#include "tradingd/app/trading_system.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/domain/text_guard.hpp"

namespace http = boost::beast::http;

namespace {

constexpr const char* token = "fuzz-token";

struct Daemon {
  std::filesystem::path dir;
  boost::asio::io_context io{1};
  tradingd::Settings settings;
  tradingd::ManualClock clock{1'764'158'400'000};
  std::unique_ptr<tradingd::TradingSystem> system;
  std::unique_ptr<tradingd::ApiRouter> router;

  Daemon() {
    spdlog::set_level(spdlog::level::off);  // millions of refusals are not worth a log line each here
    dir = std::filesystem::temp_directory_path() / ("tradingd-fuzz-api-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    settings.trading.coins = {"BTC", "ETH"};
    settings.storage.db_path = dir / "journal.db";
    settings.log.dir = dir / "logs";
    system = std::make_unique<tradingd::TradingSystem>(io, settings, clock);
    system->inject_price("BTC", 100.0, clock.now_ms());
    router = std::make_unique<tradingd::ApiRouter>(*system, token);
  }
  ~Daemon() {
    router.reset();
    system.reset();
    std::filesystem::remove_all(dir);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Daemon d;
  http::request_parser<http::string_body> parser;
  parser.header_limit(tradingd::ControlApi::max_header_bytes);
  parser.body_limit(tradingd::ControlApi::max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 without routing
  const auto& req = parser.get();
  const std::string target(req.target());
  // handle() answers every route, GET /trades from the journal on disk as the helper thread would.
  const tradingd::ApiResponse r =
      d.router->handle(std::string_view(req.method_string().data(), req.method_string().size()), target,
                       std::string_view(req[http::field::authorization]), req.body());
  if (r.status >= 500 && r.status != 503) std::abort();  // 503: /health reporting an unhealthy daemon
  if (tradingd::TextGuard::invalid_utf8_at(r.body)) std::abort();
  d.io.poll();  // what the handlers posted (journal flushes, sweeps) runs as on the io thread
  return 0;
}
