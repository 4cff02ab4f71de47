#pragma once
// DashboardPage: the operator's page served at GET / (HTML, CSS and JS in
// one string compiled into the binary; it loads nothing from elsewhere). It
// polls /status, /conditions, /positions and /trades once a second and shows
// the feeds, live prices, armed conditions with their distance to trigger,
// open positions with live P&L and their SL/TP, recent trades and an equity
// curve drawn as SVG.

#include <string_view>

namespace tradingd {

class DashboardPage {
 public:
  [[nodiscard]] static std::string_view html();
};

}  // namespace tradingd
