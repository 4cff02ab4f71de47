#pragma once
// ApiRouter: the control API's endpoints as a function from a request to a
// response, on the io thread (so it reads and changes trading state without
// locks). ControlApi feeds it from HTTP; tests call it directly.
//
// Every endpoint is one row of routes() (api_router.cpp): method, path,
// where its answer is made, the query keys it takes and its handler. The
// same table answers 404 (no row has the path) and 405 (rows have the path,
// none the method; the answer's Allow lists theirs). docs/api.md and
// docs/openapi.yaml describe each endpoint.
//
// Mutations (POST, DELETE) need `Authorization: Bearer <token>`, asked for
// before the path is looked at (route()); with no token configured the API is
// read-only. The token is compared in constant time and never logged. The API
// sees the daemon through ControlTarget: read-only views and the operations
// the daemon records.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tradingd/api/api_response.hpp"
#include "tradingd/api/query_string.hpp"

namespace tradingd {

class ControlTarget;
class EventStream;
class ApiRouter;

// Where a route's answer is made. The router makes the io thread's; ControlApi
// serves the others itself (the router's handle() answers them too, for tests).
enum class RunsOn : std::uint8_t {
  IoThread,      // from trading state, at once
  HelperThread,  // from the journal on disk, off the io thread (GET /trades)
  WebSocket,     // a WebSocket upgrade handed to EventStream (GET /events)
  Later,         // on the io thread, once the daemon has done what it asks (POST /clock/advance)
};

// How a Later route answers: called once, on the io thread.
using ApiReply = std::function<void(ApiResponse)>;

// A request matched to its route: the path's {id}s and the query, read once.
struct ApiCall {
  std::vector<std::string> params;  // the {..} segments, percent-decoded, in order
  QueryString query;
  std::string_view body;
};

struct ApiRoute {
  std::string_view method;  // "GET", "POST", "DELETE"
  std::string_view path;    // "/positions/{id}/close": a {..} segment is any one segment
  RunsOn runs;
  std::string_view query_keys;                         // the keys it reads, comma-separated; "": none
  ApiResponse (ApiRouter::*handler)(const ApiCall&);   // how it is answered on the io thread (not Later)
  void (ApiRouter::*later)(const ApiCall&, ApiReply);  // how a Later route is answered; else nullptr
};

struct RouteMatch {
  const ApiRoute* route = nullptr;
  ApiCall call;
};

class ApiRouter {
 public:
  ApiRouter(ControlTarget& system, std::string token);

  // The table of every endpoint.
  static std::span<const ApiRoute> routes();
  // The route `method target` names, or the refusal: 404 (no such path; a
  // trailing '/' names none), 405 (with Allow), 400 (a bad query). Pure: any thread.
  static std::variant<RouteMatch, ApiResponse> match(std::string_view method, std::string_view target);

  // What ControlApi asks first: a POST or DELETE without the token is refused
  // (403 read-only, 401) before its path is looked at, then match(). io thread.
  [[nodiscard]] std::variant<RouteMatch, ApiResponse> route(std::string_view method, std::string_view target,
                                                            std::string_view authorization) const;
  // The route's handler (route() checked the token). io thread. A Later
  // route's answer goes to `reply` when it is ready (at once for a refusal).
  ApiResponse handle(const RouteMatch& matched);
  void handle_later(const RouteMatch& matched, ApiReply reply);
  // route() then handle(): how tests and the fuzzer ask. A HelperThread route
  // reads the journal here; a WebSocket route answers 426 (no upgrade here); a
  // Later route answers what it answered by the time it returns (a refusal),
  // or 202 "answered later".
  ApiResponse handle(std::string_view method, std::string_view target, std::string_view authorization,
                     std::string_view body);
  [[nodiscard]] bool read_only() const { return token_.empty(); }
  // GET /status and /metrics report on it (ControlApi's, when there is one).
  void attach_events(const EventStream* events) { events_ = events; }
  // ControlApi counts every answer it writes, by status class (1xx..5xx), for
  // /metrics' tradingd_api_requests_total. io thread.
  void count_answer(int status) {
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5) ++answers_[static_cast<std::size_t>(cls - 1)];
  }

  // GET /trades answers at most `limit` trades (the newest): 1000 unless asked, 10000 at most.
  static constexpr std::int64_t default_trades_limit = 1000;
  static constexpr std::int64_t max_trades_limit = 10000;
  static constexpr double max_trades_hours = 876000;  // GET /trades?hours=: 100 years
  // GET /trades?hours=N&limit=M, from the journal on disk: any thread but the io thread.
  static ApiResponse trades(const std::filesystem::path& db_path, const QueryString& query, std::int64_t now_ms);
  // GET /events without an Upgrade: websocket.
  static ApiResponse not_upgraded();

 private:
  [[nodiscard]] bool authorized(std::string_view authorization) const;
  [[nodiscard]] std::optional<ApiResponse> refuse_unauthorized(std::string_view method,
                                                               std::string_view authorization) const;
  ApiResponse dashboard(const ApiCall&);
  ApiResponse openapi(const ApiCall&);
  ApiResponse health(const ApiCall&);
  ApiResponse status(const ApiCall&);
  ApiResponse conditions(const ApiCall&);
  ApiResponse arm(const ApiCall& call);
  ApiResponse cancel(const ApiCall& call);
  ApiResponse positions(const ApiCall&);
  ApiResponse close(const ApiCall& call);
  ApiResponse halt(const ApiCall&);
  ApiResponse resume(const ApiCall&);
  ApiResponse flatten(const ApiCall&);
  ApiResponse trades_here(const ApiCall& call);
  ApiResponse events_here(const ApiCall&);
  ApiResponse metrics(const ApiCall&);
  ApiResponse clock(const ApiCall&);
  void advance(const ApiCall& call, ApiReply reply);
  void finish(const ApiCall& call, ApiReply reply);

  ControlTarget& system_;
  const EventStream* events_ = nullptr;
  const std::string token_;
  const std::chrono::steady_clock::time_point started_;
  std::array<std::uint64_t, 5> answers_{};  // answers written, by status class 1xx..5xx
};

}  // namespace tradingd
