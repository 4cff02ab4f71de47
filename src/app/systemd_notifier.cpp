#include "tradingd/app/systemd_notifier.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "tradingd/domain/text_guard.hpp"

namespace tradingd {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// A whole decimal number, nothing else.
bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

SystemdNotifier::Environment SystemdNotifier::Environment::from_process() {
  return {env_or_empty("NOTIFY_SOCKET"), env_or_empty("WATCHDOG_USEC"), env_or_empty("WATCHDOG_PID")};
}

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io, const Environment& env, long pid) : timer_(io) {
  if (env.notify_socket.empty()) return;
  const std::string& path = env.notify_socket;
  // sd_notify(3): an absolute path, or '@' for the abstract namespace.
  if ((path[0] != '/' && path[0] != '@') || path.size() >= sizeof(sockaddr_un::sun_path) || path.size() < 2) {
    problem_ =
        "NOTIFY_SOCKET '" + TextGuard::printable(path) + "' is not an absolute path or @name: systemd is not told";
    return;
  }
  address_ = path;
  if (address_[0] == '@') address_[0] = '\0';
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    problem_ = std::string("cannot open a socket for NOTIFY_SOCKET: ") + std::strerror(errno);
    return;
  }
  if (env.watchdog_usec.empty()) return;
  std::uint64_t usec = 0, watchdog_pid = 0;
  if (!parse_u64(env.watchdog_usec, usec) || usec == 0) {
    problem_ = "WATCHDOG_USEC '" + TextGuard::printable(env.watchdog_usec) + "' is not a positive number: no watchdog";
    return;
  }
  // Set and not ours: systemd's watchdog is for another process (a parent that exec'd us keeps it).
  if (!env.watchdog_pid.empty() &&
      (!parse_u64(env.watchdog_pid, watchdog_pid) || watchdog_pid != static_cast<std::uint64_t>(pid)))
    return;
  watchdog_interval_ = std::chrono::microseconds(usec / 2);
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

void SystemdNotifier::ready(std::string_view status) {
  if (!enabled()) return;
  send("READY=1\nSTATUS=" + std::string(status));
  if (watchdog_interval_.count() > 0 && !watching_) {
    watching_ = true;
    send("WATCHDOG=1");
    arm_watchdog();
  }
}

void SystemdNotifier::status(std::string_view line) {
  if (enabled()) send("STATUS=" + std::string(line));
}

void SystemdNotifier::stopping(std::string_view why) {
  if (!enabled()) return;
  // A last keep-alive: the shutdown (the journal's final flush holds the io
  // thread) gets a whole WatchdogSec= before systemd would call it hung.
  send(std::string(watching_ ? "STOPPING=1\nWATCHDOG=1\nSTATUS=" : "STOPPING=1\nSTATUS=") + std::string(why));
  watching_ = false;
  timer_.cancel();
}

void SystemdNotifier::arm_watchdog() {
  timer_.expires_after(watchdog_interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !watching_) return;  // cancelled by stopping()
    // Sent from the io thread's own timer: if the thread is stuck, this stops.
    send("WATCHDOG=1");
    arm_watchdog();
  });
}

void SystemdNotifier::send(std::string_view message) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, address_.data(), address_.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  // MSG_DONTWAIT: a datagram systemd has not read yet never holds the io thread.
  const ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&sa), len);
  if (n == static_cast<ssize_t>(message.size())) {
    ++sent_;
    return;
  }
  if (failed_++ == 0)
    spdlog::warn("systemd notify: cannot send to NOTIFY_SOCKET: {} (warned once; trading goes on)",
                 n < 0 ? std::strerror(errno) : "short write");
}

}  // namespace tradingd
