#include "hls/csim/csim_device.h"

#include <chrono>

#include <fmt/format.h>

#include "hls/csim/kernels.h"
#include "host/common/error.h"
#include "host/runtime/dram.h"
#include "host/runtime/fsim_device.h"
#include "sim/fsim/fsim.h"

namespace dcoc::hls {

namespace {

constexpr const char* kModule[3] = {"load", "compute", "store"};

class HlsCsimDevice final : public runtime::Device {
 public:
  explicit HlsCsimDevice(const spec::Spec& s)
      : spec_(s), kernel_(FindKernel(s)), state_(kernel_->create(), kernel_->destroy) {}
  std::string_view Backend() const override { return "hls-csim"; }
  const spec::Spec& spec() const override { return spec_; }
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return dram_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { dram_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { dram_.Read(addr, bytes); }

  void Reset() override {
    dram_.Clear();
    state_.reset(kernel_->create());
  }

  runtime::RunStats Run(std::span<const spec::Instruction> insns, const runtime::RunOptions&) override {
    if (insns.empty()) throw UsageError("cannot run an empty instruction stream (it needs a FINISH)");
    const auto t0 = std::chrono::steady_clock::now();
    // The stream goes past the allocated memory (so it never aliases the program's data) and is
    // removed again afterwards.
    std::vector<uint8_t>& mem = dram_.bytes();
    const size_t user_bytes = mem.size();
    const size_t insn_addr = (user_bytes + 63) / 64 * 64;
    const std::vector<uint8_t> stream = spec::EncodeStream(spec_.isa, insns);
    mem.resize(insn_addr, 0);
    mem.insert(mem.end(), stream.begin(), stream.end());
    KernelStatus st;
    kernel_->run(state_.get(), mem.data(), mem.size(), insn_addr, uint32_t(insns.size()), &st);
    mem.resize(user_bytes);
    if (st.error != 0) throw ExecError(Describe(st, insns));

    runtime::RunStats out;
    out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sim::Counters c;
    for (int m = 0; m < 3; ++m) c.insns[size_t(m)] = st.insns[m];
    for (int t = 0; t < spec::kNumMemTypes; ++t) {
      c.load_bytes[size_t(t)] = st.load_bytes[t];
      c.pad_rows[size_t(t)] = st.pad_rows[t];
    }
    c.store_bytes = st.store_bytes;
    c.gemm_uops = st.gemm_uops;
    c.alu_uops = st.alu_uops;
    for (int q = 0; q < 4; ++q) c.tokens[size_t(q)] = st.tokens[q];
    out.counters = runtime::CountersToMap(c, insns.size());
    return out;
  }

 private:
  std::string Insn(std::span<const spec::Instruction> insns, int64_t i) const {
    if (i < 0 || size_t(i) >= insns.size()) return "";
    return fmt::format("instruction {} ({})", i, spec::Disassemble(spec_.isa, insns[size_t(i)]));
  }

  std::string Describe(const KernelStatus& st, std::span<const spec::Instruction> insns) const {
    const std::string where = st.error_module >= 0 ? fmt::format(", {} module", kModule[st.error_module]) : "";
    switch (st.first_error) {
      case kErrDeadlock: {
        std::string s = "deadlock: no module of the HLS kernel can proceed before FINISH;";
        for (int m = 0; m < 3; ++m)
          if (st.pending[m] >= 0) s += fmt::format(" {} waits at {};", kModule[m], Insn(insns, st.pending[m]));
        static constexpr const char* kQueue[4] = {"load->compute", "compute->load", "compute->store", "store->compute"};
        s += " tokens";
        for (int q = 0; q < 4; ++q) s += fmt::format(" {}={}", kQueue[q], st.queued_tokens[q]);
        return s;
      }
      case kErrNoFinish: return "the instruction stream ended without FINISH";
      case kErrDramBounds:
        return fmt::format("{}{}: DRAM access at byte {:#x} is outside the device memory ({} bytes allocated)",
                           Insn(insns, st.error_insn), where, st.error_index, dram_.bytes().size());
      case kErrSramBounds: {
        const auto buf = spec::MemType(st.error_buffer);
        const int64_t depth = buf == spec::MemType::kUop   ? spec_.uop_depth
                              : buf == spec::MemType::kInp ? spec_.inp_depth
                              : buf == spec::MemType::kWgt ? spec_.wgt_depth
                                                           : spec_.acc_depth;
        return fmt::format("{}{}: {} index {} is outside the buffer's {} entries", Insn(insns, st.error_insn), where,
                           spec::Name(buf), st.error_index, depth);
      }
      case kErrFinishRace:
        return fmt::format("{}: FINISH executed while the load or store module still had instructions",
                           Insn(insns, st.error_insn));
      case kErrBadInsn:
        return fmt::format("{}{}: no module executes this instruction (a LOAD of OUT, a STORE of another type, a "
                           "FINISH before the end, a dependency flag naming a missing neighbour, padding on a STORE "
                           "or pad_min on a micro-op load)",
                           Insn(insns, st.error_insn), where);
      default: return fmt::format("the HLS kernel broke an internal invariant (error bits {:#x})", st.error);
    }
  }

  spec::Spec spec_;
  const DcocHlsKernel* kernel_;
  std::unique_ptr<void, void (*)(void*)> state_;
  runtime::SimDram dram_;
};

}  // namespace

void AddHlsCsimBackend(runtime::Registry& r) {
  r.Add({"hls-csim", "the HLS kernel (hls/) compiled with g++ for C simulation: untimed, exact", false},
        [](const spec::Spec& s, const runtime::DeviceOptions&) -> std::unique_ptr<runtime::Device> {
          return std::make_unique<HlsCsimDevice>(s);
        });
}

}  // namespace dcoc::hls
