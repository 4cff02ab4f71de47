#include "tradingd/feed/csv_line.hpp"

namespace tradingd {
namespace {

constexpr bool blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r';
}

}  // namespace

// One pass over the line, byte by byte: archive fields are a few bytes long,
// where a library search per field costs more in calls than it saves.
bool CsvLine::split(std::string_view line) noexcept {
  count_ = 0;
  const char* p = line.data();
  const char* const end = p + line.size();
  for (;;) {
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    const char* begin = p;
    const char* stop = nullptr;
    if (p < end && *p == '"') {
      begin = ++p;
      for (;; ++p) {
        if (p == end) return false;  // not closed
        if (*p != '"') continue;
        if (p + 1 < end && p[1] == '"') {
          ++p;  // a doubled quote inside the field stays doubled
          continue;
        }
        break;
      }
      stop = p++;
      while (p < end && blank(*p)) ++p;  // only blanks may follow the closing quote
      if (p < end && *p != ',') return false;
    } else {
      while (p < end && *p != ',') ++p;
      stop = p;
      while (stop > begin && blank(stop[-1])) --stop;
    }
    if (count_ < max_fields) fields_[count_] = std::string_view(begin, static_cast<std::size_t>(stop - begin));
    ++count_;
    if (p == end) return true;
    ++p;  // the comma
  }
}

}  // namespace tradingd
