#pragma once
// SessionInput: one input of a live session as design.md §11 records it, with
// the clock value (`now_ms`) the Sniper read while the io thread applied it.
// Plain data handed by value from the io thread to the recorder thread, and
// read back by a session replay. Ticks and quotes carry no text (a move
// allocates nothing); the rarer inputs carry their details as one JSON object
// in `text`, written and read by the app that applies them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"

namespace tradingd {

struct SessionInput {
  enum class Kind : std::uint8_t {
    Tick,      // coin, price (`a`), exchange time (`ts_ms`); now_ms is when it was applied
    Quote,     // coin, bid (`a`, if has_a), ask (`b`, if has_b), the quote's stamp (`ts_ms`)
    Arm,       // text: {"origin", "condition"} - a condition as accepted and armed
    Refuse,    // text: {"subject", "message", "origin"} - a refusal the journal records
    Cancel,    // text: {"id", "reason"}
    Close,     // text: {"id"} - a manual close
    Halt,      // the operator's kill switch on
    Resume,    // ... and off
    Flatten,   // close every position with a price (MANUAL)
    Sweep,     // the once-a-second sweep (design.md §4.1)
    Feed,      // text: {"exchange", "state"} - a feed state that pauses, resumes or is journaled
    Shutdown,  // text: {"reason"} - shutdown began; its policy is applied again by a replay
    Gap,       // `ts_ms` inputs were lost here (the queue to the recorder was full)
  };

  Kind kind = Kind::Tick;
  bool has_a = false;
  bool has_b = false;
  CoinId coin = 0;
  std::int64_t now_ms = 0;
  double a = 0.0;
  double b = 0.0;
  std::int64_t ts_ms = 0;
  std::string text;
};

[[nodiscard]] std::string_view to_string(SessionInput::Kind kind);
[[nodiscard]] std::optional<SessionInput::Kind> parse_session_kind(std::string_view s);

}  // namespace tradingd
