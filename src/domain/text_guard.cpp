#include "tradingd/domain/text_guard.hpp"

#include <algorithm>

namespace tradingd {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// \xNN for a byte that is not UTF-8; \u{NN} for a control character.
void append_byte(std::string& out, unsigned char b) {
  constexpr char hex[] = "0123456789ABCDEF";
  out += "\\x";
  out += hex[b >> 4];
  out += hex[b & 0xF];
}
void append_code_point(std::string& out, unsigned cp) {
  constexpr char hex[] = "0123456789ABCDEF";
  out += "\\u{";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned d = (cp >> shift) & 0xF;
    if (d || started || shift <= 4) {
      out += hex[d];
      started = true;
    }
  }
  out += '}';
}

}  // namespace

std::optional<std::size_t> TextGuard::invalid_utf8_at(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    // ASCII runs are the common case: skip them a byte at a time without the table.
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

std::string TextGuard::printable(std::string_view text, std::size_t max_bytes, LineBreaks breaks) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 16);
  std::size_t i = 0;
  for (; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = sequence_length(text, i);
    if (i + std::max<std::size_t>(n, 1) > max_bytes) break;
    if (n == 0) {
      append_byte(out, c);
      ++i;
      continue;
    }
    if (n == 1) {
      if (breaks == LineBreaks::Keep && (c == '\n' || c == '\r' || c == '\t'))
        out += static_cast<char>(c);
      else if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else if (c < 0x20 || c == 0x7F)
        append_code_point(out, c);
      else
        out += static_cast<char>(c);
    } else {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      const bool c1_control = n == 2 && c == 0xC2 && c1 < 0xA0;  // U+0080..U+009F
      const bool separator = n == 3 && c == 0xE2 && c1 == 0x80 &&
                             (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
                              static_cast<unsigned char>(text[i + 2]) == 0xA9);  // U+2028, U+2029
      if (c1_control)
        append_code_point(out, c1);
      else if (separator)
        append_code_point(out, 0x2000u + (static_cast<unsigned char>(text[i + 2]) - 0x80u));
      else
        out.append(text.substr(i, n));
    }
    i += n;
  }
  if (i < text.size()) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::size_t TextGuard::json_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::size_t TextGuard::line_of(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

}  // namespace tradingd
