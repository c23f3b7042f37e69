#include "boards/resource_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boards/ram_mapping.h"
#include "host/common/embed.h"
#include "host/common/error.h"
#include "host/spec/hw_constants.h"

namespace dcoc::boards {

std::span<const EmbeddedFile> CalibrationFiles();  // model/resource_calibration.json (boards/CMakeLists.txt)

namespace fs = std::filesystem;

int MultiplierDsps(int a_bits, int b_bits, int out_bits, std::string_view family) {
  const int a_port = family == "xcup" ? 27 : 25, b_port = 18;
  if (a_bits < b_bits) std::swap(a_bits, b_bits);  // the wider operand on the wider port
  // Slices: each but the last takes (port - 1) unsigned bits, the last the signed rest.
  auto slices = [](int bits, int port) { return bits <= port ? 1 : 1 + (bits - port + port - 2) / (port - 1); };
  int n = 0;
  for (int i = 0; i < slices(a_bits, a_port); ++i)
    for (int j = 0; j < slices(b_bits, b_port); ++j)
      if (i * (a_port - 1) + j * (b_port - 1) < out_bits) ++n;
  return n;
}

namespace {

// Logic of one DMA reader (or the store's writer) moving rows of `row` bits over a `bus`-bit bus:
// a row wider than the bus is assembled in a row register from bus/row beats; a narrower row is picked
// out of a registered beat by a (bus/row):1 multiplexer.
double SteerLuts(int64_t row, int64_t bus) {
  if (row == bus) return 0;
  if (row > bus) return double(row);                                      // beat into its slot of the row
  return double(row) * std::ceil(double(bus / row - 1) / 3.0);             // LUT6: a 4:1 mux per LUT
}
double SteerFfs(int64_t row, int64_t bus) { return row == bus ? 0.0 : double(std::max(row, bus)); }

}  // namespace

const std::vector<std::string_view>& LogicFeatures::Names() {
  static const std::vector<std::string_view> kNames = {
      "const",            // fetch, AXI-Lite registers and counters, token queues, state machines
      "gemm_dsp_macs",    // products of an all-DSP48 GEMM (multiply-adds cascaded in the DSP48s)
      "gemm_sum_bits",    // otherwise: products x ACC_WIDTH, the adder trees of the dot products in LUTs
      "gemm_pack_units",  // DSP48s holding two products (packing and the sign correction)
      "gemm_lut_mult_bits",  // products built from LUTs x INP_WIDTH x WGT_WIDTH (shift-and-add multipliers)
      "alu_lane_bits",    // BATCH x BLOCK_OUT lanes x ACC_WIDTH: the ALU and the accumulator-row pipeline
      "row_bits",         // INP + WGT + ACC + OUT row bits: padding, write-data and forwarding multiplexers
      "dma_steer",        // beat-to-row steering of the four scratchpad DMAs, fetch and store
      "dma_regs",         // row assembly / beat registers of the same
      "bus_bits",         // the AXI data width
  };
  return kNames;
}

LogicFeatures FeaturesOf(const spec::Spec& s) {
  const int64_t bus = s.bus_bits;
  const int64_t inp = int64_t(s.inp_row_bytes) * 8, wgt = int64_t(s.wgt_row_bytes) * 8,
                acc = int64_t(s.acc_row_bytes) * 8, out = int64_t(s.out_row_bytes) * 8,
                uop = int64_t(s.uop_bytes) * 8, insn = spec::IsaLayout::kInsnBits;
  double steer = 0, regs = 0;
  for (int64_t row : {inp, wgt, acc, uop, insn, out}) {
    steer += SteerLuts(row, bus);
    regs += SteerFfs(row, bus);
  }
  const double products = double(s.MacsPerCycle());
  // vta_gemm_dp: every product on its own DSP48 sums them in the DSP48s; any other plan builds the
  // products (packed pairs, single DSP48 products, LUT multipliers) and sums them in LUT adders.
  const bool all_dsp = !s.gemm_pack && double(s.gemm_dsp_units) >= products;
  LogicFeatures f;
  f.values = {1.0,
              all_dsp ? products : 0.0,
              all_dsp ? 0.0 : products * s.acc_bits,
              s.gemm_pack ? double(s.gemm_dsp_units) : 0.0,
              double(s.gemm_lut_products) * s.inp_bits * s.wgt_bits,
              double(s.batch) * s.block_out * s.acc_bits,
              double(inp + wgt + acc + out),
              steer,
              regs,
              double(bus)};
  return f;
}

fs::path DefaultCalibrationPath() {
  const fs::path dir = BoardsDir();
  return dir.empty() ? fs::path() : dir / "model" / "resource_calibration.json";
}

namespace {

Calibration ParseCalibration(const std::string& text, const std::string& origin) {
  try {
    const auto j = nlohmann::json::parse(text);
    Calibration c;
    c.yosys_version = j.value("yosys", "");
    c.flow = j.value("flow", "");
    if (j.contains("notes")) c.notes = j.at("notes").get<std::vector<std::string>>();
    for (const auto& e : j.at("points")) {
      CalibrationPoint pt;
      pt.config = e.at("config");
      pt.family = e.at("family");
      pt.role = e.at("role");
      pt.reason = e.at("reason");
      if (pt.role != "calibration" && pt.role != "holdout" && pt.role != "component")
        throw FormatError(
            fmt::format("point {}: role \"{}\" is not calibration, holdout or component", pt.config, pt.role));
      if (e.contains("yosys")) {
        pt.measured = true;
        pt.yosys = ResourcesFromJson(e.at("yosys"));
        pt.synth_seconds = e.value("synth_seconds", 0.0);
        pt.cpu_seconds = e.value("cpu_seconds", 0.0);
        pt.design_hash = e.value("design_hash", "");
      }
      c.points.push_back(pt);
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("calibration file {}: {}", origin, e.what()));
  } catch (const FormatError& e) {
    throw FormatError(fmt::format("calibration file {}: {}", origin, e.what()));
  }
}

}  // namespace

Calibration LoadCalibration(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw FormatError(fmt::format("cannot read the calibration file {}", p.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseCalibration(ss.str(), p.string());
}

Calibration DefaultCalibration() {
  if (const fs::path p = DefaultCalibrationPath(); !p.empty()) return LoadCalibration(p);
  return ParseCalibration(std::string(FindEmbedded(CalibrationFiles(), "resource_calibration.json").text),
                          "boards/model/resource_calibration.json (built in)");
}

nlohmann::ordered_json ToJson(const Calibration& c) {
  nlohmann::ordered_json j;
  j["comment"] =
      "The designed set of the resource model (boards/resource_model.h): each configuration with its role and the "
      "reason it is in the set, and its Yosys synth_xilinx figures. Regenerate the figures with `dcoc rtl calibrate` "
      "(one Yosys run per configuration, minutes each; results cached).";
  j["yosys"] = c.yosys_version;
  if (!c.flow.empty()) j["flow"] = c.flow;
  if (!c.notes.empty()) j["notes"] = c.notes;
  j["points"] = nlohmann::ordered_json::array();
  for (const CalibrationPoint& p : c.points) {
    nlohmann::ordered_json e;
    e["config"] = p.config;
    e["family"] = p.family;
    e["role"] = p.role;
    e["reason"] = p.reason;
    if (p.measured) {
      e["yosys"] = boards::ToJson(p.yosys);
      e["synth_seconds"] = std::round(p.synth_seconds);
      if (p.cpu_seconds > 0) e["cpu_seconds"] = std::round(p.cpu_seconds);
      e["design_hash"] = p.design_hash;
    }
    j["points"].push_back(e);
  }
  return j;
}

std::vector<double> NonNegativeLeastSquares(const std::vector<std::vector<double>>& a, const std::vector<double>& b) {
  const size_t m = a.size(), n = m ? a[0].size() : 0;
  // Solves the least-squares problem restricted to the columns in `set` (normal equations, Gaussian
  // elimination with partial pivoting; the problems here have a handful of columns).
  auto solve = [&](const std::vector<size_t>& set) {
    const size_t k = set.size();
    std::vector<std::vector<double>> g(k, std::vector<double>(k + 1, 0.0));
    for (size_t r = 0; r < m; ++r)
      for (size_t i = 0; i < k; ++i) {
        for (size_t j = 0; j < k; ++j) g[i][j] += a[r][set[i]] * a[r][set[j]];
        g[i][k] += a[r][set[i]] * b[r];
      }
    for (size_t c = 0; c < k; ++c) {
      size_t piv = c;
      for (size_t r = c + 1; r < k; ++r)
        if (std::abs(g[r][c]) > std::abs(g[piv][c])) piv = r;
      std::swap(g[c], g[piv]);
      if (std::abs(g[c][c]) < 1e-300) continue;
      for (size_t r = 0; r < k; ++r) {
        if (r == c) continue;
        const double f = g[r][c] / g[c][c];
        for (size_t j = c; j <= k; ++j) g[r][j] -= f * g[c][j];
      }
    }
    std::vector<double> z(n, 0.0);
    for (size_t i = 0; i < k; ++i) z[set[i]] = std::abs(g[i][i]) < 1e-300 ? 0.0 : g[i][k] / g[i][i];
    return z;
  };
  std::vector<double> x(n, 0.0);
  std::vector<bool> passive(n, false);
  for (int outer = 0; outer < int(3 * n + 10); ++outer) {
    // Gradient of the residual: w = A^T (b - A x).
    std::vector<double> w(n, 0.0);
    for (size_t r = 0; r < m; ++r) {
      double res = b[r];
      for (size_t j = 0; j < n; ++j) res -= a[r][j] * x[j];
      for (size_t j = 0; j < n; ++j) w[j] += a[r][j] * res;
    }
    double best = 1e-12;
    size_t pick = n;
    for (size_t j = 0; j < n; ++j)
      if (!passive[j] && w[j] > best) best = w[j], pick = j;
    if (pick == n) break;
    passive[pick] = true;
    for (int inner = 0; inner < int(3 * n + 10); ++inner) {
      std::vector<size_t> set;
      for (size_t j = 0; j < n; ++j)
        if (passive[j]) set.push_back(j);
      const std::vector<double> z = solve(set);
      bool feasible = true;
      for (size_t j : set) feasible = feasible && z[j] > 0;
      if (feasible) {
        x = z;
        break;
      }
      double alpha = 1.0;
      for (size_t j : set)
        if (z[j] <= 0) alpha = std::min(alpha, x[j] / (x[j] - z[j]));
      for (size_t j = 0; j < n; ++j) x[j] += alpha * (z[j] - x[j]);
      for (size_t j : set)
        if (x[j] <= 1e-12) passive[j] = false, x[j] = 0;
    }
  }
  return x;
}

namespace {
// NNLS on columns scaled to unit norm, coefficients scaled back: the same solution when it is unique;
// when it is not (fewer points than features), the active set grows by correlation with the residual
// instead of by the features' units (otherwise "const", worth 1 per design, would enter last).
std::vector<double> FitColumnsScaled(std::vector<std::vector<double>> a, const std::vector<double>& b) {
  const size_t n = a.empty() ? 0 : a[0].size();
  std::vector<double> norm(n, 0.0);
  for (const auto& row : a)
    for (size_t i = 0; i < n; ++i) norm[i] += row[i] * row[i];
  for (double& x : norm) x = x > 0 ? std::sqrt(x) : 1.0;
  for (auto& row : a)
    for (size_t i = 0; i < n; ++i) row[i] /= norm[i];
  std::vector<double> x = NonNegativeLeastSquares(a, b);
  for (size_t i = 0; i < n; ++i) x[i] /= norm[i];
  return x;
}

bool IsGemmFeature(size_t i) { return LogicFeatures::Names()[i].starts_with("gemm_"); }

// LUT and FF coefficients of the GEMM features fitted on the measured component points of `family`
// (the other features zeroed: the datapath alone has none of the rest); `fitted` says which features
// some component point has. Empty without component points.
struct GemmFit {
  std::vector<double> lut, ff;
  std::vector<bool> fitted;
};
GemmFit FitGemmComponents(const Calibration& c, std::string_view family) {
  const size_t n = LogicFeatures::Names().size();
  std::vector<std::vector<double>> rows_lut, rows_ff;
  GemmFit g;
  g.fitted.assign(n, false);
  for (const CalibrationPoint& p : c.points) {
    if (p.family != family || p.role != "component" || !p.measured) continue;
    std::vector<double> f = FeaturesOf(spec::Spec::Create(spec::LoadConfig(p.config))).values;
    for (size_t i = 0; i < n; ++i) {
      if (!IsGemmFeature(i)) f[i] = 0;
      g.fitted[i] = g.fitted[i] || f[i] != 0;
    }
    // Relative error as in the whole-design fit; the datapath is combinational (no FF), so only its
    // LUTs are fitted and the GEMM features' FF coefficients stay 0 unless a component has flops.
    std::vector<double> rl(n), rf(n);
    for (size_t i = 0; i < n; ++i) {
      rl[i] = p.yosys.lut > 0 ? f[i] / p.yosys.lut : 0.0;
      rf[i] = p.yosys.ff > 0 ? f[i] / p.yosys.ff : 0.0;
    }
    if (p.yosys.lut > 0) rows_lut.push_back(rl);
    if (p.yosys.ff > 0) rows_ff.push_back(rf);
  }
  if (!std::any_of(g.fitted.begin(), g.fitted.end(), [](bool b) { return b; })) return {};
  g.lut = rows_lut.empty() ? std::vector<double>(n, 0.0) : FitColumnsScaled(rows_lut, std::vector<double>(rows_lut.size(), 1.0));
  g.ff = rows_ff.empty() ? std::vector<double>(n, 0.0) : FitColumnsScaled(rows_ff, std::vector<double>(rows_ff.size(), 1.0));
  return g;
}

// A LUTRAM reads asynchronously, so the synchronous read port of a vta_ram_1r1w mapped to LUTRAM adds
// `width` flip-flops (a block RAM has its own output register).
double ReadRegisterFfs(const Memory& mem, const MemoryMapping& mm) {
  return mm.lutram_luts > 0 ? double(mem.width) : 0.0;
}
}  // namespace

Resources MemoryLogic(const spec::Spec& s, std::string_view family) {
  Resources r;
  for (const Memory& mem : DesignMemories(s)) {
    const MemoryMapping mm = MapMemory(mem.width, mem.depth, family);
    r.lut += mm.lutram_luts;
    r.lutram += mm.lutram_luts;
    r.ff += ReadRegisterFfs(mem, mm);
  }
  return r;
}

ResourceModel ResourceModel::Fit(const Calibration& c, std::string_view family) {
  std::vector<std::vector<double>> rows_lut, rows_ff;
  std::vector<double> y_lut, y_ff;
  for (const CalibrationPoint& p : c.points) {
    if (p.family != family || p.role != "calibration" || !p.measured) continue;
    const spec::Spec s = spec::Spec::Create(spec::LoadConfig(p.config));
    const std::vector<double> f = FeaturesOf(s).values;
    // Relative error: each row scaled by 1 / measured value.
    auto scaled = [&](double y) {
      std::vector<double> r(f.size());
      for (size_t i = 0; i < f.size(); ++i) r[i] = f[i] / y;
      return r;
    };
    rows_lut.push_back(scaled(p.yosys.lut));
    rows_ff.push_back(scaled(p.yosys.ff));
    // The features explain what the RAM mapping does not count.
    const Resources counted = MemoryLogic(s, family);
    y_lut.push_back((p.yosys.lut - counted.lut) / p.yosys.lut);
    y_ff.push_back((p.yosys.ff - counted.ff) / p.yosys.ff);
  }
  const size_t n = LogicFeatures::Names().size();
  if (rows_lut.size() < kMinPoints)
    throw ConfigError(fmt::format("resource model for {}: {} measured calibration points, the model needs at least {} "
                                  "(run `dcoc rtl calibrate`)",
                                  family, rows_lut.size(), kMinPoints));
  ResourceModel m;
  m.family_ = m.fitted_on_ = std::string(family);
  m.points_ = rows_lut.size();
  m.calibrated_.assign(n, false);
  for (const auto& row : rows_lut)
    for (size_t i = 0; i < n; ++i) m.calibrated_[i] = m.calibrated_[i] || row[i] != 0;
  m.lut_ = FitColumnsScaled(rows_lut, y_lut);
  m.ff_ = FitColumnsScaled(rows_ff, y_ff);
  const GemmFit g = FitGemmComponents(c, family);
  for (size_t i = 0; i < n && !g.lut.empty(); ++i)
    if (!m.calibrated_[i] && g.fitted[i]) {
      m.lut_[i] = g.lut[i];
      m.ff_[i] = g.ff[i];
      m.calibrated_[i] = true;
    }
  return m;
}

const ResourceModel& ResourceModel::ForFamily(std::string_view family) {
  static std::mutex mu;
  static std::map<std::string, ResourceModel, std::less<>> models;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = models.find(family); it != models.end()) return it->second;
  if (family != "xc7" && family != "xcup")
    throw UsageError(fmt::format("no resource model for FPGA family \"{}\" (known: xc7, xcup)", family));
  const Calibration c = DefaultCalibration();
  const bool own = std::any_of(c.points.begin(), c.points.end(), [&](const CalibrationPoint& p) {
    return p.family == family && p.role == "calibration" && p.measured;
  });
  ResourceModel m = Fit(c, own ? family : std::string_view("xc7"));
  m.family_ = std::string(family);
  return models.emplace(std::string(family), std::move(m)).first->second;
}

Prediction ResourceModel::PredictDetailed(const spec::Spec& s) const {
  Prediction p;
  const std::vector<double> f = FeaturesOf(s).values;
  for (size_t i = 0; i < f.size(); ++i) {
    p.total.lut += lut_[i] * f[i];
    p.total.ff += ff_[i] * f[i];
    if (f[i] != 0 && !calibrated_[i]) p.uncalibrated.push_back(LogicFeatures::Names()[i]);
  }
  // Each DSP48 unit of the GEMM holds one product, or two packed (the packed factor is 25 bits by 8).
  p.dsp_gemm = double(s.gemm_dsp_units) * MultiplierDsps(s.inp_bits, s.wgt_bits, s.inp_bits + s.wgt_bits, family_);
  p.dsp_alu = double(s.batch) * s.block_out * MultiplierDsps(s.acc_bits, s.acc_bits, s.acc_bits, family_);
  // vta_mem_bounds in load, compute and store: (y_pad_0 + y_size + y_pad_1) x (x_pad_0 + x_size + x_pad_1).
  const int nw = spec::IsaLayout::kSizeBits + 1;
  p.dsp_fixed = 3.0 * MultiplierDsps(nw, nw, 2 * nw, family_);
  p.total.dsp = p.dsp_gemm + p.dsp_alu + p.dsp_fixed;
  for (const Memory& mem : DesignMemories(s)) {
    const MemoryMapping mm = MapMemory(mem.width, mem.depth, family_);
    Resources r;
    r.bram36 = mm.bram36;
    r.uram = mm.uram;
    r.lutram = r.lut = mm.lutram_luts;
    r.ff = ReadRegisterFfs(mem, mm);
    p.total.ff += r.ff;
    p.total.bram36 += mm.bram36;
    p.total.uram += mm.uram;
    p.total.lutram += mm.lutram_luts;
    p.memories.emplace_back(mem.name, r);
  }
  p.total.lut = std::round(p.total.lut + p.total.lutram);
  p.total.ff = std::round(p.total.ff);
  return p;
}

std::vector<PointEvaluation> Evaluate(const ResourceModel& m, const Calibration& c) {
  std::vector<PointEvaluation> out;
  for (const CalibrationPoint& p : c.points) {
    if (p.family != m.family() || !p.measured || p.role == "component") continue;
    PointEvaluation e;
    e.point = p;
    e.predicted = m.Predict(spec::Spec::Create(spec::LoadConfig(p.config)));
    for (Resource r : kAllResources) {
      const double y = p.yosys.Get(r), x = e.predicted.Get(r);
      e.error.At(r) = y != 0 ? (x - y) / y : (x == 0 ? 0.0 : 1.0);
    }
    out.push_back(e);
  }
  return out;
}

std::vector<PointEvaluation> LeaveOneOut(const Calibration& c, std::string_view family) {
  std::vector<PointEvaluation> out;
  for (size_t k = 0; k < c.points.size(); ++k) {
    const CalibrationPoint& p = c.points[k];
    if (p.family != family || p.role != "calibration" || !p.measured) continue;
    Calibration rest = c;
    rest.points.erase(rest.points.begin() + std::ptrdiff_t(k));
    ResourceModel m;
    try {
      m = ResourceModel::Fit(rest, family);
    } catch (const ConfigError&) {
      return {};
    }
    Calibration one;
    one.points = {p};
    for (PointEvaluation& e : Evaluate(m, one)) out.push_back(std::move(e));
  }
  return out;
}

nlohmann::ordered_json ResourceModel::ToJson() const {
  nlohmann::ordered_json j;
  j["family"] = family_;
  j["fitted_on"] = fitted_on_;
  j["points"] = points_;
  const auto& names = LogicFeatures::Names();
  for (size_t i = 0; i < names.size(); ++i) {
    j["lut"][std::string(names[i])] = lut_[i];
    j["ff"][std::string(names[i])] = ff_[i];
    if (!calibrated_[i]) j["uncalibrated"].push_back(std::string(names[i]));
  }
  return j;
}

}  // namespace dcoc::boards
