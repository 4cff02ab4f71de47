#pragma once
// LineReader: the lines of one replay file (a TextInput), each handed out as a
// view into a buffer of fixed size, numbered from 1 as the decompressed text's
// lines (a header included). A line longer than max_line_bytes is refused as
// soon as it passes the limit, while it is being inflated: a gzip bomb of one
// endless line is never read to its end. `\r\n` endings and a UTF-8 byte order
// mark on line 1 are taken off.
//
// One thread at a time (the io thread during a replay, main at start-up).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tradingd/feed/text_input.hpp"

namespace tradingd {

class LineReader {
 public:
  // A row of any format is a few dozen bytes; a longer line is refused.
  static constexpr std::size_t max_line_bytes = 4096;
  // A session recording's lines carry whole conditions (design.md §11).
  static constexpr std::size_t max_long_line_bytes = 48 * 1024;

  explicit LineReader(TextInput input);

  // The next line (valid until the next call), or false at the end of the
  // text. Throws ConfigError for an over-long line or a damaged container.
  bool next(std::string_view& line);

  // Throws ConfigError "name:line: message".
  [[noreturn]] void fail(const std::string& message) const;

  [[nodiscard]] const std::string& name() const { return input_.name(); }
  [[nodiscard]] const TextInput& input() const { return input_; }
  [[nodiscard]] TextInput& input() { return input_; }
  [[nodiscard]] std::size_t line() const { return line_no_; }
  // From the next line on, lines up to max_long_line_bytes.
  void allow_long_lines() { max_line_ = max_long_line_bytes; }

 private:
  void fill();  // more bytes behind end_; sets eof_ at the end of input

  TextInput input_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::size_t line_no_ = 0;
  std::size_t max_line_ = max_line_bytes;
};

}  // namespace tradingd
