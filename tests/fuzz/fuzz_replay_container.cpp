// A replay file's bytes as a file on disk, opened as a replay opens it: the
// container (plain, gzip through ISA-L, zip through minizip) told by its
// first bytes, then every row read. The first input byte picks the file's
// name (and so the container its name promises); the rest is the file.
// Either rows in time order or a ConfigError naming the file.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tradingd/config/config_error.hpp"
#include "tradingd/feed/archive_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tradingd;
  if (size == 0) return 0;
  static const CoinTable coins({"BTC", "ETH"});
  static const SymbolTable symbols(coins, "USDT");
  static const char* const names[] = {"BTCUSDT-trades-2025-01-01.zip", "BTCUSDT_2025-01-01.csv.gz",
                                      "ETHUSDT-trades-2025-01-01.csv", "ticks.csv"};
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tradingd-fuzz-container-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / names[data[0] % 4];
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
  } else {
    std::abort();
  }
  try {
    auto src = ArchiveSource::open(path, ArchiveSource::Context{&coins, &symbols, std::nullopt});
    std::int64_t last = 0;
    for (ReplayTick t; src.next_row(t);) {
      if (t.ts_us < last || t.coin >= coins.size()) std::abort();
      last = t.ts_us;
    }
  } catch (const ConfigError& e) {
    for (const auto& m : e.errors())
      if (m.rfind(path.string() + ":", 0) != 0) std::abort();
  }
  std::filesystem::remove(path);
  return 0;
}
