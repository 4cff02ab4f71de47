#pragma once
// check_against: every decision of the reference model as the journal must hold
// it, to 1e-9 (integration tests that replay a scenario through tradingd and
// the model: replay_test.cpp, replay_clock_test.cpp).

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "daemon_harness.hpp"
#include "reference_model.hpp"

namespace tradingd::test {

// Every decision of the model as the journal must hold it, to 1e-9; returns
// how many of each kind ("CLOSED TRAILING_STOP", "CANCELLED oco"...).
inline std::map<std::string, std::size_t> check_against(const DaemonHarness& h, const ReferenceModel& model) {
  std::map<std::string, std::size_t> seen;
  for (const auto& e : model.events) {
    INFO(e.kind << " " << e.id << " " << e.reason);
    const std::string trade = " FROM trades WHERE id = '" + e.id + "'";
    if (e.kind == "OPENED") {
      CHECK_THAT(h.query_double("SELECT entry_price" + trade), Catch::Matchers::WithinAbs(e.price, 1e-9));
      CHECK_THAT(h.query_double("SELECT entry_mark" + trade), Catch::Matchers::WithinAbs(e.mark, 1e-9));
      CHECK(h.query("SELECT entry_fill" + trade) == e.fill);
    } else if (e.kind == "CLOSED") {
      CHECK(h.query("SELECT exit_reason" + trade) == e.reason);
      CHECK_THAT(h.query_double("SELECT exit_price" + trade), Catch::Matchers::WithinAbs(e.price, 1e-9));
      CHECK_THAT(h.query_double("SELECT exit_mark" + trade), Catch::Matchers::WithinAbs(e.mark, 1e-9));
      CHECK(h.query("SELECT exit_fill" + trade) == e.fill);
      CHECK_THAT(h.query_double("SELECT pnl_usd" + trade), Catch::Matchers::WithinAbs(e.pnl, 1e-9));
      CHECK(h.query("SELECT exit_ms" + trade) == std::to_string(e.ts));
    } else {
      CHECK(h.query("SELECT status || ':' || status_reason FROM conditions WHERE id = '" + e.id + "'") ==
            e.kind + ":" + e.reason);
    }
    ++seen[e.kind == "OPENED" ? e.kind : e.kind + " " + e.reason.substr(0, e.reason.find(':'))];
  }
  CHECK(h.query("SELECT count(*) FROM trades WHERE status = 'OPEN'") == std::to_string(model.open_ids().size()));
  // Open trades kept their best price at shutdown (design.md §4.2).
  for (const auto& [id, best] : model.open_best())
    CHECK_THAT(h.query_double("SELECT best_price FROM trades WHERE id = '" + id + "'"),
               Catch::Matchers::WithinAbs(best, 1e-9));
  CHECK_THAT(h.query_double("SELECT balance FROM balance ORDER BY seq DESC LIMIT 1"),
             Catch::Matchers::WithinAbs(model.balance(), 1e-9));
  return seen;
}

}  // namespace tradingd::test
