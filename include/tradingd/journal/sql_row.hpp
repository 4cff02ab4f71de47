#pragma once
// SqlRow: a statement's parameters bound, and its current result row read,
// by column name (":trigger_price" in the SQL, "trigger_price" in a result),
// never by position, so a column added or moved cannot shift every value
// after it. A misspelt name throws (SQLite::Exception) instead of binding the
// wrong column. It wraps a statement of the thread that owns it (the journal
// writer's, or a reader's); SQLiteCpp stays out of this header.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace SQLite {
class Statement;
}  // namespace SQLite

namespace tradingd {

// A record the journal must not take as it is: a value SQLite cannot keep
// faithfully (NaN, an infinity), or a row a constraint refuses. Unlike a busy
// or full disk, retrying cannot help: the record is refused whole.
class RefusedWrite : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One statement's parameter numbers, each found by name once: SQLite finds a
// ":name" by comparing it with every parameter's name on each bind, which was
// a tenth of the journal writer's time. Kept beside a statement that is bound
// again and again (the writer's); keyed by the name's address (the literals
// the binding code passes), so a lookup is a few pointer compares. A name at
// another address is looked up and kept as well: never a wrong number.
class ParamNumbers {
 public:
  [[nodiscard]] int of(SQLite::Statement& statement, const char* name);

 private:
  struct Entry {
    const char* name = nullptr;
    int number = 0;
  };
  std::array<Entry, 32> entries_{};
  std::size_t size_ = 0;
};

class SqlRow {
 public:
  explicit SqlRow(SQLite::Statement& statement) : s_(statement) {}
  // Binds through `numbers`, the statement's own (see ParamNumbers).
  SqlRow(SQLite::Statement& statement, ParamNumbers& numbers) : s_(statement), numbers_(&numbers) {}

  // --- binding ":name" ------------------------------------------------------
  void bind_text(const char* name, std::string_view value);          // copied: the statement outlives the record
  void bind_text_or_null(const char* name, std::string_view value);  // NULL when empty
  // A REAL column. SQLite stores NaN as NULL and would keep an infinity:
  // either makes the journal inconsistent, so RefusedWrite is thrown instead.
  void bind_real(const char* name, double value);
  void bind_real(const char* name, std::optional<double> value);  // NULL when absent (design.md §5)
  void bind_integer(const char* name, std::int64_t value);
  void bind_integer(const char* name, std::optional<std::int64_t> value);  // NULL when absent
  void bind_null(const char* name);

  // --- reading the current row's column `name` ------------------------------
  [[nodiscard]] std::string text(const char* name) const;  // "" for NULL
  [[nodiscard]] double real(const char* name) const;
  [[nodiscard]] std::int64_t integer(const char* name) const;
  [[nodiscard]] std::optional<double> optional_real(const char* name) const;
  [[nodiscard]] std::optional<std::int64_t> optional_integer(const char* name) const;

 private:
  [[nodiscard]] int number(const char* name) const;

  SQLite::Statement& s_;
  ParamNumbers* numbers_ = nullptr;
};

}  // namespace tradingd
