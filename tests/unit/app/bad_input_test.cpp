// Regression tests for the classes of bad input that once crashed tradingd,
// spoiled good input, were accepted when they must be refused, had side effects
// on refusal, hung, forged output or were lost. Each class
// is fixed at its root: TextGuard for UTF-8, control characters and nesting;
// InputFile for what a path may be; the journal refusing before writing.

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <zlib.h>
#include <catch2/catch.hpp>
#include <functional>
#include <sstream>

#include "archive_writer.hpp"
#include "config_error_text.hpp"
#include "test_process.hpp"
#include "tradingd/app/journal_cli.hpp"
#include "tradingd/config/condition_parser.hpp"
#include "tradingd/config/config_error.hpp"
#include "tradingd/config/config_loader.hpp"
#include "tradingd/config/input_file.hpp"
#include "tradingd/config/settings.hpp"
#include "tradingd/domain/coin_table.hpp"
#include "tradingd/domain/text_guard.hpp"
#include "tradingd/feed/archive_source.hpp"
#include "tradingd/journal/journal_schema.hpp"
#include "tradingd/journal/trade_journal.hpp"

using namespace tradingd;
using tradingd::test::config_error;
using tradingd::test::TempDir;

namespace {

constexpr std::int64_t now = 1'764'158'400'000;  // 2025-11-26T12:00:00Z

Settings load_toml(const std::string& text) {
  return ConfigLoader::load_string(text, "t.toml", "/tmp");
}

// What no output of tradingd may contain: a line break or an escape that a
// log reader or a terminal would act on, or bytes that are not UTF-8.
bool safe_one_line(const std::string& s) {
  if (TextGuard::invalid_utf8_at(s)) return false;
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  return true;
}

struct Conditions {
  CoinTable coins{{"BTC", "ETH"}};
  RiskSettings risk;
  ConditionParser parser{coins, risk};
  ParsedConditions parse(const std::string& text) const { return parser.parse_text(text, "c.json", now); }
};

std::string condition(const std::string& field, const std::string& value) {
  std::string fields[][2] = {{"id", "\"c1\""},
                             {"coin", "\"BTC\""},
                             {"direction", "\"LONG\""},
                             {"trigger_type", "\"ABOVE\""},
                             {"trigger_price", "100"},
                             {"position_size_usd", "10"},
                             {"valid_until", "\"2026-11-26T12:05:00Z\""}};
  std::string out = "{";
  for (auto& f : fields) out += "\"" + f[0] + "\":" + (f[0] == field ? value : f[1]) + ",";
  if (field == "strategy_id" || field == "reasoning") out += "\"" + field + "\":" + value + ",";
  out.back() = '}';
  return out;
}

}  // namespace

TEST_CASE("TextGuard: UTF-8 is checked byte-exactly, and printable text is one safe line", "[unit][input]") {
  CHECK_FALSE(TextGuard::invalid_utf8_at("plain, é, €, 𝄞"));
  CHECK(TextGuard::invalid_utf8_at("ok\xff") == 2u);
  CHECK(TextGuard::invalid_utf8_at("\xC0\xAF") == 0u);          // overlong '/'
  CHECK(TextGuard::invalid_utf8_at("a\xED\xA0\x80") == 1u);     // a UTF-16 surrogate
  CHECK(TextGuard::invalid_utf8_at("\xF4\x90\x80\x80") == 0u);  // above U+10FFFF
  CHECK(TextGuard::invalid_utf8_at("\xE2\x82") == 0u);          // cut short

  CHECK(TextGuard::printable("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(TextGuard::printable("\x1b[31mred") == "\\u{1B}[31mred");
  CHECK(TextGuard::printable("x\xC2\x9By") == "x\\u{9B}y");        // C1 CSI
  CHECK(TextGuard::printable("x\xE2\x80\xA8y") == "x\\u{2028}y");  // line separator
  CHECK(TextGuard::printable("\xff\xfe") == "\\xFF\\xFE");
  // A cut never splits a character: "é" is two bytes, the fifth and sixth.
  CHECK(TextGuard::printable("abcdé", 5) == "abcd...(6 bytes)");
  CHECK(TextGuard::printable(std::string(50'000'000, 'x')).size() < 120);
  CHECK(TextGuard::printable("line\nbreak", 100, TextGuard::LineBreaks::Keep) == "line\nbreak");

  CHECK(TextGuard::json_depth(R"([{"a":"[[[["}])", 100) == 2u);
  CHECK(TextGuard::json_depth(std::string(1'000'000, '['), 16) == 17u);  // stops counting
}

TEST_CASE("config: nesting deep enough to overflow toml++ is refused before it parses", "[unit][input][config]") {
  std::string dotted = "a";
  for (int i = 0; i < 200'000; ++i) dotted += ".a";
  CHECK_THAT(config_error([&] { (void)load_toml("# deep\n" + dotted + " = 1\n"); }),
             Catch::Contains("t.toml:2: keys, tables or values nest deeper than 16 levels"));
  CHECK_THAT(config_error([&] { (void)load_toml("[" + dotted + "]\n"); }),
             Catch::Contains("t.toml:1: keys, tables or values nest deeper than 16 levels"));
  CHECK_THAT(config_error([&] { (void)load_toml("x = " + std::string(100'000, '[') + "\n"); }),
             Catch::Contains("nest deeper than 16 levels"));
  std::string inline_tables = "x = ";
  for (int i = 0; i < 100'000; ++i) inline_tables += "{a = ";
  CHECK_THAT(config_error([&] { (void)load_toml(inline_tables + "\n"); }),
             Catch::Contains("nest deeper than 16 levels"));
  // Dots and brackets inside strings and comments are not nesting.
  CHECK_NOTHROW(load_toml("# " + dotted + "\n[log]\ndir = \"" + dotted + "[[[[[[[[[[[[[[[[[[\"\n"));
  CHECK_NOTHROW(load_toml("[exchange.bybit]\nurl = 'ws://127.0.0.1:1/a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s'\n"));
}

TEST_CASE("config: bad text is refused naming the line, errors come in line order, nothing is echoed whole",
          "[unit][input][config]") {
  CHECK_THAT(config_error([] { (void)load_toml("[log]\nlevel = \"info\xff\"\n"); }),
             Catch::Contains("t.toml:2: not UTF-8 (byte"));
  const std::string errors = config_error(
      [] { (void)load_toml("[risk]\nmax_positions = 0\n[feed]\nping_interval_ms = 1\n[api]\nport = -1\n"); });
  const auto risk = errors.find("t.toml:2:"), feed = errors.find("t.toml:4:"), api = errors.find("t.toml:6:");
  REQUIRE(risk != std::string::npos);
  REQUIRE(feed != std::string::npos);
  REQUIRE(api != std::string::npos);
  CHECK(risk < feed);
  CHECK(feed < api);
  const std::string huge =
      config_error([] { (void)load_toml("[log]\nlevel = \"" + std::string(50'000'000, 'x') + "\"\n"); });
  CHECK_THAT(huge, Catch::Contains("t.toml:2: log.level: must be one of"));
  CHECK(huge.size() < 1000);
  const std::string forged = config_error([] { (void)load_toml("[log]\nlevel = \"x\\n[critical] forged\"\n"); });
  CHECK_THAT(forged, Catch::Contains("x\\n[critical] forged"));
  CHECK(safe_one_line(forged));
}

TEST_CASE("config: what would stop start-up is refused by the loader, so --check-config refuses it too",
          "[unit][input][config]") {
  CHECK_THAT(config_error([] { (void)load_toml("[api]\nlisten = \"localhost\"\n"); }),
             Catch::Contains("t.toml:2: api.listen: must be an IP address such as \"127.0.0.1\""));
  CHECK_NOTHROW(load_toml("[api]\nlisten = \"::1\"\n"));
  CHECK_THAT(config_error([] { (void)load_toml("[tls]\nca_file = \"no-such-ca.pem\"\n"); }),
             Catch::Contains("t.toml:2: tls.ca_file: /tmp/no-such-ca.pem is not a readable file"));
  // Plain ws:// on every exchange never loads the CA.
  CHECK_NOTHROW(
      load_toml("[tls]\nca_file = \"no-such-ca.pem\"\n[exchange.bybit]\nurl = \"ws://127.0.0.1:1/\"\n"
                "[exchange.binance]\nurl = \"ws://127.0.0.1:2/\"\n"));
  for (const std::string url : {"wss://host/a b", "wss://host/\\r\\nX-Evil: 1", "wss://h\\u0007ost/", "wss://hôst/"})
    CHECK_THAT(config_error([&] { (void)load_toml("[exchange.bybit]\nurl = \"" + url + "\"\n"); }),
               Catch::Contains("exchange.bybit.url: may contain only printable ASCII without spaces"));
}

TEST_CASE("start-up files: a directory, a FIFO, a device or an oversized file is refused without reading it",
          "[unit][input]") {
  TempDir dir("inputs");
  CHECK_THAT(config_error([&] { (void)ConfigLoader::load_file(dir.path()); }),
             Catch::Contains(dir.path().string() + ": config file is a directory, not a regular file"));
  const auto fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Would block forever waiting for a writer if it were opened plainly.
  CHECK_THAT(config_error([&] { (void)ConfigLoader::load_file(fifo); }), Catch::Contains("is a FIFO"));
  CHECK_THAT(config_error([&] { (void)ConfigLoader::load_file("/dev/zero"); }), Catch::Contains("is a device"));
  const auto big = dir / "big.toml";
  test::write_file(big, std::string(InputFile::max_config_bytes + 1, '#'));
  CHECK_THAT(config_error([&] { (void)ConfigLoader::load_file(big); }),
             Catch::Contains("big.toml: config file is 1048577 bytes; the limit is 1048576 bytes"));
  const CoinTable coins({"BTC"});
  const SymbolTable symbols(coins, "USDT");
  const ArchiveSource::Context context{&coins, &symbols, std::nullopt};
  CHECK_THAT(config_error([&] { (void)ArchiveSource::open(fifo, context); }), Catch::Contains("replay file is a FIFO"));
  CHECK_THAT(config_error([&] { (void)ConditionParser(coins, RiskSettings{}).parse_file(fifo, now); }),
             Catch::Contains("conditions file is a FIFO"));
}

TEST_CASE("conditions: nesting, bad UTF-8 and overflowing numbers are refused whole, naming where",
          "[unit][input][conditions]") {
  const Conditions f;
  // One deeply nested object: refused before nlohmann parses or copies it.
  CHECK_THAT(config_error([&] { (void)f.parse(std::string(1'000'000, '{')); }),
             Catch::Contains("c.json: JSON nests deeper than 16 levels"));
  CHECK_THAT(config_error([&] { (void)f.parse("[\n" + condition("reasoning", "\"\xff\"") + "]"); }),
             Catch::Contains("c.json:2: not UTF-8 (byte"));
  const std::string overflow = config_error([&] { (void)f.parse("[\n" + condition("trigger_price", "1e309") + "]"); });
  CHECK_THAT(overflow, Catch::Contains("c.json: not valid JSON (after field \"trigger_price\")"));
  CHECK(safe_one_line(overflow));
}

TEST_CASE("conditions: one bad condition is refused alone with a message that is safe to log and encode",
          "[unit][input][conditions]") {
  const Conditions f;
  // An id too long, cut for the message inside a 3-byte character.
  const std::string long_id = "\"" + std::string(63, 'a') + "€€€\"";
  const std::string newline_id = R"("x\n[2026-11-28 00:00:00.000] [critical] forged")";
  const auto r = f.parse("[" + condition("id", long_id) + "," + condition("id", newline_id) + "," +
                         condition("id", "\"good\"") + "]");
  REQUIRE(r.accepted.size() == 1);
  CHECK(r.accepted[0].id == "good");
  REQUIRE(r.refused.size() == 2);
  for (const auto& m : r.refused) {
    CHECK_THAT(m, Catch::Contains("refused: id:"));
    CHECK(safe_one_line(m));
  }
  CHECK_THAT(r.refused[1], Catch::Contains("(id \"x\\n[2026-11-28"));
}

TEST_CASE("conditions: values no market has are refused naming the field", "[unit][input][conditions]") {
  const Conditions f;
  const auto refused = [&](const std::string& field, const std::string& value) {
    const auto r = f.parse("[" + condition(field, value) + "]");
    return r.refused.empty() ? std::string("(accepted)") : r.refused[0];
  };
  CHECK_THAT(refused("valid_until", "\"10000-01-01T00:00:00Z\""), Catch::Contains("valid_until: must be"));
  CHECK_THAT(refused("valid_until", "253402300800000"), Catch::Contains("valid_until: must be between 1970"));
  CHECK_THAT(refused("valid_until", "-5"), Catch::Contains("valid_until: must be between 1970"));
  CHECK_THAT(refused("position_size_usd", "1e-310"), Catch::Contains("position_size_usd: must be at least 0.01"));
  CHECK_THAT(refused("position_size_usd", "0.001"), Catch::Contains("position_size_usd: must be at least 0.01"));
  for (const char* p : {"1e300", "1e-320", "1e-13", "1000000000001"})
    CHECK_THAT(refused("trigger_price", p),
               Catch::Contains("trigger_price: must be a real price (finite, from 1e-12 to 1e12)"));
  CHECK(refused("trigger_price", "1e-12") == "(accepted)");
  CHECK_THAT(refused("strategy_id", "\"\\u001b[2J\""), Catch::Contains("strategy_id: must not contain control"));
  CHECK_THAT(refused("reasoning", "\"a\\u0007b\""), Catch::Contains("reasoning: must not contain control"));
  CHECK(refused("reasoning", "\"two\\nlines\\tand a tab\"") == "(accepted)");
  const std::string coin = refused("coin", "\"" + std::string(50'000'000, 'X') + "\"");
  CHECK_THAT(coin, Catch::Contains("coin: 'XXXX"));
  CHECK(coin.size() < 400);
}

TEST_CASE("replay: a byte order mark keeps the first tick, negative times and endless lines are refused",
          "[unit][input][replay]") {
  TempDir dir("replay-input");
  const CoinTable coins({"BTC"});
  const SymbolTable symbols(coins, "USDT");
  const ArchiveSource::Context context{&coins, &symbols, std::nullopt};
  // Every row of a replay file, read the way a replay reads it.
  auto read_all = [&](const std::filesystem::path& path) {
    auto src = ArchiveSource::open(path, context);
    std::vector<ReplayTick> rows;
    for (ReplayTick t; src.next_row(t);) rows.push_back(t);
    return rows;
  };
  test::write_file(dir / "bom.csv",
                   "\xEF\xBB\xBF"
                   "1000,BTC,100\n2000,BTC,101\n");
  const auto rows = read_all(dir / "bom.csv");
  REQUIRE(rows.size() == 2);
  CHECK(rows.front().ts_ms == 1000);
  test::write_file(dir / "neg.csv", "-5,BTC,100\n");
  CHECK_THAT(config_error([&] { (void)read_all(dir / "neg.csv"); }),
             Catch::Contains("neg.csv:1: ts_ms: -5 is not a time from 1970 to 9999"));
  test::write_file(dir / "long.csv", "1000,BTC,100\n" + std::string(10'000'000, '9') + "\n");
  CHECK_THAT(config_error([&] { (void)read_all(dir / "long.csv"); }),
             Catch::Contains("long.csv:2: the line is longer than 4096 bytes"));
  // Comments and blank lines may come before the header; the header names
  // exactly the columns; any other first line is a row and must be valid, or,
  // when it is no row of any format, the file's format cannot be told.
  test::write_file(dir / "comment-first.csv", "# exported 2026-12-01\n\n  TS_MS , coin,price\n1000,BTC,100\n");
  CHECK(read_all(dir / "comment-first.csv").size() == 1);
  test::write_file(dir / "quote-header.csv", "#x\nts_ms,coin,price,bid,ask\n1000,BTC,,99,101\n");
  CHECK(read_all(dir / "quote-header.csv").size() == 1);
  test::write_file(dir / "bad-first.csv", "# a comment\n1000,BTC,1OO\n2000,BTC,101\n");
  CHECK_THAT(config_error([&] { (void)read_all(dir / "bad-first.csv"); }),
             Catch::Contains("bad-first.csv:2: price: '1OO' is not a real price"));
  test::write_file(dir / "typo-header.csv", "ts,coin,price\n1000,BTC,100\n");
  CHECK_THAT(config_error([&] { (void)read_all(dir / "typo-header.csv"); }),
             Catch::Contains("typo-header.csv:1: cannot tell the format: neither the name nor the first line "
                             "'ts,coin,price' is one of a known format; give --format NAME"));
  test::write_file(dir / "typo-ts.csv", "1e3,BTC,100\n");
  CHECK_THAT(config_error([&] { (void)read_all(dir / "typo-ts.csv"); }),
             Catch::Contains("typo-ts.csv:1: cannot tell the format"));
  test::write_file(dir / "row-first.csv", "1000,BTC\n");
  CHECK_THAT(config_error([&] { (void)read_all(dir / "row-first.csv"); }),
             Catch::Contains("row-first.csv:1: cannot tell the format"));
  test::write_file(dir / "late-header.csv", "1000,BTC,100\nts_ms,coin,price\n");
  CHECK_THAT(config_error([&] { (void)read_all(dir / "late-header.csv"); }),
             Catch::Contains("late-header.csv:2: ts_ms: 'ts_ms' is not an integer"));
  test::write_file(dir / "ctl.csv", "1000,BT\x1b[2JC,100\n");
  const std::string ctl = config_error([&] { (void)read_all(dir / "ctl.csv"); });
  CHECK_THAT(ctl, Catch::Contains("coin: 'BT\\u{1B}[2JC'"));
}

namespace {}  // namespace

TEST_CASE("replay: damaged gzip is an error naming the file, a bomb is refused while it inflates",
          "[unit][input][replay]") {
  TempDir dir("replay-gz");
  const CoinTable coins({"BTC"});
  const SymbolTable symbols(coins, "USDT");
  const ArchiveSource::Context context{&coins, &symbols, std::nullopt};
  auto read_all = [&](const std::filesystem::path& path) {
    auto src = ArchiveSource::open(path, context);
    std::size_t rows = 0;
    for (ReplayTick t; src.next_row(t);) ++rows;
    return rows;
  };
  std::string text = "ts_ms,coin,price\n";
  for (int i = 0; i < 20'000; ++i) text += std::to_string(1000 + i) + ",BTC," + std::to_string(100 + i % 50) + "\n";
  const std::string gz = tradingd::test::gzip_text(text);
  test::write_file(dir / "whole.csv.gz", gz);
  CHECK(read_all(dir / "whole.csv.gz") == 20'000);
  // Cut anywhere inside the compressed stream, including its 8-byte trailer:
  // an error naming the file, never a shorter replay.
  for (const std::size_t keep : {gz.size() / 3, gz.size() / 2, gz.size() - 9, gz.size() - 4, gz.size() - 1}) {
    test::write_file(dir / "cut.csv.gz", gz.substr(0, keep));
    CHECK_THAT(config_error([&] { (void)read_all(dir / "cut.csv.gz"); }),
               Catch::Contains("cut.csv.gz:") && Catch::Contains("the gzip data is truncated"));
  }
  std::string flipped = gz;
  flipped[gz.size() / 2] = static_cast<char>(flipped[gz.size() / 2] ^ 0x55);
  test::write_file(dir / "flipped.csv.gz", flipped);
  CHECK_THAT(config_error([&] { (void)read_all(dir / "flipped.csv.gz"); }), Catch::Contains("flipped.csv.gz:"));
  test::write_file(dir / "plain.csv.gz", text);
  CHECK_THAT(config_error([&] { (void)read_all(dir / "plain.csv.gz"); }),
             Catch::Contains("plain.csv.gz:") && Catch::Contains("not gzip-compressed"));
  // A bomb: 1 GiB of one endless line in about 1 MB. It is refused at the
  // line limit, after inflating about a buffer, not the whole gigabyte.
  {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string chunk(1 << 20, '7'), out(1 << 16, '\0'), bomb;
    for (int i = 0; i < 1024; ++i) {
      z.next_in = reinterpret_cast<Bytef*>(chunk.data());
      z.avail_in = static_cast<uInt>(chunk.size());
      do {
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        deflate(&z, i == 1023 ? Z_FINISH : Z_NO_FLUSH);
        bomb.append(out.data(), out.size() - z.avail_out);
      } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    test::write_file(dir / "bomb.csv.gz", bomb);
  }
  const auto start = std::chrono::steady_clock::now();
  CHECK_THAT(config_error([&] { (void)read_all(dir / "bomb.csv.gz"); }),
             Catch::Contains("bomb.csv.gz:1: the line is longer than 4096 bytes"));
  // Not a timing assertion on speed: inflating the whole gigabyte takes
  // seconds; the refusal reads one buffer. Logged for the reader.
  WARN("bomb refused after " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                             << " s");
  // A megabyte of blank lines hands control back without a row.
  auto src =
      ArchiveSource::from_text("1000,BTC,100\n" + std::string(3 << 20, '\n') + "2000,BTC,100\n", "blank.csv", context);
  ReplayTick t;
  CHECK(src.next(t) == ArchiveSource::Read::Row);
  CHECK(src.next(t) == ArchiveSource::Read::Later);
  CHECK(src.next_row(t));
  CHECK(t.ts_ms == 2000);
}

TEST_CASE("journal: a foreign database is refused untouched, a damaged journal is refused at start-up",
          "[unit][input][journal]") {
  TempDir dir("foreign-journal");
  const auto foreign = dir / "notes.db";
  {
    SQLite::Database db(foreign.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me')");
  }
  const std::string before = test::read_file(foreign);
  CHECK_THROWS_WITH(TradeJournal(foreign), Catch::Contains("not a tradingd journal"));
  CHECK(test::read_file(foreign) == before);  // not switched to WAL: its header is as it was
  CHECK_FALSE(std::filesystem::exists(dir / "notes.db-wal"));

  // user_version says journal, a table is missing: refused before a migration or a backup.
  const auto damaged = dir / "damaged.db";
  {
    SQLite::Database db(damaged.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::create_at(db, 2);
    db.exec("DROP TABLE balance");
  }
  CHECK_THROWS_WITH(TradeJournal(damaged),
                    Catch::Contains("damaged.db: journal schema version 2 but no table 'balance'"));
  CHECK_FALSE(std::filesystem::exists(dir / "damaged.db.bak-v2"));

  // Current version, a column missing: the writer's statements are prepared at
  // start-up, so this is an exception here (exit 2), not a writer-thread abort.
  const auto column = dir / "column.db";
  {
    SQLite::Database db(column.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::ensure(db);
    db.exec("ALTER TABLE trades DROP COLUMN best_price");
  }
  CHECK_THROWS_WITH(TradeJournal(column), Catch::Contains("column.db: cannot use the journal:"));

  const auto fifo = dir / "fifo.db";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(TradeJournal(fifo), Catch::Contains("fifo.db: journal is a FIFO"));
  std::ostringstream out, err;
  CHECK(JournalCli::run({"--db", fifo.string(), "summary"}, out, err, now) == 2);
  CHECK_THAT(err.str(), Catch::Contains("journal is a FIFO"));
}

TEST_CASE("tradingd journal never sends a control character from the journal to the terminal",
          "[unit][input][journal]") {
  TempDir dir("journal-escapes");
  const auto path = dir / "j.db";
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    JournalSchema::ensure(db);
    db.exec(R"SQL(
      INSERT INTO trades (id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms, fees_usd, status,
                          strategy_id, entry_mark, entry_fill)
        VALUES ('T-1','c1','BTC','LONG',50,0.5,100,1700000001000,0.1,'OPEN',
                char(27) || '[2J' || char(10) || 'evil', 100, 'trade');
    )SQL");
  }
  for (const char* command : {"open", "summary", "export"}) {
    std::ostringstream out, err;
    std::vector<std::string> args = {"--db", path.string(), command};
    if (std::string(command) == "export") args.insert(args.end(), {"--table", "trades"});
    REQUIRE(JournalCli::run(args, out, err, now) == 0);
    INFO(command);
    CHECK(out.str().find('\x1b') == std::string::npos);
    CHECK_THAT(out.str(), Catch::Contains("\\u{1B}[2J"));
  }
}
