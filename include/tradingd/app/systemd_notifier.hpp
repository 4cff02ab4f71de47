#pragma once
// SystemdNotifier: tells systemd how a Type=notify service is doing, by the
// sd_notify(3) datagram protocol (one AF_UNIX datagram of KEY=value lines to
// $NOTIFY_SOCKET; a leading '@' names an abstract socket). Written here rather
// than linked from libsystemd: the protocol is one sendto(), and this keeps it
// non-blocking on the io thread.
//
//   READY=1     once the journal is open and recovered and the feed has started
//               (or the replay began)
//   STATUS=...  the health line, every [health] interval
//   WATCHDOG=1  every half of $WATCHDOG_USEC, from a timer on the io thread: an
//               io thread that hangs stops sending, and systemd restarts the unit
//   STOPPING=1  when shutdown begins, with a last WATCHDOG=1 (the final journal
//               flush holds the io thread; it gets a whole WatchdogSec=)
//
// Without $NOTIFY_SOCKET it does nothing (no socket, no timer). A send that
// fails is warned about once and never stops trading.
// All members: io thread only (construction too).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tradingd {

class SystemdNotifier {
 public:
  // What systemd passes in the environment (sd_notify(3), sd_watchdog_enabled(3)).
  struct Environment {
    std::string notify_socket;  // $NOTIFY_SOCKET; empty: not run by systemd
    std::string watchdog_usec;  // $WATCHDOG_USEC; empty: no watchdog
    std::string watchdog_pid;   // $WATCHDOG_PID; set and not ours: the watchdog is another process's
    static Environment from_process();
  };

  SystemdNotifier(boost::asio::io_context& io, const Environment& env, long pid);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  [[nodiscard]] bool enabled() const { return fd_ >= 0; }
  // Between two WATCHDOG=1: half of $WATCHDOG_USEC (as sd_watchdog_enabled(3)
  // advises); zero when there is no watchdog.
  [[nodiscard]] std::chrono::microseconds watchdog_interval() const { return watchdog_interval_; }
  // What the environment asked for that could not be used, for a start-up warning; empty if all is well.
  [[nodiscard]] const std::string& problem() const { return problem_; }

  // READY=1 with `status`, and the watchdog's timer starts.
  void ready(std::string_view status);
  void status(std::string_view line);
  // STOPPING=1 (and a last WATCHDOG=1) with `why` as the status; the watchdog's timer stops.
  void stopping(std::string_view why);

  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t failed() const { return failed_; }

 private:
  void send(std::string_view message);
  void arm_watchdog();

  boost::asio::steady_timer timer_;
  int fd_ = -1;
  std::string address_;  // sockaddr_un's sun_path bytes (abstract: a leading NUL)
  std::chrono::microseconds watchdog_interval_{0};
  std::string problem_;
  bool watching_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t failed_ = 0;
};

}  // namespace tradingd
