#include "host/driver/driver.h"

#include <array>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/counters.h"
#include "host/spec/regmap.h"
#include "host/spec/routing.h"

namespace dcoc::driver {

uint64_t ReadCounter(RegisterBus& bus, int index) {
  const uint32_t off = spec::CounterOffset(index);
  const uint32_t lo = bus.Read32(off);
  const uint32_t hi = bus.Read32(off + 4);
  return uint64_t(lo) | (uint64_t(hi) << 32);
}

std::map<std::string, uint64_t> ReadCounters(RegisterBus& bus) {
  std::map<std::string, uint64_t> out;
  const auto counters = spec::RtlCounters();
  for (size_t i = 0; i < counters.size(); ++i) out[std::string(counters[i].name)] = ReadCounter(bus, int(i));
  return out;
}

void CheckConfigHash(RegisterBus& bus, const spec::Spec& s, std::string_view what) {
  const uint64_t hash = uint64_t(bus.Read32(spec::RegisterOffset("CONFIG_HASH_LO"))) |
                        (uint64_t(bus.Read32(spec::RegisterOffset("CONFIG_HASH_HI"))) << 32);
  const uint64_t want = spec::ConfigHash(s.config);
  if (hash != want)
    throw ConfigError(fmt::format("{}'s CONFIG_HASH is {:016x}, configuration {} needs {:016x}: {} was built for "
                                  "another configuration",
                                  what, hash, s.tag, want, what));
}

void Start(RegisterBus& bus, uint64_t insn_addr, uint32_t count) {
  bus.Write32(spec::RegisterOffset("INSN_ADDR_LO"), uint32_t(insn_addr));
  bus.Write32(spec::RegisterOffset("INSN_ADDR_HI"), uint32_t(insn_addr >> 32));
  bus.Write32(spec::RegisterOffset("INSN_COUNT"), count);
  bus.Write32(spec::RegisterOffset("CTRL"), 1);
}

namespace {

// The stream index of module m's instruction number `ordinal` (from 0), or -1. Instructions no module
// executes are dropped by fetch and belong to no module's stream.
int64_t StreamIndex(std::span<const spec::Instruction> insns, spec::Module m, uint64_t ordinal) {
  uint64_t seen = 0;
  for (size_t i = 0; i < insns.size(); ++i)
    if (spec::RouteOf(insns[i]) == m && seen++ == ordinal) return int64_t(i);
  return -1;
}

int64_t Depth(const spec::Spec& s, spec::MemType t) {
  switch (t) {
    case spec::MemType::kUop: return s.uop_depth;
    case spec::MemType::kInp: return s.inp_depth;
    case spec::MemType::kWgt: return s.wgt_depth;
    default: return s.acc_depth;
  }
}

}  // namespace

std::string DescribeError(RegisterBus& bus, const spec::Spec& s, std::span<const spec::Instruction> insns) {
  const uint32_t err = bus.Read32(spec::RegisterOffset("ERROR"));
  if (err == 0) return "";
  std::string what;
  if (err & spec::kErrorBadInsn)
    what += "an instruction no module executes (LOAD of OUT, STORE of a non-OUT type, or a bad opcode); ";
  if (err & spec::kErrorFinishRace) what += "FINISH executed while load or store still had instructions; ";
  if (err & spec::kErrorSramBounds) {
    const uint32_t addr = bus.Read32(spec::RegisterOffset("ERROR_ADDR"));
    const spec::BoundsErrorInfo info = spec::DecodeErrorInfo(bus.Read32(spec::RegisterOffset("ERROR_INFO")));
    const int64_t idx = StreamIndex(insns, info.module, info.ordinal);
    what += fmt::format(
        "the {} module's instruction {} of its stream{} touches {} index {}, outside the buffer's {} entries (it was "
        "skipped); ",
        spec::Name(info.module), info.ordinal,
        idx < 0 ? std::string() : fmt::format(" (instruction {}: {})", idx, spec::Disassemble(s.isa, insns[size_t(idx)])),
        spec::Name(info.buffer), addr, Depth(s, info.buffer));
  }
  return fmt::format("the RTL flagged ERROR = {:#x}: {}{}", err, what, Diagnose(bus, s, insns));
}

std::string Diagnose(RegisterBus& bus, const spec::Spec& s, std::span<const spec::Instruction> insns) {
  const uint32_t t0 = bus.Read32(spec::RegisterOffset("TOKENS_0"));
  const uint32_t t1 = bus.Read32(spec::RegisterOffset("TOKENS_1"));
  const spec::ModuleStates st = spec::DecodeState(bus.Read32(spec::RegisterOffset("STATE")));
  auto cnt = [&](std::string_view name) { return ReadCounter(bus, spec::RtlCounterIndex(name)); };
  const std::array<uint64_t, spec::kNumModules> executed = {cnt("load_insns"), cnt("compute_insns"),
                                                            cnt("store_insns")};
  std::array<uint64_t, spec::kNumTokenQueues> tokens{};
  for (int q = 0; q < spec::kNumTokenQueues; ++q) tokens[size_t(q)] = spec::TokensInQueue(t0, t1, spec::TokenQueue(q));
  std::string out = fmt::format("fetched {} instructions; executed", cnt("fetch_insns"));
  for (int m = 0; m < spec::kNumModules; ++m)
    out += fmt::format("{} {} {}", m ? "," : "", spec::Name(spec::Module(m)), executed[size_t(m)]);
  out += fmt::format("; module states fetch {:#x}", st.fetch);
  for (int m = 0; m < spec::kNumModules; ++m)
    out += fmt::format(", {} {:#x}", spec::Name(spec::Module(m)), st.state[size_t(m)]);
  out += "; instruction queues non-empty:";
  for (int m = 0; m < spec::kNumModules; ++m)
    out += fmt::format("{} {} {}", m ? "," : "", spec::Name(spec::Module(m)), int(st.queued[size_t(m)]));
  out += "; tokens";
  for (int q = 0; q < spec::kNumTokenQueues; ++q)
    out += fmt::format("{} {} {}", q ? "," : "", spec::Name(spec::TokenQueue(q)), tokens[size_t(q)]);
  if (insns.empty()) return out;
  // Each module's next instruction (in its own stream order) and what it waits for.
  std::array<uint64_t, spec::kNumModules> seen{};
  std::array<bool, spec::kNumModules> pending{};
  for (size_t i = 0; i < insns.size(); ++i) {
    const spec::Instruction& in = insns[i];
    const std::optional<spec::Module> route = spec::RouteOf(in);
    if (!route) continue;  // dropped by fetch
    const size_t m = size_t(*route);
    if (seen[m]++ != executed[m] || pending[m]) continue;
    pending[m] = true;
    std::string waits;
    auto need = [&](std::optional<spec::TokenQueue> q, bool pop) {
      if (!q) return;
      const uint64_t n = tokens[size_t(*q)];
      const bool blocked = pop ? n == 0 : n >= uint64_t(s.config.dep_queue_depth);
      if (blocked)
        waits += fmt::format("{}{} {}", waits.empty() ? "" : " and ", pop ? "a token in" : "room in", spec::Name(*q));
    };
    for (auto q : spec::PopQueues(in, *route)) need(q, true);
    for (auto q : spec::PushQueues(in, *route)) need(q, false);
    out += fmt::format("; {} is at instruction {} ({}){}", spec::Name(*route), i, spec::Disassemble(s.isa, in),
                       waits.empty() ? "" : ", waiting for " + waits);
  }
  return out;
}

Completion WaitDone(RegisterBus& bus, const spec::Spec& s, std::span<const spec::Instruction> insns,
                    const WaitOptions& opts) {
  // Counters that move whenever the accelerator makes progress (a deadlocked one moves only cycles and
  // stall counters). Their low words are enough to see a change.
  static constexpr std::array<std::string_view, 9> kProgress = {
      "fetch_bytes_read", "load_bytes_read", "compute_bytes_read", "store_bytes_written", "gemm_uops",
      "alu_uops",         "load_insns",      "compute_insns",      "store_insns"};
  std::array<uint32_t, kProgress.size()> offsets{};
  for (size_t i = 0; i < kProgress.size(); ++i) offsets[i] = spec::CounterOffset(spec::RtlCounterIndex(kProgress[i]));
  const int cycles_index = spec::RtlCounterIndex("cycles");
  const uint32_t status_off = spec::RegisterOffset("STATUS");

  const auto t0 = std::chrono::steady_clock::now();
  Completion c;
  uint64_t last_progress_cycle = 0;
  std::array<uint32_t, kProgress.size()> last{};
  for (;;) {
    ++c.polls;
    if (bus.Read32(status_off) & spec::kStatusDone) break;
    const uint64_t cycles = ReadCounter(bus, cycles_index);
    std::array<uint32_t, kProgress.size()> now{};
    for (size_t i = 0; i < offsets.size(); ++i) now[i] = bus.Read32(offsets[i]);
    if (now != last) {
      last = now;
      last_progress_cycle = cycles;
    } else if (opts.watchdog_cycles && cycles - last_progress_cycle >= opts.watchdog_cycles) {
      throw ExecError(fmt::format("deadlock: no progress for {} cycles (cycle {} of the run, no FINISH): {}",
                                  cycles - last_progress_cycle, cycles, Diagnose(bus, s, insns)));
    }
    if (opts.max_cycles && cycles > opts.max_cycles)
      throw CycleLimitError(fmt::format("the run exceeded max_cycles = {} without FINISH: {}", opts.max_cycles,
                                  Diagnose(bus, s, insns)));
    if (opts.timeout_seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > opts.timeout_seconds)
      throw TimeLimitError(fmt::format("the run exceeded its {} s wall-clock limit at cycle {} without FINISH: {}",
                                  opts.timeout_seconds, cycles, Diagnose(bus, s, insns)));
    if (opts.idle) opts.idle();
  }
  if (std::string e = DescribeError(bus, s, insns); !e.empty()) throw ExecError(e);
  c.counters = ReadCounters(bus);
  c.cycles = c.counters.at("cycles");
  return c;
}

}  // namespace dcoc::driver
