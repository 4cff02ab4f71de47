#pragma once
// ConditionRow: one `conditions` row (design.md §5) and both of its
// conversions, side by side: a newly armed TradeCondition into the row
// (bind_armed, on the journal writer) and the row back into the condition
// with where it ended up (read, on any reader's connection). Columns are
// named, never counted.

#include <cstdint>
#include <string>

#include "tradingd/domain/trade_condition.hpp"

namespace SQLite {
class Statement;
}  // namespace SQLite

namespace tradingd {

class ParamNumbers;

struct ConditionRow {
  TradeCondition condition;
  std::string status;  // ACTIVE, TRIGGERED, EXPIRED, REJECTED, CANCELLED
  std::string status_reason;
  std::int64_t updated_ms = 0;

  // The columns read() reads, for a SELECT on any connection.
  static const char* const columns;
  // The current row of a SELECT of `columns`.
  [[nodiscard]] static ConditionRow read(SQLite::Statement& select);

  // The INSERT of a condition just armed (status ACTIVE, updated at `armed_ms`),
  // and its parameters bound from the condition (by `numbers`, the statement's). Throws RefusedWrite for a
  // value SQLite cannot keep.
  static const char* const insert_sql;
  static void bind_armed(SQLite::Statement& insert, ParamNumbers& numbers, const TradeCondition& condition,
                         std::int64_t armed_ms);
};

}  // namespace tradingd
