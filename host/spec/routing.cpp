#include "host/spec/routing.h"

namespace dcoc::spec {

std::string_view Name(Module m) {
  switch (m) {
    case Module::kLoad: return "load";
    case Module::kCompute: return "compute";
    case Module::kStore: return "store";
  }
  return "?";
}

namespace {
struct QueueInfo {
  std::string_view name, short_name;
  Module producer, consumer;
};
constexpr std::array<QueueInfo, kNumTokenQueues> kQueues = {{
    {"load->compute", "l2c", Module::kLoad, Module::kCompute},
    {"compute->load", "c2l", Module::kCompute, Module::kLoad},
    {"compute->store", "c2s", Module::kCompute, Module::kStore},
    {"store->compute", "s2c", Module::kStore, Module::kCompute},
}};
const QueueInfo& Info(TokenQueue q) { return kQueues[size_t(q) % kNumTokenQueues]; }
}  // namespace

std::string_view Name(TokenQueue q) { return size_t(q) < kQueues.size() ? Info(q).name : "?"; }
std::string_view ShortName(TokenQueue q) { return size_t(q) < kQueues.size() ? Info(q).short_name : "?"; }
Module Producer(TokenQueue q) { return Info(q).producer; }
Module Consumer(TokenQueue q) { return Info(q).consumer; }

std::optional<Module> RouteOf(const Instruction& in) {
  switch (in.opcode) {
    case Opcode::kLoad:
      switch (in.memory_type) {
        case MemType::kInp:
        case MemType::kWgt: return Module::kLoad;
        case MemType::kUop:
        case MemType::kAcc:
        case MemType::kAcc8: return Module::kCompute;
        case MemType::kOut: break;
      }
      return std::nullopt;
    case Opcode::kStore:
      if (in.memory_type == MemType::kOut) return Module::kStore;
      return std::nullopt;
    case Opcode::kGemm:
    case Opcode::kAlu:
    case Opcode::kFinish: return Module::kCompute;
  }
  return std::nullopt;
}

std::optional<TokenQueue> QueueBetween(Module producer, Module consumer) {
  for (size_t q = 0; q < kQueues.size(); ++q)
    if (kQueues[q].producer == producer && kQueues[q].consumer == consumer) return TokenQueue(q);
  return std::nullopt;
}

const QueuePorts& PortsOf(Module m) {
  // Derived from the queue table: "prev" is the neighbour with the lower index, "next" the higher.
  static const std::array<QueuePorts, kNumModules> kPorts = [] {
    std::array<QueuePorts, kNumModules> p{};
    for (int k = 0; k < kNumModules; ++k) {
      const Module self = Module(k);
      if (k > 0) {
        p[size_t(k)].pop_prev = QueueBetween(Module(k - 1), self);
        p[size_t(k)].push_prev = QueueBetween(self, Module(k - 1));
      }
      if (k + 1 < kNumModules) {
        p[size_t(k)].pop_next = QueueBetween(Module(k + 1), self);
        p[size_t(k)].push_next = QueueBetween(self, Module(k + 1));
      }
    }
    return p;
  }();
  return kPorts[size_t(m) % kNumModules];
}

std::array<std::optional<TokenQueue>, 2> PopQueues(const Instruction& in, Module m) {
  const QueuePorts& p = PortsOf(m);
  return {in.pop_prev ? p.pop_prev : std::nullopt, in.pop_next ? p.pop_next : std::nullopt};
}

std::array<std::optional<TokenQueue>, 2> PushQueues(const Instruction& in, Module m) {
  const QueuePorts& p = PortsOf(m);
  return {in.push_prev ? p.push_prev : std::nullopt, in.push_next ? p.push_next : std::nullopt};
}

bool HasFlagWithoutQueue(const Instruction& in, Module m) {
  const QueuePorts& p = PortsOf(m);
  return (in.pop_prev && !p.pop_prev) || (in.pop_next && !p.pop_next) || (in.push_prev && !p.push_prev) ||
         (in.push_next && !p.push_next);
}

}  // namespace dcoc::spec
