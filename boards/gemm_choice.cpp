#include "boards/gemm_choice.h"

#include <cmath>

namespace dcoc::boards {

GemmChoice ChooseGemmMac(const spec::HwConfig& c, const Board& board, const Estimator& estimate) {
  GemmChoice out;
  auto attempt = [&](const spec::HwConfig& candidate) {
    const spec::Spec s = spec::Spec::Create(candidate);
    GemmCandidate g{candidate, estimate(s), {}};
    g.fit = FitsBoard(g.resources, board);
    out.tried.push_back(g);
    if (g.fit.fits && !out.fits) {
      out.fits = true;
      out.config = g.config;
      out.resources = g.resources;
      out.fit = g.fit;
    }
    return g;
  };
  (void)spec::Spec::Create(c);  // an invalid configuration is the caller's error
  const GemmCandidate given = attempt(c);
  const spec::Spec base = spec::Spec::Create(c);
  const bool int8 = base.inp_bits == 8 && base.wgt_bits == 8;
  if (!out.fits && int8 && c.gemm_mac != spec::GemmMac::kPack) {
    spec::HwConfig p = c;
    p.gemm_mac = spec::GemmMac::kPack;
    p.gemm_dsp_budget = 0;
    attempt(p);
  }
  if (!out.fits) {
    // The DSPs the rest of the design needs: the given candidate's total minus its GEMM's.
    const double others = given.resources.dsp - double(base.gemm_dsp_units);
    const int budget = int(std::floor(board.Limit(Resource::kDsp) - others));
    const int full = int8 ? int(base.MacsPerCycle() / 2) : int(base.MacsPerCycle());
    if (budget >= 1 && budget < full) {
      spec::HwConfig m = c;
      m.gemm_mac = spec::GemmMac::kMix;
      m.gemm_dsp_budget = budget;
      attempt(m);
    }
  }
  if (!out.fits && c.gemm_mac != spec::GemmMac::kLut) {
    spec::HwConfig l = c;
    l.gemm_mac = spec::GemmMac::kLut;
    l.gemm_dsp_budget = 0;
    attempt(l);
  }
  if (!out.fits) {
    const GemmCandidate* best = &out.tried.front();
    for (const GemmCandidate& g : out.tried)
      if (g.fit.Excess() < best->fit.Excess()) best = &g;
    out.config = best->config;
    out.resources = best->resources;
    out.fit = best->fit;
  }
  return out;
}

}  // namespace dcoc::boards
