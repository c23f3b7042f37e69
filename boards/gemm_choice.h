// Choosing how the GEMM's products are built (GEMM_MAC) so that a configuration fits a board: the
// configuration as given; two int8 products per DSP48 (pack); DSP48s up to the largest budget the
// board's DSP cap leaves after the rest of the design, LUTs for the remaining products (mix); all in LUTs
// (lut). The first candidate that fits under the board file's caps wins.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "boards/board.h"
#include "boards/fit.h"
#include "host/spec/hw_config.h"

namespace dcoc::boards {

// Resources of a configuration: the resource model (ResourceModel::Predict) or a Yosys estimate.
using Estimator = std::function<Resources(const spec::Spec&)>;

struct GemmCandidate {
  spec::HwConfig config;
  Resources resources;
  Fit fit;
};

struct GemmChoice {
  bool fits = false;
  spec::HwConfig config;  // the chosen candidate, or the one closest to fitting (smallest Excess)
  Resources resources;
  Fit fit;
  std::vector<GemmCandidate> tried;  // in the order tried
};

// Tries `c` as given, then pack (int8 operands only), then mix with the largest DSP budget that keeps the
// DSP cap, then lut. Throws ConfigError when `c` itself is invalid.
GemmChoice ChooseGemmMac(const spec::HwConfig& c, const Board& board, const Estimator& estimate);

}  // namespace dcoc::boards
