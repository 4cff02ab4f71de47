#pragma once
// FrameParser: one exchange's WebSocket text frames -> ticks and control
// events (design.md §2, protocols.md). simdjson ondemand with one parser reused
// across frames and its buffers sized once for the largest frame the feed
// accepts; each object is walked once, forward, to its closing brace (fields
// in any order), prices read from their strings by DecimalText: parsing a
// trade frame allocates nothing. simdjson stays inside frame_parser.cpp.
//
// A trade frame is all or nothing: if any trade in it is bad (missing field,
// non-numeric or non-positive price, unknown symbol) the whole frame is
// dropped and reported with the first reason, so a half-read frame never
// trades. Quote frames likewise: a side that is not a positive number, or a
// bid above the ask, drops the frame; a time that is no epoch millisecond
// from 1970 to 9999 drops it too (bad_time). Owned by one connection on the io thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/quote.hpp"

namespace tradingd {

class SymbolTable;

enum class FeedProtocol { Bybit, Binance };
[[nodiscard]] std::string_view to_string(FeedProtocol p);

// CrossedQuote: a best bid above the best ask (design.md §4.4), dropped like any bad frame.
// BadTime: an exchange time outside 1970..9999 in epoch ms (no arithmetic on it can overflow).
enum class BadFrame : std::uint8_t { InvalidJson, MissingField, BadPrice, UnknownSymbol, CrossedQuote, BadTime };
inline constexpr std::size_t bad_frame_reasons = 6;
[[nodiscard]] std::string_view to_string(BadFrame reason);

struct FeedTick {
  CoinId coin = 0;
  double price = 0.0;
  std::int64_t ts_ms = 0;
  // The exchange's per-symbol sequence (Bybit "seq", Binance trade id "t" /
  // aggregate id "a"); 0 when absent. Not unique per trade on Bybit: every
  // fill of one taker order carries the same seq (protocols.md).
  std::int64_t seq = 0;
  // The trade's own id: Bybit "i" (a 64-bit key of its text; without an "i",
  // the trade's place among the frame's trades of its seq), Binance "t" / "a".
  // With seq it lets two overlapping connections deliver each trade once.
  std::uint64_t trade_id = 0;
};

// How one quote message changes one side of the coin's level-1 book
// (protocols.md, the order-book rule): a snapshot sets each side (an empty
// one is cleared); a delta changes only the levels it names.
enum class SideChange : std::uint8_t {
  Set,     // the side's best level is now at `price`
  Clear,   // the side is empty (a snapshot's empty array)
  Remove,  // a delta removed the level at `price` (size "0"): the side empties if that was its level
  Keep,    // a delta's empty array: the side did not change
};

// A best bid/ask update (Bybit orderbook.1 snapshot or delta, Binance
// bookTicker). A Set or Remove price is a real price (PriceRule); when both
// sides are Set, bid <= ask. Whether the book it makes is crossed is known
// only once it is applied to the book before it (MarketFeed).
struct FeedQuote {
  CoinId coin = 0;
  SideChange bid_change = SideChange::Clear;
  SideChange ask_change = SideChange::Clear;
  double bid = 0.0;
  double ask = 0.0;
  bool delta = false;          // Bybit "type":"delta"
  std::int64_t update_id = 0;  // the order book update id "u"; 0 when absent
  std::int64_t ts_ms = 0;      // Bybit: the matching engine's time (cts, else ts); Binance sends none: 0

  // The book after this message, given the coin's book before it.
  [[nodiscard]] Quote applied_to(Quote book) const {
    const auto side = [](SideChange change, double price, bool& has, double& value) {
      switch (change) {
        case SideChange::Set:
          has = true;
          value = price;
          break;
        case SideChange::Clear:
          has = false;
          value = 0.0;
          break;
        case SideChange::Remove:
          if (has && value == price) {
            has = false;
            value = 0.0;
          }
          break;
        case SideChange::Keep:
          break;
      }
    };
    side(bid_change, bid, book.has_bid, book.bid);
    side(ask_change, ask, book.has_ask, book.ask);
    return book;
  }
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
  // faster (bench/frame_benchmarks.cpp; docs/performance.md).
  [[nodiscard]] static std::string_view walk_target();

 private:
  struct Impl;
  FeedProtocol protocol_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd
