#include "tradingd/journal/sql_row.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <cmath>

namespace tradingd {

void SqlRow::bind_text(const char* name, std::string_view value) {
  s_.bind(name, std::string(value));
}

void SqlRow::bind_text_or_null(const char* name, std::string_view value) {
  if (value.empty())
    s_.bind(name);
  else
    bind_text(name, value);
}

void SqlRow::bind_real(const char* name, double value) {
  if (!std::isfinite(value))
    throw RefusedWrite(fmt::format("{} of `{}` would be {}", name, s_.getQuery().substr(0, 40), value));
  s_.bind(name, value);
}

void SqlRow::bind_real(const char* name, std::optional<double> value) {
  if (value)
    bind_real(name, *value);
  else
    s_.bind(name);
}

void SqlRow::bind_integer(const char* name, std::int64_t value) {
  s_.bind(name, value);
}

void SqlRow::bind_integer(const char* name, std::optional<std::int64_t> value) {
  if (value)
    s_.bind(name, *value);
  else
    s_.bind(name);
}

void SqlRow::bind_null(const char* name) {
  s_.bind(name);
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
