#pragma once
// NotifyListener: plays systemd's side of sd_notify(3) for tests. A datagram
// socket (a path, or "@name" for the abstract namespace) whose address is given
// to a process as NOTIFY_SOCKET; a thread receives every datagram and keeps it
// with its arrival time.

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tradingd::test {

class NotifyListener {
 public:
  struct Message {
    std::chrono::steady_clock::time_point at;
    std::string text;
  };

  explicit NotifyListener(std::string address) : address_(std::move(address)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string raw = address_;
    if (raw.size() >= sizeof sa.sun_path) throw std::runtime_error("NOTIFY_SOCKET path too long: " + raw);
    if (raw[0] == '@')
      raw[0] = '\0';
    else
      std::filesystem::remove(raw);
    std::memcpy(sa.sun_path, raw.data(), raw.size());
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&sa),
               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + raw.size())) != 0)
      throw std::runtime_error("bind " + address_ + ": " + std::strerror(errno));
    timeval tv{0, 50'000};  // the thread looks at stop_ this often
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { receive(); });
  }
  ~NotifyListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    if (address_[0] == '/') std::filesystem::remove(address_);
  }
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] std::vector<Message> messages() const {
    const std::lock_guard lock(mutex_);
    return messages_;
  }
  // Messages holding the line `line` (e.g. "WATCHDOG=1"), in arrival order.
  [[nodiscard]] std::vector<Message> with_line(const std::string& line) const {
    std::vector<Message> out;
    for (const auto& m : messages())
      if (("\n" + m.text + "\n").find("\n" + line + "\n") != std::string::npos) out.push_back(m);
    return out;
  }
  // The value of the last "STATUS=" line received, or "".
  [[nodiscard]] std::string last_status() const {
    std::string status;
    for (const auto& m : messages()) {
      const auto at = ("\n" + m.text).find("\nSTATUS=");
      if (at != std::string::npos) status = m.text.substr(at + 7, m.text.find('\n', at + 7) - (at + 7));
    }
    return status;
  }

 private:
  void receive() {
    char buf[4096];
    while (!stop_) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      const std::lock_guard lock(mutex_);
      messages_.push_back({std::chrono::steady_clock::now(), std::string(buf, static_cast<std::size_t>(n))});
    }
  }

  std::string address_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Message> messages_;
  std::thread thread_;
};

}  // namespace tradingd::test
