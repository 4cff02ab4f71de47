#pragma once
// EventStream: GET /events, a WebSocket that pushes every event the journal
// commits to each subscriber, in seq order, never before the commit and never
// twice. On the io thread; only the API's sources include this
// header (it brings Beast's HTTP types).
//
// Where events come from: the journal's writer thread hands each commit's
// event rows to TradingSystem, which posts them here (publish()). last_seq()
// is therefore the highest committed seq the io thread knows of, and every
// event up to it can be read back from the journal.
//
// ?since=S, gap-free: the subscriber first replays the events after S from
// the journal, a page at a time on the blocking pool (never on the io
// thread), each page read up to last_seq() as it was when the page was asked
// for. When a page comes back and nothing was published since it was asked
// for, the subscriber has every event up to last_seq() and turns live: from
// then on publish() hands it each event. No event is both read and pushed, and
// none falls between, whatever the timing; also across a daemon restart, since
// the journal keeps seq.
//
// Slow subscribers never slow trading: each has a bounded queue; one that
// falls behind by more than it is cut off with close code 4000 and a reason
// telling it to resume with ?since=<the last seq it got>. A replay reads its
// next page only once the queue has drained, so a replay cannot overflow it.
// Each connection is pinged after 20 s without a frame from the client and
// closed when 20 s more pass without one.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tradingd/api/api_response.hpp"
#include "tradingd/api/query_string.hpp"
#include "tradingd/journal/journal_event.hpp"

namespace tradingd {

// What one client asked for: GET /events?since=S&kinds=A,B&strategy=X.
struct EventSubscription {
  std::optional<std::int64_t> since;    // replay every event after this seq first; none: from now on
  std::vector<std::string> kinds;       // only these kinds; empty: every kind
  std::optional<std::string> strategy;  // only this strategy's events, and those of no strategy
  [[nodiscard]] bool wants(const JournalEvent& e) const;
};

class EventStream {
 public:
  static constexpr std::size_t max_subscribers = 128;
  static constexpr std::size_t max_queued_events = 8192;     // per subscriber, then it is cut off
  static constexpr std::size_t max_queued_bytes = 4u << 20;  // likewise
  static constexpr std::size_t replay_page = 1000;
  static constexpr std::uint16_t resume_close_code = 4000;
  static constexpr auto ping_after = std::chrono::seconds(20);
  // A cut-off subscriber whose socket takes no more data (it never reads)
  // cannot receive the close frame: its connection is dropped after this.
  static constexpr auto close_grace = std::chrono::seconds(10);

  // Every kind the journal writes (docs/journal.md).
  static const std::vector<std::string_view>& kinds();

  EventStream(boost::asio::io_context& io, boost::asio::thread_pool& blocking, std::filesystem::path db_path,
              std::int64_t last_seq);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // The query of GET /events as a subscription, or the 400 to answer: a since
  // that is not a whole number from 0 to last_seq(), an unknown kind.
  [[nodiscard]] std::variant<EventSubscription, ApiResponse> subscription(const QueryString& query) const;
  [[nodiscard]] bool full() const;
  // Takes over a connection whose WebSocket upgrade request has been read.
  void accept(boost::asio::ip::tcp::socket socket, boost::beast::http::request<boost::beast::http::string_body> upgrade,
              EventSubscription subscription);
  // Events the journal committed, in seq order, and its last seq after them
  // (io thread, posted by the app). Events committed without their rows (the
  // batch began before the stream was wired up) are read from the journal by
  // the subscribers that were live, like a replay.
  void publish(std::vector<JournalEvent>&& events, std::int64_t last_seq);
  // Closes every subscriber (going away); publish() does nothing after it.
  void stop();

  [[nodiscard]] std::int64_t last_seq() const { return last_seq_; }
  [[nodiscard]] std::size_t subscribers() const { return subscribers_.size(); }
  [[nodiscard]] std::uint64_t cut_off_count() const { return cut_off_; }
  [[nodiscard]] std::uint64_t published_count() const { return published_; }
  [[nodiscard]] std::uint64_t connections_count() const { return connections_; }
  // "connected" and "left" lines not written: connection churn (reads need no
  // token) must not flood the log, so at most connection_lines_per_second are.
  [[nodiscard]] std::uint64_t suppressed_lines_count() const { return suppressed_lines_; }
  static constexpr int connection_lines_per_second = 10;

  // The message a client gets for an event: one JSON object
  // {"seq","ts_ms","time","kind","ref_id","strategy_id","detail"}.
  [[nodiscard]] static std::string message(const JournalEvent& e);

  class Subscriber;  // one WebSocket connection (event_stream.cpp)

 private:
  friend class Subscriber;
  void remove(const Subscriber* s);
  // Whether a subscriber's connected/left line may be written now; when it
  // may after some were held back, `note` says how many.
  bool connection_line(std::string& note);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& blocking_;
  const std::filesystem::path db_path_;
  std::int64_t last_seq_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  std::uint64_t next_id_ = 1;
  std::uint64_t cut_off_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t connections_ = 0;
  std::uint64_t suppressed_lines_ = 0;
  std::uint64_t suppressed_unreported_ = 0;
  std::chrono::steady_clock::time_point line_window_{};
  int lines_in_window_ = 0;
  bool stopped_ = false;
};

}  // namespace tradingd
