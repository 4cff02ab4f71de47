// Bybit v5 frames (trades, orderbook.1 quotes, replies, pongs) into FrameParser.
#include "fuzz_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tradingd::fuzz::parse_frame(tradingd::FeedProtocol::Bybit, data, size);
}
