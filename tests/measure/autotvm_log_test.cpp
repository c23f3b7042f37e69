// AutoTVM log 0.2 for conv2d_packed.vta: a record as TVM writes it, dcoc's export read back
// losslessly, and every line dcoc cannot represent reported with its number and the reason.
#include <gtest/gtest.h>

#include <sstream>

#include "host/measure/autotvm_log.h"
#include "host/measure/database.h"
#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using testing::Record;
using testing::TempDir;

// resnet18.C5 (128 -> 128 channels, 28x28, 3x3, pad 1) on VTA's default 1x16x16: data 1x8x28x28x1x16,
// kernel 8x8x3x3x16x16. tile_h 14 is the 5th factor of 28 (1 2 4 7 14 28), tile_co 4 the 3rd of 8.
const char* kTvmLine =
    R"({"input": ["ext_dev -keys=vta,cpu -device=vta -model=sim_1x16_i8w8a32_15_15_18_17", "conv2d_packed.vta", )"
    R"([["TENSOR", [1, 8, 28, 28, 1, 16], "int8"], ["TENSOR", [8, 8, 3, 3, 16, 16], "int8"], [1, 1], [1, 1, 1, 1], )"
    R"([1, 1], "NCHW1n16c", "int32"], {}], "config": {"index": 0, "code_hash": null, "entity": [["tile_b", "sp", )"
    R"([-1, 1]], ["tile_h", "sp", [-1, 14]], ["tile_w", "sp", [-1, 28]], ["tile_ci", "sp", [-1, 2]], ["tile_co", )"
    R"("sp", [-1, 4]], ["oc_nthread", "ot", 2], ["h_nthread", "ot", 1]]}, "result": [[0.0021, 0.0023], 0, )"
    R"(1.75, 1700000000.5], "version": 0.2, "tvm_version": "0.8.0"})";

TEST(AutoTvmLog, ReadsARecordAsTvmWritesIt) {
  const ImportedRecord r = ParseAutoTvmLine(kTvmLine);
  EXPECT_EQ(r.layer.name, "resnet18.C5");
  EXPECT_EQ(r.layer.c, 128);
  EXPECT_EQ(r.layer.pad_h, 1);
  EXPECT_EQ(spec::ConfigTag(r.config), "1x16_i8w8a32_15_15_18_17");
  const Measurement& m = r.measurement;
  EXPECT_EQ(m.status, Status::kOk);
  EXPECT_EQ(m.backend, "autotvm");
  EXPECT_DOUBLE_EQ(m.seconds, 0.0022);
  EXPECT_EQ(m.cycles, 220000u);  // at the configuration's 100 MHz
  EXPECT_EQ(m.timestamp, "2023-11-14T22:13:20Z");
  compiler::Schedule want;
  want.tile_h = 14, want.tile_w = 28, want.tile_ci = 2, want.tile_co = 4, want.oc_nthread = 2;
  EXPECT_EQ(m.schedule, compiler::Normalize(r.layer, want));
  EXPECT_EQ(m.task, compiler::TaskKey(r.layer));

  // Written back: the same workload and entity, and the template's index (first knob fastest):
  // tile_h 4 + 6 * (tile_w 5 + 6 * (tile_ci 1 + 4 * (tile_co 2 + 4 * (oc_nthread 1)))).
  const nlohmann::json out = nlohmann::json::parse(AutoTvmLine(m, r.layer, r.config));
  const nlohmann::json in = nlohmann::json::parse(kTvmLine);
  EXPECT_EQ(out["input"], in["input"]);
  EXPECT_EQ(out["config"]["entity"], in["config"]["entity"]);
  EXPECT_EQ(out["config"]["index"], 4 + 6 * (5 + 6 * (1 + 4 * (2 + 4 * 1))));
  EXPECT_EQ(out["result"][1], 0);
  EXPECT_EQ(out["version"], 0.2);
}

TEST(AutoTvmLog, ExportImportRoundTrip) {
  TempDir dir;
  const spec::HwConfig c = spec::LoadConfig("default");
  const compiler::ConvLayer c5 = testing::Layer("resnet18.C5"), c11 = testing::Layer("resnet18.C11");
  compiler::Schedule a, b, split;
  a.tile_h = 7, a.tile_co = 2, a.h_nthread = 2;
  b.tile_w = 7, b.tile_ci = 8;
  split.tile_kh = 1;  // the template cannot split kernels
  std::vector<std::tuple<Measurement, compiler::ConvLayer>> recs = {
      {Record(c5, "default", a, Status::kOk, 612345), c5},
      {Record(c5, "default", b, Status::kWrongAnswer, 0), c5},
      {Record(c11, "default", a, Status::kCycleBound, 2000000), c11},
      {Record(c11, "default", b, Status::kOk, 777777, "fsim"), c11},
      {Record(c11, "default", split, Status::kOk, 999), c11}};
  std::get<0>(recs[1]).error = "3 of 100 outputs differ";
  std::stringstream log;
  int skipped = 0;
  for (const auto& [m, l] : recs) {
    if (!AutoTvmUnrepresentable(m, l, c).empty()) {
      ++skipped;
      EXPECT_THROW((void)AutoTvmLine(m, l, c), UsageError);
      continue;
    }
    log << AutoTvmLine(m, l, c) << "\n";
  }
  EXPECT_EQ(skipped, 1);
  log << "# a comment\n\n";
  const AutoTvmImport imp = ReadAutoTvmLog(log);
  EXPECT_TRUE(imp.skipped.empty());
  ASSERT_EQ(imp.records.size(), 4u);
  Database db(dir / "t.db");
  for (size_t i = 0; i < imp.records.size(); ++i) {
    const Measurement& want = std::get<0>(recs[i]);
    const Measurement& got = imp.records[i].measurement;
    EXPECT_EQ(imp.records[i].line, int64_t(i + 1));
    for (const char* key : {"task", "layer", "config_tag", "config_hash", "rtl_hash", "backend", "schedule",
                            "max_cycles", "status", "error", "cycles", "seconds", "estimate_cycles", "timestamp",
                            "version"})
      EXPECT_EQ(ToJson(got)[key], ToJson(want)[key]) << key << " of record " << i;
    EXPECT_EQ(compiler::ToJson(imp.records[i].layer), compiler::ToJson(std::get<1>(recs[i])));
    EXPECT_TRUE(db.Add(got, imp.records[i].layer, imp.records[i].config));
  }
  // Imported records answer lookups like measured ones.
  EXPECT_TRUE(db.Lookup(KeyOf(std::get<0>(recs[0])), 0));
}

TEST(AutoTvmLog, ReportsEveryLineItCannotRepresent) {
  nlohmann::json base = nlohmann::json::parse(kTvmLine);
  auto with = [&](auto edit) {
    nlohmann::json j = base;
    edit(j);
    return j.dump();
  };
  std::stringstream log;
  log << kTvmLine << "\n";                                                                      // 1: fine
  log << R"({"i": ["llvm", "conv2d", [], {}, [], {}], "r": [[1], 0, 1, 1], "v": 0.1})" << "\n";  // 2
  log << with([](nlohmann::json& j) { j["input"][1] = "dense_packed.vta"; }) << "\n";          // 3
  log << with([](nlohmann::json& j) { j["input"][2][4] = {2, 2}; }) << "\n";                     // 4
  log << with([](nlohmann::json& j) { j["input"][2][3] = {1, 1, 0, 0}; }) << "\n";               // 5
  log << with([](nlohmann::json& j) { j["config"]["entity"][1] = {"tile_h", "sp", {-1, 3}}; }) << "\n";  // 6
  log << with([](nlohmann::json& j) { j["config"]["entity"][0] = {"tile_x", "sp", {-1, 1}}; }) << "\n";  // 7
  log << "{not json\n";                                                                          // 8
  log << with([](nlohmann::json& j) { j["input"][0] = "ext_dev -keys=vta,cpu -device=vta"; }) << "\n";  // 9
  log << with([](nlohmann::json& j) { j["input"][2][0][1][5] = 32; }) << "\n";                   // 10
  log << with([](nlohmann::json& j) { j["config"]["entity"][4] = {"tile_co", "sp", {-1, 2, 2}}; }) << "\n";  // 11
  log << with([](nlohmann::json& j) { j["result"][1] = 4; }) << "\n";                            // 12: fine
  const AutoTvmImport imp = ReadAutoTvmLog(log);
  EXPECT_EQ(imp.lines, 12);
  ASSERT_EQ(imp.records.size(), 2u);
  EXPECT_EQ(imp.records[1].line, 12);
  EXPECT_EQ(imp.records[1].measurement.status, Status::kRuntimeError);
  std::map<int64_t, std::string> why;
  for (const LogIssue& s : imp.skipped) why[s.line] = s.message;
  ASSERT_EQ(why.size(), 10u);
  auto has = [&](int64_t line, std::string_view text) {
    EXPECT_NE(why[line].find(text), std::string::npos) << "line " << line << ": " << why[line];
  };
  has(2, "AutoTVM log version 0.1 is not supported");
  has(3, "task dense_packed.vta is not conv2d_packed.vta");
  has(4, "dilation [2,2] is not supported");
  has(5, "asymmetric padding [1,1,0,0]");
  has(6, "tile_h = [-1,3] does not split the extent 28");
  has(7, "knob tile_x is not a knob of conv2d_packed.vta");
  has(8, "not JSON");
  has(9, "names no VTA configuration");
  has(10, "do not match configuration 1x16_i8w8a32_15_15_18_17");
  has(11, "splits into 3 parts");
  // With --config, a target without -model is read.
  std::stringstream one(with([](nlohmann::json& j) { j["input"][0] = "ext_dev -keys=vta,cpu -device=vta"; }));
  EXPECT_EQ(ReadAutoTvmLog(one, "default").records.size(), 1u);
}

}  // namespace
}  // namespace dcoc::measure
