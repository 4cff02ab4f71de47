#pragma once
// TextGuard: the checks every piece of text from outside (network, files, the
// API, the database) goes through before a parser, a log line, a terminal or the
// wire sees it. Stateless and thread-safe; no allocation but the returned string.
//
// - invalid_utf8_at: input is refused whole when it is not UTF-8, naming the byte.
// - printable: text echoed into a message can neither forge a log line (a
//   newline), drive a terminal (an ANSI escape), break a JSON encoder (a
//   multibyte character cut in half) nor flood a log (a 50 MB field).
// - json_depth: nesting is bounded before a recursive parser or a recursive
//   copy of the parsed tree can overflow the stack.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tradingd {

class TextGuard {
 public:
  // How much of a value an error message or a log line repeats.
  static constexpr std::size_t default_excerpt_bytes = 80;

  // Offset of the first byte that is not well-formed UTF-8 (RFC 3629: no
  // overlong forms, no surrogates, nothing above U+10FFFF), or nullopt.
  [[nodiscard]] static std::optional<std::size_t> invalid_utf8_at(std::string_view text);

  // At most max_bytes of text, cut at a character boundary (with "...(N bytes)"
  // after a cut), with control characters (C0, DEL, C1, U+2028/9) written as
  // \n, \r, \t or \u{XX} and bytes that are not UTF-8 as \xNN. The result is
  // valid UTF-8 on one line. With LineBreaks::Keep (a CSV cell, quoted), \n,
  // \r and \t stay as they are.
  enum class LineBreaks : std::uint8_t { Escape, Keep };
  [[nodiscard]] static std::string printable(std::string_view text, std::size_t max_bytes = default_excerpt_bytes,
                                             LineBreaks breaks = LineBreaks::Escape);

  // Deepest nesting of JSON arrays and objects (strings skipped). Counting stops
  // at limit + 1, so a hostile input costs one pass and no memory.
  [[nodiscard]] static std::size_t json_depth(std::string_view text, std::size_t limit);

  // Characters (Unicode code points) in UTF-8 text, as JSON Schema's
  // maxLength counts them: every byte that does not continue a character.
  [[nodiscard]] static std::size_t characters(std::string_view utf8) {
    std::size_t n = 0;
    for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  }

  // 1-based line number of a byte offset, for "file:line" messages.
  [[nodiscard]] static std::size_t line_of(std::string_view text, std::size_t offset);
};

}  // namespace tradingd
