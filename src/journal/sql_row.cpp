#include "tradingd/journal/sql_row.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <cmath>

namespace tradingd {

int ParamNumbers::of(SQLite::Statement& statement, const char* name) {
  for (std::size_t i = 0; i < size_; ++i)
    if (entries_[i].name == name) return entries_[i].number;
  const int number = statement.getIndex(name);  // 0 for a name the statement lacks: binding it throws
  if (size_ < entries_.size()) entries_[size_++] = Entry{name, number};
  return number;
}

int SqlRow::number(const char* name) const {
  return numbers_ ? numbers_->of(s_, name) : s_.getIndex(name);
}

void SqlRow::bind_text(const char* name, std::string_view value) {
  s_.bind(number(name), std::string(value));
}

void SqlRow::bind_text_or_null(const char* name, std::string_view value) {
  if (value.empty())
    bind_null(name);
  else
    bind_text(name, value);
}

void SqlRow::bind_real(const char* name, double value) {
  if (!std::isfinite(value))
    throw RefusedWrite(fmt::format("{} of `{}` would be {}", name, s_.getQuery().substr(0, 40), value));
  s_.bind(number(name), value);
}

void SqlRow::bind_real(const char* name, std::optional<double> value) {
  if (value)
    bind_real(name, *value);
  else
    bind_null(name);
}

void SqlRow::bind_integer(const char* name, std::int64_t value) {
  s_.bind(number(name), value);
}

void SqlRow::bind_integer(const char* name, std::optional<std::int64_t> value) {
  if (value)
    bind_integer(name, *value);
  else
    bind_null(name);
}

void SqlRow::bind_null(const char* name) {
  s_.bind(number(name));
}

std::string SqlRow::text(const char* name) const {
  return s_.getColumn(name).getString();
}

double SqlRow::real(const char* name) const {
  return s_.getColumn(name).getDouble();
}

std::int64_t SqlRow::integer(const char* name) const {
  return s_.getColumn(name).getInt64();
}

std::optional<double> SqlRow::optional_real(const char* name) const {
  const auto c = s_.getColumn(name);
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

std::optional<std::int64_t> SqlRow::optional_integer(const char* name) const {
  const auto c = s_.getColumn(name);
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

}  // namespace tradingd
