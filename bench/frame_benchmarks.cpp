// Frame -> tick -> decision for recorded Bybit and Binance trade frames (no
// I/O), beside a bare simdjson pass over the same bytes (the ceiling) and an
// nlohmann_json parse of them (the usual choice).

#include <benchmark/benchmark.h>

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/manual_clock.hpp"
#include "tradingd/feed/frame_parser.hpp"

namespace tradingd::bench {
namespace {

struct Frames {
  CoinTable coins{Settings{}.trading.coins};
  SymbolTable symbols{coins, "USDT"};
  std::vector<std::string> bybit, binance;
  std::size_t bytes(FeedProtocol p) const {
    std::size_t n = 0;
    for (const auto& f : p == FeedProtocol::Bybit ? bybit : binance) n += f.size();
    return n;
  }
};

const Frames& frames() {
  static const Frames f = [] {
    Frames out;
    const auto walk = random_walk(1 << 16, out.coins.size(), t0, 11);
    out.bybit = trade_frames(FeedProtocol::Bybit, out.symbols, walk);
    out.binance = trade_frames(FeedProtocol::Binance, out.symbols, walk);
    return out;
  }();
  return f;
}

FeedProtocol protocol_of(const benchmark::State& state) {
  return state.range(0) == 0 ? FeedProtocol::Bybit : FeedProtocol::Binance;
}

void set_rates(benchmark::State& state, const Frames& f, FeedProtocol p) {
  const auto& list = p == FeedProtocol::Bybit ? f.bybit : f.binance;
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(
      static_cast<double>(state.iterations()) * static_cast<double>(f.bytes(p)) / static_cast<double>(list.size())));
  state.SetLabel(std::string(to_string(p)));
}

// The frames with the padding simdjson reads past their end.
std::vector<simdjson::padded_string> padded_frames(const std::vector<std::string>& list) {
  std::vector<simdjson::padded_string> padded;
  padded.reserve(list.size());
  for (const auto& s : list) padded.emplace_back(s);
  return padded;
}

// What MarketFeed does with each message: FrameParser, then every tick into the Sniper.
void BM_FrameToDecision(benchmark::State& state) {
  const Frames& f = frames();
  const FeedProtocol p = protocol_of(state);
  const auto& list = p == FeedProtocol::Bybit ? f.bybit : f.binance;
  RiskSettings risk;
  PaperSettings paper;
  NullSink sink;
  ManualClock clock(t0);
  Sniper sniper(f.coins, risk, paper, clock, sink);
  arm_far(sniper, f.coins, 5, 1'000, 3);
  FrameParser parser(p, f.symbols);
  std::size_t i = 0, ticks = 0;
  for (auto _ : state) {
    if (parser.parse(list[i++ & (list.size() - 1)]).kind == FrameKind::Trades)
      for (const FeedTick& t : parser.ticks()) {
        sniper.on_price_tick(t.coin, t.price, t.ts_ms);
        ++ticks;
      }
  }
  set_rates(state, f, p);
  if (ticks != static_cast<std::size_t>(state.iterations())) state.SkipWithError("a frame did not become a tick");
}
BENCHMARK(BM_FrameToDecision)->Arg(0)->Arg(1);

// The ceiling: simdjson On-Demand reading the same fields and nothing else.
void BM_FrameBareSimdjson(benchmark::State& state) {
  const Frames& f = frames();
  const FeedProtocol p = protocol_of(state);
  const auto& list = p == FeedProtocol::Bybit ? f.bybit : f.binance;
  const auto padded = padded_frames(list);
  simdjson::ondemand::parser parser;
  std::size_t i = 0;
  double sum = 0;
  for (auto _ : state) {
    auto doc = parser.iterate(padded[i++ & (padded.size() - 1)]);
    std::string_view price;
    if (p == FeedProtocol::Bybit) {
      for (auto trade : doc["data"].get_array()) {
        price = trade["p"].get_string();
        sum += static_cast<double>(price.size());
      }
    } else {
      price = doc["data"]["p"].get_string();
      sum += static_cast<double>(price.size());
    }
  }
  benchmark::DoNotOptimize(sum);
  set_rates(state, f, p);
}
BENCHMARK(BM_FrameBareSimdjson)->Arg(0)->Arg(1);

// simdjson's DOM API: both stages on the CPU's own kernel (the library
// dispatches them at run time), the whole frame validated into a tape, then
// the four fields FrameParser needs. The alternative to On-Demand, measured.
void BM_FrameSimdjsonDom(benchmark::State& state) {
  const Frames& f = frames();
  const FeedProtocol p = protocol_of(state);
  const auto& list = p == FeedProtocol::Bybit ? f.bybit : f.binance;
  const auto padded = padded_frames(list);
  simdjson::dom::parser parser;
  std::size_t i = 0;
  double sum = 0;
  const auto read = [&sum](simdjson::dom::element trade, const char* seq_key) {
    std::string_view price, symbol;
    std::int64_t time = 0, seq = 0;
    if (trade["s"].get(symbol) || trade["p"].get(price) || trade["T"].get(time) || trade[seq_key].get(seq)) return;
    sum += static_cast<double>(price.size() + symbol.size()) + static_cast<double>(time + seq);
  };
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(padded[i++ & (padded.size() - 1)]).get(doc)) continue;
    simdjson::dom::element data;
    if (doc["data"].get(data)) continue;
    if (p == FeedProtocol::Bybit) {
      simdjson::dom::array trades;
      if (data.get(trades)) continue;
      for (simdjson::dom::element trade : trades) read(trade, "seq");
    } else {
      read(data, "t");
    }
  }
  benchmark::DoNotOptimize(sum);
  set_rates(state, f, p);
}
BENCHMARK(BM_FrameSimdjsonDom)->Arg(0)->Arg(1);

// The usual choice: nlohmann_json parsing each frame whole.
void BM_FrameNlohmann(benchmark::State& state) {
  const Frames& f = frames();
  const FeedProtocol p = protocol_of(state);
  const auto& list = p == FeedProtocol::Bybit ? f.bybit : f.binance;
  std::size_t i = 0;
  double sum = 0;
  for (auto _ : state) {
    const auto doc = nlohmann::json::parse(list[i++ & (list.size() - 1)]);
    if (p == FeedProtocol::Bybit)
      for (const auto& trade : doc["data"]) sum += std::stod(trade["p"].get<std::string>());
    else
      sum += std::stod(doc["data"]["p"].get<std::string>());
  }
  benchmark::DoNotOptimize(sum);
  set_rates(state, f, p);
}
BENCHMARK(BM_FrameNlohmann)->Arg(0)->Arg(1);

}  // namespace
}  // namespace tradingd::bench
