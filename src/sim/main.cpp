// exchange-sim: a WebSocket server speaking the Bybit v5 and Binance public
// trade streams on loopback, for tradingd's demo, tests and benchmarks. It is
// a real network peer: tradingd connects to it exactly as to an exchange.
// Exit codes: 0 after SIGINT/SIGTERM, 2 on a bad command line or start-up
// failure (message on stderr).

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>

#include "tradingd/config/config_error.hpp"
#include "tradingd/sim/price_path.hpp"
#include "tradingd/sim/sim_certificate.hpp"
#include "tradingd/sim/sim_options.hpp"
#include "tradingd/sim/sim_server.hpp"

namespace {

int run(const tradingd::sim::SimOptions& options) {
  using namespace tradingd::sim;
  PricePath path = !options.play.empty()
                       ? PricePath::play(options.play, options.play_format, options.play_coins, options.play_quote)
                   : options.path_csv.empty() ? PricePath::random_walk(options.walk, options.seed, options.walk_ticks)
                                              : PricePath::from_csv(options.path_csv, options.loop);
  std::optional<SimCertificate> cert;
  if (options.tls) {
    cert = options.cert.empty() ? SimCertificate::generate() : SimCertificate::load(options.cert, options.key);
    if (!options.write_ca.empty()) {
      std::ofstream out(options.write_ca);
      out << cert->cert_pem;
      if (!out) throw std::runtime_error(options.write_ca.string() + ": cannot write");
    }
  }
  boost::asio::io_context io(1);
  SimServer server(io, options, std::move(path), cert ? &*cert : nullptr);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    spdlog::info("stopping");
    server.stop();
  });
  server.start();
  // The first line on stdout, for scripts and tests: where to connect.
  std::cout << "exchange-sim: listening on " << server.url() << " (bybit: /v5/public/spot, binance: /stream, /ws/)"
            << std::endl;
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::cout << tradingd::sim::SimOptions::usage();
      return 0;
    }
  auto logger = spdlog::stdout_logger_st("exchange-sim");
  logger->set_pattern("%H:%M:%S.%e exchange-sim: %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  try {
    return run(tradingd::sim::SimOptions::parse(args));
  } catch (const std::invalid_argument& e) {
    std::cerr << "exchange-sim: " << e.what() << "\n\n" << tradingd::sim::SimOptions::usage();
  } catch (const tradingd::ConfigError& e) {
    for (const auto& m : e.errors()) std::cerr << "exchange-sim: error: " << m << "\n";
  } catch (const std::exception& e) {
    std::cerr << "exchange-sim: error: " << e.what() << "\n";
  }
  return 2;
}
