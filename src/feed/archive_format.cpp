#include "tradingd/feed/archive_format.hpp"

#include <algorithm>
#include <cctype>

namespace tradingd {
namespace {

struct ColumnSpec {
  std::string_view name;  // as a header names it, lower case
  ColumnRole role;
  bool required;  // a header of the format names it
};

struct FormatSpec {
  ArchiveFormat format;
  std::string_view name;
  std::vector<ColumnSpec> columns;  // in their published order (the positional layout)
  std::size_t positional_min;       // fields of a row without a header (0: a header is required)
};

const std::vector<FormatSpec>& specs() {
  using R = ColumnRole;
  static const std::vector<FormatSpec> s = {
      {ArchiveFormat::Tradingd,
       "tradingd",
       {{"ts_ms", R::Ignored, true},  // read exactly as ms (design.md §1), not by magnitude
        {"coin", R::Symbol, true},
        {"price", R::Price, true},
        {"bid", R::Bid, false},
        {"ask", R::Ask, false}},
       3},
      {ArchiveFormat::BinanceTrades,
       "binance-trades",
       {{"id", R::Ignored, true},
        {"price", R::Price, true},
        {"qty", R::Quantity, true},
        {"quote_qty", R::Quantity, true},
        {"time", R::Time, true},
        {"is_buyer_maker", R::Flag, true},
        {"is_best_match", R::Flag, false}},
       6},
      {ArchiveFormat::BinanceAggTrades,
       "binance-aggtrades",
       {{"agg_trade_id", R::Ignored, true},
        {"price", R::Price, true},
        {"quantity", R::Quantity, true},
        {"first_trade_id", R::Ignored, true},
        {"last_trade_id", R::Ignored, true},
        {"transact_time", R::Time, true},
        {"is_buyer_maker", R::Flag, true},
        {"is_best_match", R::Flag, false}},
       7},
      {ArchiveFormat::BinanceBookTicker,
       "binance-bookticker",
       {{"update_id", R::Ignored, true},
        {"best_bid_price", R::Bid, true},
        {"best_bid_qty", R::Quantity, true},
        {"best_ask_price", R::Ask, true},
        {"best_ask_qty", R::Quantity, true},
        {"transaction_time", R::Time, true},
        {"event_time", R::ExchangeTime, true}},
       7},
      // Derivatives and spot files in one spec: the header names the columns
      // (derivatives: timestamp,symbol,side,size,price,tickDirection,trdMatchID,
      // grossValue,homeNotional,foreignNotional[,RPI]; spot: id,timestamp,price,volume,side[,rpi]).
      {ArchiveFormat::BybitTrades,
       "bybit-trades",
       {{"timestamp", R::Time, true},
        {"symbol", R::Symbol, false},
        {"side", R::Ignored, false},
        {"size", R::Quantity, false},
        {"price", R::Price, true},
        {"tickdirection", R::Ignored, false},
        {"trdmatchid", R::Ignored, false},
        {"grossvalue", R::Ignored, false},
        {"homenotional", R::Ignored, false},
        {"foreignnotional", R::Ignored, false},
        {"rpi", R::Ignored, false},
        {"id", R::Ignored, false},
        {"volume", R::Quantity, false}},
       0},
      {ArchiveFormat::TardisTrades,
       "tardis-trades",
       {{"exchange", R::Ignored, true},
        {"symbol", R::Symbol, true},
        {"timestamp", R::ExchangeTime, true},
        {"local_timestamp", R::Time, true},
        {"id", R::Ignored, true},
        {"side", R::Ignored, true},
        {"price", R::Price, true},
        {"amount", R::Quantity, true}},
       0},
      {ArchiveFormat::TardisQuotes,
       "tardis-quotes",
       {{"exchange", R::Ignored, true},
        {"symbol", R::Symbol, true},
        {"timestamp", R::ExchangeTime, true},
        {"local_timestamp", R::Time, true},
        {"ask_amount", R::Quantity, true},
        {"ask_price", R::Ask, true},
        {"bid_price", R::Bid, true},
        {"bid_amount", R::Quantity, true}},
       0},
      // Told by its first line alone (ArchiveFormats::recording_magic); read by ArchiveSource itself.
      {ArchiveFormat::Recording, "recording", {{"now_ms", R::Time, true}, {"kind", R::Ignored, true}}, 0},
  };
  return s;
}

const FormatSpec& spec(ArchiveFormat f) {
  return specs()[static_cast<std::size_t>(f)];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool flag(std::string_view s) {
  const std::string l = lower(s);
  return l == "true" || l == "false";
}

bool identifier(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A date of the archives' names: YYYY-MM-DD or (monthly files) YYYY-MM.
bool date_text(std::string_view s, bool month_allowed) {
  const auto d = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() == 7 || s.size() == 10) {
    if (s.size() == 7 && !month_allowed) return false;
    if (!(d(0) && d(1) && d(2) && d(3) && s[4] == '-' && d(5) && d(6))) return false;
    return s.size() == 7 || (s[7] == '-' && d(8) && d(9));
  }
  return false;
}

bool symbol_text(std::string_view s) {
  return !s.empty() && s.size() <= 31 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string_view ArchiveFormats::name(ArchiveFormat f) noexcept {
  return spec(f).name;
}

std::optional<ArchiveFormat> ArchiveFormats::parse(std::string_view name) noexcept {
  for (const auto& s : specs())
    if (s.name == name) return s.format;
  return std::nullopt;
}

std::string ArchiveFormats::names() {
  std::string out;
  for (const auto& s : specs()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

std::string_view ArchiveFormats::column_name(ArchiveFormat f, std::size_t i) noexcept {
  const auto& c = spec(f).columns;
  return i < c.size() ? c[i].name : std::string_view();
}

bool ArchiveFormats::needs_header(ArchiveFormat f) noexcept {
  return spec(f).positional_min == 0;
}

ArchiveFormats::NameHint ArchiveFormats::from_file_name(std::string_view file_name) {
  std::string_view base = file_name;
  for (const std::string_view ext : {".zip", ".gz"})
    if (ends_with(base, ext)) base.remove_suffix(ext.size());
  if (ends_with(base, ".csv")) base.remove_suffix(4);

  // Tardis: <exchange>_<type>_<YYYY-MM-DD>_<SYMBOL>
  for (const auto& [type, format] : {std::pair{std::string_view("_trades_"), ArchiveFormat::TardisTrades},
                                     std::pair{std::string_view("_quotes_"), ArchiveFormat::TardisQuotes}}) {
    const auto at = base.find(type);
    if (at == std::string_view::npos || at == 0) continue;
    const std::string_view rest = base.substr(at + type.size());
    if (rest.size() > 11 && date_text(rest.substr(0, 10), false) && rest[10] == '_')
      return {format, std::string(rest.substr(11))};
  }
  // Binance: <SYMBOL>-<type>-<YYYY-MM[-DD]>
  for (const auto& [type, format] : {std::pair{std::string_view("-trades-"), ArchiveFormat::BinanceTrades},
                                     std::pair{std::string_view("-aggTrades-"), ArchiveFormat::BinanceAggTrades},
                                     std::pair{std::string_view("-bookTicker-"), ArchiveFormat::BinanceBookTicker}}) {
    const auto at = base.find(type);
    if (at == std::string_view::npos) continue;
    const std::string_view symbol = base.substr(0, at);
    if (symbol_text(symbol) && date_text(base.substr(at + type.size()), true)) return {format, std::string(symbol)};
  }
  // Bybit: <SYMBOL><YYYY-MM-DD> (derivatives) or <SYMBOL>_<YYYY-MM-DD> (spot)
  if (base.size() > 10 && date_text(base.substr(base.size() - 10), false)) {
    std::string_view symbol = base.substr(0, base.size() - 10);
    if (!symbol.empty() && symbol.back() == '_') symbol.remove_suffix(1);
    if (symbol_text(symbol)) return {ArchiveFormat::BybitTrades, std::string(symbol)};
  }
  return {};
}

std::optional<ArchiveLayout> ArchiveFormats::header_layout(ArchiveFormat f, const CsvLine& header) {
  const FormatSpec& s = spec(f);
  if (f == ArchiveFormat::Recording || header.size() > ArchiveLayout::max_columns) return std::nullopt;
  ArchiveLayout layout;
  layout.header = true;
  layout.min_fields = layout.max_fields = header.size();
  std::vector<bool> seen(s.columns.size(), false);
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string name = lower(header[i]);
    const auto it =
        std::find_if(s.columns.begin(), s.columns.end(), [&](const ColumnSpec& c) { return c.name == name; });
    if (it == s.columns.end()) return std::nullopt;  // a column this format does not have
    const auto k = static_cast<std::size_t>(it - s.columns.begin());
    if (seen[k]) return std::nullopt;  // named twice
    seen[k] = true;
    layout.roles[i] = it->role;
    if (f == ArchiveFormat::Tradingd && k == 0) layout.roles[i] = ColumnRole::Time;
  }
  for (std::size_t k = 0; k < s.columns.size(); ++k)
    if (s.columns[k].required && !seen[k]) return std::nullopt;
  // tradingd's header names its columns in order, 3 or 5 of them (design.md §1).
  if (f == ArchiveFormat::Tradingd) {
    if (header.size() != 3 && header.size() != 5) return std::nullopt;
    for (std::size_t i = 0; i < header.size(); ++i)
      if (lower(header[i]) != s.columns[i].name) return std::nullopt;
  }
  // Bybit's spot files carry no symbol; its derivatives files carry size, spot volume.
  layout.row_symbol = layout.column(ColumnRole::Symbol) >= 0;
  return layout;
}

ArchiveLayout ArchiveFormats::positional_layout(ArchiveFormat f) {
  const FormatSpec& s = spec(f);
  ArchiveLayout layout;
  layout.min_fields = s.positional_min ? s.positional_min : s.columns.size();
  layout.max_fields = s.columns.size();
  for (std::size_t i = 0; i < s.columns.size() && i < ArchiveLayout::max_columns; ++i)
    layout.roles[i] = s.columns[i].role;
  if (f == ArchiveFormat::Tradingd) layout.roles[0] = ColumnRole::Time;
  layout.row_symbol = layout.column(ColumnRole::Symbol) >= 0;
  return layout;
}

ArchiveFormats::LineHint ArchiveFormats::from_first_line(const CsvLine& line) {
  LineHint hint;
  bool names_only = line.size() <= CsvLine::max_fields;
  for (std::size_t i = 0; i < line.size() && names_only; ++i) names_only = identifier(line[i]);
  if (names_only) {
    for (const ArchiveFormat f : all)
      if (header_layout(f, line)) hint.formats.push_back(f);
    hint.header = !hint.formats.empty();
    return hint;
  }
  const std::size_t n = line.size();
  const auto numeric_or_signed = [&](std::size_t i) {
    std::string_view v = line[i];
    if (!v.empty() && v.front() == '-') v.remove_prefix(1);
    return digits(v);
  };
  // tradingd: ts_ms,coin,price[,bid,ask], the coin a name
  if ((n == 3 || n == 5) && numeric_or_signed(0) && !line[1].empty() &&
      std::isalpha(static_cast<unsigned char>(line[1].front())))
    hint.formats.push_back(ArchiveFormat::Tradingd);
  // binance spot trades: id,price,qty,quote_qty,time,is_buyer_maker,is_best_match
  // (futures without a header: the last column missing)
  if ((n == 6 || n == 7) && digits(line[4]) && flag(line[5])) hint.formats.push_back(ArchiveFormat::BinanceTrades);
  // binance spot aggTrades:
  // agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match
  if ((n == 7 || n == 8) && digits(line[5]) && flag(line[6])) hint.formats.push_back(ArchiveFormat::BinanceAggTrades);
  // binance bookTicker without its header: seven numbers
  if (n == 7 && digits(line[0]) && digits(line[5]) && digits(line[6]))
    hint.formats.push_back(ArchiveFormat::BinanceBookTicker);
  return hint;
}

}  // namespace tradingd
