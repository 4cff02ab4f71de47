// EventKind: one spelling each, read back by parse_event_kind, and the
// finishing event of each way a condition leaves ACTIVE without a position.

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "tradingd/sniper/event_kind.hpp"

using namespace tradingd;

TEST_CASE("EventKind: every kind has one spelling and reads back from it", "[unit][journal][events]") {
  std::set<std::string> spellings;
  for (const EventKind k : all_event_kinds) {
    const std::string_view text = to_string(k);
    CHECK(text != "UNKNOWN");
    CHECK(spellings.insert(std::string(text)).second);
    REQUIRE(parse_event_kind(text));
    CHECK(*parse_event_kind(text) == k);
  }
  CHECK(spellings.size() == 14);
  CHECK(spellings.count("CONDITION_REFUSED") == 1);
  CHECK_FALSE(parse_event_kind("condition_armed"));  // spelled one way only
  CHECK_FALSE(parse_event_kind(""));
  CHECK_FALSE(parse_event_kind("TEST"));
}

TEST_CASE("EventKind: a condition leaving ACTIVE without a position gives its status's event",
          "[unit][journal][events]") {
  CHECK(condition_finished_event(ConditionStatus::Expired) == EventKind::ConditionExpired);
  CHECK(condition_finished_event(ConditionStatus::Rejected) == EventKind::ConditionRejected);
  CHECK(condition_finished_event(ConditionStatus::Cancelled) == EventKind::ConditionCancelled);
  CHECK(to_string(condition_finished_event(ConditionStatus::Expired)) == "CONDITION_EXPIRED");
}
