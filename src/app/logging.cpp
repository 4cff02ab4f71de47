#include "tradingd/app/logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace tradingd {
namespace {

constexpr const char* pattern = "[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v";

void install(std::vector<spdlog::sink_ptr> sinks, const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>("tradingd", sinks.begin(), sinks.end());
  logger->set_pattern(pattern);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);  // an operator tailing the file sees lines as they happen
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace

void Logging::setup(const LogSettings& settings) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  const auto file = settings.dir / "trading.log";
  try {
    std::filesystem::create_directories(settings.dir);
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file.string(), 10 * 1024 * 1024, 5));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open log file " + file.string() + ": " + e.what());
  }
  install(std::move(sinks), settings.level);
}

void Logging::setup_console(const std::string& level) {
  install({std::make_shared<spdlog::sinks::stdout_color_sink_mt>()}, level);
}

}  // namespace tradingd
