#include "tradingd/app/journal_cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>

#include "tradingd/config/config_error.hpp"
#include "tradingd/config/config_loader.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/position.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/domain/time_format.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/journal/journal_summary.hpp"

namespace tradingd {
namespace {

// "12", "-0.5", "+1.25", "37.5%": right-aligned in a table.
bool is_number(const std::string& cell) {
  if (cell.empty()) return false;
  std::size_t i = cell[0] == '+' || cell[0] == '-' ? 1 : 0;
  const std::size_t end = cell.back() == '%' ? cell.size() - 1 : cell.size();
  if (i >= end) return false;
  for (; i < end; ++i)
    if (!std::isdigit(static_cast<unsigned char>(cell[i])) && cell[i] != '.') return false;
  return true;
}

// Columns padded to their widest cell; numbers right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  // Every cell is text from the journal, which anything could have written:
  // control characters (an ANSI escape, a newline) are shown escaped, never
  // sent to the terminal, and a cell is at most 200 bytes wide.
  void add(std::vector<std::string> row) {
    for (auto& cell : row) cell = TextGuard::printable(cell, 200);
    rows_.push_back(std::move(row));
  }
  void print(std::ostream& out) const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& r : rows_)
      for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    for (std::size_t n = 0; n < rows_.size(); ++n) {
      std::string line;
      for (std::size_t i = 0; i < rows_[n].size(); ++i) {
        const std::string& cell = rows_[n][i];
        const bool numeric = n > 0 && is_number(cell);
        const std::string pad(width[i] - cell.size(), ' ');
        line += (i ? "  " : "") + (numeric ? pad + cell : cell + pad);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << "\n";
      if (n == 0) {
        std::string rule;
        for (std::size_t i = 0; i < width.size(); ++i) rule += (i ? "  " : "") + std::string(width[i], '-');
        out << rule << "\n";
      }
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string money(double v) {
  return fmt::format("{:.2f}", v);
}
std::string signed_money(double v) {
  return fmt::format("{:+.4f}", v);
}
// Four decimals, and never "-0.0000" for a cost that rounds to nothing.
std::string fixed4(double v) {
  return fmt::format("{:.4f}", std::abs(v) < 0.00005 ? 0.0 : v);
}
// Ten significant digits: a fill with spread and slippage in it stays readable
// (97165.41915, 0.00001234); `export` keeps every digit.
std::string price(double v) {
  return fmt::format("{:.10g}", v);
}

// `in` and `out` say what each fill was priced from: the trade, the bid or the ask.
void print_trades(const std::vector<TradeRow>& trades, std::ostream& out) {
  TextTable t(
      {"id", "coin", "dir", "size", "entry", "in", "entry_time", "exit", "out", "reason", "pnl", "status", "strategy"});
  for (const auto& r : trades)
    t.add({r.id, r.coin, r.direction, money(r.size_usd), price(r.entry_price), r.entry_fill,
           TimeFormat::to_iso8601(r.entry_ms), r.exit_price ? price(*r.exit_price) : "", r.exit_fill, r.exit_reason,
           r.pnl_usd ? signed_money(*r.pnl_usd) : "", r.status, r.strategy_id});
  t.print(out);
  out << trades.size() << " trades\n";
}

constexpr ExitReason exit_reasons[] = {ExitReason::StopLoss,  ExitReason::TakeProfit, ExitReason::TrailingStop,
                                       ExitReason::TimeLimit, ExitReason::Manual,     ExitReason::Shutdown};

void print_summary(const JournalSummary& s, std::ostream& out) {
  auto table = [&](const char* title, const std::map<std::string, PerformanceRow>& rows) {
    out << title << "\n";
    TextTable t({"", "closed", "open", "wins", "win_rate", "pnl", "fees", "fill_cost", "max_drawdown"});
    auto add = [&](const std::string& name, const PerformanceRow& r) {
      t.add({name, std::to_string(r.closed), std::to_string(r.open), std::to_string(r.wins),
             r.closed ? fmt::format("{:.1f}%", 100.0 * r.win_rate()) : "-", signed_money(r.pnl_usd),
             fmt::format("{:.4f}", r.fees_usd), fixed4(r.fill_cost_usd), fmt::format("{:.4f}", r.max_drawdown_usd)});
    };
    for (const auto& [name, r] : rows) add(name, r);
    add("TOTAL", s.total);
    t.print(out);
  };
  table("By strategy", s.by_strategy);
  out << "\n";
  table("By coin", s.by_coin);
  out << "\nExits by strategy\n";
  std::vector<std::string> header = {""};
  for (const auto r : exit_reasons) header.emplace_back(to_string(r));
  TextTable exits(header);
  auto add = [&](const std::string& name, const PerformanceRow& row) {
    std::vector<std::string> cells = {name};
    for (const auto r : exit_reasons) cells.push_back(std::to_string(row.exits[static_cast<std::size_t>(r)]));
    exits.add(std::move(cells));
  };
  for (const auto& [name, r] : s.by_strategy) add(name, r);
  add("TOTAL", s.total);
  exits.print(out);
  out << "fill_cost: USD the fills paid against the trade prices that decided them (spread and slippage)\n";
}

// One row of the summary for a program (a sweep reads it): every figure at
// full precision, USD as numbers, win_rate null with no closed trade.
nlohmann::json performance_json(const PerformanceRow& r) {
  nlohmann::json exits = nlohmann::json::object();
  for (const auto reason : exit_reasons)
    exits[std::string(to_string(reason))] = r.exits[static_cast<std::size_t>(reason)];
  return {{"closed", r.closed},
          {"open", r.open},
          {"wins", r.wins},
          {"win_rate", r.closed ? nlohmann::json(r.win_rate()) : nlohmann::json(nullptr)},
          {"pnl_usd", r.pnl_usd},
          {"fees_usd", r.fees_usd},
          {"fill_cost_usd", r.fill_cost_usd},
          {"max_drawdown_usd", r.max_drawdown_usd},
          {"exits", exits}};
}

// `summary --format json`: {"by_strategy": {id: row}, "by_coin": {coin: row}, "total": row}.
void print_summary_json(const JournalSummary& s, std::ostream& out) {
  auto rows = [](const std::map<std::string, PerformanceRow>& by) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [name, r] : by) o[name] = performance_json(r);
    return o;
  };
  const nlohmann::json doc{
      {"by_strategy", rows(s.by_strategy)}, {"by_coin", rows(s.by_coin)}, {"total", performance_json(s.total)}};
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// "sl 2% tp 1.5% trail 1% from +0.5% hold 600 s": the exits a condition arms.
std::string exits_of(const TradeCondition& c) {
  std::string e;
  auto add = [&](const std::string& part) { e += (e.empty() ? "" : " ") + part; };
  auto pct = [](double v) { return fmt::format("{:.4g}%", v * 100); };
  if (c.stop_loss_pct > 0) add("sl " + pct(c.stop_loss_pct));
  if (c.take_profit_pct > 0) add("tp " + pct(c.take_profit_pct));
  if (c.trailing_stop_pct) {
    add("trail " + pct(*c.trailing_stop_pct));
    if (c.trailing_activation_pct.value_or(0) > 0) add("from +" + pct(*c.trailing_activation_pct));
  }
  if (c.max_hold_ms) add("hold " + TimeFormat::seconds(std::chrono::milliseconds(*c.max_hold_ms)));
  return e;
}

void print_conditions(const std::vector<ConditionRow>& rows, std::ostream& out) {
  TextTable t({"id", "coin", "trigger", "dir", "size", "exits", "oco", "status", "reason", "valid_until", "strategy"});
  for (const auto& r : rows) {
    const auto& c = r.condition;
    t.add({c.id.c_str(), c.coin.c_str(), std::string(to_string(c.trigger_type)) + " " + price(c.trigger_price),
           std::string(to_string(c.direction)), money(c.position_size_usd), exits_of(c), c.oco_group, r.status,
           r.status_reason, TimeFormat::to_iso8601(c.valid_until_ms), c.strategy_id.c_str()});
  }
  t.print(out);
  out << rows.size() << " conditions\n";
}

std::string csv_field(const TableDump::Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return "";
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&cell)) return fmt::format("{}", *d);
  // Exported whole, but with no control character a terminal would act on.
  const std::string s = TextGuard::printable(std::get<std::string>(cell), SIZE_MAX, TextGuard::LineBreaks::Keep);
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char ch : s) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

void export_table(const TableDump& d, const std::string& format, std::ostream& out) {
  if (format == "csv") {
    for (std::size_t i = 0; i < d.columns.size(); ++i) out << (i ? "," : "") << d.columns[i];
    out << "\n";
    for (const auto& row : d.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << csv_field(row[i]);
      out << "\n";
    }
    return;
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : d.rows) {
    nlohmann::json o = nlohmann::json::object();
    for (std::size_t i = 0; i < row.size(); ++i)
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
              o[d.columns[i]] = nullptr;
            else
              o[d.columns[i]] = v;
          },
          row[i]);
    rows.push_back(std::move(o));
  }
  out << rows.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// One line when the journal holds design.md §5's invariants, each problem
// otherwise; the rules are JournalReader::integrity_problems(), the very check
// start-up makes, so an operator, the soak script and the tests see what the
// daemon would.
int print_check(const JournalReader& reader, const std::string& db, std::ostream& out) {
  const auto problems = reader.integrity_problems();
  const std::string name = TextGuard::printable(db, 200);
  if (problems.empty()) {
    const auto c = reader.table_counts();
    out << "journal " << name << ": consistent (" << c.conditions << " conditions, " << c.trades << " trades, "
        << c.open_trades << " open, " << c.balance << " balance rows, " << c.events << " events)\n";
    return 0;
  }
  out << "journal " << name << ": " << problems.size() << (problems.size() == 1 ? " problem" : " problems") << "\n";
  for (const auto& p : problems) out << "  " << p << "\n";
  return 1;
}

}  // namespace

std::string JournalCli::usage() {
  return R"(usage: tradingd journal (--config FILE | --db FILE) COMMAND
  recent [--hours N]          trades entered in the last N hours (24)
  open                        open positions
  summary [--format json]     per strategy and per coin: closed and open trades, wins, win rate,
                              P&L, fees, fill cost (spread and slippage) and the maximum drawdown
                              of realised P&L; exits by reason per strategy (--json: --format json)
  conditions [--status S]     every condition, or those with status S
                              (ACTIVE, TRIGGERED, REJECTED, EXPIRED, CANCELLED)
  export [--format csv|json] [--table trades|conditions|balance|events]
  check                       the journal's invariants (docs/design.md §5), as start-up checks them:
                              exit 0 when it holds them, 1 with each problem when it does not
The database is opened read-only: safe while tradingd runs.
)";
}

int JournalCli::run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, std::int64_t now_ms) {
  std::string config, db, command, format = "csv", table = "trades", status;
  double hours = 24;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> const std::string& {
        if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
        return args[++i];
      };
      if (a == "--config")
        config = value();
      else if (a == "--db")
        db = value();
      else if (a == "--hours") {
        const std::string& v = value();
        const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), hours);
        // `hours <= 0` is false for NaN; and inf would overflow the millisecond count.
        if (ec != std::errc() || p != v.data() + v.size() || !(hours > 0 && hours <= 876000))
          throw std::invalid_argument("--hours: must be a number > 0 and at most 876000 (100 years), got '" +
                                      TextGuard::printable(v, 40) + "'");
      } else if (a == "--format")
        format = value();
      else if (a == "--json")
        format = "json";
      else if (a == "--table")
        table = value();
      else if (a == "--status")
        status = value();
      else if (a == "--help" || a == "-h") {
        out << usage();
        return 0;
      } else if (command.empty() && a.rfind("--", 0) != 0)
        command = a;
      else
        throw std::invalid_argument("unexpected argument: " + a);
    }
    if (command.empty()) throw std::invalid_argument("which command? recent, open, summary, conditions, export, check");
    if (db.empty() && config.empty()) throw std::invalid_argument("give --config FILE or --db FILE");
    if (format != "csv" && format != "json") throw std::invalid_argument("--format: csv or json");
    if (!status.empty() && !parse_condition_status(status))
      throw std::invalid_argument("--status: one of ACTIVE, TRIGGERED, REJECTED, EXPIRED, CANCELLED");
  } catch (const std::invalid_argument& e) {
    err << "tradingd journal: " << e.what() << "\n\n" << usage();
    return 2;
  }
  try {
    if (db.empty()) db = ConfigLoader::load_file(config).storage.db_path.string();
    if (!std::filesystem::exists(db)) throw std::runtime_error(db + ": no such journal");
    const JournalReader reader(db);
    if (command == "recent")
      print_trades(reader.trades_since(now_ms - static_cast<std::int64_t>(hours * 3'600'000)), out);
    else if (command == "open")
      print_trades(reader.open_trades(), out);
    else if (command == "summary" && format == "json")
      print_summary_json(JournalSummary::of(reader.trades_since(INT64_MIN)), out);
    else if (command == "summary")
      print_summary(JournalSummary::of(reader.trades_since(INT64_MIN)), out);
    else if (command == "conditions")
      print_conditions(reader.conditions(status), out);
    else if (command == "export")
      export_table(reader.dump(table), format, out);
    else if (command == "check")
      return print_check(reader, db, out);
    else
      throw std::invalid_argument("unknown command: " + command);
  } catch (const ConfigError& e) {
    for (const auto& line : e.errors()) err << "tradingd journal: error: " << line << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    err << "tradingd journal: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "tradingd journal: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace tradingd
