#pragma once
// ArchiveFormat: the market data formats `--replay` reads (design.md §10,
// contract), and how a file's format, columns and symbol are told from its
// name and first line. Pure functions of their arguments; any thread.
//
// Where each layout comes from (checked against published files and the
// public repositories that parse them):
// - binance-*: data.binance.vision (github.com/binance/binance-public-data):
//   spot files have no header and say True/False, futures files have a
//   header and say true/false; spot times are µs from 2025-01-01.
// - bybit-trades: public.bybit.com/trading (derivatives, `SYMYYYY-MM-DD.csv.gz`,
//   seconds with a fraction) and public.bybit.com/spot (`SYM_YYYY-MM-DD.csv.gz`,
//   `id,timestamp,price,volume,side,rpi`, ms).
// - tardis-*: docs.tardis.dev "CSV datasets" (`<exchange>_<type>_<date>_<SYMBOL>.csv.gz`,
//   times in µs, quotes' columns mirrored: ask_amount,ask_price,bid_price,bid_amount).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/feed/csv_line.hpp"

namespace tradingd {

enum class ArchiveFormat : std::uint8_t {
  Tradingd,
  BinanceTrades,
  BinanceAggTrades,
  BinanceBookTicker,
  BybitTrades,
  TardisTrades,
  TardisQuotes,
  Recording,  // a session recording's chunks (design.md §11): its ticks and quotes, in receive order
};

// What a column is to the replay. Every column that is read is validated.
enum class ColumnRole : std::uint8_t {
  Ignored,
  Time,          // the row's time; never goes backwards in a file
  ExchangeTime,  // a time that is validated but may go backwards (Tardis `timestamp`)
  Price,         // a trade's price
  Symbol,        // the exchange symbol, or the coin in tradingd's rows
  Bid,
  Ask,
  Quantity,  // finite, >= 0 (not yet used by fills, design.md §9)
  Flag,      // true/false in any case
};

// Which column plays which role in a file of one format.
struct ArchiveLayout {
  static constexpr std::size_t max_columns = CsvLine::max_fields;
  std::array<ColumnRole, max_columns> roles{};
  std::size_t min_fields = 0;  // a row has from min_fields
  std::size_t max_fields = 0;  // to max_fields fields
  bool header = false;         // the file's first line named the columns
  bool row_symbol = false;     // a Symbol column is present
  // The column of a role, or -1.
  [[nodiscard]] int column(ColumnRole r) const noexcept {
    for (std::size_t i = 0; i < max_fields && i < max_columns; ++i)
      if (roles[i] == r) return static_cast<int>(i);
    return -1;
  }
};

class ArchiveFormats {
 public:
  static constexpr std::array<ArchiveFormat, 8> all = {
      ArchiveFormat::Tradingd,          ArchiveFormat::BinanceTrades, ArchiveFormat::BinanceAggTrades,
      ArchiveFormat::BinanceBookTicker, ArchiveFormat::BybitTrades,   ArchiveFormat::TardisTrades,
      ArchiveFormat::TardisQuotes,      ArchiveFormat::Recording};
  // A recording's chunks start with this line (design.md §11); it alone tells the format.
  static constexpr std::string_view recording_magic = "# tradingd recording 1";

  [[nodiscard]] static std::string_view name(ArchiveFormat f) noexcept;
  // "--format NAME"
  [[nodiscard]] static std::optional<ArchiveFormat> parse(std::string_view name) noexcept;
  // "tradingd, binance-trades, ..."
  [[nodiscard]] static std::string names();

  // What a file's name says: the format and the symbol the rows carry not
  // ("BTCUSDT-trades-2025-01-01.zip": binance-trades of BTCUSDT).
  struct NameHint {
    std::optional<ArchiveFormat> format;
    std::string symbol;  // "" when the name names none
  };
  [[nodiscard]] static NameHint from_file_name(std::string_view file_name);

  // What a file's first line says: a header naming the columns of one or
  // more formats, or a row whose shape fits them (no value is judged here).
  struct LineHint {
    std::vector<ArchiveFormat> formats;
    bool header = false;
  };
  [[nodiscard]] static LineHint from_first_line(const CsvLine& line);

  // The layout of `f` under a header (nullopt when the header does not name
  // that format's columns), or by position without one.
  [[nodiscard]] static std::optional<ArchiveLayout> header_layout(ArchiveFormat f, const CsvLine& header);
  [[nodiscard]] static ArchiveLayout positional_layout(ArchiveFormat f);
  // The name of column i as the format publishes it ("price"); "" past its columns.
  [[nodiscard]] static std::string_view column_name(ArchiveFormat f, std::size_t i) noexcept;
  // Formats whose files always carry a header.
  [[nodiscard]] static bool needs_header(ArchiveFormat f) noexcept;
};

}  // namespace tradingd
