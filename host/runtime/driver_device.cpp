#include "host/runtime/driver_device.h"

#include <chrono>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/regmap.h"

namespace dcoc::runtime {

DriverDevice::DriverDevice(std::string backend, const spec::Spec& s, std::unique_ptr<Board> board, double clock_hz)
    : backend_(std::move(backend)), spec_(s), board_(std::move(board)), clock_hz_(clock_hz) {
  if (!board_) throw UsageError("DriverDevice needs a board");
  if (!(clock_hz_ > 0)) throw UsageError(fmt::format("clock {} Hz of backend {} is not positive", clock_hz_, backend_));
  driver::CheckConfigHash(*board_, spec_, fmt::format("the {} accelerator", backend_));
}

RunStats DriverDevice::Run(std::span<const spec::Instruction> insns, const RunOptions& opts) {
  if (insns.empty()) throw UsageError("cannot run an empty instruction stream (it needs a FINISH)");
  const auto t0 = std::chrono::steady_clock::now();
  if (unfinished_) {
    board_->Recover();
    unfinished_ = false;
  }
  // One device buffer holds the stream; it grows (to a power of two) when a longer stream comes.
  const std::vector<uint8_t> stream = spec::EncodeStream(spec_.isa, insns);
  if (stream.size() > insn_capacity_) {
    uint64_t cap = 4096;
    while (cap < stream.size()) cap *= 2;
    insn_addr_ = board_->Alloc(cap, 64);  // right after the image, where the verilator backend puts it
    insn_capacity_ = cap;
  }
  board_->Write(insn_addr_, stream);

  driver::WaitOptions w;
  w.timeout_seconds = opts.timeout_seconds;
  w.max_cycles = opts.max_cycles;
  w.idle = [this] { board_->Idle(); };
  driver::Start(*board_, insn_addr_, uint32_t(insns.size()));
  driver::Completion c;
  try {
    c = driver::WaitDone(*board_, spec_, insns, w);
  } catch (const ExecError&) {
    unfinished_ = !(board_->Read32(spec::RegisterOffset("STATUS")) & spec::kStatusDone);
    throw;
  }
  RunStats st;
  st.cycles = c.cycles;
  st.seconds = double(c.cycles) / clock_hz_;
  st.counters = std::move(c.counters);
  st.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

}  // namespace dcoc::runtime
