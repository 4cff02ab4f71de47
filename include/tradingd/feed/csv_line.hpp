#pragma once
// CsvLine: one line of an archive split at its commas into views, each with
// blanks around it trimmed and, when it is quoted ("BTCUSDT"), its quotes
// taken off (a quoted field may hold commas; a doubled quote inside stays
// doubled, which no number or symbol has). Allocates nothing. Any thread.

#include <array>
#include <cstddef>
#include <string_view>

namespace tradingd {

class CsvLine {
 public:
  static constexpr std::size_t max_fields = 16;

  // Splits `line`; false when a quoted field is not closed.
  bool split(std::string_view line) noexcept;
  // How many fields the line has (it may be more than max_fields; only
  // the first max_fields are kept).
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::string_view operator[](std::size_t i) const noexcept {
    return i < max_fields && i < count_ ? fields_[i] : std::string_view();
  }

 private:
  std::array<std::string_view, max_fields> fields_{};
  std::size_t count_ = 0;
};

}  // namespace tradingd
