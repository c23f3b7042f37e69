// `dcoc bench codesign`'s analysis on small synthetic event streams with known answers (no simulator): the
// anytime designs (a baseline task at its default schedule's cycles until it has a result; DCOC's own best
// design), final cycles over seeds, DCOC's speedup and the measurements it needed to reach a baseline's final
// design, stitching of resumed and replayed files, the hardware rounds, the default-schedule lookup in a real
// tuning database, and malformed input naming the file and line.
#include "agents/dcoc/codesign_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "host/common/error.h"
#include "host/compiler/check.h"
#include "host/compiler/space.h"
#include "host/measure/database.h"
#include "host/spec/vta.h"
#include "tests/measure/test_util.h"

namespace dcoc::agents::codesign {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kBase = "1x16_i8w8a32_15_15_18_17_pack";
const std::string kBus = "1x16_i8w8a32_15_15_18_17_bus128_pack";

// Two tasks of a model "toy": A (twice in the model), B (once); 1,000 and 500 MACs.
const char* kKeyA = "conv2d:A";
const char* kKeyB = "conv2d:B";

std::string Line(const Json& j) { return j.dump() + "\n"; }

Json Meas(const std::string& task, const std::string& status, uint64_t cycles, int64_t done, int64_t total) {
  return {{"event", "measurement"}, {"task", task}, {"status", status}, {"cycles", cycles},
          {"memoized", false},      {"done", done}, {"total", total}};
}

// A baseline task's result entry; best 0: none.
Json BaselineTask(const std::string& name, int count, const char* key, double macs, uint64_t best) {
  Json t = {{"name", name},
            {"count", count},
            {"layer", name},
            {"task_key", key},
            {"trials", 3},
            {"memoized", 1},
            {"failed", 0},
            {"exhausted", false},
            {"early_stopped", false},
            {"measure_seconds", 2.0},
            {"fit_seconds", 0.5},
            {"search_seconds", 0.25},
            {"wall_seconds", 3.0},
            {"cost_seconds", 4.0}};
  if (best)
    t["best"] = {{"schedule", Json::object()}, {"cycles", best}, {"gops", 2.0 * macs / (double(best) / 1e8) / 1e9}};
  else
    t["best"] = nullptr;
  return t;
}

// autotvm on kBase, 5 measurements: A 100, A (bound) 150, A 80, then B 50, B `b2` (0: cycle-bound).
std::string Autotvm(uint64_t seed, uint64_t b2 = 40) {
  std::string s;
  s += Line({{"event", "task_start"}, {"task", "toy.A"}, {"done", 0}, {"total", 5}});
  s += Line(Meas("toy.A", "ok", 100, 1, 5));
  s += Line(Meas("toy.A", "cycle_bound", 150, 2, 5));
  s += Line(Meas("toy.A", "ok", 80, 3, 5));
  s += Line({{"event", "task_end"}, {"task", "toy.A"}, {"done", 3}, {"total", 5}});
  s += Line({{"event", "task_start"}, {"task", "toy.B"}, {"done", 3}, {"total", 5}});
  s += Line(Meas("toy.B", b2 ? "ok" : "cycle_bound", b2 ? 50 : 90, 4, 5));
  s += Line(Meas("toy.B", b2 ? "ok" : "cycle_bound", b2 ? b2 : 90, 5, 5));
  s += Line({{"event", "task_end"}, {"task", "toy.B"}, {"done", 5}, {"total", 5}});
  Json r = {{"event", "result"}, {"config", kBase},      {"backend", "verilator"}, {"tuner", "autotvm"},
            {"seed", seed},      {"interrupted", false}, {"wall_seconds", 10.0}};
  r["tasks"] = {BaselineTask("toy.A", 2, kKeyA, 1000, 80),
                BaselineTask("toy.B", 1, kKeyB, 500, b2 ? std::min<uint64_t>(50, b2) : 0)};
  s += Line(r);
  return s;
}

Json DcocTask(const std::string& name, int count, const compiler::ConvLayer& layer, double cycles) {
  return {{"name", name},     {"count", count}, {"layer", compiler::ToJson(layer)}, {"schedule", Json::object()},
          {"cycles", cycles}, {"gops", 1.0}};
}

compiler::ConvLayer ToyLayer(const std::string& name, int c) {
  compiler::ConvLayer l;
  l.name = name;
  l.c = c;  // MACs: c (n=h=w=k=r=s=1); 1,000 for A and 500 for B as the baseline's results say
  return l;
}

Json DcocEvent(const std::string& kind, const std::string& config, int64_t done, double best) {
  return {{"event", kind}, {"config", config}, {"done", done}, {"total", 4}, {"best_model_cycles", best}};
}

Json DcocMeas(const std::string& config, const std::string& task, uint64_t cycles, int64_t done, double best) {
  Json j = {{"event", "measurement"}, {"config", config}, {"task", task},
            {"status", "ok"},         {"cycles", cycles}, {"memoized", false},
            {"done", done},           {"total", 4},       {"best_model_cycles", best}};
  return j;
}

Json DcocResult(bool interrupted, double wall, const Json& params = Json::object(),
                const std::string& board = "pynq-z2", const std::string& chosen = kBus) {
  Json r = {{"event", "result"}, {"tuner", "dcoc"}, {"board", board}, {"backend", "verilator"}, {"seed", 1},
            {"params", params},  {"trials", 4},     {"measured", 4},  {"memoized", 0},          {"resumed", 0}};
  if (!interrupted) {
    r["config"] = spec::ConfigToJson(spec::ConfigFromTag(chosen));
    r["config_tag"] = chosen;
    r["resources"] = {{"lut", 1.0}, {"ff", 2.0}, {"dsp", 3.0}, {"bram36", 4.0}, {"uram", 0.0}, {"lutram", 0.0}};
    r["tasks"] = {DcocTask("toy.A", 2, ToyLayer("toy.A", 1000), 70), DcocTask("toy.B", 1, ToyLayer("toy.B", 500), 40)};
    r["model"] = {{"cycles", 180.0}, {"seconds", 1.8e-6}, {"gops", 1.0}, {"inferences_per_second", 1.0}};
  }
  r["stats"] = {{"fit_seconds", 1.5},      {"search_seconds", 0.5},     {"build_seconds", 60.0},
                {"measure_seconds", 70.0}, {"checkpoint_seconds", 0.1}, {"wall_seconds", wall}};
  r["interrupted"] = interrupted;
  return r;
}

// DCOC: round 1 on the base (A 90, B 45: design 225), round 2 on bus128 (A 70, B 40: design 180, the result).
std::string DcocFirstHalf() {
  return Line(DcocEvent("round", kBase, 0, 0)) + Line(DcocMeas(kBase, "toy.A", 90, 1, 0)) +
         Line(DcocMeas(kBase, "toy.B", 45, 2, 0));
}
std::string DcocSecondHalf() {
  return Line(DcocEvent("round", kBus, 2, 225)) + Line(DcocMeas(kBus, "toy.A", 70, 3, 225)) +
         Line(DcocMeas(kBus, "toy.B", 40, 4, 225));
}

// The same run on another base and chosen configuration (another board's).
std::string Retagged(std::string text, const std::string& base, const std::string& chosen) {
  for (const auto& [from, to] : {std::pair{kBus, chosen}, std::pair{kBase, base}})
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  return text;
}

RunFile Read(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  return ReadRunFile(in, name);
}

// Defaults: A 120, B 60 on the base; nothing on bus128.
CodesignReportOptions WithDefaults() {
  CodesignReportOptions o;
  const std::string ka = compiler::TaskKey(ToyLayer("toy.A", 1000)), kb = compiler::TaskKey(ToyLayer("toy.B", 500));
  o.default_cycles = [=](const std::string& key, const std::string& tag,
                         const std::string& backend) -> std::optional<uint64_t> {
    EXPECT_EQ(backend, "verilator");
    if (tag != kBase) return std::nullopt;
    if (key == kKeyA || key == ka) return 120;
    if (key == kKeyB || key == kb) return 60;
    return std::nullopt;
  };
  return o;
}

const Json& RunOf(const Json& model, const std::string& label, uint64_t seed) {
  for (const Json& r : model["runs"])
    if (r["label"] == label && r["seed"] == seed) return r;
  throw std::runtime_error("no run " + label);
}

const Json& LabelOf(const Json& model, const std::string& label) {
  for (const Json& e : model["per_label"])
    if (e["label"] == label) return e;
  throw std::runtime_error("no label " + label);
}

std::vector<double> Curve(const Json& run) { return run["curve_cycles"].get<std::vector<double>>(); }

TEST(CodesignReport, BaselineAnytimeDesignUsesDefaultSchedulesUntilATaskHasAResult) {
  const std::vector<RunFile> files = {Read(Autotvm(1), "autotvm.s1.jsonl")};
  const Json res = CodesignResults(files, WithDefaults());
  ASSERT_EQ(res["models"].size(), 1u);
  const Json& m = res["models"][0];
  EXPECT_EQ(m["model"], "toy");
  EXPECT_EQ(m["macs"].get<double>(), 2 * 1000 + 500);
  const Json& r = RunOf(m, "autotvm@" + kBase, 1);  // no DCOC run: no "default"
  // n1: 2x100 + B's default 60; n2 (a lower bound) changes nothing; n3: 2x80 + 60; n4: + B 50; n5: + B 40.
  EXPECT_THAT(Curve(r), ElementsAre(260, 260, 220, 210, 200));
  EXPECT_EQ(r["final"]["cycles"].get<double>(), 200);
  EXPECT_EQ(r["measurements_to_final"], 5);
  EXPECT_TRUE(r["final"]["default_schedule_tasks"].empty());
  // 2 x 2,500 ops at 100 MHz (pynq-z2's clock is the default when no DCOC run names a board) in 200 cycles.
  EXPECT_NEAR(r["final"]["gops"].get<double>(), 2.0 * 2500 / (200 / 1e8) / 1e9, 1e-9);
  EXPECT_NEAR(r["final"]["inferences_per_second"].get<double>(), 1e8 / 200, 1e-6);
  EXPECT_EQ(r["time"]["measure"].get<double>(), 4.0);
  EXPECT_EQ(r["time"]["measurement_cost"].get<double>(), 8.0);
  EXPECT_EQ(r["time"]["learning"].get<double>(), 1.0);
  EXPECT_TRUE(r["time"]["model_builds"].is_null());  // not recorded by the schedule tuners

  // Without a database the design exists only once every task has a result.
  const Json no_db = CodesignResults(files, CodesignReportOptions{});
  EXPECT_THAT(Curve(RunOf(no_db["models"][0], "autotvm@" + kBase, 1)), ElementsAre(0, 0, 0, 210, 200));
}

TEST(CodesignReport, ATaskWithoutAResultCountsAtItsDefaultScheduleOrLeavesNoDesign) {
  const std::vector<RunFile> files = {Read(Autotvm(1, 0), "autotvm.s1.jsonl")};
  const Json res = CodesignResults(files, WithDefaults());
  // B's MACs are unknown (no result, not a built-in layer): no GOPS, the rest stands.
  EXPECT_TRUE(res["models"][0]["macs"].is_null());
  EXPECT_THAT(res["models"][0]["macs_unknown"].get<std::vector<std::string>>(), ElementsAre("toy.B"));
  const Json& r = RunOf(res["models"][0], "autotvm@" + kBase, 1);
  EXPECT_TRUE(r["final"]["gops"].is_null());
  EXPECT_NEAR(r["final"]["inferences_per_second"].get<double>(), 1e8 / 220, 1e-6);
  EXPECT_THAT(CodesignReportHtml(res), HasSubstr("model inferences/s"));
  EXPECT_EQ(r["final"]["cycles"].get<double>(), 2 * 80 + 60);
  EXPECT_THAT(r["final"]["default_schedule_tasks"].get<std::vector<std::string>>(), ElementsAre("toy.B"));
  const Json without = CodesignResults(files, CodesignReportOptions{});
  const Json& w = RunOf(without["models"][0], "autotvm@" + kBase, 1);
  EXPECT_TRUE(w["final"]["cycles"].is_null());
  EXPECT_THAT(w["warnings"][0].get<std::string>(), HasSubstr("toy.B without a result"));
}

TEST(CodesignReport, DcocAgainstBaselinesOverSeeds) {
  const std::vector<RunFile> files = {
      Read(DcocFirstHalf() + DcocSecondHalf() + Line(DcocResult(false, 30)), "dcoc.s1.jsonl"),
      Read(Autotvm(1), "autotvm.s1.jsonl"), Read(Autotvm(2, 75), "autotvm.s2.jsonl")};
  const Json res = CodesignResults(files, WithDefaults());
  const Json& m = res["models"][0];
  EXPECT_EQ(m["default_config"], kBase);  // where DCOC started
  EXPECT_EQ(m["board"], "pynq-z2");
  const Json& d = RunOf(m, "dcoc", 1);
  // n1: the rule on the base (A 90 x 2 + B's default 60); n2: the round's design 225; n3: still 225; n4: the
  // result's design (the last round is observed after its last event).
  EXPECT_THAT(Curve(d), ElementsAre(240, 225, 225, 180));
  EXPECT_EQ(d["final"]["cycles"].get<double>(), 180);
  EXPECT_EQ(d["final"]["config"], kBus);
  EXPECT_EQ(d["hardware"]["config_tag"], kBus);
  EXPECT_TRUE(d["hardware"]["fit"]["fits"].get<bool>());
  EXPECT_EQ(d["time"]["model_builds"].get<double>(), 60);
  EXPECT_TRUE(d["time"]["measurement_cost"].is_null());
  ASSERT_EQ(d["rounds"].size(), 2u);
  EXPECT_TRUE(d["rounds"][0]["incumbent"].is_null());
  EXPECT_EQ(d["rounds"][1]["incumbent"], kBase);
  EXPECT_EQ(d["rounds"][1]["measured"][kBus]["measurements"], 2);
  EXPECT_THAT(d["configs_measured"].get<std::vector<std::string>>(), ElementsAre(kBase, kBus));

  // autotvm seed 2 ends at 2 x 80 + 50 = 210 (its B's second measurement, 75, is slower).
  const Json& a = LabelOf(m, "autotvm@default");
  EXPECT_EQ(a["cycles"]["mean"].get<double>(), 205);
  EXPECT_EQ(a["cycles"]["min"].get<double>(), 200);
  EXPECT_EQ(a["cycles"]["max"].get<double>(), 210);
  ASSERT_EQ(m["comparisons"].size(), 1u);
  const Json& c = m["comparisons"][0];
  EXPECT_NEAR(c["speedup"].get<double>(), std::sqrt(200.0 * 210.0) / 180, 1e-12);
  EXPECT_NEAR(c["speedup_pairs"]["min"].get<double>(), 200.0 / 180, 1e-12);
  // DCOC reaches 200 and 210 only with its final design, at measurement 4.
  EXPECT_EQ(c["pairs"], 2);
  EXPECT_EQ(c["pairs_reached"], 2);
  EXPECT_EQ(c["measurements_to_reach"]["mean"].get<double>(), 4);
  // autotvm seed 1 reaches its final at 5, seed 2 at 4.
  EXPECT_EQ(c["baseline_measurements_to_its_final"]["mean"].get<double>(), 4.5);
  ASSERT_EQ(res["geomean"]["speedup"].size(), 1u);
  EXPECT_NEAR(res["geomean"]["speedup"][0]["speedup_geomean"].get<double>(), c["speedup"].get<double>(), 1e-12);

  const std::string html = CodesignReportHtml(res);
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("autotvm@default"));
  EXPECT_THAT(html, HasSubstr("hardware measured per round"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("<script")));
}

TEST(CodesignReport, AResumedRunIsStitchedAndAReplayReplacesTheEarlierFile) {
  const std::vector<RunFile> files = {Read(DcocSecondHalf() + Line(DcocResult(false, 5)), "dcoc.resumed.jsonl"),
                                      Read(DcocFirstHalf() + Line(DcocResult(true, 10)), "dcoc.first.jsonl"),
                                      Read(Autotvm(1, 75), "autotvm.old.jsonl"), Read(Autotvm(1), "autotvm.new.jsonl")};
  CodesignReportOptions o = WithDefaults();
  const Json m = CodesignResults(files, o)["models"][0];
  const Json& d = RunOf(m, "dcoc", 1);
  EXPECT_THAT(Curve(d), ElementsAre(240, 225, 225, 180));
  EXPECT_THAT(d["files"].get<std::vector<std::string>>(), ElementsAre("dcoc.first.jsonl", "dcoc.resumed.jsonl"));
  EXPECT_EQ(d["time"]["wall"].get<double>(), 15);  // per invocation: summed
  EXPECT_EQ(d["starts_at"], 0);
  // Both autotvm files start at 0: the later one (same total: input order) replaces the earlier.
  const Json& a = RunOf(m, "autotvm@default", 1);
  EXPECT_THAT(a["files"].get<std::vector<std::string>>(), ElementsAre("autotvm.new.jsonl"));
  EXPECT_THAT(a["superseded"].get<std::vector<std::string>>(), ElementsAre("autotvm.old.jsonl"));

  // Only the resumed file: the curve starts at its first event; labels from --label and from the parameters.
  o.labels["dcoc.resumed.jsonl"] = "dcoc late";
  const Json late = CodesignResults(
      {Read(DcocSecondHalf() + Line(DcocResult(false, 5)), "dcoc.resumed.jsonl"),
       Read(DcocFirstHalf() + DcocSecondHalf() + Line(DcocResult(false, 5, {{"software_only", true}})), "sw.jsonl")},
      o)["models"][0];
  EXPECT_THAT(Curve(RunOf(late, "dcoc late", 1)), ElementsAre(0, 225, 225, 180));
  EXPECT_EQ(RunOf(late, "dcoc late", 1)["starts_at"], 2);
  EXPECT_EQ(RunOf(late, "dcoc {\"software_only\":true}", 1)["final"]["cycles"].get<double>(), 180);
}

TEST(CodesignReport, BoardsAreSeparateScenariosWithTheirOwnDefaultAndClock) {
  const std::string zcu = "1x16_i8w8a32_15_15_18_17", zcu_bus = "1x16_i8w8a32_15_15_18_17_bus128";
  const std::string dcoc = DcocFirstHalf() + DcocSecondHalf();
  const std::vector<RunFile> files = {
      Read(dcoc + Line(DcocResult(false, 30)), "dcoc.s1.jsonl"), Read(Autotvm(1), "autotvm.s1.jsonl"),
      Read(Retagged(dcoc, zcu, zcu_bus) + Line(DcocResult(false, 30, Json::object(), "zcu104", zcu_bus)),
           "dcoc.zcu104.s1.jsonl"),
      Read(Retagged(Autotvm(1), zcu, zcu_bus), "autotvm.zcu104.s1.jsonl"),
      Read(Retagged(Autotvm(1), kBus, kBus), "autotvm.dcochw.s1.jsonl")};
  const Json res = CodesignResults(files, WithDefaults());
  ASSERT_EQ(res["models"].size(), 2u);
  for (const Json& m : res["models"]) {
    const bool z = m["board"] == "zcu104";
    EXPECT_EQ(m["clock_mhz"].get<double>(), z ? 250 : 100) << m["board"];
    EXPECT_EQ(m["default_config"], z ? zcu : kBase);
    std::vector<std::string> labels;
    for (const Json& e : m["per_label"]) labels.push_back(e["label"]);
    if (z)
      EXPECT_THAT(labels, ElementsAre("dcoc", "autotvm@default"));
    else
      EXPECT_THAT(labels, ElementsAre("dcoc", "autotvm@default", "autotvm@" + kBus));  // on DCOC's choice
    EXPECT_NEAR(RunOf(m, "dcoc", 1)["final"]["inferences_per_second"].get<double>(), (z ? 250e6 : 100e6) / 180, 1e-6);
  }
  ASSERT_EQ(res["geomean"]["speedup"].size(), 3u);
  EXPECT_EQ(res["geomean"]["speedup"][0]["board"], "pynq-z2");
  // pynq-z2: autotvm reaches 200 cycles on the default and on DCOC's bus128 alike, DCOC 180: all software.
  for (const Json& m : res["models"]) {
    if (m["board"] != "pynq-z2") continue;
    ASSERT_EQ(m["hardware_software"].size(), 1u);
    const Json& hs = m["hardware_software"][0];
    EXPECT_EQ(hs["hardware"], kBus);
    EXPECT_NEAR(hs["hardware_share"].get<double>(), 1.0, 1e-12);
    EXPECT_NEAR(hs["software_share"].get<double>(), 200.0 / 180, 1e-12);
  }

  // Two DCOC runs from 0 with one label and seed (ablations whose result lines lack their parameters).
  try {
    CodesignResults({files[0], Read(dcoc + Line(DcocResult(false, 30)), "dcoc_ncs.s1.jsonl")}, WithDefaults());
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dcoc.s1.jsonl and dcoc_ncs.s1.jsonl are two DCOC runs labelled \"dcoc\""));
    EXPECT_THAT(e.what(), HasSubstr("--label"));
  }
}

// Seeds that choose different hardware: each DCOC run is paired with the baseline's run of its seed on the
// hardware it chose, and the summary is the geometric mean of the per-run shares.
TEST(CodesignReport, TheHardwareSoftwareSplitPairsEachSeedWithTheBaselineOnItsOwnHardware) {
  const std::string bus256 = "1x16_i8w8a32_15_15_18_17_bus256_pack";
  const std::string dcoc = DcocFirstHalf() + DcocSecondHalf();
  Json second = DcocResult(false, 30, Json::object(), "pynq-z2", bus256);
  second["seed"] = 2;
  const std::vector<RunFile> files = {
      Read(dcoc + Line(DcocResult(false, 30)), "dcoc.s1.jsonl"),
      Read(Retagged(dcoc, kBase, bus256) + Line(second), "dcoc.s2.jsonl"),
      Read(Autotvm(1), "autotvm.s1.jsonl"),
      Read(Autotvm(2), "autotvm.s2.jsonl"),
      Read(Retagged(Autotvm(1), kBus, kBus), "autotvm.dcochw.s1.jsonl"),       // 200 cycles: as on the default
      Read(Retagged(Autotvm(2, 20), bus256, bus256), "autotvm.dcochw.s2.jsonl")};  // 180: the hardware helps
  const Json m = CodesignResults(files, WithDefaults())["models"][0];
  ASSERT_EQ(m["hardware_software"].size(), 1u);
  const Json& hs = m["hardware_software"][0];
  EXPECT_TRUE(hs["hardware"].is_null());  // two choices
  EXPECT_EQ(hs["runs"], 2);
  const double r = 200.0 / 180;
  EXPECT_NEAR(hs["speedup"].get<double>(), r, 1e-12);
  EXPECT_NEAR(hs["hardware_share"].get<double>(), std::sqrt(r), 1e-12);
  EXPECT_NEAR(hs["software_share"].get<double>(), std::sqrt(r), 1e-12);
  ASSERT_EQ(hs["per_seed"].size(), 2u);
  EXPECT_EQ(hs["per_seed"][0]["hardware"], kBus);
  EXPECT_NEAR(hs["per_seed"][0]["hardware_share"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(hs["per_seed"][0]["software_share"].get<double>(), r, 1e-12);
  EXPECT_EQ(hs["per_seed"][1]["hardware"], bus256);
  EXPECT_NEAR(hs["per_seed"][1]["hardware_share"].get<double>(), r, 1e-12);
  EXPECT_NEAR(hs["per_seed"][1]["software_share"].get<double>(), 1.0, 1e-12);

  // Without the baseline on seed 2's hardware, only seed 1 is paired.
  const Json one = CodesignResults({files[0], files[1], files[2], files[3], files[4]}, WithDefaults())["models"][0];
  ASSERT_EQ(one["hardware_software"].size(), 1u);
  EXPECT_EQ(one["hardware_software"][0]["runs"], 1);
  EXPECT_EQ(one["hardware_software"][0]["hardware"], kBus);
}

// The measured default schedule is a candidate of every design (the tuners' rule since 2026-12-01, applied to
// older result lines too): a baseline task whose trials lose to its default counts at the default from the
// start of the curve (which never rises), and DCOC's tasks on its chosen hardware likewise.
TEST(CodesignReport, AMeasuredDefaultFasterThanTheTrialsIsPartOfTheDesign) {
  CodesignReportOptions o;
  const std::string ka = compiler::TaskKey(ToyLayer("toy.A", 1000)), kb = compiler::TaskKey(ToyLayer("toy.B", 500));
  o.default_cycles = [=](const std::string& key, const std::string& tag, const std::string&) -> std::optional<uint64_t> {
    const bool a = key == kKeyA || key == ka, b = key == kKeyB || key == kb;
    if (tag == kBase) return a ? 120 : b ? 45 : 0;  // B's default beats autotvm's trials (50, 60)
    if (tag == kBus && a) return 65;                 // A's beats DCOC's 70 there
    return std::nullopt;
  };
  const Json m = CodesignResults({Read(Autotvm(1, 60), "autotvm.jsonl"),
                                  Read(DcocFirstHalf() + DcocSecondHalf() + Line(DcocResult(false, 5)), "dcoc.jsonl")},
                                 o)["models"][0];
  const Json& a = RunOf(m, "autotvm@default", 1);
  EXPECT_THAT(Curve(a), ElementsAre(245, 245, 205, 205, 205));
  EXPECT_EQ(a["final"]["cycles"].get<double>(), 205);
  EXPECT_THAT(a["final"]["default_schedule_tasks"].get<std::vector<std::string>>(), ElementsAre("toy.B"));
  EXPECT_TRUE(a["warnings"].empty()) << a["warnings"];
  const Json& d = RunOf(m, "dcoc", 1);
  EXPECT_THAT(Curve(d), ElementsAre(225, 225, 225, 170));  // B at its default 45 until measured
  EXPECT_EQ(d["final"]["cycles"].get<double>(), 2 * 65 + 40);
  EXPECT_THAT(d["final"]["default_schedule_tasks"].get<std::vector<std::string>>(), ElementsAre("toy.A"));
  EXPECT_TRUE(d["warnings"].empty()) << d["warnings"];
}

TEST(CodesignReport, AFileWithoutResultLineIsSkipped) {
  const std::string text = DcocFirstHalf() + R"({"event":"measurement","config":")";  // being written
  const RunFile f = Read(text, "running.jsonl");
  EXPECT_FALSE(f.finished);
  const Json res = CodesignResults({f, Read(Autotvm(1), "a.jsonl")}, CodesignReportOptions{});
  ASSERT_EQ(res["skipped"].size(), 1u);
  EXPECT_EQ(res["skipped"][0]["file"], "running.jsonl");
}

TEST(CodesignReport, PartialShowsRunsStillBeingWrittenOutsideTheSummaries) {
  // autotvm on resnet18 (built in: 12 tasks, 21 layers), 2 of 10 measurements so far, no result line.
  const std::string text = Line({{"event", "task_start"}, {"task", "resnet18.C1"}, {"done", 0}, {"total", 10}}) +
                           Line(Meas("resnet18.C1", "ok", 500, 1, 10)) + Line(Meas("resnet18.C1", "ok", 400, 2, 10));
  CodesignReportOptions o;
  o.partial = true;
  o.default_config = kBase;
  o.board = "pynq-z2";
  o.default_cycles = [](const std::string&, const std::string& tag, const std::string&) -> std::optional<uint64_t> {
    return tag == kBase ? std::optional<uint64_t>(1000) : std::nullopt;
  };
  const Json res = CodesignResults({Read(text, "runs/autotvm.s2.jsonl")}, o);
  ASSERT_EQ(res["models"].size(), 1u);
  const Json& m = res["models"][0];
  const Json& r = RunOf(m, "autotvm@default", 2);
  EXPECT_TRUE(r["unfinished"].get<bool>());
  // Every other task at its default (20 x 1,000), C1 at its best so far; the curve ends at measurement 2.
  EXPECT_THAT(Curve(r), ElementsAre(20500, 20400));
  EXPECT_TRUE(r["time"]["wall"].is_null());
  const Json& e = LabelOf(m, "autotvm@default");
  EXPECT_TRUE(e["seeds"].empty());
  EXPECT_EQ(e["unfinished_runs"], 1);
  EXPECT_TRUE(e["cycles"].is_null());
  EXPECT_THAT(CodesignReportHtml(res), HasSubstr("unfinished: 2 of 10 measurements"));

  // Without --partial it is skipped; with it, a name that says no tuner or no seed is an error naming the file.
  EXPECT_EQ(CodesignResults({Read(text, "runs/autotvm.s2.jsonl")}, CodesignReportOptions{})["skipped"].size(), 1u);
  const auto error = [&](const std::string& name) -> std::string {
    try {
      CodesignResults({Read(text, name)}, o);
    } catch (const UsageError& err) {
      return err.what();
    }
    return "";
  };
  EXPECT_THAT(error("runs/bench.s2.jsonl"), HasSubstr("runs/bench.s2.jsonl: unfinished, and its name does not start "
                                                      "with a tuner"));
  EXPECT_THAT(error("runs/autotvm.jsonl"), HasSubstr("runs/autotvm.jsonl: unfinished, and its name has no seed"));
}

std::string ErrorOf(const std::string& text, const std::string& name = "runs/x.jsonl") {
  try {
    Read(text, name);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(CodesignReport, MalformedInputNamesTheFileAndLine) {
  const std::string start = Line({{"event", "task_start"}, {"task", "toy.A"}, {"done", 0}, {"total", 5}});
  EXPECT_THAT(ErrorOf(start + "{not json\n" + start), HasSubstr("runs/x.jsonl:2: malformed JSON"));
  EXPECT_THAT(ErrorOf(start + "[1, 2]\n"), HasSubstr("runs/x.jsonl:2: not a JSON object"));
  Json no_cycles = Meas("toy.A", "ok", 1, 1, 5);
  no_cycles.erase("cycles");
  EXPECT_THAT(ErrorOf(start + Line(no_cycles)),
              HasSubstr("runs/x.jsonl:2: measurement event: field \"cycles\" is missing"));
  Json text_cycles = Meas("toy.A", "ok", 1, 1, 5);
  text_cycles["cycles"] = "many";
  EXPECT_THAT(ErrorOf(start + Line(text_cycles)), HasSubstr(":2: measurement event: field \"cycles\" is \"many\""));
  EXPECT_THAT(ErrorOf(start + Line({{"event", "lunch"}})), HasSubstr(":2: unknown event \"lunch\""));
  EXPECT_THAT(ErrorOf(start + Line(Meas("toy.A", "ok", 1, 1, 5)) + Line(Meas("toy.A", "ok", 1, 3, 5))),
              HasSubstr("runs/x.jsonl:3: measurement event: done 3 after 1"));
  EXPECT_THAT(ErrorOf(Autotvm(1) + start), HasSubstr(":11: a line after the result line"));
  Json bad_result = Json::parse(Autotvm(1).substr(Autotvm(1).rfind("{\"event\":\"result\"")));
  bad_result["tasks"][1].erase("task_key");
  const std::string body = Autotvm(1).substr(0, Autotvm(1).rfind("{\"event\":\"result\""));
  EXPECT_THAT(ErrorOf(body + Line(bad_result)),
              HasSubstr("runs/x.jsonl:10: result event, task toy.B: field \"task_key\" is missing"));
  bad_result = Json::parse(Autotvm(1).substr(Autotvm(1).rfind("{\"event\":\"result\"")));
  bad_result["tuner"] = "dcoc";
  EXPECT_THAT(ErrorOf(body + Line(bad_result)), HasSubstr("runs/x.jsonl:10: result event: field \"board\" is missing"));
}

TEST(CodesignReport, DefaultCyclesComeFromTheDatabasesRecordOfTheDefaultSchedule) {
  measure::testing::TempDir dir;
  const compiler::ConvLayer l = measure::testing::Layer("resnet18.C11");
  const spec::HwConfig c = spec::LoadConfig("default");
  const compiler::Schedule def = compiler::DefaultSchedule(l, spec::Spec::Create(c));
  compiler::Schedule other = def;
  other.oc_nthread = def.oc_nthread == 1 ? 2 : 1;
  {
    measure::Database db(dir / "t.db");
    db.Add(measure::testing::Record(l, "default", other, measure::Status::kOk, 400000), l, c);
    db.Add(measure::testing::Record(l, "default", def, measure::Status::kOk, 470895), l, c);
  }
  const DefaultCycles f = DefaultCyclesFromDatabase(dir / "t.db");
  const std::string key = compiler::TaskKey(l), tag = spec::ConfigTag(c);
  EXPECT_EQ(f(key, tag, "verilator"), std::optional<uint64_t>(470895));
  EXPECT_EQ(f(key, tag, "fsim"), std::nullopt);
  EXPECT_EQ(f(key, tag + "_bus128", "verilator"), std::nullopt);
  EXPECT_EQ(f("no such task", tag, "verilator"), std::nullopt);
}

#ifdef DCOC_CLI
// The command: a directory of runs in, results.json and report.html out; a malformed file is an error naming it
// and its line, with a non-zero exit.
TEST(CodesignReport, CommandWritesTheReportAndNamesAMalformedLine) {
  measure::testing::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream f(dir / "runs" / name);
    f << text;
  };
  std::filesystem::create_directories(dir / "runs");
  write("dcoc.s1.jsonl", DcocFirstHalf() + DcocSecondHalf() + Line(DcocResult(false, 30)));
  write("autotvm.s1.jsonl", Autotvm(1));
  write("notes.txt", "not a run");
  const std::string out = (dir / "out").string(), log = (dir / "log.txt").string();
  const auto run = [&]() {
    return std::system((std::string(DCOC_CLI) + " bench codesign --runs " + (dir / "runs").string() + " -o " + out +
                        " >" + log + " 2>&1")
                           .c_str());
  };
  ASSERT_EQ(run(), 0);
  std::ifstream rf(dir / "out" / "results.json");
  const Json res = Json::parse(rf);
  ASSERT_EQ(res["models"].size(), 1u);
  EXPECT_NEAR(res["models"][0]["comparisons"][0]["speedup"].get<double>(), 200.0 / 180, 1e-12);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "out" / "report.html"));

  write("autotvm.s2.jsonl", Line({{"event", "task_start"}, {"task", "toy.A"}, {"done", 0}, {"total", 5}}) +
                                "{\"event\": \"measurement\", \"task\": \"toy.A\"}\n");
  EXPECT_NE(run(), 0);
  std::ifstream lf(log);
  std::stringstream text;
  text << lf.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("error: " + (dir / "runs" / "autotvm.s2.jsonl").string() +
                                    ":2: measurement event: field \"done\" is missing"));
}
#endif

}  // namespace
}  // namespace dcoc::agents::codesign
