#include "tradingd/app/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace tradingd {
namespace {

constexpr const char* pattern = "[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v";

// stdout through its stdio buffer, written out at flush(): spdlog's console
// sinks flush every line. Lines are uncoloured (a replay's output is read from
// files and pipes).
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

void install(std::vector<spdlog::sink_ptr> sinks, const std::string& level,
             Logging::Flush flush = Logging::Flush::EveryLine) {
  std::shared_ptr<spdlog::logger> logger;
  if (flush == Logging::Flush::EveryLine) {
    // Asynchronous: the io thread only queues a line; a logging thread does the
    // console and file writes, so trading never waits on disk I/O. A full queue
    // overwrites the oldest lines rather than block trading.
    if (!spdlog::thread_pool()) spdlog::init_thread_pool(8192, 1);
    logger = std::make_shared<spdlog::async_logger>("tradingd", sinks.begin(), sinks.end(), spdlog::thread_pool(),
                                                    spdlog::async_overflow_policy::overrun_oldest);
    logger->flush_on(spdlog::level::info);  // an operator tailing the file sees lines as they happen
  } else {
    // A replay: lines are formatted where they are logged and written through
    // stdio's buffers, once a second and at warnings. No logging thread and no
    // queue of 8,192 slots to set up (a third of a short replay's start-up),
    // and nothing live waits on the io thread.
    logger = std::make_shared<spdlog::logger>("tradingd", sinks.begin(), sinks.end());
    logger->flush_on(spdlog::level::warn);
    spdlog::flush_every(std::chrono::seconds(1));
  }
  logger->set_pattern(pattern);
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace

void Logging::setup(const LogSettings& settings, Flush flush) {
  std::vector<spdlog::sink_ptr> sinks;
  if (flush == Flush::EveryLine)
    sinks.push_back(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  else
    sinks.push_back(std::make_shared<BufferedStdoutSink>());
  const auto file = settings.dir / "trading.log";
  try {
    std::filesystem::create_directories(settings.dir);
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file.string(), 10 * 1024 * 1024, 5));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open log file " + file.string() + ": " + e.what());
  }
  install(std::move(sinks), settings.level, flush);
}

void Logging::shutdown() {
  spdlog::shutdown();
}

void Logging::setup_console(const std::string& level) {
  install({std::make_shared<spdlog::sinks::stdout_color_sink_mt>()}, level);
}

}  // namespace tradingd
