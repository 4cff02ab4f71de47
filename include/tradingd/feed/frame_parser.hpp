#pragma once
// FrameParser: one exchange's WebSocket text frames -> ticks and control
// events (DESIGN §2, PROTOCOLS.md). simdjson ondemand with one parser reused
// across frames and its buffers sized once for the largest frame the feed
// accepts; each object is walked once, forward, to its closing brace (fields
// in any order), prices read from their strings by DecimalText: parsing a
// trade frame allocates nothing. simdjson stays inside frame_parser.cpp.
//
// A trade frame is all or nothing: if any trade in it is bad (missing field,
// non-numeric or non-positive price, unknown symbol) the whole frame is
// dropped and reported with the first reason, so a half-read frame never
// trades. Quote frames likewise: a side that is not a positive number, or a
// bid above the ask, drops the frame. Owned by one connection on the io thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"

namespace tradingd {

class SymbolTable;

enum class FeedProtocol { Bybit, Binance };
[[nodiscard]] std::string_view to_string(FeedProtocol p);

// CrossedQuote: a best bid above the best ask (DESIGN §4.4), dropped like any bad frame.
enum class BadFrame : std::uint8_t { InvalidJson, MissingField, BadPrice, UnknownSymbol, CrossedQuote };
inline constexpr std::size_t bad_frame_reasons = 5;
[[nodiscard]] std::string_view to_string(BadFrame reason);

struct FeedTick {
  CoinId coin = 0;
  double price = 0.0;
  std::int64_t ts_ms = 0;
  // The exchange's per-symbol trade sequence (Bybit "seq", Binance trade id
  // "t" / aggregate id "a"); 0 when absent. Lets two overlapping connections
  // deliver each trade once.
  std::int64_t seq = 0;
};

// A best bid/ask update (Bybit orderbook.1, Binance bookTicker). A side can be
// missing (Bybit's empty level); a side given is finite and > 0, and bid <= ask.
struct FeedQuote {
  CoinId coin = 0;
  double bid = 0.0;
  double ask = 0.0;
  bool has_bid = false;
  bool has_ask = false;
  std::int64_t update_id = 0;  // the order book update id "u"; 0 when absent
  std::int64_t ts_ms = 0;      // Bybit: the matching engine's time (cts, else ts); Binance sends none: 0
};

enum class FrameKind {
  Trades,           // ticks() holds them, in order
  Quote,            // quote() holds it
  SubscribeAck,     // req_id: which request
  SubscribeFailed,  // req_id, message: the exchange's words
  Pong,             // Bybit's answer to our ping
  ServerShutdown,   // Binance: a planned cut is coming
  Ignored,          // well-formed but of no use to us (another topic, a ticker)
  Bad,              // dropped; `bad` says why
};

struct FrameResult {
  FrameKind kind = FrameKind::Ignored;
  BadFrame bad = BadFrame::InvalidJson;
  std::string_view req_id;   // valid until the next parse()
  std::string_view message;  // valid until the next parse()
};

class FrameParser {
 public:
  static constexpr std::size_t max_frame_bytes = 1 << 20;

  FrameParser(FeedProtocol protocol, const SymbolTable& symbols);
  ~FrameParser();
  FrameParser(const FrameParser&) = delete;
  FrameParser& operator=(const FrameParser&) = delete;

  FrameResult parse(std::string_view frame);
  // The ticks of the last Trades result.
  [[nodiscard]] std::span<const FeedTick> ticks() const;
  // The quote of the last Quote result.
  [[nodiscard]] const FeedQuote& quote() const;
  [[nodiscard]] FeedProtocol protocol() const { return protocol_; }

  // simdjson's kernel for this CPU ("icelake", "haswell", "westmere",
  // "fallback"), chosen by the library at run time: it runs stage 1, the
  // SIMD scan of each frame. Any thread.
  [[nodiscard]] static std::string kernel();
  // What the field walk after stage 1 is compiled for: the build's target
  // ("fallback" on baseline x86-64). Compiling it for icelake measured no
  // faster (bench/frame_benchmarks.cpp; README "Performance").
  [[nodiscard]] static std::string_view walk_target();

 private:
  struct Impl;
  FeedProtocol protocol_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd
