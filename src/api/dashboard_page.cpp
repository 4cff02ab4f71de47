#include "tradingd/api/dashboard_page.hpp"

namespace tradingd {
namespace {

constexpr std::string_view page = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tradingd</title>
<style>
  :root { --bg:#0f1419; --panel:#171e26; --line:#263240; --text:#d8e0e8; --dim:#7d8b99; --up:#3fb950; --down:#f85149; --warn:#d29922; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; gap:16px; align-items:center; padding:12px 20px; border-bottom:1px solid var(--line); }
  header h1 { font-size:18px; margin:0; }
  .badge { padding:2px 10px; border-radius:10px; font-weight:600; font-size:12px; }
  .ok { background:#1f3d2a; color:var(--up); } .bad { background:#3d1f22; color:var(--down); } .warn { background:#3d321f; color:var(--warn); }
  main { display:grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap:16px; padding:16px 20px; }
  section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
  section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); margin:0 0 8px; }
  table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
  th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { color:var(--dim); font-weight:500; } td.n, th.n { text-align:right; }
  .up { color:var(--up); } .down { color:var(--down); } .dim { color:var(--dim); }
  .kpis { display:flex; gap:24px; flex-wrap:wrap; } .kpi b { display:block; font-size:20px; }
  svg { width:100%; height:180px; display:block; }
  section.wide { grid-column: span 2; } @media (max-width: 900px) { section.wide { grid-column: auto; } }
  #error { color:var(--down); }
</style>
</head>
<body>
<header>
  <h1>tradingd</h1>
  <span id="health" class="badge warn">…</span>
  <span id="feed" class="dim"></span>
  <span id="error"></span>
  <span class="dim" style="margin-left:auto" id="version"></span>
</header>
<main>
  <section>
    <h2>Account</h2>
    <div class="kpis">
      <div class="kpi"><span class="dim">Balance</span><b id="balance">–</b></div>
      <div class="kpi"><span class="dim">Equity</span><b id="equity">–</b></div>
      <div class="kpi"><span class="dim">Positions</span><b id="npos">–</b></div>
      <div class="kpi"><span class="dim">Armed</span><b id="ncond">–</b></div>
    </div>
    <h2 style="margin-top:12px">Equity</h2>
    <svg id="curve" viewBox="0 0 600 180" preserveAspectRatio="none"></svg>
  </section>
  <section>
    <h2>Feeds</h2>
    <table><thead><tr><th>exchange</th><th>state</th><th class="n">ticks</th><th class="n">bad frames</th><th class="n">connects</th></tr></thead><tbody id="feeds"></tbody></table>
    <h2 style="margin-top:12px">Prices</h2>
    <table><thead><tr><th>coin</th><th class="n">last</th><th class="n">bid</th><th class="n">ask</th></tr></thead><tbody id="prices"></tbody></table>
  </section>
  <section class="wide">
    <h2>Open positions</h2>
    <table><thead><tr><th>id</th><th>coin</th><th>dir</th><th class="n">entry</th><th class="n">last</th><th class="n">stop</th><th>trail</th><th class="n">TP</th><th class="n">time left</th><th class="n">P&amp;L</th></tr></thead><tbody id="positions"></tbody></table>
  </section>
  <section>
    <h2>Armed conditions</h2>
    <table><thead><tr><th>id</th><th>coin</th><th>trigger</th><th>dir</th><th class="n">size</th><th class="n">distance</th></tr></thead><tbody id="conditions"></tbody></table>
  </section>
  <section class="wide">
    <h2>Recent trades (24 h)</h2>
    <table><thead><tr><th>id</th><th>coin</th><th>dir</th><th class="n">entry</th><th class="n">exit</th><th>reason</th><th class="n">P&amp;L</th></tr></thead><tbody id="trades"></tbody></table>
    <p class="dim" style="margin:6px 0 0">Fills: <i>a</i> at the ask, <i>b</i> at the bid, <i>t</i> at the trade price.</p>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const fmt = (v, d = 2) => v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US", {minimumFractionDigits: d, maximumFractionDigits: d});
const px = (v) => v === null || v === undefined ? "–" : String(+Number(v).toPrecision(10));
const cls = (v) => v > 0 ? "up" : v < 0 ? "down" : "";
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c]));
const rows = (el, items, cells) => { $(el).innerHTML = items.length ? items.map((x) => "<tr>" + cells(x).join("") + "</tr>").join("") : '<tr><td class="dim" colspan="9">none</td></tr>'; };
const td = (v, c = "") => `<td class="${c}">${v}</td>`;
const equity = [];   // [time ms, equity] samples seen by this page
const basis = (b) => b === "ask" ? " <i class=\"dim\">a</i>" : b === "bid" ? " <i class=\"dim\">b</i>" : b ? " <i class=\"dim\">t</i>" : "";
const left = (s) => s === null || s === undefined ? "–" : s >= 3600 ? (s / 3600).toFixed(1) + " h" : s >= 60 ? Math.floor(s / 60) + " m " + Math.round(s % 60) + " s" : s.toFixed(1) + " s";

async function get(path) {
  const r = await fetch(path, {cache: "no-store"});
  if (!r.ok && r.status !== 503) throw new Error(path + ": " + r.status);
  return r.json();
}

function drawCurve(trades, balanceNow) {
  // Realised history from the closed trades (walked forward from the balance
  // before them), then the equity samples this page has seen.
  const pts = [];
  const closed = trades.filter((t) => t.status === "CLOSED").sort((a, b) => a.exit_ms - b.exit_ms);
  let bal = balanceNow - closed.reduce((s, t) => s + t.pnl_usd, 0);
  if (closed.length) pts.push([closed[0].entry_ms, bal]);
  for (const t of closed) { bal += t.pnl_usd; pts.push([t.exit_ms, bal]); }
  for (const p of equity) pts.push(p);
  const svg = $("curve");
  if (pts.length < 2) { svg.innerHTML = '<text x="10" y="90" fill="#7d8b99">collecting…</text>'; return; }
  const t0 = pts[0][0], t1 = pts[pts.length - 1][0] || t0 + 1;
  let lo = Math.min(...pts.map((p) => p[1])), hi = Math.max(...pts.map((p) => p[1]));
  if (hi - lo < 0.01) { hi += 0.5; lo -= 0.5; }
  const x = (t) => 5 + 590 * (t - t0) / Math.max(1, t1 - t0), y = (v) => 170 - 160 * (v - lo) / (hi - lo);
  const d = pts.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(" ");
  const last = pts[pts.length - 1][1];
  svg.innerHTML = `<path d="${d}" fill="none" stroke="${last >= pts[0][1] ? "#3fb950" : "#f85149"}" stroke-width="2"/>` +
    `<text x="8" y="14" fill="#7d8b99" font-size="11">${fmt(hi)}</text><text x="8" y="176" fill="#7d8b99" font-size="11">${fmt(lo)}</text>`;
}

async function refresh() {
  try {
    const [status, health, conditions, positions, trades] = await Promise.all([
      get("/status"), get("/health"), get("/conditions"), get("/positions"), get("/trades?hours=24")]);
    $("error").textContent = "";
    $("version").textContent = "v" + status.version + " · up " + Math.round(status.uptime_s) + " s";
    $("health").textContent = health.healthy ? "HEALTHY" : "UNHEALTHY";
    $("health").className = "badge " + (health.healthy ? "ok" : "bad");
    $("health").title = health.reasons.join("; ");
    $("feed").textContent = status.feed.driver ? "driving: " + status.feed.driver + (status.halted ? " · HALTED" : "") : "";
    $("balance").textContent = fmt(status.balance);
    $("equity").textContent = fmt(status.equity);
    $("equity").className = cls(status.equity - status.balance);
    $("npos").textContent = status.positions;
    $("ncond").textContent = status.conditions;
    rows("feeds", status.feed.exchanges, (f) => [td(esc(f.exchange) + (f.driving ? " ★" : "")),
      td(esc(f.state), f.state === "live" ? "up" : "down"), td(f.ticks, "n"), td(f.bad_frames, "n"), td(f.connection_attempts, "n")]);
    const prices = status.prices;
    const quotes = status.quotes || {};
    rows("prices", Object.keys(prices).sort(), (c) => {
      const q = quotes[c], stale = q && !q.fresh ? " dim" : "";
      return [td(esc(c)), td(px(prices[c]), "n"), td(q ? px(q.bid) : "–", "n" + stale), td(q ? px(q.ask) : "–", "n" + stale)];
    });
    // The stop as it stands: the fixed stop-loss or the trail, whichever is tighter.
    rows("positions", positions, (p) => [td(esc(p.id)), td(esc(p.coin)), td(p.direction),
      td(px(p.entry_price) + basis(p.entry_fill), "n"), td(px(p.last_price), "n"),
      td(p.stop_price === null ? "–" : px(p.stop_price) + (p.stop_kind === "TRAILING_STOP" ? " ↟" : ""), "n"),
      td(p.trailing_stop_pct === null ? "–" : (p.trail_active ? "on" : "waits") + " · best " + px(p.best_price)),
      td(px(p.take_profit_price), "n"), td(left(p.time_left_s), "n"),
      td(fmt(p.unrealized_pnl_usd, 4), "n " + cls(p.unrealized_pnl_usd))]);
    rows("conditions", conditions, (c) => {
      const last = prices[c.coin];
      const dist = last ? (c.trigger_price - last) / last * 100 : null;
      return [td(esc(c.id)), td(esc(c.coin)), td(c.trigger_type + " " + px(c.trigger_price)), td(c.direction),
        td(fmt(c.position_size_usd), "n"), td(dist === null ? "–" : (dist > 0 ? "+" : "") + dist.toFixed(2) + "%", "n")];
    });
    const recent = trades.slice().reverse().slice(0, 20);
    rows("trades", recent, (t) => [td(esc(t.id)), td(esc(t.coin)), td(t.direction), td(px(t.entry_price) + basis(t.entry_fill), "n"),
      td(px(t.exit_price) + basis(t.exit_fill), "n"), td(esc(t.exit_reason || "OPEN")), td(t.pnl_usd === null ? "–" : fmt(t.pnl_usd, 4), "n " + cls(t.pnl_usd))]);
    equity.push([Date.now(), status.equity]);
    if (equity.length > 3600) equity.shift();
    drawCurve(trades, status.balance);
  } catch (e) {
    $("error").textContent = "cannot reach tradingd: " + e.message;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view DashboardPage::html() {
  return page;
}

}  // namespace tradingd
