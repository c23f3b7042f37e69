// dcoc bench codesign: the co-design benchmark's report (issue 9) from `dcoc tune --json` event streams.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "agents/dcoc/codesign_report.h"
#include "host/cli/commands.h"
#include "host/common/error.h"

namespace dcoc::cli {

namespace {

struct CodesignArgs {
  std::vector<std::string> runs, labels;
  std::string db, out, default_config, board, backend = "verilator";
  bool partial = false;
};

void WriteFile(const std::filesystem::path& p, const std::string& text) {
  const std::filesystem::path tmp = p.string() + ".tmp";
  {
    std::ofstream f(tmp);
    f << text;
    if (!f) throw Error(fmt::format("cannot write {}", tmp.string()));
  }
  std::filesystem::rename(tmp, p);
}

void BenchCodesign(const CodesignArgs& a) {
  agents::codesign::CodesignReportOptions o;
  for (const std::string& l : a.labels) {
    const size_t eq = l.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == l.size())
      throw UsageError(fmt::format("--label {}: expected FILE=LABEL", l));
    o.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  o.default_config = a.default_config;
  o.board = a.board;
  o.partial = a.partial;
  o.backend = a.backend;
  if (!a.db.empty()) {
    if (!std::filesystem::is_regular_file(a.db)) throw UsageError(fmt::format("--db {}: no such file", a.db));
    o.default_cycles = agents::codesign::DefaultCyclesFromDatabase(a.db);
  }
  std::string cmd = "dcoc bench codesign";
  for (const std::string& r : a.runs) cmd += " --runs " + r;
  if (!a.db.empty()) cmd += " --db " + a.db;
  for (const std::string& l : a.labels) cmd += " --label " + l;
  if (!a.default_config.empty()) cmd += " --default-config " + a.default_config;
  if (!a.board.empty()) cmd += " --board " + a.board;
  if (a.partial) cmd += " --partial";
  o.command = cmd + " -o " + a.out;

  std::vector<std::filesystem::path> inputs(a.runs.begin(), a.runs.end());
  std::vector<agents::codesign::RunFile> files;
  for (const std::filesystem::path& p : agents::codesign::RunFilesOf(inputs))
    files.push_back(agents::codesign::ReadRunFile(p));
  const nlohmann::ordered_json res = agents::codesign::CodesignResults(files, o);
  const std::filesystem::path dir(a.out);
  std::filesystem::create_directories(dir);
  WriteFile(dir / "results.json", res.dump(1) + "\n");
  WriteFile(dir / "report.html", agents::codesign::CodesignReportHtml(res));

  for (const auto& s : res["skipped"])
    fmt::print(stderr, "skipped {}: {}\n", s["file"].get<std::string>(), s["reason"].get<std::string>());
  for (const auto& m : res["models"]) {
    fmt::print("{} on {} ({} MHz):\n", m["model"].get<std::string>(),
               m["board"].is_null() ? "an unknown board" : m["board"].get<std::string>(), m["clock_mhz"].get<double>());
    for (const auto& e : m["per_label"]) {
      if (e["cycles"].is_null()) {
        fmt::print("  {:<40} {} seeds, no design{}\n", e["label"].get<std::string>(), e["seeds"].size(),
                   e["unfinished_runs"].get<int64_t>()
                       ? fmt::format(" (+{} unfinished)", e["unfinished_runs"].get<int64_t>())
                       : "");
        continue;
      }
      fmt::print("  {:<40} {} seeds  {:>12.0f} cycles [{:.0f} - {:.0f}]  {:.2f} GOPS  {:.2f} inferences/s\n",
                 e["label"].get<std::string>(), e["seeds"].size(), e["cycles"]["mean"].get<double>(),
                 e["cycles"]["min"].get<double>(), e["cycles"]["max"].get<double>(),
                 e["gops"].is_null() ? 0.0 : e["gops"]["mean"].get<double>(),
                 e["inferences_per_second"]["mean"].get<double>());
    }
    for (const auto& c : m["comparisons"])
      fmt::print("  {} vs {}: speedup {:.3f}, reached its final in {}/{} seed pairs{}\n", c["dcoc"].get<std::string>(),
                 c["baseline"].get<std::string>(), c["speedup"].get<double>(), c["pairs_reached"].get<int64_t>(),
                 c["pairs"].get<int64_t>(),
                 c["measurements_to_reach"].is_null() ? ""
                                                      : fmt::format(" after {:.0f} measurements (mean)",
                                                                    c["measurements_to_reach"]["mean"].get<double>()));
    for (const auto& r : m["runs"])
      for (const auto& w : r["warnings"])
        fmt::print(stderr, "warning: {} seed {}: {}\n", r["label"].get<std::string>(), r["seed"].get<uint64_t>(),
                   w.get<std::string>());
  }
  fmt::print("wrote {} and {}\n", (dir / "results.json").string(), (dir / "report.html").string());
}

}  // namespace

void RegisterCodesignBench(CLI::App& bench) {
  static CodesignArgs args;
  auto* c = bench.add_subcommand(
      "codesign",
      "The co-design benchmark's report (issue 9) from the runs' event streams: `dcoc tune --json` outputs of\n"
      "--tuner dcoc and of the schedule tuners (autotvm, chameleon, ...), one run per file. Per model and as a\n"
      "geometric mean over models: each tuner on its hardware (labels dcoc, dcoc {params} for ablations,\n"
      "autotvm@default, autotvm@<tag>, ...) over its seeds -- final model cycles (sum of count x cycles), GOPS and\n"
      "inferences/s at the board clock, DCOC's chosen hardware and its resources; DCOC's speedup over each baseline\n"
      "and the measurements it needed to reach the baseline's final design; the wall-clock split; anytime\n"
      "best-so-far curves and the hardware DCOC measured round by round. Files of one (model, label, seed) are\n"
      "stitched (a resumed DCOC run continues its earlier file; a re-run from 0 replaces it); a file without a\n"
      "result line (still running, killed) is skipped. Writes DIR/results.json and DIR/report.html.");
  c->add_option("--runs", args.runs, "Event-stream files (.jsonl) or directories of them (repeatable)")->required();
  c->add_option("--db", args.db,
                "Tuning database: a baseline task without a result yet counts at its default schedule's measured "
                "cycles from it (without: such a task leaves the run without a design)");
  c->add_option("--label", args.labels,
                "FILE=LABEL: label a file's run (the path as given or the file name), e.g. for ablations whose result "
                "lines predate their parameters (repeatable)");
  c->add_option("--default-config", args.default_config,
                "The configuration labelled \"default\" (default: the one DCOC's runs started from)");
  c->add_option("--board", args.board, "Board for the clock (default: DCOC's runs' board)");
  c->add_flag("--partial", args.partial,
              "Also show runs still being written (no result line): curves and rows as far as their events go, left "
              "out of the summaries and comparisons. Such a file names its tuner and seed (autotvm.s2.jsonl: a tuner "
              "first, a word s<N>); a baseline runs on the configuration its --label names (tuner@TAG), else the "
              "default; the model must be built in");
  c->add_option("--backend", args.backend, "With --partial: the unfinished runs' backend")->capture_default_str();
  c->add_option("-o,--out", args.out, "Output directory")->required();
  c->callback([] { BenchCodesign(args); });
}

}  // namespace dcoc::cli
