#include "tradingd/api/query_string.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "tradingd/domain/text_guard.hpp"

namespace tradingd {
namespace {

bool listed(std::string_view keys, std::string_view key) {
  while (!keys.empty()) {
    const auto comma = keys.find(',');
    if (keys.substr(0, comma) == key) return true;
    if (comma == std::string_view::npos) break;
    keys.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::variant<QueryString, ApiResponse> QueryString::parse(std::string_view target, std::string_view keys) {
  QueryString q;
  const auto mark = target.find('?');
  if (mark == std::string_view::npos || keys.empty()) return q;  // an endpoint that takes no query ignores one
  std::vector<std::string_view> seen;
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    if (key.empty()) continue;  // "?a=1&&b=2", "?=x": no key to read
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return ApiResponse::refusal(400, "the query names '" + TextGuard::printable(key, 40) + "' twice; give it once");
    seen.push_back(key);
    if (!listed(keys, key)) continue;  // not one of this endpoint's: ignored
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), Plus::IsSpace);
    if (!value)
      return ApiResponse::refusal(400, "the query's " + std::string(key) + " has a broken %-escape: '" +
                                           TextGuard::printable(pair, 40) + "' (a '%' is followed by two hex digits)");
    q.pairs_.emplace_back(std::string(key), std::move(*value));
  }
  return q;
}

std::optional<std::string_view> QueryString::get(std::string_view key) const {
  const auto it = std::find_if(pairs_.begin(), pairs_.end(), [key](const auto& p) { return p.first == key; });
  if (it == pairs_.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<std::int64_t> QueryString::whole_number(std::string_view text) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<double> QueryString::number(std::string_view text) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::string> QueryString::percent_decode(std::string_view text, Plus plus) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && plus == Plus::IsSpace) {
      out += ' ';
    } else if (text[i] == '%') {
      unsigned v = 0;
      if (i + 2 >= text.size()) return std::nullopt;
      const auto [p, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, v, 16);
      if (ec != std::errc() || p != text.data() + i + 3) return std::nullopt;
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace tradingd
