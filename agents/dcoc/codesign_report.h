// `dcoc bench codesign`: the co-design benchmark's report (issue 9) from the runs' event streams. Each run is
// a `dcoc tune ... --json` output (one JSON object per line: task_start / measurement / task_end events of
// autotvm, chameleon, ...; round / measurement events of DCOC; then the result line). The report compares,
// per model and as a geometric mean over models, each tuner on its hardware (dcoc, autotvm@default,
// chameleon@<dcoc's hardware>, DCOC's ablations by their parameters) over its seeds: final model cycles,
// GOPS and inferences/s at the board clock, DCOC's speedup over each baseline and the measurements it needed
// to reach the baseline's final best, the wall-clock split, anytime best-so-far curves, and the hardware
// configurations DCOC measured over time with its incumbent.
//
// The anytime design after n measurements (what a deployment could use at that point):
// - autotvm/chameleon (they tune task by task): every task at the faster of the fastest exact cycles the run
//   has measured for it and its default schedule's measured cycles (compiler::DefaultSchedule on the run's
//   configuration, as the tuning database holds it: the baselines' probe stores it); a task with neither
//   leaves the run without a design at that point.
// - DCOC: its own best whole-model design (best_model_cycles of its events: one hardware point, every task
//   measured exactly on it), each task at its measured default there where faster; before it has one, the
//   rule above on each hardware point it measured, the best.
// The measured default as a candidate is the tuners' rule since 2026-12-01; older result lines get it here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dcoc::agents::codesign {

// One line of an event stream.
struct RunEvent {
  enum class Kind { kTaskStart, kMeasurement, kTaskEnd, kRound };
  Kind kind = Kind::kMeasurement;
  int64_t done = 0, total = 0;
  std::string task, config, status;  // config: DCOC's events only
  uint64_t cycles = 0;
  double best_model_cycles = 0;  // DCOC's events only
  bool memoized = false;
};

// One file: its events and result line. `finished` is false when the file has no result line (a run still
// being written, or killed): such a file is listed as skipped, not read further.
struct RunFile {
  std::string path;
  std::vector<RunEvent> events;
  nlohmann::ordered_json result;
  bool finished = false;
};

// Reads an event stream. Malformed input (a line that is not JSON or not an object, an unknown event, a
// missing or mistyped field, events after the result) throws FormatError naming the file and line; a last
// line without its newline that does not parse is taken as a line still being written (finished = false).
RunFile ReadRunFile(std::istream& in, const std::string& name);
RunFile ReadRunFile(const std::filesystem::path& path);

// The measured cycles of a task's default schedule on a configuration, from the tuning database:
// (task key, configuration tag, backend) -> cycles, nullopt when the database has no ok record of it.
using DefaultCycles = std::function<std::optional<uint64_t>(const std::string& task_key, const std::string& config_tag,
                                                            const std::string& backend)>;
DefaultCycles DefaultCyclesFromDatabase(const std::filesystem::path& db);

struct CodesignReportOptions {
  std::map<std::string, std::string> labels;  // file path (as given) or file name -> label, overriding
  std::string default_config;                 // tag labelled "default" (empty: DCOC's starting point)
  std::string board;                          // for the clock and resources (empty: DCOC's results' board)
  DefaultCycles default_cycles;               // empty: tasks without a result have no design
  std::string command;                        // recorded in the results
  // Also read runs without a result line (still running) as far as their events go: a built-in model's tasks;
  // the tuner from the events (DCOC) or the file name's first word (autotvm.s2.jsonl), the seed from a word
  // s<N> of the name; a baseline on the configuration its --label names (tuner@TAG), else the default. Their
  // curves and rows are shown, they are left out of the summaries over seeds and the comparisons.
  bool partial = false;
  std::string backend = "verilator";  // of the unfinished runs (for their default schedules' cycles)
};

// results.json's document from the runs (files of one (model, label, seed) are stitched: a resumed DCOC run
// continues where the file before it stopped, a baseline re-run that replays from 0 replaces it).
nlohmann::ordered_json CodesignResults(const std::vector<RunFile>& files, const CodesignReportOptions& opts);

// The .jsonl files of the inputs: files as given, directories' *.jsonl (sorted by name).
std::vector<std::filesystem::path> RunFilesOf(const std::vector<std::filesystem::path>& inputs);

// report.html: self-contained (inline SVG and CSS, no scripts).
std::string CodesignReportHtml(const nlohmann::ordered_json& results);

}  // namespace dcoc::agents::codesign
