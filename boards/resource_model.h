// The resource model: LUT, FF, DSP, BRAM36 and URAM of any valid configuration in microseconds, from
// its structure, calibrated on Yosys runs (the same synth_xilinx estimate `dcoc rtl resources` gives).
//
// - DSP is counted: every GEMM product is one DSP48 (an 8x8 or 16x16 product fits one), each ALU lane's
//   multiplier takes the DSP48 slices Yosys's mul2dsp splits an ACC_WIDTH product into, and the bounds
//   checks use a fixed number.
// - BRAM36 / URAM are counted: every RAM of the design mapped as Yosys maps it (ram_mapping.h); so are
//   the LUTs of a RAM mapped to LUTRAM and its read-data register (width flip-flops).
// - LUT and FF are linear in structural features (GEMM products, ALU lane bits, scratchpad row bits, the
//   bus, the DMA row assembly, ...), the coefficients fitted (non-negative least squares on relative
//   error) to the calibration points of boards/model/resource_calibration.json for the FPGA family.
//
// The calibration file holds the designed set of configurations (each with the reason it is there and
// its role, calibration or hold-out) and their Yosys figures; `dcoc rtl calibrate` regenerates them.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "boards/board.h"
#include "host/spec/hw_config.h"

namespace dcoc::boards {

// DSP48 slices of a signed a_bits x b_bits multiplier of which the low out_bits are used, as Yosys's
// mul2dsp tiles it (xc7: 25 x 18 slices, xcup: 27 x 18; partial products above out_bits dropped).
int MultiplierDsps(int a_bits, int b_bits, int out_bits, std::string_view family);

// The counted (not fitted) LUTs and FFs of a design's RAMs: LUTs used as memory (also in `lutram`) and
// the read-data flip-flops of the RAMs mapped to LUTRAM. The fit explains the rest of Yosys's counts.
Resources MemoryLogic(const spec::Spec& s, std::string_view family);

// The structural features the LUT and FF counts are linear in.
struct LogicFeatures {
  static const std::vector<std::string_view>& Names();
  std::vector<double> values;  // in Names() order
};
LogicFeatures FeaturesOf(const spec::Spec& s);

// One configuration of the designed set and, once synthesized, its Yosys figures.
struct CalibrationPoint {
  std::string config;  // a preset name or a tag
  std::string family;  // synth_xilinx -family
  // "calibration" (fits the model), "holdout" (checks it) or "component" (the GEMM datapath, module
  // vta_gemm_dp, synthesized alone: prices the GEMM implementations no whole-design point has yet)
  std::string role;
  std::string reason;  // why this configuration is in the set
  bool measured = false;
  Resources yosys;
  double synth_seconds = 0;  // wall time of the Yosys run
  double cpu_seconds = 0;    // its CPU time (Yosys + ABC): the load-independent cost
  std::string design_hash;  // rtl::DesignHash of the synthesized design
  std::string Top() const { return role == "component" ? "vta_gemm_dp" : "vta_top"; }  // the synthesized module
};
struct Calibration {
  std::string yosys_version;
  std::string flow;                // the Yosys script every point was synthesized with
  std::vector<std::string> notes;  // how the set was chosen (e.g. why points were left out)
  std::vector<CalibrationPoint> points;
};
// BoardsDir() / "model" / "resource_calibration.json" when DCOC_BOARDS_DIR is set, else empty (built in).
std::filesystem::path DefaultCalibrationPath();
Calibration LoadCalibration(const std::filesystem::path& p);  // throws FormatError naming the file and key
// The calibration the models fit on: DefaultCalibrationPath() if set, else the copy built into the binary.
Calibration DefaultCalibration();
nlohmann::ordered_json ToJson(const Calibration& c);

// Per-resource prediction and how it splits (for reports and tests).
struct Prediction {
  Resources total;
  double dsp_gemm = 0, dsp_alu = 0, dsp_fixed = 0;
  // per RAM: its bram36 / uram / lutram, and the read-data flip-flops of a RAM mapped to LUTRAM
  std::vector<std::pair<std::string, Resources>> memories;
  // Features this configuration has that no calibration point had (their coefficients are 0, so its
  // LUT and FF lack that part): empty when the prediction stays within what was calibrated.
  std::vector<std::string_view> uncalibrated;
};

class ResourceModel {
 public:
  // Fits LUT and FF on the measured calibration points of `family` (at least kMinPoints; with fewer
  // points than features NNLS keeps at most one coefficient per point). A GEMM feature (gemm_*) that no
  // calibration point has takes its coefficient from the measured component points (the GEMM datapath
  // alone); a feature neither has cannot be fitted: it is reported as uncalibrated in predictions that
  // use it. Throws ConfigError when there are too few points.
  static constexpr size_t kMinPoints = 2;
  static ResourceModel Fit(const Calibration& c, std::string_view family);
  // The model of `family` fitted on DefaultCalibrationPath(), loaded once. A family without its own
  // calibration points uses xc7's LUT/FF coefficients (its DSP and RAM counts stay its own).
  static const ResourceModel& ForFamily(std::string_view family);

  Prediction PredictDetailed(const spec::Spec& s) const;
  Resources Predict(const spec::Spec& s) const { return PredictDetailed(s).total; }

  const std::string& family() const { return family_; }
  const std::string& fitted_on() const { return fitted_on_; }  // the family whose points fitted LUT/FF
  const std::vector<double>& lut_coefficients() const { return lut_; }
  const std::vector<double>& ff_coefficients() const { return ff_; }
  const std::vector<bool>& calibrated() const { return calibrated_; }  // per feature: some point had it
  size_t points() const { return points_; }                             // measured calibration points used
  nlohmann::ordered_json ToJson() const;

 private:
  std::string family_, fitted_on_;
  std::vector<double> lut_, ff_;
  std::vector<bool> calibrated_;
  size_t points_ = 0;
};

// The model against the measured points of a calibration (its family only): predicted and Yosys
// figures and the relative error per resource ((predicted - yosys) / yosys; 0 when both are 0).
struct PointEvaluation {
  CalibrationPoint point;
  Resources predicted;
  Resources error;
};
std::vector<PointEvaluation> Evaluate(const ResourceModel& m, const Calibration& c);
// Leave-one-out: each measured calibration point of `family` predicted by the model fitted on the
// others (the held-out error the calibration points alone can give). Empty with too few points.
std::vector<PointEvaluation> LeaveOneOut(const Calibration& c, std::string_view family);

// Non-negative least squares: minimizes |A x - b| over x >= 0 (Lawson-Hanson active set). A is
// row-major rows x cols. Exposed for tests.
std::vector<double> NonNegativeLeastSquares(const std::vector<std::vector<double>>& a, const std::vector<double>& b);

}  // namespace dcoc::boards
