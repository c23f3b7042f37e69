// conv2d, depthwise conv2d and dense on VTA++ (or stock VTA, ConvLayer::isa): the lowering of a layer and a schedule to a Program.
// The layer is in layer.h, the schedule and its knob table in schedule.h, the checker in check.h, the
// analytic estimate in estimate.h, the schedule space and the default heuristic in space.h (all
// included here).
//
// Lowering (one "tile" = tile_b batch blocks x tile_co output-channel blocks x tile_h x tile_w outputs):
//   for each tile group (loop_order: oc_outer = b, co, h, w as VTA's template; spatial_outer = b, h, w, co)
//     for each virtual thread t (h_nthread x oc_nthread tiles of the group, each with its own
//                                 accumulator slot): load the bias rows and MOV them over the tile
//                                 (stock VTA: reset and ADD; a GEMM reset without bias)
//     for each reduction step (tile_ci input-channel blocks x tile_kh kernel rows x tile_kw columns):
//       for each thread: LOAD the input window (padded) and the weights into a slot, unless the slot
//                        already holds them; GEMM (one instruction, two hardware loops)
//     for each thread: ALU epilogue (SHR — by per-channel shift rows when the epilogue has them — then
//                      CLIP for a symmetric clamp or MIN / MAX) and STORE
// Steps whose input window lies entirely in the zero padding are skipped (they add nothing).
// Dependency tokens come from the scratchpad slots each op reads and writes (stream.h's OpGraph).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "host/compiler/check.h"
#include "host/compiler/errors.h"
#include "host/compiler/estimate.h"
#include "host/compiler/layer.h"
#include "host/compiler/schedule.h"
#include "host/compiler/space.h"
#include "host/reference/reference.h"
#include "host/spec/hw_config.h"
#include "host/spec/program.h"

namespace dcoc::compiler {

// Layer operands: input NCHW, weights OIHW ([C,1,R,S] for depthwise), bias [K].
struct ConvOperands {
  reference::Tensor input, weights;
  std::vector<int32_t> bias;
};
// Seeded random operands in the input/weight ranges (int8: [-128, 127]; bias small).
ConvOperands RandomOperands(const ConvLayer& layer, const spec::Spec& spec, uint64_t seed);
reference::Tensor ReferenceOutput(const ConvLayer& layer, const ConvOperands& ops, const spec::Spec& spec);

struct CompiledConv {
  spec::Program program;
  std::array<int, 4> queue_depth{};  // tokens each queue must hold
  uint64_t uop_kernels = 0, uop_loads = 0;
};
// Throws ScheduleError (a UsageError) listing every violation when the schedule is invalid.
CompiledConv CompileConv(const ConvLayer& layer, const Schedule& sched, const spec::Spec& spec,
                         const ConvOperands& ops);
// The output tensor (NCHW) read back from a run's final DRAM image.
reference::Tensor ReadOutput(const ConvLayer& layer, const spec::Program& p, std::span<const uint8_t> dram,
                             const spec::Spec& spec);

}  // namespace dcoc::compiler
