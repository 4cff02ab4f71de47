#include "tradingd/feed/csv_line.hpp"

#include <cstring>

namespace tradingd {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool CsvLine::split(std::string_view line) noexcept {
  count_ = 0;
  std::size_t pos = 0;
  for (;;) {
    std::string_view field;
    // Blanks before an opening quote are allowed ("a, "b"").
    std::size_t start = pos;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    std::size_t next = std::string_view::npos;
    if (start < line.size() && line[start] == '"') {
      std::size_t close = start + 1;
      for (;;) {
        close = line.find('"', close);
        if (close == std::string_view::npos) return false;
        if (close + 1 < line.size() && line[close + 1] == '"') {
          close += 2;  // a doubled quote inside the field
          continue;
        }
        break;
      }
      field = line.substr(start + 1, close - start - 1);
      const std::size_t comma = line.find(',', close + 1);
      // Only blanks may follow the closing quote.
      if (!trim(line.substr(close + 1, comma == std::string_view::npos ? comma : comma - close - 1)).empty())
        return false;
      next = comma;
    } else {
      next = line.find(',', pos);
      field = trim(line.substr(pos, next == std::string_view::npos ? next : next - pos));
    }
    if (count_ < max_fields) fields_[count_] = field;
    ++count_;
    if (next == std::string_view::npos) return true;
    pos = next + 1;
  }
}

}  // namespace tradingd
