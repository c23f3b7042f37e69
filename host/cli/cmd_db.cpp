// dcoc db stats|best|export|import: the tuning database. (`dcoc worker`, which a measurement pool
// starts, lives in cmd_farm.cpp.)
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/measure/autotvm_log.h"
#include "host/measure/database.h"
#include "host/measure/worker_pool.h"

namespace dcoc::cli {

namespace {

struct DbArgs {
  std::string db, task, layer, config, backend, log, out;
  bool best_only = false;
  bool json = false;
};

nlohmann::ordered_json SummaryJson(const measure::TaskSummary& t) {
  nlohmann::ordered_json j;
  j["task"] = t.task;
  j["layer"] = t.layer;
  j["config"] = t.config_tag;
  j["config_hash"] = t.config_hash;
  j["backend"] = t.backend;
  j["records"] = t.records;
  j["by_status"] = t.by_status;
  if (t.best) {
    j["best_cycles"] = t.best->cycles;
    j["best_seconds"] = t.best->seconds;
    j["best_schedule"] = compiler::ToJson(t.best->schedule);
  }
  return j;
}

void Stats(const DbArgs& a) {
  const measure::Database db(a.db, measure::Database::Mode::kReadOnly);
  const std::vector<measure::TaskSummary> all = db.Summaries();
  if (a.json) {
    nlohmann::ordered_json j;
    j["database"] = a.db;
    j["records"] = db.Count();
    j["tasks"] = nlohmann::ordered_json::array();
    for (const auto& t : all) j["tasks"].push_back(SummaryJson(t));
    PrintJson(j);
    return;
  }
  fmt::print("{}: {} records, {} task/configuration/backend groups\n", a.db, db.Count(), all.size());
  for (const auto& t : all) {
    std::string statuses;
    for (const auto& [s, n] : t.by_status) statuses += fmt::format(" {}={}", s, n);
    fmt::print("{:<16} {:<28} {:<10} {:>6} records{}\n", t.layer.empty() ? "-" : t.layer, t.config_tag, t.backend,
               t.records, statuses);
    fmt::print("  task {}\n", t.task);
    if (t.best) fmt::print("  best {} cycles  {}\n", t.best->cycles, compiler::ToString(t.best->schedule));
  }
}

void Best(const DbArgs& a) {
  const measure::Database db(a.db, measure::Database::Mode::kReadOnly);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& t : db.Summaries()) {
    if (!t.best) continue;
    if (!a.layer.empty() && t.layer != a.layer) continue;
    if (!a.config.empty() && t.config_tag != a.config) continue;
    if (!a.backend.empty() && t.backend != a.backend) continue;
    if (a.json) {
      rows.push_back(SummaryJson(t));
    } else {
      fmt::print("{:<16} {:<28} {:<10} {:>10} cycles  {:.3f} ms  {}\n", t.layer.empty() ? "-" : t.layer, t.config_tag,
                 t.backend, t.best->cycles, t.best->seconds * 1e3, compiler::ToString(t.best->schedule));
    }
  }
  if (a.json) PrintJson(rows);
}

// Every record (or the best per task with --best) that conv2d_packed.vta can express, as AutoTVM lines.
void Export(const DbArgs& a) {
  const measure::Database db(a.db, measure::Database::Mode::kReadOnly);
  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) throw UsageError(fmt::format("cannot write {}", a.out));
  }
  std::ostream& out = a.out.empty() ? std::cout : file;
  int64_t written = 0;
  std::map<std::string, int64_t> skipped;  // reason -> records
  auto write = [&](const measure::Measurement& m) {
    if (!a.layer.empty() && m.layer != a.layer) return;
    if (!a.config.empty() && m.config_tag != a.config) return;
    if (!a.backend.empty() && m.backend != a.backend) return;
    const compiler::ConvLayer l = db.Layer(m.task);
    const spec::HwConfig c = db.Config(m.config_hash);
    if (std::string why = measure::AutoTvmUnrepresentable(m, l, c); !why.empty()) {
      ++skipped[why];
      return;
    }
    out << measure::AutoTvmLine(m, l, c) << "\n";
    ++written;
  };
  if (a.best_only) {
    for (const measure::TaskSummary& t : db.Summaries())
      if (t.best) write(*t.best);
  } else {
    db.ForEachRecord({}, write);
  }
  int64_t n_skipped = 0;
  for (const auto& [why, n] : skipped) n_skipped += n;
  fmt::print(stderr, "exported {} records in AutoTVM log format 0.2 ({}){}\n", written, measure::kAutoTvmTemplate,
             n_skipped ? fmt::format("; {} records the template cannot express were left out:", n_skipped) : "");
  for (const auto& [why, n] : skipped) fmt::print(stderr, "  {} records: {}\n", n, why);
}

void Import(const DbArgs& a) {
  std::ifstream in(a.log);
  if (!in) throw UsageError(fmt::format("cannot read AutoTVM log {}", a.log));
  const measure::AutoTvmImport log = measure::ReadAutoTvmLog(in, a.config);
  measure::Database db(a.db);
  int64_t added = 0;
  for (const measure::ImportedRecord& r : log.records) added += db.Add(r.measurement, r.layer, r.config);
  const int64_t duplicates = int64_t(log.records.size()) - added;
  if (a.json) {
    nlohmann::ordered_json j;
    j["lines"] = log.lines;
    j["imported"] = added;
    j["duplicates"] = duplicates;
    j["skipped"] = nlohmann::ordered_json::array();
    for (const auto& s : log.skipped) j["skipped"].push_back({{"line", s.line}, {"reason", s.message}});
    PrintJson(j);
  } else {
    fmt::print("{}: {} records read, {} imported into {}, {} already there, {} skipped\n", a.log, log.lines, added,
               a.db, duplicates, log.skipped.size());
    for (const auto& s : log.skipped) fmt::print("  line {}: {}\n", s.line, s.message);
  }
}

}  // namespace

void RegisterDbCommands(CLI::App& app) {
  static DbArgs args;
  auto* db = app.add_subcommand("db", "The tuning database: statistics, best schedules, AutoTVM log export/import");
  db->require_subcommand(1);

  auto* stats = db->add_subcommand("stats", "Records per task, configuration and backend, by status, with the best");
  stats->add_option("db", args.db, "Tuning database (SQLite file)")->required();
  stats->add_flag("--json", args.json, "Machine-readable output");
  stats->callback([] { Stats(args); });

  auto* best = db->add_subcommand("best", "The best measured schedule of each task (fewest cycles, bit-exact)");
  best->add_option("db", args.db, "Tuning database (SQLite file)")->required();
  best->add_option("--layer", args.layer, "Only this layer name (e.g. resnet18.C5)");
  best->add_option("--config", args.config, "Only this configuration tag");
  best->add_option("--backend", args.backend, "Only this backend");
  best->add_flag("--json", args.json, "Machine-readable output");
  best->callback([] { Best(args); });

  auto* exp = db->add_subcommand("export", "Write records as an AutoTVM JSON-lines log (version 0.2, conv2d_packed.vta)");
  exp->add_option("db", args.db, "Tuning database (SQLite file)")->required();
  exp->add_option("-o,--output", args.out, "Log file (default: standard output)");
  exp->add_flag("--best", args.best_only, "Only the best record of each task");
  exp->add_option("--layer", args.layer, "Only this layer name");
  exp->add_option("--config", args.config, "Only this configuration tag");
  exp->add_option("--backend", args.backend, "Only this backend");
  exp->callback([] { Export(args); });

  auto* imp = db->add_subcommand(
      "import", "Read an AutoTVM JSON-lines log (version 0.2, conv2d_packed.vta records) into the database");
  imp->add_option("db", args.db, "Tuning database (SQLite file, created when missing)")->required();
  imp->add_option("log", args.log, "AutoTVM log file")->required();
  imp->add_option("--config", args.config,
                  "Hardware configuration for records whose target names none (preset, tag or vta_config.json)");
  imp->add_flag("--json", args.json, "Machine-readable output");
  imp->callback([] { Import(args); });
}

}  // namespace dcoc::cli
