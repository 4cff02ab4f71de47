#pragma once
// SessionFormat: the text of a session recording's chunks (design.md §11,
// contract), one input per line, first the clock value and the kind:
//
//   # tradingd recording 1                     the first line of every chunk
//   <now_ms>,tick,<coin>,<price>,<ts_ms>        ts_ms: the exchange's time of the trade
//   <now_ms>,quote,<coin>,<bid>,<ask>,<ts_ms>   an empty side is absent; ts_ms: the quote's stamp
//   <now_ms>,sweep | halt | resume | flatten
//   <now_ms>,gap,<inputs lost>
//   <now_ms>,arm | refuse | cancel | close | feed | shutdown,<one JSON object to the end of the line>
//
// Numbers are written as the shortest text that reads back as the same
// double, so a replay computes with the very values the live run had.
// Stateless; any thread.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tradingd/domain/trade_condition.hpp"
#include "tradingd/record/session_input.hpp"

namespace tradingd {

class SessionFormat {
 public:
  static constexpr std::string_view magic = "# tradingd recording 1";
  // A condition's JSON is at most a few KiB (its reasoning is bounded); a line
  // beyond this is refused by the reader, and never written.
  static constexpr std::size_t max_line_bytes = 48 * 1024;

  // Appends `in` as one line (with its '\n'); coins are named by `coin_names`.
  static void append(const SessionInput& in, const std::vector<std::string>& coin_names, std::string& out);

  // One line (without its '\n') into `out`; the coin's name (ticks and quotes)
  // into `coin`, a view into `line`. The reason when the line is malformed.
  [[nodiscard]] static std::optional<std::string> parse(std::string_view line, SessionInput& out,
                                                        std::string_view& coin);

  // The text of an arm: the condition with every field, and where it came from.
  [[nodiscard]] static std::string arm_text(const TradeCondition& condition, std::string_view origin);
  // Back into the condition exactly as armed; throws std::invalid_argument naming what is wrong.
  [[nodiscard]] static TradeCondition parse_arm(std::string_view text, std::string& origin);

  // The other kinds' texts: a flat object of string fields.
  [[nodiscard]] static std::string fields_text(std::initializer_list<std::pair<std::string_view, std::string_view>> f);
  // Throws std::invalid_argument when `text` is not such an object.
  [[nodiscard]] static std::map<std::string, std::string> parse_fields(std::string_view text);
};

}  // namespace tradingd
