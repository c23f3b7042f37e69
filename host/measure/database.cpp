#include "host/measure/database.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <tuple>

#include "host/common/error.h"
#include "host/compiler/check.h"

namespace dcoc::measure {

MemoKey KeyOf(const Measurement& m) {
  return {m.task, m.config_hash, m.rtl_hash, m.backend, m.board, compiler::ToString(m.schedule)};
}

MemoKey KeyOf(const Request& r) {
  return {compiler::TaskKey(r.layer), ConfigHashHex(r.config), RtlHashFor(r.backend, r.config), r.backend, r.board,
          compiler::ToString(compiler::Normalize(r.layer, r.schedule))};
}

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tasks(task TEXT PRIMARY KEY, layer TEXT NOT NULL);
CREATE TABLE configs(config_hash TEXT PRIMARY KEY, tag TEXT NOT NULL, config TEXT NOT NULL);
CREATE TABLE measurements(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task TEXT NOT NULL REFERENCES tasks(task),
  layer TEXT NOT NULL,
  config_tag TEXT NOT NULL,
  config_hash TEXT NOT NULL REFERENCES configs(config_hash),
  rtl_hash TEXT NOT NULL,
  backend TEXT NOT NULL,
  board TEXT NOT NULL,
  schedule TEXT NOT NULL,
  max_cycles INTEGER NOT NULL,
  status TEXT NOT NULL,
  memo INTEGER NOT NULL,
  cycles INTEGER NOT NULL,
  seconds REAL NOT NULL,
  estimate_cycles REAL NOT NULL,
  error TEXT NOT NULL,
  violations TEXT NOT NULL,
  counters TEXT NOT NULL,
  compile_s REAL NOT NULL,
  simulate_s REAL NOT NULL,
  check_s REAL NOT NULL,
  build_s REAL NOT NULL,
  total_s REAL NOT NULL,
  cpu_s REAL NOT NULL,
  worker TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  version TEXT NOT NULL);
CREATE UNIQUE INDEX measurements_memo ON measurements(task, config_hash, rtl_hash, backend, board, schedule)
  WHERE memo = 1;
CREATE UNIQUE INDEX measurements_bound ON measurements(task, config_hash, rtl_hash, backend, board, schedule, cycles)
  WHERE status = 'cycle_bound';
CREATE INDEX measurements_key ON measurements(task, config_hash, rtl_hash, backend, board, schedule);
CREATE INDEX measurements_best ON measurements(task, config_hash, status, cycles);
)sql";

constexpr const char* kColumns =
    "task, layer, config_tag, config_hash, rtl_hash, backend, board, schedule, max_cycles, status, cycles, seconds, "
    "estimate_cycles, error, violations, counters, compile_s, simulate_s, check_s, build_s, total_s, cpu_s, worker, "
    "timestamp, version";

// The schema and the meta rows of a new database.
std::string CreationSql() {
  return std::string(kSchema) +
         fmt::format("INSERT INTO meta VALUES ('application', 'dcoc tuning database'), ('schema_version', '{}'), "
                     "('created', '{}'), ('created_by', 'dcoc {}');\n",
                     kDatabaseSchemaVersion, UtcTimestamp(), Version());
}

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Deterministic outcomes other than a cycle bound are stored once per key.
bool Memo(Status s) { return Deterministic(s) && s != Status::kCycleBound; }

}  // namespace

struct Database::Impl {
  sqlite3* db = nullptr;
  std::filesystem::path path;

  [[noreturn]] void Fail(std::string_view what, int rc) const {
    const std::string msg = fmt::format("tuning database {}: {}: {}", path.string(), what,
                                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) throw FormatError(msg + " (the file is not a SQLite database, or is corrupt)");
    throw Error(msg);
  }

  // A prepared statement. One left on a row (not stepped to its end, not reset) keeps its read
  // transaction open; a write begun on a connection holding that old snapshot fails at once with
  // SQLITE_BUSY after another process has committed, without the busy timeout. The cached statements
  // are therefore used through Use, which resets them when the use ends.
  class Stmt {
   public:
    Stmt(const Impl& impl, const char* sql) : impl_(impl) {
      const int rc = sqlite3_prepare_v2(impl.db, sql, -1, &s_, nullptr);
      if (rc != SQLITE_OK) impl.Fail(fmt::format("preparing \"{:.60}\"", sql), rc);
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt& Reset() {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
      next_ = 1;
      return *this;
    }
    // Ends the current run (releasing its read transaction) and forgets the bindings.
    void Done() { sqlite3_reset(s_); }
    Stmt& Bind(std::string_view v) {
      sqlite3_bind_text(s_, next_++, v.data(), int(v.size()), SQLITE_TRANSIENT);
      return *this;
    }
    Stmt& Bind(const char* v) { return Bind(std::string_view(v)); }
    Stmt& Bind(const std::string& v) { return Bind(std::string_view(v)); }
    // The six key columns, in the order of the statements' `task = ? AND ... schedule = ?`.
    Stmt& Bind(const MemoKey& k) {
      return Bind(k.task).Bind(k.config_hash).Bind(k.rtl_hash).Bind(k.backend).Bind(k.board).Bind(k.schedule);
    }
    Stmt& Bind(int64_t v) {
      sqlite3_bind_int64(s_, next_++, v);
      return *this;
    }
    Stmt& Bind(double v) {
      sqlite3_bind_double(s_, next_++, v);
      return *this;
    }
    // True while a row is available.
    bool Step() {
      const int rc = sqlite3_step(s_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      impl_.Fail("executing a statement", rc);
    }
    std::string Text(int col) const {
      const unsigned char* t = sqlite3_column_text(s_, col);
      return t ? std::string(reinterpret_cast<const char*>(t), size_t(sqlite3_column_bytes(s_, col))) : std::string();
    }
    int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
    double Real(int col) const { return sqlite3_column_double(s_, col); }

   private:
    const Impl& impl_;
    sqlite3_stmt* s_ = nullptr;
    int next_ = 1;
  };

  // One use of a cached statement: bound afresh, reset when the use ends (also by an exception).
  class Use {
   public:
    explicit Use(Stmt& s) : s_(s.Reset()) {}
    ~Use() { s_.Done(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Stmt* operator->() const { return &s_; }
    Stmt& operator*() const { return s_; }

   private:
    Stmt& s_;
  };

  std::unique_ptr<Stmt> insert, lookup, has_ok, has_bound, add_task, add_config;

  void Exec(const char* sql) const {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      const std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
        throw FormatError(fmt::format("tuning database {}: {} (the file is not a SQLite database, or is corrupt)",
                                      path.string(), msg));
      throw Error(fmt::format("tuning database {}: {}", path.string(), msg));
    }
  }

  Measurement Row(const Stmt& q, int c) const {
    Measurement m;
    try {
      m.task = q.Text(c + 0);
      m.layer = q.Text(c + 1);
      m.config_tag = q.Text(c + 2);
      m.config_hash = q.Text(c + 3);
      m.rtl_hash = q.Text(c + 4);
      m.backend = q.Text(c + 5);
      m.board = q.Text(c + 6);
      m.schedule = compiler::ScheduleFromJson(nlohmann::json::parse(q.Text(c + 7)));
      m.max_cycles = uint64_t(q.Int(c + 8));
      m.status = StatusFromName(q.Text(c + 9));
      m.cycles = uint64_t(q.Int(c + 10));
      m.seconds = q.Real(c + 11);
      m.estimate_cycles = q.Real(c + 12);
      m.error = q.Text(c + 13);
      m.violations = nlohmann::json::parse(q.Text(c + 14)).get<std::vector<std::string>>();
      m.counters = nlohmann::json::parse(q.Text(c + 15)).get<std::map<std::string, uint64_t>>();
      m.wall = {q.Real(c + 16), q.Real(c + 17), q.Real(c + 18), q.Real(c + 19), q.Real(c + 20), q.Real(c + 21)};
      m.worker = q.Text(c + 22);
      m.timestamp = q.Text(c + 23);
      m.version = q.Text(c + 24);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(fmt::format("tuning database {}: corrupt record of task {}: {}", path.string(), m.task, e.what()));
    } catch (const UsageError& e) {
      throw FormatError(fmt::format("tuning database {}: corrupt record of task {}: {}", path.string(), m.task, e.what()));
    }
    return m;
  }

  // Finalizes the prepared statements, then closes the connection.
  void Close() {
    insert.reset();
    lookup.reset();
    has_ok.reset();
    has_bound.reset();
    add_task.reset();
    add_config.reset();
    if (db) sqlite3_close(db);
    db = nullptr;
  }

  int busy_timeout_ms = 30000;

  // The cause of a failed write in words, `waited` seconds after it was asked for.
  std::string WriteError(int rc, double waited) const {
    const int ext = sqlite3_extended_errcode(db);
    if (ext == SQLITE_BUSY_SNAPSHOT)
      return "this connection's read snapshot is older than the last commit (SQLITE_BUSY_SNAPSHOT)";
    if ((rc & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_BUSY) {
      const double timeout = busy_timeout_ms / 1000.0;
      if (waited >= 0.5 * timeout)
        return fmt::format("the database stayed locked by another process for {:.3g} s, beyond the {:g} s busy "
                           "timeout (SQLITE_BUSY)",
                           waited, timeout);
      return fmt::format("the database is locked by another process and SQLite refused to wait (SQLITE_BUSY after "
                         "{:.3g} s of the {:g} s busy timeout)",
                         waited, timeout);
    }
    return sqlite3_errmsg(db);
  }

  // Runs BEGIN IMMEDIATE or COMMIT; throws Error naming the database and the cause.
  void Write(const char* sql, std::string_view what) const {
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
      throw Error(fmt::format("tuning database {}: cannot {}: {}", path.string(), what,
                              WriteError(rc, Seconds(std::chrono::steady_clock::now() - t0))));
  }

  // Begins a write transaction. Throws Error naming the cause when the write lock cannot be had.
  void Begin() const {
    // A statement still on a row would hold the snapshot that makes the write fail (see Stmt).
    for (sqlite3_stmt* p = sqlite3_next_stmt(db, nullptr); p; p = sqlite3_next_stmt(db, p))
      if (sqlite3_stmt_busy(p))
        throw Error(fmt::format("tuning database {}: a write began while a read was still open (\"{:.60}\")",
                                path.string(), sqlite3_sql(p)));
    Write("BEGIN IMMEDIATE", "begin a write");
  }
  void Commit() const { Write("COMMIT", "commit"); }
  void Rollback() const { sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr); }

  // Inside a transaction.
  bool Insert(const Measurement& m, const compiler::ConvLayer& layer, const spec::HwConfig& config) {
    Use(*add_task)->Bind(m.task).Bind(compiler::ToJson(layer).dump()).Step();
    Use(*add_config)->Bind(m.config_hash).Bind(m.config_tag).Bind(spec::ConfigToJson(config).dump()).Step();
    const MemoKey k = KeyOf(m);
    if (m.status == Status::kCycleBound) {
      // A bound adds nothing when the exact result is known, or a bound at least as high is.
      if (Use(*has_ok)->Bind(k).Step()) return false;
      if (Use(*has_bound)->Bind(k).Bind(int64_t(m.cycles)).Step()) return false;
    }
    const Use use(*insert);
    Stmt& s = *use;
    s.Bind(m.task).Bind(m.layer).Bind(m.config_tag).Bind(m.config_hash).Bind(m.rtl_hash).Bind(m.backend).Bind(m.board);
    s.Bind(k.schedule);
    s.Bind(int64_t(m.max_cycles)).Bind(Name(m.status)).Bind(int64_t(Memo(m.status) ? 1 : 0)).Bind(int64_t(m.cycles));
    s.Bind(m.seconds).Bind(m.estimate_cycles).Bind(m.error).Bind(nlohmann::json(m.violations).dump());
    s.Bind(nlohmann::json(m.counters).dump()).Bind(m.wall.compile).Bind(m.wall.simulate).Bind(m.wall.check);
    s.Bind(m.wall.build).Bind(m.wall.total).Bind(m.wall.cpu).Bind(m.worker).Bind(m.timestamp).Bind(m.version);
    s.Step();
    return sqlite3_changes(db) > 0;
  }
};

namespace {

// Creates a new database file with its schema atomically: built under a temporary name, then linked
// into place, so a process killed while creating it never leaves an empty or half-made file behind.
void CreateDatabaseFile(const std::filesystem::path& path) {
  const std::filesystem::path tmp = path.string() + fmt::format(".creating-{}", ::getpid());
  std::filesystem::remove(tmp);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(tmp.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  char* err = nullptr;
  if (rc == SQLITE_OK) {
    // Born in WAL mode (persistent), so processes opening it together never switch its journal mode.
    const std::string sql = "PRAGMA journal_mode = WAL;\nBEGIN;\n" + CreationSql() + "COMMIT;\n";
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  }
  const std::string msg = err ? err : db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) {
    std::filesystem::remove(tmp);
    throw Error(fmt::format("cannot create tuning database {}: {}", path.string(), msg));
  }
  if (::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    const int code = errno;
    std::filesystem::remove(tmp);
    throw Error(fmt::format("cannot create tuning database {}: {}", path.string(), std::strerror(code)));
  }
  std::filesystem::remove(tmp);  // EEXIST: another process created it first; use theirs
}

}  // namespace

Database::Database(const std::filesystem::path& path, Mode mode) : path_(path), impl_(std::make_unique<Impl>()) {
  Impl& I = *impl_;
  I.path = path;
  if (mode == Mode::kReadOnly && !std::filesystem::exists(path))
    throw UsageError(fmt::format("tuning database {} does not exist", path.string()));
  if (mode == Mode::kReadWrite && !std::filesystem::exists(path)) CreateDatabaseFile(path);
  const int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &I.db, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = I.db ? sqlite3_errmsg(I.db) : sqlite3_errstr(rc);
    sqlite3_close(I.db);
    I.db = nullptr;
    throw Error(fmt::format("cannot open tuning database {}: {}", path.string(), msg));
  }
  try {
    sqlite3_busy_timeout(I.db, I.busy_timeout_ms);
    // Reading the schema catches a file that is not SQLite at all.
    std::vector<std::string> names;
    {
      Impl::Stmt tables(I, "SELECT name FROM sqlite_master WHERE type = 'table'");
      while (tables.Step()) names.push_back(tables.Text(0));
    }
    const bool has_meta = std::find(names.begin(), names.end(), "meta") != names.end();
    if (names.empty()) {
      if (mode == Mode::kReadOnly) throw FormatError(fmt::format("{} is an empty database, not a dcoc tuning database", path.string()));
      // An empty SQLite file (made by someone else): give it the schema.
      I.Exec("PRAGMA journal_mode = WAL");
      I.Begin();
      I.Exec(CreationSql().c_str());
      I.Commit();
    } else if (!has_meta) {
      throw FormatError(fmt::format("{} is a SQLite database but not a dcoc tuning database (it has no meta table)",
                                    path.string()));
    } else {
      std::string text;
      {
        Impl::Stmt v(I, "SELECT value FROM meta WHERE key = 'schema_version'");
        if (!v.Step()) throw FormatError(fmt::format("tuning database {} has no schema version", path.string()));
        text = v.Text(0);
      }
      int version = 0;
      try {
        version = std::stoi(text);
      } catch (const std::exception&) {
        throw FormatError(fmt::format("tuning database {} has a malformed schema version \"{}\"", path.string(), text));
      }
      if (version != kDatabaseSchemaVersion)
        throw FormatError(fmt::format(
            "tuning database {} has schema version {}, this dcoc reads version {} (it was written by {} dcoc; "
            "export it with that version and import the log here)",
            path.string(), version, kDatabaseSchemaVersion, version < kDatabaseSchemaVersion ? "an older" : "a newer"));
      if (mode == Mode::kReadWrite) I.Exec("PRAGMA journal_mode = WAL");
    }
    // Commits survive a killed process with synchronous = NORMAL in WAL mode (not a power cut).
    I.Exec("PRAGMA synchronous = NORMAL");
    I.Exec("PRAGMA foreign_keys = ON");
    // kColumns with memo after status.
    const std::string cols = fmt::format(
        "INSERT OR IGNORE INTO measurements (task, layer, config_tag, config_hash, rtl_hash, backend, board, schedule, "
        "max_cycles, status, memo, cycles, seconds, estimate_cycles, error, violations, counters, compile_s, "
        "simulate_s, check_s, build_s, total_s, cpu_s, worker, timestamp, version) VALUES ({}?)",
        [] {
          std::string q;
          for (int i = 0; i < 25; ++i) q += "?, ";
          return q;
        }());
    if (mode == Mode::kReadWrite) {
      I.insert = std::make_unique<Impl::Stmt>(I, cols.c_str());
      I.add_task = std::make_unique<Impl::Stmt>(I, "INSERT OR IGNORE INTO tasks VALUES (?, ?)");
      I.add_config = std::make_unique<Impl::Stmt>(I, "INSERT OR IGNORE INTO configs VALUES (?, ?, ?)");
    }
    const std::string key =
        "task = ? AND config_hash = ? AND rtl_hash = ? AND backend = ? AND board = ? AND schedule = ?";
    I.has_ok = std::make_unique<Impl::Stmt>(I, fmt::format("SELECT 1 FROM measurements WHERE {} AND status = 'ok'", key).c_str());
    I.has_bound = std::make_unique<Impl::Stmt>(
        I, fmt::format("SELECT 1 FROM measurements WHERE {} AND status = 'cycle_bound' AND cycles >= ?", key).c_str());
    I.lookup = std::make_unique<Impl::Stmt>(
        I, fmt::format("SELECT {} FROM measurements WHERE {} AND (memo = 1 OR (? > 0 AND status = 'cycle_bound' AND "
                       "cycles >= ?)) ORDER BY memo DESC, cycles DESC LIMIT 1",
                       kColumns, key)
               .c_str());
  } catch (...) {
    I.Close();
    throw;
  }
}

void Database::SetBusyTimeout(std::chrono::milliseconds timeout) {
  impl_->busy_timeout_ms = int(timeout.count());
  sqlite3_busy_timeout(impl_->db, impl_->busy_timeout_ms);
}

Database::~Database() {
  if (impl_) impl_->Close();
}

bool Database::Add(const Measurement& m, const compiler::ConvLayer& layer, const spec::HwConfig& config) {
  return AddAll({m}, layer, config) == 1;
}

int64_t Database::AddAll(const std::vector<Measurement>& ms, const compiler::ConvLayer& layer,
                         const spec::HwConfig& config) {
  Impl& I = *impl_;
  if (!I.insert) throw UsageError(fmt::format("tuning database {} is open read-only", path_.string()));
  if (ms.empty()) return 0;
  int64_t added = 0;
  try {
    I.Begin();
    try {
      for (const Measurement& m : ms) added += I.Insert(m, layer, config);
      I.Commit();
    } catch (...) {
      I.Rollback();
      throw;
    }
  } catch (const Error& e) {
    // Nothing of this transaction is stored: say so, with what was lost.
    const Measurement& m = ms.front();
    throw Error(fmt::format("{}; {} not stored ({}task {}, configuration {}, schedule {}, status {})", e.what(),
                            ms.size() == 1 ? "the measurement was" : fmt::format("{} measurements were", ms.size()),
                            ms.size() == 1 ? "" : "the first: ", m.task, m.config_tag, compiler::ToString(m.schedule),
                            Name(m.status)));
  }
  return added;
}

std::optional<Measurement> Database::Lookup(const MemoKey& k, uint64_t max_cycles) const {
  const Impl::Use use(*impl_->lookup);
  Impl::Stmt& q = *use;
  q.Bind(k).Bind(int64_t(max_cycles)).Bind(int64_t(max_cycles));
  if (!q.Step()) return std::nullopt;
  Measurement m = impl_->Row(q, 0);
  m.memoized = true;
  return m;
}

std::optional<Measurement> Database::Best(const std::string& task, const std::string& config_hash,
                                          const std::string& backend) const {
  Impl::Stmt q(*impl_, fmt::format("SELECT {} FROM measurements WHERE task = ? AND config_hash = ? AND status = 'ok' "
                                   "AND cycles > 0 AND (? = '' OR backend = ?) ORDER BY cycles, id LIMIT 1",
                                   kColumns)
                           .c_str());
  q.Bind(task).Bind(config_hash).Bind(backend).Bind(backend);
  if (!q.Step()) return std::nullopt;
  return impl_->Row(q, 0);
}

void Database::ForEachRecord(const RecordQuery& rq, const std::function<void(const Measurement&)>& fn) const {
  Impl::Stmt q(*impl_, fmt::format("SELECT {} FROM measurements WHERE (? = '' OR task = ?) AND (? = '' OR "
                                   "config_hash = ?) AND (? = '' OR backend = ?) AND (? = 0 OR status = 'ok') "
                                   "ORDER BY id LIMIT ?",
                                   kColumns)
                           .c_str());
  q.Bind(rq.task).Bind(rq.task).Bind(rq.config_hash).Bind(rq.config_hash).Bind(rq.backend).Bind(rq.backend);
  q.Bind(int64_t(rq.ok_only ? 1 : 0)).Bind(rq.limit);
  while (q.Step()) fn(impl_->Row(q, 0));
}

std::vector<Measurement> Database::Records(const RecordQuery& q) const {
  std::vector<Measurement> out;
  ForEachRecord(q, [&](const Measurement& m) { out.push_back(m); });
  return out;
}

int64_t Database::Count() const {
  Impl::Stmt q(*impl_, "SELECT COUNT(*) FROM measurements");
  q.Step();
  return q.Int(0);
}

std::vector<TaskSummary> Database::Summaries() const {
  std::vector<TaskSummary> out;
  Impl::Stmt q(*impl_,
               "SELECT task, config_hash, backend, status, COUNT(*), MAX(layer), MAX(config_tag) FROM measurements "
               "GROUP BY task, config_hash, backend, status ORDER BY MIN(id)");
  std::map<std::tuple<std::string, std::string, std::string>, size_t> at;
  while (q.Step()) {
    const auto key = std::make_tuple(q.Text(0), q.Text(1), q.Text(2));
    auto it = at.find(key);
    if (it == at.end()) {
      TaskSummary t;
      t.task = q.Text(0);
      t.config_hash = q.Text(1);
      t.backend = q.Text(2);
      t.layer = q.Text(5);
      t.config_tag = q.Text(6);
      it = at.emplace(key, out.size()).first;
      out.push_back(std::move(t));
    }
    TaskSummary& t = out[it->second];
    t.by_status[q.Text(3)] += q.Int(4);
    t.records += q.Int(4);
  }
  for (TaskSummary& t : out) t.best = Best(t.task, t.config_hash, t.backend);
  return out;
}

compiler::ConvLayer Database::Layer(const std::string& task) const {
  Impl::Stmt q(*impl_, "SELECT layer FROM tasks WHERE task = ?");
  q.Bind(task);
  if (!q.Step()) throw UsageError(fmt::format("tuning database {} has no task {}", path_.string(), task));
  try {
    return compiler::LayerFromJson(nlohmann::json::parse(q.Text(0)));
  } catch (const std::exception& e) {
    throw FormatError(fmt::format("tuning database {}: corrupt layer of task {}: {}", path_.string(), task, e.what()));
  }
}

spec::HwConfig Database::Config(const std::string& config_hash) const {
  Impl::Stmt q(*impl_, "SELECT config FROM configs WHERE config_hash = ?");
  q.Bind(config_hash);
  if (!q.Step())
    throw UsageError(fmt::format("tuning database {} has no configuration with hash {}", path_.string(), config_hash));
  try {
    return spec::ConfigFromJson(nlohmann::json::parse(q.Text(0)));
  } catch (const std::exception& e) {
    throw FormatError(
        fmt::format("tuning database {}: corrupt configuration {}: {}", path_.string(), config_hash, e.what()));
  }
}

}  // namespace dcoc::measure
