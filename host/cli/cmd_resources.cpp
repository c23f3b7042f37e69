// dcoc rtl resources|boards|calibrate|model|sweep: what a configuration costs on an FPGA (Yosys estimate or
// the resource model), whether it fits a board under the board file's caps, the model's calibration, and
// every configuration of a space that fits a board.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boards/board.h"
#include "boards/fit.h"
#include "boards/gemm_choice.h"
#include "boards/ram_mapping.h"
#include "boards/resource_model.h"
#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/cache.h"
#include "host/common/error.h"
#include "host/spec/hw_space.h"
#include "rtl/gen/rtlgen.h"
#include "rtl/gen/tools.h"

namespace dcoc::cli {

namespace {

std::string DefaultFamily(const std::string& board) { return board.empty() ? "xc7" : boards::LoadBoard(board).family; }

void PrintFit(const boards::Board& b, const boards::Fit& f) {
  fmt::print("board {} ({}): {}\n", b.name, b.part, f.fits ? "FITS under its caps" : "DOES NOT FIT under its caps");
  for (const boards::ResourceFit& r : f.resources) {
    if (r.available == 0 && r.used == 0) continue;
    fmt::print("  {:<7} {:>10.1f} of {:>9.0f}  {:>6.1f}%  cap {:>3.0f}%{}\n", boards::Name(r.resource), r.used,
               r.available, r.utilization * 100, r.cap * 100, r.exceeded ? "  EXCEEDED" : "");
  }
  fmt::print("  limiting: {}\n", boards::Name(f.limiting));
}

std::string YosysVersion() {
  const auto tmp = std::filesystem::temp_directory_path() / "dcoc-yosys-version.txt";
  if (std::system(fmt::format("yosys -V > '{}' 2>&1", tmp.string()).c_str()) != 0) return "";
  std::ifstream in(tmp);
  std::string line;
  std::getline(in, line);
  return line;
}

double Percent(double x) { return x * 100.0; }

// The model against the calibration file: one line per point and the largest errors per role.
nlohmann::ordered_json ModelReport(const boards::ResourceModel& m, const boards::Calibration& c, bool print) {
  const auto evals = boards::Evaluate(m, c);
  nlohmann::ordered_json j;
  j["model"] = m.ToJson();
  j["points"] = nlohmann::ordered_json::array();
  std::map<std::string, boards::Resources> worst;  // role -> largest |error| per resource
  if (print) {
    fmt::print("{:<40} {:<11} {:>16} {:>16} {:>11} {:>13}\n", "configuration", "role", "LUT yosys/model",
               "FF yosys/model", "DSP", "BRAM36");
  }
  for (const auto& e : evals) {
    nlohmann::ordered_json p;
    p["config"] = e.point.config;
    p["role"] = e.point.role;
    p["yosys"] = boards::ToJson(e.point.yosys);
    p["predicted"] = boards::ToJson(e.predicted);
    for (boards::Resource r : boards::kAllResources) {
      p["error"][std::string(boards::Name(r))] = e.error.Get(r);
      double& w = worst[e.point.role].At(r);
      w = std::max(w, std::abs(e.error.Get(r)));
    }
    j["points"].push_back(p);
    if (print)
      fmt::print("{:<40} {:<11} {:>7.0f}/{:<7.0f}{:+5.1f}% {:>6.0f}/{:<6.0f}{:+5.1f}% {:>4.0f}/{:<4.0f}{:+4.1f}% {:>5.1f}/{:<5.1f}{:+4.1f}%\n",
                 e.point.config, e.point.role, e.point.yosys.lut, e.predicted.lut, Percent(e.error.lut), e.point.yosys.ff,
                 e.predicted.ff, Percent(e.error.ff), e.point.yosys.dsp, e.predicted.dsp, Percent(e.error.dsp),
                 e.point.yosys.bram36, e.predicted.bram36, Percent(e.error.bram36));
  }
  // Leave-one-out over the calibration points: each predicted by the model fitted on the others.
  const auto loo = boards::LeaveOneOut(c, m.fitted_on());
  for (const auto& e : loo) {
    nlohmann::ordered_json p;
    p["config"] = e.point.config;
    p["predicted"] = boards::ToJson(e.predicted);
    for (boards::Resource r : boards::kAllResources) {
      p["error"][std::string(boards::Name(r))] = e.error.Get(r);
      double& w = worst["leave-one-out"].At(r);
      w = std::max(w, std::abs(e.error.Get(r)));
    }
    j["leave_one_out"].push_back(p);
    if (print)
      fmt::print("{:<40} {:<11} {:>7.0f}/{:<7.0f}{:+5.1f}% {:>6.0f}/{:<6.0f}{:+5.1f}%\n", e.point.config, "left out",
                 e.point.yosys.lut, e.predicted.lut, Percent(e.error.lut), e.point.yosys.ff, e.predicted.ff,
                 Percent(e.error.ff));
  }
  for (const auto& [role, w] : worst) {
    j["max_abs_error"][role] = boards::ToJson(w);
    if (print)
      fmt::print("largest |error| on {} points: LUT {:.1f}%  FF {:.1f}%  DSP {:.1f}%  BRAM36 {:.1f}%  URAM {:.1f}%\n", role,
                 Percent(w.lut), Percent(w.ff), Percent(w.dsp), Percent(w.bram36), Percent(w.uram));
  }
  return j;
}

// Median time of one Predict over the default hardware space's valid configurations.
double PredictNanoseconds(const boards::ResourceModel& m) {
  std::vector<spec::HwConfig> configs;
  spec::HwSpace::Default().ForEach([&](const spec::Spec& s) {
    configs.push_back(s.config);
    return configs.size() < 2000;
  });
  std::vector<double> ns;
  volatile double sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& c : configs) sink = sink + m.Predict(spec::Spec::Create(c)).lut;
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
                 double(configs.size()));
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

}  // namespace

void RegisterResourceCommands(CLI::App& app) {
  auto* rtl = app.get_subcommand("rtl");
  static std::string config = "default", board, family, file, only, space_text;
  static bool json = false, model = false, all = false, choose_gemm = false;
  static std::string gemm_mac = "as-given";
  static int jobs = 1;
  static size_t top = 0;

  auto* res = rtl->add_subcommand("resources", "LUT, FF, DSP, BRAM36, URAM of a configuration: Yosys (cached) or the model");
  res->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  res->add_option("--board", board, "Board (boards/*.json): report the fit under the board file's caps");
  res->add_option("--family", family, "FPGA family, xc7 or xcup (default: the board's, else xc7)");
  res->add_flag("--model", model, "The resource model's prediction (microseconds) instead of a Yosys run (minutes)");
  res->add_flag("--choose-gemm", choose_gemm,
                "With --board: if the configuration does not fit, try GEMM_MAC pack, mix (the largest DSP budget the cap "
                "leaves) and lut, and report the first that fits");
  res->add_flag("--json", json, "Machine-readable output");
  res->callback([] {
    if (choose_gemm && board.empty()) throw UsageError("--choose-gemm needs --board");
    spec::Spec s = SpecFor(config);
    const std::string fam = family.empty() ? DefaultFamily(board) : family;
    nlohmann::ordered_json choice;
    if (choose_gemm) {
      const boards::Board cb = boards::LoadBoard(board);
      const boards::Estimator estimate = [&](const spec::Spec& x) {
        if (model) return boards::ResourceModel::ForFamily(fam).Predict(x);
        if (!json) fmt::print(stderr, "yosys synth_xilinx -family {} of {} (cached after the first run)\n", fam, x.tag);
        return rtl::EstimateResources(x, fam, DefaultCacheDir()).used;
      };
      const boards::GemmChoice g = boards::ChooseGemmMac(s.config, cb, estimate);
      for (const auto& t : g.tried) {
        nlohmann::ordered_json e;
        e["config"] = spec::ConfigTag(t.config);
        e["fits"] = t.fit.fits;
        e["limiting"] = boards::Name(t.fit.limiting);
        choice["tried"].push_back(e);
        if (!json)
          fmt::print("GEMM_MAC {:<6} {:<44} {}\n", spec::Name(t.config.gemm_mac), spec::ConfigTag(t.config),
                     t.fit.fits ? "fits" : fmt::format("does not fit (limiting {})", boards::Name(t.fit.limiting)));
      }
      choice["chosen"] = spec::ConfigTag(g.config);
      choice["fits"] = g.fits;
      s = spec::Spec::Create(g.config);
      if (!json) fmt::print("{}: {}\n", g.fits ? "chosen" : "nothing fits; closest", s.tag);
    }
    nlohmann::ordered_json j;
    j["config"] = s.tag;
    boards::Resources used;
    std::string header;
    if (model) {
      const boards::ResourceModel& m = boards::ResourceModel::ForFamily(fam);
      const auto t0 = std::chrono::steady_clock::now();
      const boards::Prediction p = m.PredictDetailed(s);
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      used = p.total;
      j["source"] = "model";
      j["family"] = fam;
      j["resources"] = boards::ToJson(used);
      j["dsp"] = {{"gemm", p.dsp_gemm}, {"alu", p.dsp_alu}, {"bounds", p.dsp_fixed}};
      for (const auto& [name, r] : p.memories) j["memories"][name] = boards::ToJson(r);
      j["microseconds"] = us;
      for (std::string_view u : p.uncalibrated) j["uncalibrated"].push_back(std::string(u));
      header = fmt::format("{} ({}, model fitted on {}): LUT {:.0f} (LUTRAM {:.0f})  FF {:.0f}  DSP {:.0f} (GEMM {:.0f}, ALU "
                           "{:.0f}, bounds {:.0f})  BRAM36 {:.1f}  URAM {:.0f}  [{:.1f} us]",
                           s.tag, fam, m.fitted_on(), used.lut, used.lutram, used.ff, used.dsp, p.dsp_gemm, p.dsp_alu,
                           p.dsp_fixed, used.bram36, used.uram, us);
    } else {
      if (!json) fmt::print(stderr, "yosys synth_xilinx -family {} of {} (cached after the first run, minutes otherwise)\n", fam, s.tag);
      const rtl::SynthEstimate r = rtl::EstimateResources(s, fam, DefaultCacheDir());
      used = r.used;
      j["source"] = "yosys";
      j["resources"] = rtl::ToJson(r);
      header = fmt::format("{} ({}): LUT {:.0f} (LUTRAM {:.0f})  FF {:.0f}  DSP {:.0f}  BRAM36 {:.1f}  URAM {:.0f}{}", s.tag, fam,
                           used.lut, used.lutram, used.ff, used.dsp, used.bram36, used.uram,
                           r.cached ? "  [cached]" : fmt::format("  [yosys {:.0f} s]", r.seconds));
    }
    std::optional<boards::Board> b;
    std::optional<boards::Fit> f;
    if (!board.empty()) {
      b = boards::LoadBoard(board);
      f = boards::FitsBoard(used, *b);
      j["board"] = b->name;
      j["part"] = b->part;
      j["fit"] = boards::ToJson(*f);
    }
    if (choose_gemm) j["gemm_choice"] = choice;
    if (json) {
      PrintJson(j);
      return;
    }
    fmt::print("{}\n", header);
    if (j.contains("uncalibrated"))
      fmt::print("warning: no calibration point has {}: LUT/FF lack that part (run `dcoc rtl calibrate`)\n",
                 j["uncalibrated"].dump());
    if (b) PrintFit(*b, *f);
  });

  auto* brd = rtl->add_subcommand("boards", "List the board descriptors in boards/ (resources and caps)");
  brd->add_flag("--json", json, "Machine-readable output");
  brd->callback([] {
    nlohmann::ordered_json all_boards = nlohmann::ordered_json::array();
    for (const auto& n : boards::BoardNames()) {
      const boards::Board b = boards::LoadBoard(n);
      all_boards.push_back(boards::ToJson(b));
      if (json) continue;
      fmt::print("{:<12} {:<24} {:>8.0f} LUT {:>8.0f} FF {:>6.0f} DSP {:>6.0f} BRAM36 {:>5.0f} URAM  {:>4.0f} MHz  {} bit "
                 "{:.1f} GB/s {}\n",
                 b.name, b.part, b.available.lut, b.available.ff, b.available.dsp, b.available.bram36, b.available.uram,
                 b.clock_mhz, b.bus_bits, b.bandwidth_gbps, b.memory);
      std::string caps;
      for (boards::Resource r : boards::kAllResources)
        if (b.available.Get(r) > 0)
          caps += fmt::format("{}{} {:.0f}%", caps.empty() ? "" : ", ", boards::Name(r), b.CapOf(r).max_utilization * 100);
      fmt::print("{:<12} caps: {}\n", "", caps);
    }
    if (json) PrintJson(all_boards);
  });

  auto* cal = rtl->add_subcommand(
      "calibrate",
      "Synthesize every configuration of the resource model's designed set with Yosys (cached; minutes each) and write "
      "their figures into the calibration file; then print the model's errors");
  cal->add_option("--file", file, "Calibration file (default: boards/model/resource_calibration.json)");
  cal->add_option("-j,--jobs", jobs, "Yosys runs at a time")->capture_default_str()->check(CLI::Range(1, 8));
  cal->add_option("--only", only, "Comma-separated configurations of the set to (re)synthesize; the others keep their figures");
  cal->callback([] {
    // Writes the calibration file back: a file on disk, never the copy built into the binary.
    const std::filesystem::path path = file.empty() ? boards::DefaultCalibrationPath() : std::filesystem::path(file);
    if (path.empty())
      throw UsageError("rtl calibrate rewrites the calibration file: give --file boards/model/resource_calibration.json "
                       "(or set DCOC_BOARDS_DIR to the boards folder)");
    boards::Calibration c = boards::LoadCalibration(path);
    c.yosys_version = YosysVersion();
    c.flow = fmt::format("read_verilog -sv <generated sources>; {}; stat -json (tops: {} for whole designs, {} for "
                         "components; <lut inputs> is 6 on xc7 and xcup): synth_xilinx without its share pass",
                         rtl::SynthScript("<family>", "<top>"), "vta_top", "vta_gemm_dp");
    std::vector<size_t> todo;
    for (size_t i = 0; i < c.points.size(); ++i)
      if (only.empty() || ("," + only + ",").find("," + c.points[i].config + ",") != std::string::npos) todo.push_back(i);
    if (todo.empty()) throw UsageError(fmt::format("--only {} names no configuration of {}", only, path.string()));
    std::mutex mu;
    size_t next = 0, done = 0;
    std::string first_error;
    auto worker = [&] {
      for (;;) {
        size_t i;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (next == todo.size() || !first_error.empty()) return;
          i = todo[next++];
        }
        boards::CalibrationPoint& p = c.points[i];
        try {
          const spec::Spec s = SpecFor(p.config);
          const rtl::SynthEstimate r = rtl::EstimateResources(s, p.family, DefaultCacheDir(), p.Top());
          std::lock_guard<std::mutex> lock(mu);
          p.measured = true;
          p.yosys = r.used;
          if (!r.cached) {
            p.synth_seconds = r.seconds;
            p.cpu_seconds = r.cpu_seconds;
          }
          p.design_hash = rtl::DesignHash(s);
          ++done;
          fmt::print(stderr, "[{}/{}] {} {} ({}): LUT {:.0f} FF {:.0f} DSP {:.0f} BRAM36 {:.1f}{}\n", done, todo.size(),
                     p.config, p.Top(), p.family, r.used.lut, r.used.ff, r.used.dsp, r.used.bram36,
                     r.cached ? " [cached]" : fmt::format(" [{:.0f} s, {:.0f} CPU-s]", r.seconds, r.cpu_seconds));
        } catch (const Error& e) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) first_error = fmt::format("{}: {}", p.config, e.what());
        }
      }
    };
    fmt::print(stderr, "synthesizing {} configurations, {} at a time\n", todo.size(), jobs);
    std::vector<std::thread> threads;
    for (int t = 0; t < jobs; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    const std::string text = boards::ToJson(c).dump(2) + "\n";
    std::ofstream(path) << text;
    fmt::print(stderr, "wrote {}\n", path.string());
    if (!first_error.empty()) throw Error(first_error);
    for (const std::string fam : {"xc7", "xcup"}) {
      const bool any = std::any_of(c.points.begin(), c.points.end(), [&](const auto& p) {
        return p.family == fam && p.measured && p.role == "calibration";
      });
      if (any) (void)ModelReport(boards::ResourceModel::Fit(c, fam), c, true);
    }
  });

  auto* mdl = rtl->add_subcommand("model", "The resource model: coefficients, its error on every measured point of the "
                                           "calibration file (calibration and hold-out), evaluation time");
  mdl->add_option("--family", family, "FPGA family (default xc7)");
  mdl->add_option("--file", file, "Calibration file (default: boards/model/resource_calibration.json)");
  mdl->add_flag("--json", json, "Machine-readable output");
  mdl->callback([] {
    const std::string fam = family.empty() ? "xc7" : family;
    const boards::Calibration c =
        file.empty() ? boards::DefaultCalibration() : boards::LoadCalibration(std::filesystem::path(file));
    const boards::ResourceModel m = boards::ResourceModel::Fit(c, fam);
    nlohmann::ordered_json j = ModelReport(m, c, !json);
    const double ns = PredictNanoseconds(m);
    j["predict_microseconds"] = ns / 1000.0;
    if (json) {
      PrintJson(j);
      return;
    }
    std::string coef;
    const auto& names = boards::LogicFeatures::Names();
    for (size_t i = 0; i < names.size(); ++i)
      coef += fmt::format("  {:<18} LUT {:>10.4f}  FF {:>10.4f}{}\n", names[i], m.lut_coefficients()[i],
                          m.ff_coefficients()[i], m.calibrated()[i] ? "" : "  (no calibration point has it)");
    fmt::print("coefficients (per unit of each feature; fitted on {} points):\n{}", m.points(), coef);
    fmt::print("one prediction (Spec::Create + Predict, median over the default space): {:.2f} us\n", ns / 1000.0);
  });

  auto* sw = rtl->add_subcommand("sweep", "Every configuration of a hardware space that fits a board under its caps "
                                          "(resource model; microseconds per configuration)");
  sw->add_option("--board", board, "Board (boards/*.json)")->required();
  sw->add_option("--space", space_text,
                 "Changes to the default space (LOG_BATCH 0-2, LOG_BLOCK_IN/OUT 3-6, LOG_INP/WGT/ACC_BUFF_SIZE 13-18, "
                 "LOG_BUS_WIDTH 6-9): KEY=lo-hi or KEY=a|b|c, comma-separated");
  sw->add_option("--gemm-mac", gemm_mac,
                 "as-given: the space's GEMM_MAC (dsp); auto: per configuration, the first of dsp, pack, mix (largest DSP "
                 "budget under the cap), lut that fits")
      ->capture_default_str()
      ->check(CLI::IsMember({"as-given", "auto"}));
  sw->add_flag("--all", all, "List the configurations that do not fit too (with the caps they exceed)");
  sw->add_option("--top", top, "List only the first N (most GEMM products first; 0: all)");
  sw->add_flag("--json", json, "Machine-readable output");
  sw->callback([] {
    const boards::Board b = boards::LoadBoard(board);
    const spec::HwSpace space = spec::ParseHwSpace(space_text);
    const boards::ResourceModel& m = boards::ResourceModel::ForFamily(b.family);
    struct Row {
      spec::Spec s;
      boards::Resources r;
      boards::Fit f;
    };
    std::vector<Row> rows;
    uint64_t valid = 0, fits = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const boards::Estimator estimate = [&](const spec::Spec& x) { return m.Predict(x); };
    const uint64_t skipped = space.ForEach([&](const spec::Spec& s) {
      ++valid;
      if (gemm_mac == "auto") {
        const boards::GemmChoice g = boards::ChooseGemmMac(s.config, b, estimate);
        fits += g.fits;
        if (g.fits || all) rows.push_back({spec::Spec::Create(g.config), g.resources, g.fit});
        return true;
      }
      const boards::Resources r = m.Predict(s);
      boards::Fit f = boards::FitsBoard(r, b);
      fits += f.fits;
      if (f.fits || all) rows.push_back({s, r, std::move(f)});
      return true;
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
      if (x.f.fits != y.f.fits) return x.f.fits;
      return x.s.MacsPerCycle() > y.s.MacsPerCycle();
    });
    if (top && rows.size() > top) rows.resize(top);
    nlohmann::ordered_json j;
    j["board"] = b.name;
    j["family"] = b.family;
    j["gemm_mac"] = gemm_mac;
    j["space_points"] = space.Size();
    j["valid"] = valid;
    j["invalid"] = skipped;
    j["fit"] = fits;
    j["seconds"] = secs;
    j["configurations"] = nlohmann::ordered_json::array();
    size_t uncalibrated = 0;
    for (const Row& r : rows) {
      nlohmann::ordered_json e;
      e["config"] = r.s.tag;
      e["macs"] = r.s.MacsPerCycle();
      e["resources"] = boards::ToJson(r.r);
      e["fit"] = boards::ToJson(r.f);
      for (std::string_view u : m.PredictDetailed(r.s).uncalibrated) e["uncalibrated"].push_back(std::string(u));
      uncalibrated += e.contains("uncalibrated");
      j["configurations"].push_back(e);
    }
    if (json) {
      PrintJson(j);
      return;
    }
    fmt::print("{}: {} of {} valid configurations fit under the caps ({} of the {} points are invalid or not encodable); "
               "{:.2f} s\n",
               b.name, fits, valid, skipped, space.Size(), secs);
    if (uncalibrated)
      fmt::print("warning: {} listed configurations use features no calibration point has (LUT/FF underestimated; "
                 "`dcoc rtl model` lists them)\n",
                 uncalibrated);
    fmt::print("{:<52} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7}  {}\n", "configuration", "MACs", "LUT%", "FF%", "DSP%", "BRAM%",
               "URAM%", "fit");
    for (const Row& r : rows) {
      auto u = [&](boards::Resource x) { return Percent(r.f.Of(x).utilization); };
      std::string over;
      for (boards::Resource x : r.f.exceeded) over += fmt::format("{}{}", over.empty() ? "exceeds " : ", ", boards::Name(x));
      fmt::print("{:<52} {:>5} {:>7.1f} {:>7.1f} {:>7.1f} {:>7.1f} {:>7.1f}  {}\n", r.s.tag, r.s.MacsPerCycle(),
                 u(boards::Resource::kLut), u(boards::Resource::kFf), u(boards::Resource::kDsp),
                 u(boards::Resource::kBram36), b.available.uram > 0 ? u(boards::Resource::kUram) : 0.0,
                 r.f.fits ? "yes" : over);
    }
  });
}

}  // namespace dcoc::cli
