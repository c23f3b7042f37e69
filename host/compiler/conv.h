// conv2d, depthwise conv2d and dense on VTA++: the layer, the schedule (the knobs the tuners search),
// the validity checker, the schedule space, the default heuristic and the lowering to a Program.
//
// Lowering (one "tile" = tile_b batch blocks x tile_co output-channel blocks x tile_h x tile_w outputs):
//   for each tile group (loop_order: oc_outer = b, co, h, w as VTA's template; spatial_outer = b, h, w, co)
//     for each virtual thread t (h_nthread x oc_nthread tiles of the group, each with its own
//                                 accumulator slot): load the bias rows and MOV them over the tile
//                                 (or a GEMM reset without bias)
//     for each reduction step (tile_ci input-channel blocks x tile_kh kernel rows x tile_kw columns):
//       for each thread: LOAD the input window (padded) and the weights into a slot, unless the slot
//                        already holds them; GEMM (one instruction, two hardware loops)
//     for each thread: ALU epilogue (SHR, then CLIP for a symmetric clamp or MIN / MAX) and STORE
// Steps whose input window lies entirely in the zero padding are skipped (they add nothing).
// Dependency tokens come from the scratchpad slots each op reads and writes (stream.h's OpGraph).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/compiler/errors.h"
#include "host/reference/reference.h"
#include "host/spec/hw_config.h"
#include "host/spec/program.h"

namespace dcoc::compiler {

enum class ConvKind : uint8_t { kConv2d, kDepthwise, kDense };
std::string_view Name(ConvKind k);

struct ConvLayer {
  std::string name;
  ConvKind kind = ConvKind::kConv2d;
  int n = 1, c = 1, h = 1, w = 1;  // input NCHW
  int k = 1, r = 1, s = 1;         // output channels (= c for depthwise), kernel rows and columns
  int stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  reference::Epilogue epilogue;  // bias, shift, clip; applied on the ALU before the store

  int OutH() const { return reference::OutSize(h, r, stride_h, pad_h); }
  int OutW() const { return reference::OutSize(w, s, stride_w, pad_w); }
  int64_t Macs() const;
  std::string Describe() const;
  // Throws UsageError when the shape is not a valid layer.
  void Validate() const;
};

enum class GemmLoop : uint8_t {
  kSpatial,    // hardware loops over output rows x columns; micro-ops over (ci, kh, kw, b, co)
  kReduction,  // hardware loops over input-channel blocks x kernel rows; micro-ops over (kw, b, co, h, w)
};
enum class LoopOrder : uint8_t { kOcOuter, kSpatialOuter };

struct Schedule {
  int tile_b = 1;      // batch blocks per tile (divides N/BATCH)
  int tile_h = 1;      // output rows per tile (divides OH)
  int tile_w = 1;      // output columns per tile (divides OW)
  int tile_ci = 1;     // input-channel blocks per reduction step (divides C/BLOCK_IN; 1 for depthwise)
  int tile_co = 1;     // output-channel blocks per tile (divides K/BLOCK_OUT)
  int tile_kh = 0;     // kernel rows per reduction step (divides R); 0 means R
  int tile_kw = 0;     // kernel columns per reduction step (divides S); 0 means S
  int h_nthread = 1;   // virtual threads over the h tiles (1 or 2)
  int oc_nthread = 1;  // virtual threads over the co tiles (1 or 2)
  GemmLoop gemm_loop = GemmLoop::kSpatial;
  LoopOrder loop_order = LoopOrder::kOcOuter;
  // 1x1 kernels with stride > 1 and no padding only: gather just the pixels the kernel reads (one
  // strided load per output row) instead of loading whole input rows. Less traffic, more loads.
  bool gather = false;

  bool operator==(const Schedule&) const = default;
};
nlohmann::ordered_json ToJson(const Schedule& s);
// Accepts the keys above (enums as strings); unknown keys and wrong types are UsageErrors.
Schedule ScheduleFromJson(const nlohmann::json& j);
std::string ToString(const Schedule& s);

// One violated constraint: a stable name (for tuners' penalty statistics) and a message with numbers.
struct Violation {
  std::string name;
  std::string message;
};
// Every violated constraint of `sched` for `layer` on `spec` (empty: valid).
std::vector<Violation> Check(const ConvLayer& layer, const Schedule& sched, const spec::Spec& spec);

// The knobs and their candidate values for a layer on a configuration, and the valid schedules.
struct Knob {
  std::string name;
  std::vector<std::string> values;
};
struct ScheduleSpace {
  std::vector<Knob> knobs;
  uint64_t candidates = 0;  // product of the knob value counts
  std::vector<Schedule> valid;
};
ScheduleSpace EnumerateSpace(const ConvLayer& layer, const spec::Spec& spec);

// A cheap analytic cost (no simulation): GEMM micro-op cycles, DRAM traffic, instruction count, and
// an estimated cycle count (compute and memory overlap with virtual threads).
struct Estimate {
  uint64_t gemm_cycles = 0, alu_cycles = 0, load_bytes = 0, store_bytes = 0, insns = 0;
  double cycles = 0;
};
Estimate EstimateCost(const ConvLayer& layer, const Schedule& sched, const spec::Spec& spec);

// A valid schedule for every valid layer and configuration (throws UsageError when none exists).
Schedule DefaultSchedule(const ConvLayer& layer, const spec::Spec& spec);

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
