#include "host/compiler/check.h"

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/compiler/plan.h"

namespace dcoc::compiler {

using spec::Field;

namespace {

// Collects violations, or (without a list) only notes that one happened so the checker can stop.
// Names and messages are callables: nothing is formatted when only validity is asked.
class Sink {
 public:
  Sink(std::vector<Violation>* out, bool first_only) : out_(out), first_only_(first_only) {}
  template <class Name, class Message>
  void Add(Name&& name, Message&& message) {
    ++count_;
    if (out_ && !(first_only_ && count_ > 1)) out_->push_back({std::string(name()), std::string(message())});
  }
  // True when the caller need not look further.
  bool Done() const { return count_ > 0 && (!out_ || first_only_); }
  bool Any() const { return count_ > 0; }

 private:
  std::vector<Violation>* out_;
  bool first_only_;
  int count_ = 0;
};

void CheckInto(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp, Sink& sink) {
  try {
    layer.Validate();
  } catch (const UsageError& e) {
    sink.Add([] { return "layer"; }, [&] { return std::string(e.what()); });
    return;
  }
  if (layer.isa == spec::Isa::kVta) {
    // Stock VTA's subset (spec/vta.h): the lowering emits nothing else, so what remains to check is
    // what the layer and the configuration bring.
    const std::vector<std::string> problems = spec::VtaConfigProblems(sp);
    if (!problems.empty())
      sink.Add([] { return "isa_config"; },
               [&] {
                 std::string m = fmt::format("configuration {} has no stock VTA bitstream: ", sp.tag);
                 for (size_t i = 0; i < problems.size(); ++i) m += (i ? "; " : "") + problems[i];
                 return m;
               });
    for (size_t c = 0; c < layer.epilogue.channel_shift.size() && !sink.Done(); ++c) {
      const int32_t v = layer.epilogue.channel_shift[c];
      if (v < spec::kVtaShrTensorMin || v > spec::kVtaShrTensorMax) {
        sink.Add([] { return "isa_channel_shift"; },
                 [&] {
                   return fmt::format("output channel {} shifts by {}: stock VTA's designs shift by a tensor alike only "
                                      "for amounts in [{}, {}]",
                                      c, v, spec::kVtaShrTensorMin, spec::kVtaShrTensorMax);
                 });
        break;
      }
    }
    if (sink.Done()) return;
  }
  const Plan p(layer, sched, sp);
  const Schedule& s = p.S;
  auto divides = [&](std::string_view knob, int value, int extent, auto what) {
    if (sink.Done()) return;
    if (value < 1 || extent % value != 0)
      sink.Add([&] { return fmt::format("{}_divides", knob); },
               [&] { return fmt::format("{} = {} does not divide {} = {}", knob, value, what(), extent); });
  };
  divides("tile_b", s.tile_b, p.nb, [&] { return fmt::format("batch blocks (N {} / BATCH {})", layer.n, sp.batch); });
  divides("tile_h", s.tile_h, p.oh, [] { return "output height"; });
  divides("tile_w", s.tile_w, p.ow, [] { return "output width"; });
  if (p.dw) {
    if (s.tile_ci != 1)
      sink.Add([] { return "tile_ci_depthwise"; },
               [&] {
                 return fmt::format("tile_ci = {}: depthwise conv2d reduces within a channel, tile_ci must be 1",
                                    s.tile_ci);
               });
  } else {
    divides("tile_ci", s.tile_ci, p.cb,
            [&] { return fmt::format("input-channel blocks (C {} / BLOCK_IN {})", layer.c, sp.block_in); });
  }
  divides("tile_co", s.tile_co, p.kb,
          [&] { return fmt::format("output-channel blocks (K {} / BLOCK_OUT {})", layer.k, sp.block_out); });
  divides("tile_kh", s.tile_kh, layer.r, [] { return "kernel height"; });
  divides("tile_kw", s.tile_kw, layer.s, [] { return "kernel width"; });
  if (s.gather && !GatherApplies(layer))
    sink.Add([] { return "gather_kernel"; },
             [&] {
               return fmt::format(
                   "gather needs a 1x1 kernel with stride > 1 and no padding (kernel {}x{}, stride {}x{}, pad {}x{})",
                   layer.r, layer.s, layer.stride_h, layer.stride_w, layer.pad_h, layer.pad_w);
             });
  for (auto [knob, val] : {std::pair{"h_nthread", s.h_nthread}, std::pair{"oc_nthread", s.oc_nthread}})
    if (val != 1 && val != 2)
      sink.Add([&] { return fmt::format("{}_value", knob); },
               [&] { return fmt::format("{} = {} must be 1 or 2", knob, val); });
  if (sink.Any()) return;  // the numbers below assume whole tiles

  if (p.n_h % s.h_nthread != 0)
    sink.Add([] { return "h_nthread_divides"; },
             [&] {
               return fmt::format("h_nthread = {} does not divide the {} row tiles (OH {} / tile_h {})", s.h_nthread,
                                  p.n_h, p.oh, s.tile_h);
             });
  if (p.n_co % s.oc_nthread != 0)
    sink.Add([] { return "oc_nthread_divides"; },
             [&] {
               return fmt::format("oc_nthread = {} does not divide the {} channel tiles (K blocks {} / tile_co {})",
                                  s.oc_nthread, p.n_co, p.kb, s.tile_co);
             });
  auto capacity = [&](std::string_view name, std::string_view what, int64_t rows, int64_t cap, int row_bytes,
                      int64_t depth) {
    if (rows > cap && !sink.Done())
      sink.Add([&] { return name; },
               [&] {
                 return fmt::format(
                     "{} tile needs {} rows ({} B) per thread, buffer holds {} rows ({} B) per thread "
                     "({} threads, {} B in all)",
                     what, rows, rows * row_bytes, cap, cap * row_bytes, p.nthread, depth * row_bytes);
               });
  };
  capacity("inp_capacity", "input", p.inp_rows, p.inp_cap, sp.inp_row_bytes, sp.inp_depth);
  capacity("wgt_capacity", "weight", p.wgt_rows, p.wgt_cap, sp.wgt_row_bytes, sp.wgt_depth);
  capacity("acc_capacity", "accumulator", p.acc_rows, p.acc_cap, sp.acc_row_bytes, sp.acc_depth);
  if (p.gemm.uops > sp.uop_depth && !sink.Done())
    sink.Add([] { return "uop_capacity"; },
             [&] {
               return fmt::format("GEMM micro-op kernel has {} micro-ops ({} B), micro-op buffer holds {} ({} B)",
                                  p.gemm.uops, p.gemm.uops * sp.uop_bytes, sp.uop_depth, sp.uop_depth * sp.uop_bytes);
             });
  if (sink.Done()) return;

  // Instruction fields.
  auto field = [&](Field f, uint64_t value, std::string_view what) {
    if (sink.Done()) return;
    const uint64_t mx = FieldMax(sp, f);
    if (value > mx)
      sink.Add([&] { return fmt::format("field_{}", spec::FieldName(f)); },
               [&] {
                 return fmt::format("{} = {} does not fit field {} ({} bits, at most {})", what, value,
                                    spec::FieldName(f), sp.isa.FieldWidth(f), mx);
               });
  };
  field(Field::kYPad0, uint64_t(layer.pad_h), "row padding");
  field(Field::kXPad0, uint64_t(layer.pad_w), "column padding");
  field(Field::kIterOut, p.gemm.iter_out, "GEMM outer loop");
  field(Field::kIterIn, p.gemm.iter_in, "GEMM inner loop");
  field(Field::kDstFactorOut, p.gemm.dst_fo, "GEMM dst factor");
  field(Field::kSrcFactorOut, p.gemm.src_fo, "GEMM src outer factor");
  field(Field::kSrcFactorIn, p.gemm.src_fi, "GEMM src inner factor");
  field(Field::kWgtFactorOut, p.gemm.wgt_fo, "GEMM wgt outer factor");
  field(Field::kWgtFactorIn, p.gemm.wgt_fi, "GEMM wgt inner factor");
  field(Field::kIterOut, uint64_t(s.tile_b) * s.tile_co * s.tile_h, "ALU outer loop (tile_b x tile_co x tile_h)");
  field(Field::kIterIn, uint64_t(s.tile_h) * s.tile_w, "ALU bias loop (tile_h x tile_w)");
  field(Field::kDstFactorOut, uint64_t(s.tile_h) * s.tile_w, "ALU bias dst factor (tile_h x tile_w)");
  field(Field::kXStride, uint64_t(layer.w), "input row stride (W)");
  field(Field::kXStride, uint64_t(p.ow), "output row stride (OW)");
  field(Field::kXStride, uint64_t(layer.r) * layer.s * p.wci, "weight stride (input blocks x R x S)");
  field(Field::kYSize, uint64_t(p.in_h), "input tile rows");
  field(Field::kXSize, uint64_t(p.in_w), "input tile columns");
  field(Field::kXSize, uint64_t(p.wgt_rows), "weight tile rows");
  const uint64_t dram_rows = (uint64_t(p.nb) * p.cb * layer.h * layer.w * sp.inp_row_bytes +
                              uint64_t(p.kb) * p.wci * layer.r * layer.s * sp.wgt_row_bytes +
                              uint64_t(p.nb) * p.kb * p.oh * p.ow * sp.out_row_bytes) /
                             uint64_t(std::min({sp.inp_row_bytes, sp.wgt_row_bytes, sp.out_row_bytes}));
  field(Field::kDramBase, dram_rows, "DRAM image rows");
  const reference::Epilogue& e = layer.epilogue;
  const int64_t imm_lo = -(int64_t(1) << (spec::IsaLayout::kImmBits - 1)), imm_hi = -imm_lo - 1;
  auto imm = [&](std::optional<int32_t> val, std::string_view what) {
    if (val && (*val < imm_lo || *val > imm_hi) && !sink.Done())
      sink.Add([] { return "field_imm"; },
               [&] {
                 return fmt::format("{} = {} does not fit the {}-bit signed immediate [{}, {}]", what, *val,
                                    spec::IsaLayout::kImmBits, imm_lo, imm_hi);
               });
  };
  imm(e.shift, "shift");
  imm(e.clip_lo, "clip minimum");
  imm(e.clip_hi, "clip maximum");
  // Tokens in flight per queue: one per scratchpad slot a later op waits on (input and weight slots for
  // compute->load, accumulator slots for store->compute) plus FINISH's; a single thread alternates.
  const int tokens = p.nthread == 1 ? 1 : 2 * p.nthread + 1;
  if (sp.config.dep_queue_depth < tokens && !sink.Done())
    sink.Add([] { return "queue_depth"; },
             [&] {
               return fmt::format("{} virtual threads need dependency queues of {} tokens, DEP_QUEUE_DEPTH is {}",
                                  p.nthread, tokens, sp.config.dep_queue_depth);
             });
}

}  // namespace

std::vector<Violation> Check(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp) {
  std::vector<Violation> v;
  Sink sink(&v, false);
  CheckInto(layer, sched, sp, sink);
  return v;
}

bool Valid(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp) {
  Sink sink(nullptr, true);
  CheckInto(layer, sched, sp, sink);
  return !sink.Any();
}

std::optional<Violation> FirstViolation(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp) {
  std::vector<Violation> v;
  Sink sink(&v, true);
  CheckInto(layer, sched, sp, sink);
  if (v.empty()) return std::nullopt;
  return v.front();
}

Schedule Normalize(const ConvLayer& layer, Schedule s) {
  if (s.tile_kh == 0) s.tile_kh = layer.r;
  if (s.tile_kw == 0) s.tile_kw = layer.s;
  return s;
}

}  // namespace dcoc::compiler
