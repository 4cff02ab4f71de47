#pragma once
// json_text: a JSON value as compact text, the one way tradingd writes JSON
// it made (journal details, API answers, recording lines). Text from outside
// may hold bytes that are not UTF-8: they become U+FFFD instead of throwing,
// so a refusal that quotes bad input is still written and answered. Any thread.

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace tradingd {

[[nodiscard]] std::string json_text(const nlohmann::json& value);

}  // namespace tradingd
