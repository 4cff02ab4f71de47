// Binance combined-stream frames (trades, bookTicker quotes, replies) into FrameParser.
#include "fuzz_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tradingd::fuzz::parse_frame(tradingd::FeedProtocol::Binance, data, size);
}
