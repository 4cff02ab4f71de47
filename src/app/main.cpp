// tradingd: parse the command line, load the config, build the TradingSystem
// and run the io_context on this thread (the io thread) until shutdown.
// Start-up failures (command line, config, conditions, replay file, journal)
// exit with code 2 and a message naming what is wrong.

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <csignal>
#include <iostream>

#include "tradingd/app/command_line.hpp"
#include "tradingd/app/journal_cli.hpp"
#include "tradingd/app/logging.hpp"
#include "tradingd/app/trading_system.hpp"
#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/config_loader.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/domain/system_clock.hpp"
#include "tradingd/feed/replay_merge.hpp"
#include "tradingd/feed/replay_paths.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_startup_error = 2;

int run(const tradingd::CommandLine& cl) {
  using namespace tradingd;
  const Settings settings = ConfigLoader::load_file(cl.config);
  if (cl.check_config) {
    std::cout << settings.to_toml();
    std::cerr << cl.config.string() << ": OK\n";
    return exit_ok;
  }
  // A replay's lines are written out once a second and at warnings: a sweep of
  // short replays would otherwise spend more in log writes than in trading.
  Logging::setup(settings.log, cl.replay.empty() ? Logging::Flush::EveryLine : Logging::Flush::Periodic);
  spdlog::info("tradingd {} starting with {}", TRADINGD_VERSION, cl.config.string());
  spdlog::info(
      "Feed frames: simdjson's {} kernel scans them (chosen for this CPU), fields are read by code built for {}",
      FrameParser::kernel(), FrameParser::walk_target());

  const CoinTable coins(settings.trading.coins);
  // A replay is read as it is replayed; every file's first row is read now, so
  // a file that cannot be replayed stops start-up before the journal opens.
  std::optional<ReplayMerge> replay;
  ReplayTick first_row;
  if (!cl.replay.empty()) {
    replay.emplace(ReplayPaths::expand(cl.replay), coins, settings.trading.quote, cl.format);
    if (!replay->next_row(first_row)) throw ConfigError({replay->describe() + ": no ticks"});
  }

  // Replay runs on tick time, starting at the first tick; live runs on the wall clock.
  SystemClock system_clock;
  ManualClock replay_clock(replay ? first_row.ts_ms : 0);
  const Clock& clock = replay ? static_cast<const Clock&>(replay_clock) : system_clock;

  // Parse the conditions before the journal opens: a file that cannot be used
  // stops start-up (exit 2) without touching the journal.
  std::optional<ParsedConditions> parsed;
  if (cl.conditions) parsed = ConditionParser(coins, settings.risk).parse_file(*cl.conditions, clock.now_ms());

  boost::asio::io_context io(1);
  TradingSystem system(io, settings, clock);
  if (parsed) {
    const auto outcome = system.arm_conditions(*parsed, cl.conditions->string());
    // A file loaded again after a restart: its conditions are already in the
    // journal with the same terms, so they are neither armed twice nor refused.
    spdlog::info("{}: {} conditions armed, {} already armed with the same terms, {} refused", cl.conditions->string(),
                 outcome.armed.size(), outcome.existing.size(), outcome.refused.size());
  }
  if (replay)
    system.start_replay(std::move(*replay), first_row, replay_clock, cl.replay_rate);
  else
    system.start_service();
  io.run();
  if (system.replay_error()) {
    std::cerr << "tradingd: error: " << *system.replay_error() << "\n";
    return exit_startup_error;
  }
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "journal")
    return tradingd::JournalCli::run(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr,
                                     tradingd::SystemClock().now_ms());
  // A file-size limit (ulimit -f) would otherwise kill the process on the
  // journal's next write; ignored, the write fails with EFBIG and the journal
  // treats it as a full disk: keep trading, keep the records, retry.
  std::signal(SIGXFSZ, SIG_IGN);
  tradingd::CommandLine cl;
  try {
    cl = tradingd::CommandLine::parse(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "tradingd: " << e.what() << "\n\n" << tradingd::CommandLine::usage();
    return exit_startup_error;
  }
  if (cl.help) {
    std::cout << tradingd::CommandLine::usage();
    return exit_ok;
  }
  if (cl.version) {
    std::cout << "tradingd " << TRADINGD_VERSION << "\n";
    return exit_ok;
  }
  int code = exit_startup_error;
  try {
    code = run(cl);
  } catch (const tradingd::ConfigError& e) {
    for (const auto& err : e.errors()) std::cerr << "tradingd: error: " << err << "\n";
  } catch (const std::exception& e) {
    // Journal open/schema failures and other start-up errors.
    std::cerr << "tradingd: error: " << e.what() << "\n";
    spdlog::critical("start-up failed: {}", e.what());
  }
  tradingd::Logging::shutdown();  // every queued log line is written before exit
  return code;
}
