// The tuning database: schema, memoization, cycle bounds, best records, and clear errors for files that
// are not dcoc databases.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "host/common/error.h"
#include "host/measure/database.h"
#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using testing::Record;
using testing::TempDir;

compiler::Schedule Tiles(int h, int co) {
  compiler::Schedule s;
  s.tile_h = h;
  s.tile_co = co;
  return s;
}

std::string ErrorOpening(const std::filesystem::path& p, Database::Mode mode = Database::Mode::kReadWrite) {
  try {
    Database db(p, mode);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Database, StoresEveryFieldAndReopens) {
  TempDir dir;
  const compiler::ConvLayer l = testing::Layer("resnet18.C11");
  const spec::HwConfig c = spec::LoadConfig("default");
  Measurement m = Record(l, "default", Tiles(7, 2), Status::kOk, 480000);
  m.wall = {0.01, 2.5, 0.02, 0, 2.6, 2.4};
  m.estimate_cycles = 470000.5;
  {
    Database db(dir / "t.db");
    EXPECT_TRUE(db.Add(m, l, c));
    EXPECT_EQ(db.Count(), 1);
  }
  const Database db(dir / "t.db", Database::Mode::kReadOnly);
  const std::vector<Measurement> all = db.Records();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(ToJson(all[0]), ToJson(m));
  EXPECT_EQ(compiler::ToJson(db.Layer(m.task)), compiler::ToJson(l));
  EXPECT_EQ(spec::ConfigTag(db.Config(m.config_hash)), "1x16_i8w8a32_15_15_18_17");
  EXPECT_THROW((void)db.Layer("no such task"), UsageError);
  Measurement again = m;
  EXPECT_THROW((void)const_cast<Database&>(db).Add(again, l, c), UsageError);  // read-only
}

TEST(Database, DeterministicOutcomesAreStoredOnceAndAnswerLookups) {
  TempDir dir;
  Database db(dir / "t.db");
  const compiler::ConvLayer l = testing::Layer("resnet18.C11");
  const spec::HwConfig c = spec::LoadConfig("default");
  const Measurement ok = Record(l, "default", Tiles(7, 2), Status::kOk, 500000);
  const Measurement bad = Record(l, "default", Tiles(7, 32), Status::kInvalidSchedule, 0);
  EXPECT_TRUE(db.Add(ok, l, c));
  EXPECT_FALSE(db.Add(ok, l, c));  // same key: not stored twice
  EXPECT_TRUE(db.Add(bad, l, c));
  EXPECT_FALSE(db.Add(bad, l, c));
  // Transient failures are a log, not an answer.
  const Measurement crash = Record(l, "default", Tiles(1, 1), Status::kWorkerCrash, 0);
  EXPECT_TRUE(db.Add(crash, l, c));
  EXPECT_TRUE(db.Add(crash, l, c));
  EXPECT_EQ(db.Count(), 4);

  std::optional<Measurement> hit = db.Lookup(KeyOf(ok), 0);
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->memoized);
  EXPECT_EQ(hit->cycles, 500000u);
  EXPECT_TRUE(db.Lookup(KeyOf(ok), 1000));  // an exact record answers any bound
  ASSERT_TRUE(db.Lookup(KeyOf(bad), 0));
  EXPECT_EQ(db.Lookup(KeyOf(bad), 0)->status, Status::kInvalidSchedule);
  EXPECT_FALSE(db.Lookup(KeyOf(crash), 0));
  // Another backend, RTL or configuration is another key.
  MemoKey other = KeyOf(ok);
  other.rtl_hash = "0000";
  EXPECT_FALSE(db.Lookup(other, 0));
  other = KeyOf(ok);
  other.backend = "fsim";
  EXPECT_FALSE(db.Lookup(other, 0));
}

TEST(Database, CycleBoundsAreLowerBounds) {
  TempDir dir;
  Database db(dir / "t.db");
  const compiler::ConvLayer l = testing::Layer("resnet18.C11");
  const spec::HwConfig c = spec::LoadConfig("default");
  const Measurement b1 = Record(l, "default", Tiles(1, 1), Status::kCycleBound, 1000000);
  EXPECT_TRUE(db.Add(b1, l, c));
  EXPECT_FALSE(db.Add(Record(l, "default", Tiles(1, 1), Status::kCycleBound, 900000), l, c));  // weaker
  // A bound answers requests bounded at or below it; not unbounded ones, nor higher bounds.
  EXPECT_FALSE(db.Lookup(KeyOf(b1), 0));
  EXPECT_FALSE(db.Lookup(KeyOf(b1), 2000000));
  ASSERT_TRUE(db.Lookup(KeyOf(b1), 800000));
  EXPECT_EQ(db.Lookup(KeyOf(b1), 800000)->cycles, 1000000u);
  EXPECT_TRUE(db.Add(Record(l, "default", Tiles(1, 1), Status::kCycleBound, 3000000), l, c));
  EXPECT_EQ(db.Lookup(KeyOf(b1), 2000000)->cycles, 3000000u);
  // The exact result settles it.
  EXPECT_TRUE(db.Add(Record(l, "default", Tiles(1, 1), Status::kOk, 15100000), l, c));
  EXPECT_EQ(db.Lookup(KeyOf(b1), 0)->status, Status::kOk);
  EXPECT_EQ(db.Lookup(KeyOf(b1), 1000)->cycles, 15100000u);
  EXPECT_FALSE(db.Add(Record(l, "default", Tiles(1, 1), Status::kCycleBound, 20000000), l, c));
}

TEST(Database, BestAndSummaries) {
  TempDir dir;
  Database db(dir / "t.db");
  const compiler::ConvLayer a = testing::Layer("resnet18.C11"), b = testing::Layer("resnet18.C5");
  const spec::HwConfig c = spec::LoadConfig("default");
  db.Add(Record(a, "default", Tiles(7, 1), Status::kOk, 700000), a, c);
  db.Add(Record(a, "default", Tiles(7, 2), Status::kOk, 480000), a, c);
  db.Add(Record(a, "default", Tiles(1, 2), Status::kWrongAnswer, 100), a, c);
  db.Add(Record(a, "default", Tiles(1, 4), Status::kCycleBound, 200), a, c);
  db.Add(Record(b, "default", Tiles(1, 1), Status::kOk, 0, "fsim"), b, c);  // untimed: no best
  const std::optional<Measurement> best = db.Best(compiler::TaskKey(a), ConfigHashHex(c));
  ASSERT_TRUE(best);
  EXPECT_EQ(best->cycles, 480000u);
  EXPECT_EQ(best->schedule, compiler::Normalize(a, Tiles(7, 2)));
  EXPECT_FALSE(db.Best(compiler::TaskKey(b), ConfigHashHex(c)));
  const std::vector<TaskSummary> s = db.Summaries();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].layer, "resnet18.C11");
  EXPECT_EQ(s[0].records, 4);
  EXPECT_EQ(s[0].by_status.at("ok"), 2);
  EXPECT_EQ(s[0].by_status.at("wrong_answer"), 1);
  EXPECT_EQ(s[0].by_status.at("cycle_bound"), 1);
  EXPECT_EQ(s[1].backend, "fsim");
  EXPECT_FALSE(s[1].best);
}

TEST(Database, FilesThatAreNotDcocDatabasesAreClearErrors) {
  TempDir dir;
  {
    std::ofstream(dir / "text.db") << "this is not a database, just some text that is long enough to matter\n";
  }
  EXPECT_NE(ErrorOpening(dir / "text.db").find("the file is not a SQLite database, or is corrupt"), std::string::npos)
      << ErrorOpening(dir / "text.db");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "other.db").c_str(), &raw), SQLITE_OK);
  sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  EXPECT_NE(ErrorOpening(dir / "other.db").find("is a SQLite database but not a dcoc tuning database"),
            std::string::npos);
  { Database db(dir / "old.db"); }
  ASSERT_EQ(sqlite3_open((dir / "old.db").c_str(), &raw), SQLITE_OK);
  sqlite3_exec(raw, "UPDATE meta SET value = '0' WHERE key = 'schema_version'", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  EXPECT_NE(ErrorOpening(dir / "old.db").find("has schema version 0, this dcoc reads version 2 (it was written by an "
                                               "older dcoc"),
            std::string::npos)
      << ErrorOpening(dir / "old.db");
  EXPECT_NE(ErrorOpening(dir / "missing.db", Database::Mode::kReadOnly).find("does not exist"), std::string::npos);
  // A database damaged past its header.
  { Database db(dir / "bad.db"); }
  {
    std::fstream f(dir / "bad.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    const std::string junk(3000, '\xff');
    f.write(junk.data(), std::streamsize(junk.size()));
  }
  EXPECT_FALSE(ErrorOpening(dir / "bad.db").empty());
}

TEST(Database, MemoizedLookupIsCheap) {
  TempDir dir;
  Database db(dir / "t.db");
  const compiler::ConvLayer l = testing::Layer("resnet18.C5");
  const spec::HwConfig c = spec::LoadConfig("default");
  const compiler::ScheduleSpace space(l, spec::Spec::Create(c));
  std::vector<MemoKey> keys;
  std::vector<Measurement> ms;
  for (uint64_t i = 0; i < 2000; ++i) {
    ms.push_back(Record(l, "default", space.At(i * 7 % space.size()), Status::kOk, 1000 + i));
    keys.push_back(KeyOf(ms.back()));
  }
  db.AddAll(ms, l, c);
  const auto t0 = std::chrono::steady_clock::now();
  int hits = 0;
  for (const MemoKey& k : keys) hits += db.Lookup(k, 0).has_value();
  const double per = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / double(keys.size());
  EXPECT_EQ(hits, int(keys.size()));
  EXPECT_LT(per, 0.005);  // far below one simulation (seconds); docs/benchmarks.md has the figure
}

// A memo hit leaves no read snapshot open: another connection commits, then this one writes at once.
// (A statement left on its row kept the snapshot; the write upgrade then failed with SQLITE_BUSY at
// once, without the busy timeout: "database is locked" with three tuners on one database.)
TEST(Database, ReadsKeepNoSnapshotThatBlocksTheNextWrite) {
  TempDir dir;
  const compiler::ConvLayer l = testing::Layer("resnet18.C5");
  const spec::HwConfig c = spec::LoadConfig("default");
  const compiler::ScheduleSpace space(l, spec::Spec::Create(c));
  auto rec = [&](int i, Status st = Status::kOk) { return testing::WriterRecord(l, space, 0, i, 1, st); };
  Database a(dir / "t.db"), b(dir / "t.db");
  ASSERT_TRUE(a.Add(rec(0), l, c));
  ASSERT_TRUE(a.Lookup(KeyOf(rec(0)), 0));  // a hit
  ASSERT_TRUE(b.Add(rec(1), l, c));
  EXPECT_TRUE(a.Add(rec(2), l, c));
  // A cycle bound on a point already known exactly is not stored (a read inside the write).
  EXPECT_FALSE(a.Add(rec(2, Status::kCycleBound), l, c));
  ASSERT_TRUE(b.Add(rec(3), l, c));
  EXPECT_TRUE(a.Add(rec(4), l, c));
  // The same after a read-only connection's lookup, best and listing.
  const Database r(dir / "t.db", Database::Mode::kReadOnly);
  ASSERT_TRUE(r.Lookup(KeyOf(rec(0)), 0));
  ASSERT_TRUE(r.Best(rec(0).task, rec(0).config_hash));
  EXPECT_TRUE(b.Add(rec(5), l, c));
  EXPECT_EQ(r.Count(), 6);
}

// Concurrent writer processes (as several `dcoc tune --db F`): each commits its records with memo
// lookups in between; none fails and nothing is lost or stored twice.
TEST(Database, ConcurrentWriterProcessesLoseNothing) {
  TempDir dir;
  const std::filesystem::path db = dir / "t.db";
  { Database create(db); }
  constexpr int kWriters = 4, kCount = 250;
  int gate[2];
  ASSERT_EQ(::pipe(gate), 0);
  std::vector<pid_t> pids;
  for (int w = 0; w < kWriters; ++w) {
    const std::string err = (dir / ("writer" + std::to_string(w) + ".err")).string();
    std::vector<std::string> args = {DCOC_DB_WRITER, db.string(), std::to_string(w), std::to_string(kCount),
                                     std::to_string(kWriters)};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::dup2(gate[0], 0);
      ::close(gate[1]);
      const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // all writers start now
  for (int w = 0; w < kWriters; ++w) {
    int status = 0;
    ASSERT_EQ(::waitpid(pids[size_t(w)], &status, 0), pids[size_t(w)]);
    std::ifstream in(dir / ("writer" + std::to_string(w) + ".err"));
    std::stringstream err;
    err << in.rdbuf();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer " << w << ": " << err.str();
  }
  const compiler::ConvLayer l = testing::Layer("resnet18.C5");
  const compiler::ScheduleSpace space(l, spec::Spec::Create(spec::LoadConfig("default")));
  std::set<std::string> want;  // distinct keys written (ok records; the bounds repeat known points)
  for (int w = 0; w < kWriters; ++w)
    for (int i = 0; i < kCount; ++i) want.insert(KeyOf(testing::WriterRecord(l, space, w, i, kWriters)).schedule);
  const Database d(db, Database::Mode::kReadOnly);
  std::multiset<std::string> got;
  for (const Measurement& m : d.Records()) got.insert(KeyOf(m).schedule);
  size_t missing = 0, twice = 0;
  for (const std::string& k : want) {
    missing += got.count(k) == 0;
    twice += got.count(k) > 1;
  }
  EXPECT_EQ(missing, 0u) << "of " << want.size() << " records";
  EXPECT_EQ(twice, 0u);
  EXPECT_EQ(got.size(), want.size());
}

// A database another process keeps locked beyond the busy timeout: the write fails with an error that
// names the database, the cause and the measurement that was not stored.
TEST(Database, ABusyDatabaseIsAClearErrorNotASilentLoss) {
  TempDir dir;
  const compiler::ConvLayer l = testing::Layer("resnet18.C11");
  const spec::HwConfig c = spec::LoadConfig("default");
  Database db(dir / "t.db");
  db.SetBusyTimeout(std::chrono::milliseconds(50));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "t.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);  // holds the write lock
  std::string what;
  try {
    db.Add(Record(l, "default", Tiles(7, 2), Status::kOk, 480000), l, c);
  } catch (const Error& e) {
    what = e.what();
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_THAT(what, ::testing::HasSubstr((dir / "t.db").string()));
  EXPECT_THAT(what, ::testing::HasSubstr("locked by another process"));
  EXPECT_THAT(what, ::testing::HasSubstr("beyond the 0.05 s busy timeout"));
  EXPECT_THAT(what, ::testing::HasSubstr("not stored"));
  EXPECT_THAT(what, ::testing::HasSubstr(compiler::TaskKey(l)));
  // Once the lock is gone the same write succeeds.
  EXPECT_TRUE(db.Add(Record(l, "default", Tiles(7, 2), Status::kOk, 480000), l, c));
}

}  // namespace
}  // namespace dcoc::measure
