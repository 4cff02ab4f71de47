#include "tradingd/api/event_stream.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <deque>
#include <nlohmann/json.hpp>

#include "tradingd/config/json_text.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/domain/time_format.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/sniper/event_kind.hpp"

namespace tradingd {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using json = nlohmann::json;

// `s` as a JSON string, quotes included (text from outside: bad UTF-8 replaced).
std::string json_string(std::string_view s) {
  return json_text(json(s));
}

}  // namespace

bool EventSubscription::wants(const JournalEvent& e) const {
  if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end()) return false;
  return !strategy || e.strategy_id.empty() || e.strategy_id == *strategy;
}

const std::vector<std::string_view>& EventStream::kinds() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> v;
    for (const EventKind k : all_event_kinds) v.push_back(to_string(k));
    return v;
  }();
  return all;
}

std::string EventStream::message(const JournalEvent& e) {
  // Built by hand around the detail, which is already a JSON object (checked
  // when it comes from disk, made by the writer otherwise): no re-parse.
  std::string m;
  m.reserve(128 + e.kind.size() + e.ref_id.size() + e.strategy_id.size() + e.detail_json.size());
  m += R"({"seq":)";
  m += std::to_string(e.seq);
  m += R"(,"ts_ms":)";
  m += std::to_string(e.ts_ms);
  m += R"(,"time":")";
  m += TimeFormat::to_iso8601(e.ts_ms);
  m += R"(","kind":)";
  m += json_string(e.kind);
  m += R"(,"ref_id":)";
  m += json_string(e.ref_id);
  m += R"(,"strategy_id":)";
  m += json_string(e.strategy_id);
  m += R"(,"detail":)";
  m += e.detail_json.empty() ? std::string_view("{}") : std::string_view(e.detail_json);
  m += '}';
  return m;
}

// One subscriber: a WebSocket on the io thread. It replays from the journal
// (not live_) until it has caught up, then takes events from publish() (live_).
// One write in flight, the queue behind it.
class EventStream::Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(EventStream& hub, tcp::socket socket, EventSubscription sub, std::uint64_t id)
      : hub_(hub), ws_(std::move(socket)), sub_(std::move(sub)), id_(id), close_timer_(hub.io_) {
    beast::error_code ec;
    const auto peer = ws_.next_layer().socket().remote_endpoint(ec);
    peer_ = ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port());
  }

  void start(http::request<http::string_body> upgrade) {
    if (sub_.since) {
      cursor_ = *sub_.since;
      request_page();
    } else {
      cursor_ = hub_.last_seq_;  // live from the request on
      live_ = true;
    }
    beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts from here
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = 2 * ping_after;  // a ping at half of it, closed at all of it
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "tradingd/" TRADINGD_VERSION); }));
    ws_.read_message_max(4096);  // clients have nothing to say; control frames only
    ws_.text(true);
    ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  // A live event for this subscriber (hub_ checked live_ and the filter).
  void offer(const std::shared_ptr<const std::string>& msg) {
    if (closing_) return;
    if (queue_.size() >= max_queued_events || queued_bytes_ + msg->size() > max_queued_bytes) return cut_off();
    push(msg);
  }

  // Shutting down: a client has a second to answer the close frame.
  void stop() {
    if (!closing_)
      close(websocket::close_reason(websocket::close_code::going_away, "tradingd is shutting down"),
            std::chrono::seconds(1));
  }

  // Live: every event up to `seq` has been offered to it.
  void caught_up(std::int64_t seq) {
    if (live()) cursor_ = seq;
  }
  // Live, and events up to hub_.last_seq_ came without rows: read them back.
  void reread() {
    if (!live() || cursor_ >= hub_.last_seq_) return;
    live_ = false;
    more();
  }

  [[nodiscard]] bool live() const { return live_ && !closing_; }
  [[nodiscard]] const EventSubscription& subscription() const { return sub_; }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return finish();
    open_ = true;
    ++hub_.connections_;
    std::string note;
    if (hub_.connection_line(note))
      spdlog::info("Events: subscriber #{} ({}) connected{}{}", id_, peer_,
                   sub_.since ? fmt::format(", replaying from seq {}", *sub_.since) : std::string(), note);
    read();
    write();
  }

  // Only control frames are expected; reading is what answers pings, sees
  // pongs and the client's close.
  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      self->in_.consume(self->in_.size());
      self->read();
    });
  }

  void request_page() {
    page_pending_ = true;
    const std::int64_t after = cursor_;
    const std::int64_t upto = hub_.last_seq_;
    net::post(hub_.blocking_, [self = shared_from_this(), db = hub_.db_path_, after, upto] {
      std::vector<JournalEvent> page;
      std::string error;
      try {
        page = JournalReader(db).events_after(after, upto, replay_page);
      } catch (const std::exception& e) {
        error = e.what();
      }
      net::post(self->hub_.io_, [self, page = std::move(page), upto, error = std::move(error)]() mutable {
        self->on_page(std::move(page), upto, error);
      });
    });
  }

  void on_page(std::vector<JournalEvent> page, std::int64_t upto, const std::string& error) {
    page_pending_ = false;
    if (closing_) return;
    if (!error.empty()) {
      spdlog::error("Events: subscriber #{}: reading the journal failed: {}", id_, error);
      return close(websocket::close_reason(websocket::close_code::internal_error, "reading the journal failed"),
                   close_grace);
    }
    for (const auto& e : page)
      if (sub_.wants(e)) push(std::make_shared<const std::string>(message(e)));
    // A full page may stop short of upto; a shorter one read everything up to it.
    cursor_ = page.size() == replay_page ? page.back().seq : upto;
    if (cursor_ == hub_.last_seq_) {
      live_ = true;  // nothing was published since this page was asked for
      return;
    }
    more();
  }

  // The next replay page, once the queue has room for it.
  void more() {
    if (!live_ && !page_pending_ && !closing_ && queue_.size() < replay_page / 2) request_page();
  }

  void push(std::shared_ptr<const std::string> msg) {
    queued_bytes_ += msg->size();
    queue_.push_back(std::move(msg));
    write();
  }

  void write() {
    if (!open_ || writing_ || queue_.empty()) return;
    writing_ = true;
    ws_.async_write(net::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) return finish();
    if (!queue_.empty()) {  // a cut-off emptied it while this write was out
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    }
    if (closing_) return send_close();
    write();
    more();
  }

  void cut_off() {
    ++hub_.cut_off_;
    spdlog::warn(
        "Events: subscriber #{} ({}) cut off: {} events ({} bytes) waiting for it; it resumes with ?since=<the last "
        "seq it got>",
        id_, peer_, queue_.size(), queued_bytes_);
    close(websocket::close_reason(static_cast<websocket::close_code>(resume_close_code),
                                  "too slow: " + std::to_string(max_queued_events) +
                                      " events behind; reconnect with ?since=<the last seq you got>"),
          close_grace);
  }

  void close(websocket::close_reason why, std::chrono::seconds grace) {
    closing_ = true;
    close_reason_ = std::move(why);
    // What is queued is not sent: the client resumes from what it got.
    if (writing_) {
      queued_bytes_ = queue_.front()->size();
      queue_.erase(queue_.begin() + 1, queue_.end());
    } else {
      queue_.clear();
      queued_bytes_ = 0;
    }
    hub_.remove(this);
    close_timer_.expires_after(grace);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);  // it never took the close frame
    });
    if (!writing_) send_close();
  }

  void send_close() {
    if (close_sent_) return;
    close_sent_ = true;
    if (!open_) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return;
    }
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {
      // The read loop sees the client's close (or the error) and ends.
      beast::error_code ignored;
      self->close_timer_.cancel();
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    close_timer_.cancel();
    hub_.remove(this);
    std::string note;
    if (open_ && hub_.connection_line(note)) spdlog::info("Events: subscriber #{} ({}) left{}", id_, peer_, note);
  }

  EventStream& hub_;
  websocket::stream<beast::tcp_stream> ws_;
  const EventSubscription sub_;
  const std::uint64_t id_;
  std::string peer_;
  beast::flat_buffer in_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // front: being written when writing_
  std::size_t queued_bytes_ = 0;
  std::int64_t cursor_ = 0;  // every event up to this seq is queued or not wanted
  net::steady_timer close_timer_;
  websocket::close_reason close_reason_;
  bool open_ = false;  // handshake done
  bool live_ = false;
  bool page_pending_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
};

EventStream::EventStream(net::io_context& io, net::thread_pool& blocking, std::filesystem::path db_path,
                         std::int64_t last_seq)
    : io_(io), blocking_(blocking), db_path_(std::move(db_path)), last_seq_(last_seq) {}

EventStream::~EventStream() = default;

bool EventStream::connection_line(std::string& note) {
  const auto now = std::chrono::steady_clock::now();
  if (now - line_window_ >= std::chrono::seconds(1)) {
    line_window_ = now;
    lines_in_window_ = 0;
  }
  if (lines_in_window_ >= connection_lines_per_second) {
    ++suppressed_lines_;
    ++suppressed_unreported_;
    return false;
  }
  ++lines_in_window_;
  if (suppressed_unreported_) {
    note = fmt::format(" ({} connection lines held back before this one: connection churn)", suppressed_unreported_);
    suppressed_unreported_ = 0;
  }
  return true;
}

std::variant<EventSubscription, ApiResponse> EventStream::subscription(const QueryString& query) const {
  EventSubscription sub;
  if (const auto v = query.get("since")) {
    const auto since = QueryString::whole_number(*v);
    if (!since || *since < 0)
      return ApiResponse::refusal(400, "since must be a whole number: the seq of the last event you got (0 for all)");
    if (*since > last_seq_)
      return ApiResponse::refusal(400, "since=" + std::to_string(*since) + " is past the journal's last event (seq " +
                                           std::to_string(last_seq_) + "): is this the journal your seq came from?");
    sub.since = *since;
  }
  if (const auto v = query.get("kinds")) {
    if (v->empty()) return ApiResponse::refusal(400, "kinds must be a comma-separated list of event kinds");
    std::string_view rest = *v;
    while (true) {
      const auto comma = rest.find(',');
      const auto kind = rest.substr(0, comma);
      if (std::find(kinds().begin(), kinds().end(), kind) == kinds().end()) {
        std::string known;
        for (const auto k : kinds()) known += (known.empty() ? "" : ", ") + std::string(k);
        return ApiResponse::refusal(400,
                                    "unknown event kind '" + TextGuard::printable(kind) + "'; the kinds are " + known);
      }
      sub.kinds.emplace_back(kind);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (const auto v = query.get("strategy")) {
    if (v->empty() || v->size() > 64 || TextGuard::invalid_utf8_at(*v))
      return ApiResponse::refusal(400, "strategy must be a strategy_id: 1 to 64 bytes of UTF-8, URL-encoded");
    sub.strategy = std::string(*v);
  }
  return sub;
}

bool EventStream::full() const {
  return subscribers_.size() >= max_subscribers;
}

void EventStream::accept(tcp::socket socket, http::request<http::string_body> upgrade, EventSubscription subscription) {
  if (stopped_) return;
  auto s = std::make_shared<Subscriber>(*this, std::move(socket), std::move(subscription), next_id_++);
  subscribers_.push_back(s);
  s->start(std::move(upgrade));
}

void EventStream::publish(std::vector<JournalEvent>&& events, std::int64_t last_seq) {
  if (stopped_) return;
  // offer() may cut a subscriber off, which removes it from the list: walk a copy.
  const auto subscribers = subscribers_;
  for (const auto& e : events) {
    if (e.seq <= last_seq_) continue;  // on disk before the stream began: replays have it
    last_seq_ = e.seq;
    ++published_;
    std::shared_ptr<const std::string> msg;  // made once, for every subscriber that wants it
    for (const auto& s : subscribers) {
      if (!s->live() || !s->subscription().wants(e)) continue;
      if (!msg) msg = std::make_shared<const std::string>(message(e));
      s->offer(msg);
    }
  }
  for (const auto& s : subscribers) s->caught_up(last_seq_);
  if (last_seq > last_seq_) {
    last_seq_ = last_seq;
    for (const auto& s : subscribers) s->reread();
  }
}

void EventStream::stop() {
  stopped_ = true;
  for (const auto& s : std::vector<std::shared_ptr<Subscriber>>(subscribers_)) s->stop();
  subscribers_.clear();
}

void EventStream::remove(const Subscriber* s) {
  std::erase_if(subscribers_, [s](const auto& p) { return p.get() == s; });
}

}  // namespace tradingd
