#include "tradingd/api/api_router.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "tradingd/api/control_target.hpp"
#include "tradingd/api/dashboard_page.hpp"
#include "tradingd/api/event_stream.hpp"
#include "tradingd/api/openapi_document.hpp"
#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/json_text.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/clock.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/domain/time_format.hpp"
#include "tradingd/feed/feed_supervisor.hpp"
#include "tradingd/journal/journal_reader.hpp"
#include "tradingd/journal/trade_journal.hpp"
#include "tradingd/record/session_recorder.hpp"
#include "tradingd/sniper/sniper.hpp"

namespace tradingd {
namespace {

using json = nlohmann::json;

ApiResponse reply(int status, const json& body) {
  return ApiResponse{status, json_text(body), "application/json", {}};
}

// "/positions/T-x/close" split at '/', without the query, each segment
// percent-decoded (RFC 3986: a client encodes ':' in an id as %3A). A
// segment with a broken escape is kept as it is: no id holds one, so the
// lookup answers 404.
std::vector<std::string> segments(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string> out;
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    const auto slash = target.find('/');
    const std::string_view raw = target.substr(0, slash);
    auto decoded = QueryString::percent_decode(raw, QueryString::Plus::IsPlus);
    out.push_back(decoded ? std::move(*decoded) : std::string(raw));
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
  }
  return out;
}

// Gross P&L of an open position at `last`, before the exit fee.
double unrealized(const Position& p, double last) {
  return p.direction == Direction::Long ? p.qty * (last - p.entry_price) : p.qty * (p.entry_price - last);
}

double unrealized_total(const Sniper& sniper) {
  double sum = 0.0;
  for (const auto& p : sniper.open_positions())
    if (const auto last = sniper.last_price(p.coin)) sum += unrealized(p, *last);
  return sum;
}

json optional_number(std::optional<double> v) {
  return v ? json(*v) : json(nullptr);
}

// An open position as an operator watches it: its levels, where its stop is
// now (fixed or trailing), the best price the trail follows, and its time left.
json position_json(const Position& p, const std::string& coin, std::optional<double> last, std::int64_t now_ms) {
  const auto stop = p.stop();
  const auto limit = p.time_limit_ms();
  json j{{"id", p.id.view()},
         {"condition_id", p.condition_id.view()},
         {"coin", coin},
         {"direction", to_string(p.direction)},
         {"size_usd", p.size_usd},
         {"qty", p.qty},
         {"entry_price", p.entry_price},
         {"entry_mark", p.entry_mark},
         {"entry_fill", to_string(p.entry_fill)},
         {"entry_time", TimeFormat::to_iso8601(p.entry_ms)},
         {"stop_loss_price", optional_number(p.stop_loss_price)},
         {"take_profit_price", optional_number(p.take_profit_price)},
         {"trailing_stop_pct", p.trailing_stop_pct > 0 ? json(p.trailing_stop_pct) : json(nullptr)},
         {"trailing_activation_pct", p.trailing_stop_pct > 0 ? json(p.trailing_activation_pct) : json(nullptr)},
         {"trail_active", p.trail_active()},
         {"trailing_stop_price", optional_number(p.trailing_level())},
         {"best_price", p.best_price},
         {"stop_price", stop ? json(stop->price) : json(nullptr)},
         {"stop_kind", stop ? json(stop->trailing ? "TRAILING_STOP" : "STOP_LOSS") : json(nullptr)},
         {"max_hold_ms", p.max_hold_ms > 0 ? json(p.max_hold_ms) : json(nullptr)},
         {"time_limit", limit ? json(TimeFormat::to_iso8601(*limit)) : json(nullptr)},
         {"time_left_s",
          limit ? json(static_cast<double>(std::max<std::int64_t>(0, *limit - now_ms)) / 1000.0) : json(nullptr)},
         {"strategy_id", p.strategy_id.view()}};
  j["last_price"] = optional_number(last);
  j["unrealized_pnl_usd"] = last ? json(unrealized(p, *last)) : json(nullptr);
  return j;
}

}  // namespace

ApiRouter::ApiRouter(ControlTarget& system, std::string token)
    : system_(system), token_(std::move(token)), started_(std::chrono::steady_clock::now()) {}

bool ApiRouter::authorized(std::string_view authorization) const {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.substr(0, scheme.size()) != scheme) return false;
  const std::string_view given = authorization.substr(scheme.size());
  // Constant time over the secret's length: a mismatch position leaks nothing.
  return given.size() == token_.size() && CRYPTO_memcmp(given.data(), token_.data(), token_.size()) == 0;
}

// The table: every endpoint once. docs/api.md lists the same rows.
std::span<const ApiRoute> ApiRouter::routes() {
  using R = ApiRouter;
  static constexpr ApiRoute table[] = {
      {"GET", "/", RunsOn::IoThread, "", &R::dashboard, nullptr},
      {"GET", "/health", RunsOn::IoThread, "", &R::health, nullptr},
      {"GET", "/status", RunsOn::IoThread, "", &R::status, nullptr},
      {"GET", "/conditions", RunsOn::IoThread, "", &R::conditions, nullptr},
      {"POST", "/conditions", RunsOn::IoThread, "", &R::arm, nullptr},
      {"DELETE", "/conditions/{id}", RunsOn::IoThread, "", &R::cancel, nullptr},
      {"GET", "/positions", RunsOn::IoThread, "", &R::positions, nullptr},
      {"POST", "/positions/{id}/close", RunsOn::IoThread, "", &R::close, nullptr},
      {"POST", "/halt", RunsOn::IoThread, "", &R::halt, nullptr},
      {"POST", "/resume", RunsOn::IoThread, "", &R::resume, nullptr},
      {"POST", "/flatten", RunsOn::IoThread, "", &R::flatten, nullptr},
      {"GET", "/trades", RunsOn::HelperThread, "hours,limit", &R::trades_here, nullptr},
      {"GET", "/events", RunsOn::WebSocket, "since,kinds,strategy", &R::events_here, nullptr},
      {"GET", "/metrics", RunsOn::IoThread, "", &R::metrics, nullptr},
      {"GET", "/openapi.json", RunsOn::IoThread, "", &R::openapi, nullptr},
      {"GET", "/clock", RunsOn::IoThread, "", &R::clock, nullptr},
      {"POST", "/clock/advance", RunsOn::Later, "", nullptr, &R::advance},
      {"POST", "/clock/finish", RunsOn::Later, "", nullptr, &R::finish},
  };
  return table;
}

namespace {

// The {..} segments of `pattern` taken from `path`, or nullopt when `path` is not one of its paths.
std::optional<std::vector<std::string>> path_params(std::string_view pattern, const std::vector<std::string>& path) {
  std::vector<std::string> params;
  std::size_t i = 0;
  pattern.remove_prefix(1);  // the leading '/'
  while (!pattern.empty()) {
    const auto slash = pattern.find('/');
    const std::string_view want = pattern.substr(0, slash);
    if (i == path.size()) return std::nullopt;
    if (want.front() == '{')
      params.push_back(path[i]);
    else if (want != path[i])
      return std::nullopt;
    ++i;
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash + 1);
  }
  if (i != path.size()) return std::nullopt;
  return params;
}

}  // namespace

std::variant<RouteMatch, ApiResponse> ApiRouter::match(std::string_view method, std::string_view target) {
  // "/events/" or "/status/" names no endpoint (only "/" ends in a slash): 404, whatever the method.
  const std::string_view bare = target.substr(0, target.find('?'));
  if (bare.size() > 1 && bare.back() == '/')
    return ApiResponse::refusal(404, "no such endpoint: " + TextGuard::printable(bare, 200) + " (no trailing '/')");
  const auto path = segments(target);
  std::string allow;
  for (const ApiRoute& route : routes()) {
    auto params = path_params(route.path, path);
    if (!params) continue;
    if (route.method != method) {
      allow += (allow.empty() ? "" : ", ") + std::string(route.method);
      continue;
    }
    auto query = QueryString::parse(target, route.query_keys);
    if (auto* refused = std::get_if<ApiResponse>(&query)) return std::move(*refused);
    return RouteMatch{&route, ApiCall{std::move(*params), std::get<QueryString>(std::move(query)), {}}};
  }
  if (allow.empty()) return ApiResponse::refusal(404, "no such endpoint: " + TextGuard::printable(bare, 200));
  auto refused = ApiResponse::refusal(405, TextGuard::printable(method, 20) + " is not allowed on " +
                                               TextGuard::printable(bare, 200) + "; it takes " + allow);
  refused.allow = std::move(allow);
  return refused;
}

std::optional<ApiResponse> ApiRouter::refuse_unauthorized(std::string_view method,
                                                          std::string_view authorization) const {
  if (method != "POST" && method != "DELETE") return std::nullopt;
  if (read_only())
    return ApiResponse::refusal(403, "the API is read-only: no token is set in $" + system_.settings().api.token_env);
  if (!authorized(authorization)) return ApiResponse::refusal(401, "missing or wrong Authorization: Bearer token");
  return std::nullopt;
}

std::variant<RouteMatch, ApiResponse> ApiRouter::route(std::string_view method, std::string_view target,
                                                       std::string_view authorization) const {
  const std::string_view bare = target.substr(0, target.find('?'));
  if (bare.size() > 1 && bare.back() == '/') return match(method, target);  // the trailing-slash 404 first
  if (auto refused = refuse_unauthorized(method, authorization)) return std::move(*refused);
  return match(method, target);
}

ApiResponse ApiRouter::handle(const RouteMatch& matched) {
  if (matched.route->runs == RunsOn::Later) {
    // Shared: the daemon may answer after this returns (it then goes nowhere).
    auto answered = std::make_shared<std::optional<ApiResponse>>();
    handle_later(matched, [answered](ApiResponse r) { *answered = std::move(r); });
    if (*answered) return std::move(**answered);
    return reply(202, json{{"answered", "later"}});
  }
  return (this->*matched.route->handler)(matched.call);
}

void ApiRouter::handle_later(const RouteMatch& matched, ApiReply reply) {
  if (matched.route->runs != RunsOn::Later) return reply(handle(matched));
  (this->*matched.route->later)(matched.call, std::move(reply));
}

ApiResponse ApiRouter::handle(std::string_view method, std::string_view target, std::string_view authorization,
                              std::string_view body) {
  auto routed = route(method, target, authorization);
  if (auto* refused = std::get_if<ApiResponse>(&routed)) return std::move(*refused);
  auto& m = std::get<RouteMatch>(routed);
  m.call.body = body;
  return handle(m);
}

ApiResponse ApiRouter::not_upgraded() {
  return ApiResponse::refusal(426, "GET /events is a WebSocket: ask with Upgrade: websocket");
}

ApiResponse ApiRouter::dashboard(const ApiCall&) {
  return ApiResponse{200, std::string(DashboardPage::html()), "text/html; charset=utf-8", {}};
}

ApiResponse ApiRouter::openapi(const ApiCall&) {
  return ApiResponse{200, std::string(OpenApiDocument::json()), "application/json", {}};
}

ApiResponse ApiRouter::trades_here(const ApiCall& call) {
  return trades(system_.settings().storage.db_path, call.query, system_.clock().now_ms());
}

ApiResponse ApiRouter::events_here(const ApiCall&) {
  return not_upgraded();
}

namespace {

// Why GET /health would answer 503 (none: healthy). /metrics' tradingd_healthy reads the same.
std::vector<std::string> health_reasons(const ControlTarget& system) {
  std::vector<std::string> reasons;
  const FeedSupervisor* feeds = system.feeds();
  if (!feeds) {
    // A replay plays no feed: healthy while it plays or a lockstep strategist holds it (design.md §12).
    if (!system.replay_clock()) reasons.emplace_back("no live feed (replay mode)");
  } else if (feeds->state() != FeedLinkState::Live) {
    reasons.push_back(fmt::format("feed {} is {}", to_string(feeds->driver()), to_string(feeds->state())));
  }
  const JournalStats js = system.journal().stats();
  if (!js.healthy) reasons.push_back(fmt::format("journal writes failing ({} errors)", js.write_errors));
  if (js.refused_writes > 0)
    reasons.push_back(
        fmt::format("journal refused {} records (see the log's 'journal: refused' lines)", js.refused_writes));
  if (system.sniper().entries_halted()) reasons.emplace_back("halted by the operator");
  if (const SessionRecorder* rec = system.recorder(); rec && !rec->active())
    reasons.push_back("recording stopped: " + rec->error());
  return reasons;
}

}  // namespace

ApiResponse ApiRouter::health(const ApiCall&) {
  const auto reasons = health_reasons(system_);
  const bool healthy = reasons.empty();
  return reply(healthy ? 200 : 503, json{{"healthy", healthy}, {"reasons", reasons}});
}

namespace {

// /status's "clock": the run's clock, market time in a replay (design.md §12).
json clock_status(const ControlTarget& system) {
  const auto c = system.replay_clock();
  if (!c) return json{{"mode", "live"}, {"now_ms", system.clock().now_ms()}};
  return json{{"mode", c->mode}, {"now_ms", c->now_ms}};
}

}  // namespace

ApiResponse ApiRouter::status(const ApiCall&) {
  const Sniper& sniper = system_.sniper();
  const auto& coins = system_.coins();
  const double open_pnl = unrealized_total(sniper);
  const auto& sc = sniper.counters();
  json feeds = json::array();
  std::string driver;
  if (const FeedSupervisor* f = system_.feeds()) {
    driver = std::string(to_string(f->driver()));
    for (const MarketFeed* m : {&f->primary(), f->fallback()}) {
      if (!m) continue;
      const auto& c = m->counters();
      json ages = json::object();  // seconds since each coin last traded on this feed
      for (std::size_t id = 0; id < coins.size(); ++id)
        if (const double age = m->coin_silence_seconds(static_cast<CoinId>(id)); age >= 0)
          ages[coins.name(static_cast<CoinId>(id))] = age;
      feeds.push_back({{"exchange", to_string(m->protocol())},
                       {"tick_age_s", ages},
                       {"state", to_string(m->state())},
                       {"driving", m->protocol() == f->driver()},
                       {"ticks", c.ticks},
                       {"bad_frames", c.bad_total()},
                       {"connection_attempts", c.connects},
                       {"rotations", c.rotations}});
    }
  }
  json prices = json::object();
  for (std::size_t id = 0; id < coins.size(); ++id)
    if (const auto last = sniper.last_price(static_cast<CoinId>(id)))
      prices[coins.name(static_cast<CoinId>(id))] = *last;
  // The quote slots fills read (design.md §4.4), with their age by the clock.
  const PaperSettings& paper = system_.settings().paper;
  const bool quotes_on = paper.fill_on == FillOn::Quote;
  json quotes = json::object();
  if (quotes_on) {
    const auto now = system_.clock().now_ms();
    for (std::size_t id = 0; id < coins.size(); ++id)
      if (const auto q = sniper.quote(static_cast<CoinId>(id)))
        quotes[coins.name(static_cast<CoinId>(id))] = {{"bid", q->has_bid ? json(q->bid) : json(nullptr)},
                                                       {"ask", q->has_ask ? json(q->ask) : json(nullptr)},
                                                       {"age_s", static_cast<double>(now - q->ts_ms) / 1000.0},
                                                       {"fresh", now - q->ts_ms <= paper.max_quote_age_ms}};
  }
  const JournalStats js = system_.journal().stats();
  return reply(200,
               json{{"version", TRADINGD_VERSION},
                    {"uptime_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()},
                    {"feed", {{"driver", driver}, {"exchanges", feeds}}},
                    {"halted", sniper.entries_halted()},
                    {"trading", sniper.trading_enabled()},
                    {"conditions", sniper.active_condition_count()},
                    {"positions", sniper.open_position_count()},
                    {"balance", sniper.balance()},
                    {"equity", sniper.balance() + open_pnl},
                    {"prices", prices},
                    {"fills",
                     {{"fill_on", quotes_on ? "quote" : "trade"},
                      {"slippage_bps", paper.slippage_bps},
                      {"max_quote_age_ms", paper.max_quote_age_ms},
                      {"by_basis",
                       {{"trade", sc.fills[static_cast<std::size_t>(FillBasis::Trade)]},
                        {"bid", sc.fills[static_cast<std::size_t>(FillBasis::Bid)]},
                        {"ask", sc.fills[static_cast<std::size_t>(FillBasis::Ask)]}}},
                      {"quote_fallbacks", sc.quote_fallbacks}}},
                    {"quotes", quotes_on ? quotes : json(nullptr)},
                    {"ticks", {{"total", sc.ticks}, {"invalid", sc.invalid_ticks}, {"paused", sc.paused_ticks}}},
                    {"journal",
                     {{"healthy", js.healthy},
                      {"queue_depth", js.queue_depth},
                      {"committed", js.committed},
                      {"write_errors", js.write_errors},
                      {"refused_writes", js.refused_writes},
                      {"last_event_seq", system_.journal().last_event_seq()}}},
                    {"clock", clock_status(system_)},
                    {"events", events_ ? json{{"subscribers", events_->subscribers()},
                                              {"last_seq", events_->last_seq()},
                                              {"cut_off", events_->cut_off_count()}}
                                       : json(nullptr)}});
}

namespace {

// A condition's terms as GET /conditions and POST /conditions answer them.
json condition_json(const TradeCondition& c) {
  return {
      {"id", c.id},
      {"coin", c.coin},
      {"direction", to_string(c.direction)},
      {"trigger_type", to_string(c.trigger_type)},
      {"trigger_price", c.trigger_price},
      {"position_size_usd", c.position_size_usd},
      {"stop_loss_pct", c.stop_loss_pct},
      {"take_profit_pct", c.take_profit_pct},
      {"valid_until", TimeFormat::to_iso8601(c.valid_until_ms)},
      {"strategy_id", c.strategy_id},
      {"trailing_stop_pct", c.trailing_stop_pct ? json(*c.trailing_stop_pct) : json(nullptr)},
      {"trailing_activation_pct", c.trailing_stop_pct ? json(c.trailing_activation_pct.value_or(0.0)) : json(nullptr)},
      {"max_hold_ms", c.max_hold_ms ? json(*c.max_hold_ms) : json(nullptr)},
      {"oco_group", c.oco_group.empty() ? json(nullptr) : json(c.oco_group)}};
}

// An armed condition's terms as the Sniper holds them (it keeps no reasoning text).
TradeCondition terms_of(const ArmedCondition& a, const Sniper& sniper) {
  TradeCondition c;
  c.id = std::string(a.id.view());
  c.coin = sniper.coins().name(a.coin);
  c.direction = a.direction;
  c.trigger_type = a.trigger_type;
  c.trigger_price = a.trigger_price;
  c.position_size_usd = a.position_size_usd;
  c.stop_loss_pct = a.stop_loss_pct;
  c.take_profit_pct = a.take_profit_pct;
  c.valid_until_ms = a.valid_until_ms;
  c.strategy_id = std::string(a.strategy_id.view());
  if (a.trailing_stop_pct > 0) {
    c.trailing_stop_pct = a.trailing_stop_pct;
    c.trailing_activation_pct = a.trailing_activation_pct;
  }
  if (a.max_hold_ms > 0) c.max_hold_ms = a.max_hold_ms;
  if (a.oco) c.oco_group = std::string(sniper.oco_group_name(a.oco));
  return c;
}

}  // namespace

ApiResponse ApiRouter::conditions(const ApiCall&) {
  const Sniper& sniper = system_.sniper();
  json out = json::array();
  for (const auto& c : sniper.active_conditions()) out.push_back(condition_json(terms_of(c, sniper)));
  return reply(200, out);
}

ApiResponse ApiRouter::arm(const ApiCall& call) {
  const std::string_view body = call.body;
  constexpr std::string_view origin = "request body";
  ParsedConditions parsed;
  try {
    parsed =
        ConditionParser(system_.coins(), system_.settings().risk).parse_text(body, origin, system_.clock().now_ms());
  } catch (const ConfigError& e) {
    // Nothing armed; the refusal is journaled like any other.
    system_.arm_conditions(ParsedConditions{{}, e.errors()}, origin);
    return ApiResponse::refusal(400, "not a condition or an array of conditions", e.errors());
  }
  if (parsed.accepted.empty() && parsed.refused.empty()) {
    const std::string why = "the body holds no condition: send a condition object or a non-empty array of them";
    system_.arm_conditions(ParsedConditions{{}, {std::string(origin) + ": " + why}}, origin);
    return ApiResponse::refusal(400, why, {why});
  }
  const ArmOutcome outcome = system_.arm_conditions(parsed, origin);
  // 201: something new was armed; 200: every condition was a retry of one
  // already armed with the same terms; 409: an id already used with other terms.
  const int code = !outcome.armed.empty()                                 ? 201
                   : !outcome.existing.empty() && outcome.refused.empty() ? 200
                   : outcome.duplicate                                    ? 409
                                                                          : 400;
  json existing = json::array();
  for (const auto& e : outcome.existing) {
    json c = condition_json(e.condition);
    c["reasoning"] = e.condition.reasoning;
    c["status"] = e.status.empty() ? json(nullptr) : json(e.status);
    existing.push_back(std::move(c));
  }
  return reply(code, json{{"armed", outcome.armed}, {"existing", existing}, {"refused", outcome.refused}});
}

ApiResponse ApiRouter::cancel(const ApiCall& call) {
  const std::string& id = call.params.at(0);
  if (!system_.cancel_condition(id, "cancelled via the API"))
    return ApiResponse::refusal(404, "no armed condition " + TextGuard::printable(id, TradeCondition::max_id_length));
  spdlog::info("API: condition {} cancelled", id);
  return reply(200, json{{"cancelled", id}});
}

ApiResponse ApiRouter::positions(const ApiCall&) {
  const Sniper& sniper = system_.sniper();
  json out = json::array();
  const auto now = system_.clock().now_ms();
  for (const auto& p : sniper.open_positions())
    out.push_back(position_json(p, system_.coins().name(p.coin), sniper.last_price(p.coin), now));
  return reply(200, out);
}

ApiResponse ApiRouter::close(const ApiCall& call) {
  const std::string& id = call.params.at(0);
  if (!system_.close_position(id))
    return ApiResponse::refusal(404, "no open position " + TextGuard::printable(id, TradeCondition::max_id_length + 2) +
                                         " with a price to close at");
  spdlog::info("API: position {} closed (MANUAL)", id);
  return reply(200, json{{"closed", id}});
}

ApiResponse ApiRouter::halt(const ApiCall&) {
  system_.set_halted(true);
  return reply(200, json{{"halted", true}});
}

ApiResponse ApiRouter::resume(const ApiCall&) {
  system_.set_halted(false);
  return reply(200, json{{"halted", false}});
}

ApiResponse ApiRouter::flatten(const ApiCall&) {
  const auto [closed, left] = system_.flatten();
  spdlog::warn("API: flatten: {} positions closed, {} without a price stay open", closed, left);
  return reply(200, json{{"closed", closed}, {"still_open", left}});
}

ApiResponse ApiRouter::trades(const std::filesystem::path& db_path, const QueryString& query, std::int64_t now_ms) {
  double hours = 24;
  if (const auto v = query.get("hours")) {
    const auto n = QueryString::number(*v);
    // Bounded: it becomes a count of milliseconds.
    if (!n || !(*n > 0 && *n <= max_trades_hours))
      return ApiResponse::refusal(400, "hours must be a number > 0 and at most 876000 (100 years)");
    hours = *n;
  }
  // Bounded: the answer (and the JSON built for it) never grows with the
  // journal. `tradingd journal export` has every row.
  std::int64_t limit = default_trades_limit;
  if (const auto v = query.get("limit")) {
    const auto n = QueryString::whole_number(*v);
    if (!n || *n < 1 || *n > max_trades_limit)
      return ApiResponse::refusal(400, "limit must be a whole number from 1 to " + std::to_string(max_trades_limit));
    limit = *n;
  }
  json out = json::array();
  for (const auto& t :
       JournalReader(db_path).trades_since(now_ms - static_cast<std::int64_t>(hours * 3'600'000), limit)) {
    json j{{"id", t.id},
           {"condition_id", t.condition_id},
           {"coin", t.coin},
           {"direction", t.direction},
           {"size_usd", t.size_usd},
           {"entry_price", t.entry_price},
           {"entry_ms", t.entry_ms},
           {"status", t.status},
           {"strategy_id", t.strategy_id},
           {"fees_usd", t.fees_usd}};
    j["entry_mark"] = t.entry_mark;
    j["entry_fill"] = t.entry_fill;
    j["exit_mark"] = optional_number(t.exit_mark);
    j["exit_fill"] = t.exit_fill.empty() ? json(nullptr) : json(t.exit_fill);
    j["stop_loss_price"] = optional_number(t.stop_loss_price);
    j["take_profit_price"] = optional_number(t.take_profit_price);
    j["best_price"] = optional_number(t.best_price);
    j["exit_price"] = t.exit_price ? json(*t.exit_price) : json(nullptr);
    j["exit_ms"] = t.exit_ms ? json(*t.exit_ms) : json(nullptr);
    j["exit_reason"] = t.exit_reason.empty() ? json(nullptr) : json(t.exit_reason);
    j["pnl_usd"] = t.pnl_usd ? json(*t.pnl_usd) : json(nullptr);
    out.push_back(std::move(j));
  }
  return reply(200, out);
}

namespace {

json clock_json(const ReplayClockView& c) {
  return json{{"mode", c.mode},
              {"now_ms", c.now_ms},
              {"first_ms", c.first_ms},
              {"last_ms", c.last_ms ? json(*c.last_ms) : json(nullptr)},
              {"done", c.done}};
}

json advanced_json(const ClockAdvanced& a) {
  return json{{"now_ms", a.now_ms}, {"last_event_seq", a.last_event_seq}, {"done", a.done}};
}

// The largest step one advance may take: a century of market time, so that
// now + by_ms cannot overflow and until_ms stays a date.
constexpr std::int64_t max_advance_ms = 100LL * 366 * 24 * 3600 * 1000;

// POST /clock/advance's body: exactly one of {"until_ms": T} or {"by_ms": D},
// whole numbers, nothing else (design.md §12). The time it asks for, or why not.
std::variant<std::int64_t, std::string> advance_target(std::string_view body, std::int64_t now_ms) {
  constexpr std::size_t max_depth = 4;
  const std::string usage = R"(send {"until_ms": T} (T >= now_ms) or {"by_ms": D} (D >= 0), whole milliseconds)";
  if (TextGuard::invalid_utf8_at(body)) return "the body is not UTF-8; " + usage;
  if (TextGuard::json_depth(body, max_depth) > 1) return "the body is not a flat JSON object; " + usage;
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::exception&) {
    return "the body is not JSON; " + usage;
  }
  if (!doc.is_object() || doc.size() != 1) return "the body must hold exactly one of until_ms or by_ms; " + usage;
  // Read through the iterator while `doc` is alive (a copy of key and value,
  // not a binding into a temporary).
  const auto it = doc.begin();
  const std::string key = it.key();
  const json& value = it.value();
  if (key != "until_ms" && key != "by_ms") return "unknown field \"" + TextGuard::printable(key, 40) + "\"; " + usage;
  if (!value.is_number_integer()) return key + " must be a whole number of milliseconds; " + usage;
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    return key + " is out of range";
  const auto n = value.get<std::int64_t>();
  if (key == "by_ms") {
    if (n < 0) return "by_ms must be 0 or more: replay time never goes back";
    if (n > max_advance_ms) return "by_ms must be at most a century (" + std::to_string(max_advance_ms) + ")";
    return now_ms + n;
  }
  if (n < now_ms)
    return "until_ms " + std::to_string(n) + " is before replay time " + std::to_string(now_ms) +
           ": replay time never goes back";
  if (n - now_ms > max_advance_ms) return "until_ms is more than a century ahead of replay time";
  return n;
}

}  // namespace

ApiResponse ApiRouter::clock(const ApiCall&) {
  if (const auto c = system_.replay_clock()) return reply(200, clock_json(*c));
  // A live run's clock is the wall clock: a client that runs both ways asks here which it has.
  return reply(200, json{{"mode", "live"},
                         {"now_ms", system_.clock().now_ms()},
                         {"first_ms", nullptr},
                         {"last_ms", nullptr},
                         {"done", false}});
}

void ApiRouter::advance(const ApiCall& call, ApiReply answer) {
  const auto c = system_.replay_clock();
  if (!c || c->mode != "lockstep")
    return answer(ApiResponse::refusal(
        400, "the clock moves by request only in a --replay with --clock lockstep; this run's clock is " +
                 (c ? c->mode : std::string("live"))));
  auto target = advance_target(call.body, c->now_ms);
  if (auto* why = std::get_if<std::string>(&target)) return answer(ApiResponse::refusal(400, *why));
  auto refused = system_.advance_clock(std::get<std::int64_t>(target),
                                       [answer](const ClockAdvanced& a) { answer(reply(200, advanced_json(a))); });
  if (refused) answer(ApiResponse::refusal(refused->status, refused->message));
}

void ApiRouter::finish(const ApiCall& call, ApiReply answer) {
  const auto c = system_.replay_clock();
  if (!c || c->mode != "lockstep")
    return answer(
        ApiResponse::refusal(400, "POST /clock/finish ends a --replay with --clock lockstep; this run's clock is " +
                                      (c ? c->mode : std::string("live"))));
  if (call.body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    bool empty_object = false;
    if (call.body.size() <= 64 && !TextGuard::invalid_utf8_at(call.body) && TextGuard::json_depth(call.body, 4) <= 1) {
      try {
        const json doc = json::parse(call.body);
        empty_object = doc.is_object() && doc.empty();
      } catch (const json::exception&) {
      }
    }
    if (!empty_object) return answer(ApiResponse::refusal(400, "POST /clock/finish takes no body (or {})"));
  }
  auto refused = system_.finish_clock([answer](const ClockAdvanced& a) { answer(reply(200, advanced_json(a))); });
  if (refused) answer(ApiResponse::refusal(refused->status, refused->message));
}

namespace {

// Prometheus text exposition: HELP and TYPE once per family, then samples.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, double value, std::string_view labels = {}) {
    out_ += fmt::format("{}{}{}{}{} {}\n", name, labels.empty() ? "" : "{", labels, labels.empty() ? "" : "}", "",
                        number(value));
  }
  std::string take() { return std::move(out_); }

 private:
  static std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    return fmt::format("{}", v);
  }
  std::string out_;
};

std::string label(std::string_view key, std::string_view value) {
  return fmt::format("{}=\"{}\"", key, value);
}

}  // namespace

namespace {

// The feeds' families: ticks, bad frames, connections, state, tick ages and the tick-to-decision histogram.
void feed_metrics(Exposition& m, const FeedSupervisor* feeds, const CoinTable& coins) {
  std::vector<const MarketFeed*> all;
  if (feeds) {
    all.push_back(&feeds->primary());
    if (feeds->fallback()) all.push_back(feeds->fallback());
  }
  auto per_feed = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    m.family(name, type, help);
    for (const MarketFeed* f : all) m.sample(name, value(*f), label("exchange", to_string(f->protocol())));
  };
  per_feed("tradingd_feed_ticks_total", "counter", "Trades delivered to the Sniper.",
           [](const MarketFeed& f) { return static_cast<double>(f.counters().ticks); });
  m.family("tradingd_feed_bad_frames_total", "counter", "Frames dropped, by reason.");
  for (const MarketFeed* f : all)
    for (std::size_t r = 0; r < bad_frame_reasons; ++r)
      m.sample(
          "tradingd_feed_bad_frames_total", static_cast<double>(f->counters().bad[r]),
          label("exchange", to_string(f->protocol())) + "," + label("reason", to_string(static_cast<BadFrame>(r))));
  per_feed("tradingd_feed_old_ticks_total", "counter", "Trades older than max_tick_age_ms, not traded on.",
           [](const MarketFeed& f) { return static_cast<double>(f.counters().old_ticks); });
  per_feed("tradingd_feed_connection_attempts_total", "counter", "Connection attempts, rotations included.",
           [](const MarketFeed& f) { return static_cast<double>(f.counters().connects); });
  per_feed("tradingd_feed_disconnects_total", "counter", "Connections lost or attempts failed.",
           [](const MarketFeed& f) { return static_cast<double>(f.counters().disconnects); });
  per_feed("tradingd_feed_rotations_total", "counter", "Make-before-break connection switches.",
           [](const MarketFeed& f) { return static_cast<double>(f.counters().rotations); });
  m.family("tradingd_feed_parser_info", "gauge",
           "simdjson's kernel for this CPU (it scans each frame) and the target the field reading is built for.");
  m.sample("tradingd_feed_parser_info", 1,
           label("kernel", FrameParser::kernel()) + "," + label("walk_target", FrameParser::walk_target()));
  m.family("tradingd_feed_state", "gauge", "1 for the feed's current state.");
  for (const MarketFeed* f : all)
    for (const auto st : {FeedLinkState::Stopped, FeedLinkState::Connecting, FeedLinkState::Live, FeedLinkState::Stale,
                          FeedLinkState::Disconnected})
      m.sample("tradingd_feed_state", f->state() == st ? 1 : 0,
               label("exchange", to_string(f->protocol())) + "," + label("state", to_string(st)));
  per_feed("tradingd_feed_driving", "gauge", "1 for the exchange whose trades drive the Sniper.",
           [&](const MarketFeed& f) { return feeds && f.protocol() == feeds->driver() ? 1.0 : 0.0; });
  m.family("tradingd_tick_age_seconds", "gauge", "Seconds since each coin last traded on the driving feed.");
  if (feeds) {
    const MarketFeed& driving = feeds->driver() == feeds->primary().protocol() ? feeds->primary() : *feeds->fallback();
    for (std::size_t c = 0; c < coins.size(); ++c)
      if (const double age = driving.coin_silence_seconds(static_cast<CoinId>(c)); age >= 0)
        m.sample("tradingd_tick_age_seconds", age, label("coin", coins.name(static_cast<CoinId>(c))));
  }
  m.family("tradingd_tick_to_decision_seconds", "histogram",
           "From a trade frame's arrival to the Sniper having acted on it, per frame.");
  for (const MarketFeed* f : all) {
    const auto& c = f->counters();
    const std::string ex = label("exchange", to_string(f->protocol()));
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < c.latency_bounds_s.size(); ++i) {
      cumulative += c.latency_in[i];
      m.sample("tradingd_tick_to_decision_seconds_bucket", static_cast<double>(cumulative),
               ex + "," + label("le", fmt::format("{}", c.latency_bounds_s[i])));
    }
    m.sample("tradingd_tick_to_decision_seconds_bucket", static_cast<double>(c.latency_count), ex + ",le=\"+Inf\"");
    m.sample("tradingd_tick_to_decision_seconds_sum", c.latency_sum_s, ex);
    m.sample("tradingd_tick_to_decision_seconds_count", static_cast<double>(c.latency_count), ex);
  }
}

// The Sniper's families: ticks by outcome, conditions, fills, positions, balance and equity.
void sniper_metrics(Exposition& m, const Sniper& sniper) {
  const auto& sc = sniper.counters();
  m.family("tradingd_sniper_ticks_total", "counter", "Ticks offered to the Sniper, by outcome.");
  m.sample("tradingd_sniper_ticks_total", static_cast<double>(sc.ticks - sc.invalid_ticks - sc.paused_ticks),
           label("outcome", "evaluated"));
  m.sample("tradingd_sniper_ticks_total", static_cast<double>(sc.invalid_ticks), label("outcome", "invalid"));
  m.sample("tradingd_sniper_ticks_total", static_cast<double>(sc.paused_ticks), label("outcome", "paused"));
  m.family("tradingd_conditions", "gauge", "Armed conditions.");
  m.sample("tradingd_conditions", static_cast<double>(sniper.active_condition_count()), label("status", "ACTIVE"));
  m.family("tradingd_conditions_finished_total", "counter", "Conditions that left ACTIVE since start, by status.");
  m.sample("tradingd_conditions_finished_total", static_cast<double>(sc.triggered), label("status", "TRIGGERED"));
  m.sample("tradingd_conditions_finished_total", static_cast<double>(sc.rejected), label("status", "REJECTED"));
  m.sample("tradingd_conditions_finished_total", static_cast<double>(sc.expired), label("status", "EXPIRED"));
  m.family("tradingd_conditions_oco_cancelled_total", "counter",
           "Conditions CANCELLED because another of their OCO group opened a position.");
  m.sample("tradingd_conditions_oco_cancelled_total", static_cast<double>(sc.cancelled_oco));
  m.family("tradingd_quotes_total", "counter", "Best bid/ask updates offered to the Sniper, by outcome.");
  m.sample("tradingd_quotes_total", static_cast<double>(sc.quotes), label("outcome", "accepted"));
  m.sample("tradingd_quotes_total", static_cast<double>(sc.invalid_quotes), label("outcome", "invalid"));
  m.family("tradingd_fills_total", "counter", "Entry and exit fills, by what they were priced from.");
  for (const auto b : {FillBasis::Trade, FillBasis::Bid, FillBasis::Ask})
    m.sample("tradingd_fills_total", static_cast<double>(sc.fills[static_cast<std::size_t>(b)]),
             label("basis", to_string(b)));
  m.family("tradingd_fill_quote_fallbacks_total", "counter",
           "Fills at the trade price because the coin had no fresh quote (fill_on = quote).");
  m.sample("tradingd_fill_quote_fallbacks_total", static_cast<double>(sc.quote_fallbacks));
  m.family("tradingd_positions_closed_total", "counter", "Positions closed since start.");
  m.sample("tradingd_positions_closed_total", static_cast<double>(sc.closed));
  const double open_pnl = unrealized_total(sniper);
  m.family("tradingd_positions_open", "gauge", "Open positions.");
  m.sample("tradingd_positions_open", static_cast<double>(sniper.open_position_count()));
  m.family("tradingd_balance_usd", "gauge", "Realised paper balance.");
  m.sample("tradingd_balance_usd", sniper.balance());
  m.family("tradingd_unrealized_pnl_usd", "gauge", "P&L of open positions at the last prices, before exit fees.");
  m.sample("tradingd_unrealized_pnl_usd", open_pnl);
  m.family("tradingd_equity_usd", "gauge", "Balance plus unrealised P&L.");
  m.sample("tradingd_equity_usd", sniper.balance() + open_pnl);
  m.family("tradingd_halted", "gauge", "1 while the operator has halted new entries.");
  m.sample("tradingd_halted", sniper.entries_halted() ? 1 : 0);
}

void journal_metrics(Exposition& m, const JournalStats& js) {
  m.family("tradingd_journal_queue_depth", "gauge", "Records waiting for the journal writer.");
  m.sample("tradingd_journal_queue_depth", static_cast<double>(js.queue_depth));
  m.family("tradingd_journal_committed_total", "counter", "Records committed to the journal.");
  m.sample("tradingd_journal_committed_total", static_cast<double>(js.committed));
  m.family("tradingd_journal_write_errors_total", "counter", "Failed journal batch attempts (each retried).");
  m.sample("tradingd_journal_write_errors_total", static_cast<double>(js.write_errors));
  m.family("tradingd_journal_refused_writes_total", "counter",
           "Records refused whole (a non-finite value, a constraint); each is an error in the log.");
  m.sample("tradingd_journal_refused_writes_total", static_cast<double>(js.refused_writes));
  m.family("tradingd_journal_last_commit_seconds", "gauge", "Duration of the last journal transaction.");
  m.sample("tradingd_journal_last_commit_seconds", js.last_commit_seconds);
  m.family("tradingd_journal_healthy", "gauge", "1 while journal writes succeed.");
  m.sample("tradingd_journal_healthy", js.healthy ? 1 : 0);
}

void event_stream_metrics(Exposition& m, const EventStream& events) {
  m.family("tradingd_events_subscribers", "gauge", "GET /events subscribers connected.");
  m.sample("tradingd_events_subscribers", static_cast<double>(events.subscribers()));
  m.family("tradingd_events_published_total", "counter", "Committed journal events handed to GET /events.");
  m.sample("tradingd_events_published_total", static_cast<double>(events.published_count()));
  m.family("tradingd_events_cut_off_total", "counter", "GET /events subscribers cut off for falling behind.");
  m.sample("tradingd_events_cut_off_total", static_cast<double>(events.cut_off_count()));
  m.family("tradingd_events_connections_total", "counter", "GET /events connections accepted.");
  m.sample("tradingd_events_connections_total", static_cast<double>(events.connections_count()));
  m.family("tradingd_events_log_lines_suppressed_total", "counter",
           "Subscriber connected/left log lines held back (more than 10 a second).");
  m.sample("tradingd_events_log_lines_suppressed_total", static_cast<double>(events.suppressed_lines_count()));
}

void recorder_metrics(Exposition& m, const SessionRecorder& recorder) {
  const RecorderStats rs = recorder.stats();
  m.family("tradingd_record_active", "gauge", "1 while the session is recorded; 0 once an error stopped it.");
  m.sample("tradingd_record_active", rs.failed ? 0.0 : 1.0);
  m.family("tradingd_record_inputs_total", "counter", "Inputs written to the session recording.");
  m.sample("tradingd_record_inputs_total", static_cast<double>(rs.recorded));
  m.family("tradingd_record_lost_inputs_total", "counter",
           "Inputs applied but not recorded: the queue to the recorder was full.");
  m.sample("tradingd_record_lost_inputs_total", static_cast<double>(rs.lost));
  m.family("tradingd_record_gaps_total", "counter", "Gaps marked in the recording (runs of lost inputs).");
  m.sample("tradingd_record_gaps_total", static_cast<double>(rs.gaps));
  m.family("tradingd_record_bytes_total", "counter", "Compressed bytes written to the recording's chunks.");
  m.sample("tradingd_record_bytes_total", static_cast<double>(rs.bytes));
}

}  // namespace

// Prometheus text exposition (format 0.0.4), one family after another by the part it reports on.
ApiResponse ApiRouter::metrics(const ApiCall&) {
  Exposition m;
  feed_metrics(m, system_.feeds(), system_.coins());
  sniper_metrics(m, system_.sniper());
  journal_metrics(m, system_.journal().stats());
  if (events_) event_stream_metrics(m, *events_);
  if (const SessionRecorder* rec = system_.recorder()) recorder_metrics(m, *rec);
  m.family("tradingd_api_requests_total", "counter",
           "HTTP requests the control API answered, by status class (this scrape not counted yet).");
  for (std::size_t i = 0; i < answers_.size(); ++i)
    m.sample("tradingd_api_requests_total", static_cast<double>(answers_[i]),
             label("code", std::to_string(i + 1) + "xx"));
  m.family("tradingd_healthy", "gauge", "1 while GET /health answers 200 (0: it answers 503 and says why).");
  m.sample("tradingd_healthy", health_reasons(system_).empty() ? 1 : 0);
  m.family("tradingd_uptime_seconds", "gauge", "Seconds since the control API started.");
  m.sample("tradingd_uptime_seconds",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  return ApiResponse{200, m.take(), "text/plain; version=0.0.4; charset=utf-8", {}};
}

}  // namespace tradingd
