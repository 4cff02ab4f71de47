#pragma once
// SimServer: exchange-sim's listener and clock. It accepts clients (each a
// SimSession) and plays the PricePath to every subscribed one at the
// configured rate. The path advances only when some client took a trade, so a
// client that reconnects finds the path where it left it. io thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/sim/price_path.hpp"
#include "tradingd/sim/sim_options.hpp"

namespace boost::asio::ssl {
class context;
}

namespace tradingd::sim {

class SimSession;
struct SimCertificate;

class SimServer {
 public:
  // Binds at once; throws std::runtime_error when it cannot.
  SimServer(boost::asio::io_context& io, const SimOptions& options, PricePath path, const SimCertificate* cert);
  ~SimServer();

  void start();
  void stop();
  // ws[s]://address:port, with the port actually bound.
  [[nodiscard]] std::string url() const;

  [[nodiscard]] const SimOptions& options() const { return options_; }
  [[nodiscard]] bool listed(std::string_view symbol) const;
  [[nodiscard]] std::uint64_t next_connection_id() { return ++connection_id_; }

 private:
  void accept();
  // Closes the listening socket for `how_long` (clients get "connection refused"), then listens again.
  void refuse_connections(std::chrono::milliseconds how_long);
  void listen();
  void step();
  void schedule(std::chrono::steady_clock::duration delay);

  const SimOptions& options_;
  PricePath path_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer refuse_timer_;
  boost::asio::ip::tcp::endpoint endpoint_;
  bool outage_done_ = false;
  std::vector<std::shared_ptr<SimSession>> sessions_;
  std::chrono::steady_clock::time_point next_due_;
  // --play: the wall time and row time the play started from (again after no client was subscribed).
  bool play_started_ = false;
  std::chrono::steady_clock::time_point play_origin_wall_;
  std::int64_t play_origin_ms_ = 0;
  std::vector<SimTrade> batch_;
  std::uint64_t connection_id_ = 0;
  bool running_ = false;
  bool finished_reported_ = false;
};

}  // namespace tradingd::sim
