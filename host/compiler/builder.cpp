#include "host/compiler/builder.h"

#include <fmt/format.h>

#include <algorithm>

#include "host/common/error.h"
#include "host/compiler/errors.h"

namespace dcoc::compiler {

uint64_t ProgramBuilder::Align(int row_bytes) const {
  const uint64_t a = std::max<uint64_t>(64, uint64_t(row_bytes));
  return (dram_.size() + a - 1) / a * a;
}

uint64_t ProgramBuilder::Place(std::string name, spec::RegionKind kind, std::span<const uint8_t> bytes, int row_bytes) {
  if (uop_offset_)
    throw Error(fmt::format("internal compiler error: region {} placed after the micro-op region", name));
  const uint64_t off = Align(row_bytes);
  dram_.resize(size_t(off), 0);
  dram_.insert(dram_.end(), bytes.begin(), bytes.end());
  if (!bytes.empty()) regions_.push_back({std::move(name), kind, off, bytes.size()});
  return off / uint64_t(row_bytes);
}

uint64_t ProgramBuilder::Reserve(std::string name, spec::RegionKind kind, uint64_t bytes, int row_bytes) {
  if (uop_offset_)
    throw Error(fmt::format("internal compiler error: region {} placed after the micro-op region", name));
  const uint64_t off = Align(row_bytes);
  dram_.resize(size_t(off + bytes), 0);
  if (bytes) regions_.push_back({std::move(name), kind, off, bytes});
  return off / uint64_t(row_bytes);
}

uint64_t ProgramBuilder::UopBase() {
  if (!uop_offset_) uop_offset_ = Align(spec_.uop_bytes);
  return *uop_offset_ / uint64_t(spec_.uop_bytes);
}

uint32_t ProgramBuilder::Uops(const std::vector<spec::Uop>& kernel, std::vector<spec::Instruction>& out) {
  return uops_.Use(kernel, UopBase(), out);
}

BuiltProgram ProgramBuilder::Build(std::string description) {
  static constexpr std::array<std::string_view, 4> kQueues = {"load->compute", "compute->load", "compute->store",
                                                              "store->compute"};
  const InsnStream stream = graph_.Finalize();
  BuiltProgram out;
  out.queue_depth = stream.MaxOutstanding();
  for (size_t q = 0; q < 4; ++q)
    if (out.queue_depth[q] > spec_.config.dep_queue_depth)
      throw ScheduleError(fmt::format("{} needs {} tokens in dependency queue {} ({}), DEP_QUEUE_DEPTH is {}",
                                      description, out.queue_depth[q], q, kQueues[q], spec_.config.dep_queue_depth));
  const uint64_t uop_off = UopBase() * uint64_t(spec_.uop_bytes);
  const std::vector<uint8_t> uop_img = uops_.Image();
  dram_.resize(size_t(uop_off), 0);
  dram_.insert(dram_.end(), uop_img.begin(), uop_img.end());
  regions_.push_back({"uops", spec::RegionKind::kUop, uop_off, uop_img.size()});
  out.uop_kernels = uops_.kernels();
  out.uop_loads = uops_.loads();
  spec::Program& p = out.program;
  p.config = spec_.config;
  p.insns = stream.insns();
  p.dram = std::move(dram_);
  p.regions = std::move(regions_);
  p.description = std::move(description);
  // Safety net: every field must encode (EncodeError names the field otherwise).
  try {
    (void)spec::EncodeStream(spec_.isa, p.insns);
  } catch (const EncodeError& e) {
    throw Error(fmt::format("internal compiler error: {}: {}", p.description, e.what()));
  }
  if (isa_ == spec::Isa::kVta)
    for (size_t i = 0; i < p.insns.size(); ++i)
      if (const std::optional<std::string> why = spec::VtaInsnProblem(spec_, p.insns[i]))
        throw Error(fmt::format("internal compiler error: {}: instruction {} ({}) is outside stock VTA's subset: {}",
                                p.description, i, spec::Disassemble(spec_.isa, p.insns[i]), *why));
  return out;
}

}  // namespace dcoc::compiler
