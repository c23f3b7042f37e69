// dcoc op run: the ALU operators (residual add, ReLU, shift requantization, max-pool, average pool)
// compiled for a configuration, run on a backend and checked bit-exactly against the host reference.
#include <random>

#include <fmt/format.h>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/compiler/eltwise.h"
#include "host/reference/reference.h"
#include "host/runtime/device.h"

namespace dcoc::cli {

namespace {

struct OpArgs {
  runtime::DeviceOptions device;  // --board, --xclbin, --device
  std::string op = "add", shape = "1,64,56,56", window = "3,2,1", config = "default", backend = "fsim", isa = "vta++";
  uint64_t seed = 1;
  int shift = 4;
  bool json = false;
};

std::vector<int> ParseInts(const std::string& text, size_t count, std::string_view option, std::string_view form) {
  std::vector<int> v;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    size_t used = 0;
    int x = 0;
    try {
      x = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || x < 0)
      throw UsageError(fmt::format("{} {}: \"{}\" is not a non-negative integer (expected {})", option, text, item, form));
    v.push_back(x);
    start = end + 1;
  }
  if (v.size() != count) throw UsageError(fmt::format("{} {}: expected {} numbers {}, got {}", option, text, count, form, v.size()));
  return v;
}

reference::Tensor RandomTensor(const std::vector<int>& nchw, int32_t lo, int32_t hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  reference::Tensor t(nchw[0], nchw[1], nchw[2], nchw[3]);
  const uint64_t span = uint64_t(int64_t(hi) - lo + 1);
  for (auto& v : t.data) v = int32_t(int64_t(lo) + int64_t(rng() % span));
  return t;
}

void RunOp(const OpArgs& a, const Context& ctx) {
  const spec::Spec s = SpecFor(a.config);
  const spec::Isa isa = spec::IsaFromName(a.isa);
  const std::vector<int> shape = ParseInts(a.shape, 4, "--shape", "N,C,H,W");
  for (int d : shape)
    if (d < 1) throw UsageError(fmt::format("--shape {}: every dimension must be at least 1", a.shape));
  const reference::IntFormat f{s.acc_bits, s.out_bits};
  const int32_t out_max = int32_t((int64_t(1) << (s.out_bits - 1)) - 1), out_min = -out_max - 1;
  const int32_t acc_span = int32_t(std::min<int64_t>((int64_t(1) << (s.acc_bits - 2)) - 1, 1 << 20));

  spec::Program p;
  reference::Tensor expect;
  std::array<int, 4> out_shape{shape[0], shape[1], shape[2], shape[3]};
  std::string what;
  if (a.op == "add" || a.op == "relu" || a.op == "requant") {
    const bool add = a.op == "add";
    const reference::Tensor x = RandomTensor(shape, -acc_span, acc_span, a.seed);
    const reference::Tensor y = RandomTensor(shape, -acc_span, acc_span, a.seed + 1);
    reference::Epilogue e;
    if (a.op == "relu") {
      e.clip_lo = 0;
      expect = reference::Relu(x, f);
    } else {
      e = reference::Epilogue::Requant(a.shift, false, s.out_bits, false);
      expect = add ? reference::Add(x, y, e, f) : reference::ShiftRequant(x, a.shift, out_min, out_max, f);
    }
    p = compiler::CompileEltwise(add ? compiler::EltwiseKind::kAdd : compiler::EltwiseKind::kUnary, x,
                                 add ? &y : nullptr, e, s, isa);
    what = add ? fmt::format("residual add + shift {} + clamp", a.shift)
               : a.op == "relu" ? std::string("ReLU") : fmt::format("shift {} + clamp", a.shift);
  } else if (a.op == "maxpool" || a.op == "avgpool") {
    const std::vector<int> win = ParseInts(a.window, 3, "--window", "R,stride,pad");
    compiler::PoolLayer l;
    l.kind = a.op == "maxpool" ? compiler::PoolKind::kMax : compiler::PoolKind::kAvg;
    l.n = shape[0], l.c = shape[1], l.h = shape[2], l.w = shape[3], l.r = l.s = win[0];
    l.attrs = {win[1], win[1], win[2], win[2]};
    l.isa = isa;
    if (l.r < 1 || win[1] < 1 || l.OutH() < 1 || l.OutW() < 1)
      throw UsageError(fmt::format("--window {} does not fit the {}x{} input", a.window, l.h, l.w));
    const reference::Tensor x = RandomTensor(shape, out_min, out_max, a.seed);
    if (l.kind == compiler::PoolKind::kAvg) {  // (sum * mul) >> 12 with mul = round(4096 / window)
      l.shift = 12;
      l.mul = int32_t((4096 + l.r * l.s / 2) / (l.r * l.s));
      expect = reference::AvgPool2d(x, l.r, l.s, l.attrs, l.mul, l.shift, f);
    } else {
      expect = reference::MaxPool2d(x, l.r, l.s, l.attrs, f);
    }
    p = compiler::CompilePool(l, x, s);
    out_shape = {l.n, l.c, l.OutH(), l.OutW()};
    what = l.Describe();
  } else {
    throw UsageError(fmt::format("--op {} is not one of add, relu, requant, maxpool, avgpool", a.op));
  }

  auto dev = ctx.backends.Create(a.backend, s, a.device);
  const runtime::ProgramRun r = runtime::RunProgram(*dev, p, {});
  const reference::Tensor got = compiler::ReadTensor(p, r.dram, out_shape[0], out_shape[1], out_shape[2], out_shape[3], s);
  int64_t mismatches = 0;
  for (size_t i = 0; i < got.data.size(); ++i) mismatches += got.data[i] != expect.data[i];
  const int64_t elems = got.Size();
  nlohmann::ordered_json j;
  j["op"] = a.op;
  j["description"] = what;
  j["config"] = s.tag;
  j["isa"] = spec::Name(isa);
  j["backend"] = a.backend;
  j["input"] = shape;
  j["output"] = out_shape;
  j["instructions"] = p.insns.size();
  j["cycles"] = r.stats.cycles;
  j["seconds"] = r.stats.seconds;
  j["outputs_per_cycle"] = r.stats.cycles ? double(elems) / double(r.stats.cycles) : 0.0;
  j["bit_exact"] = mismatches == 0;
  j["mismatches"] = mismatches;
  if (a.json) {
    PrintJson(j);
  } else {
    fmt::print("op {} ({}) on {}x{}x{}x{}, configuration {}, backend {}\n", a.op, what, shape[0], shape[1], shape[2],
               shape[3], s.tag, a.backend);
    fmt::print("program: {} instructions\n", p.insns.size());
    if (r.stats.cycles)
      fmt::print("cycles {}  time {:.3f} ms  {:.2f} outputs/cycle\n", r.stats.cycles, r.stats.seconds * 1e3,
                 double(elems) / double(r.stats.cycles));
    fmt::print("check: {} ({} outputs, {} mismatches)\n", mismatches == 0 ? "bit-exact" : "MISMATCH", elems, mismatches);
  }
  if (mismatches) throw ExecError(fmt::format("{} of {} outputs differ from the reference", mismatches, elems));
}

}  // namespace

void RegisterOpCommands(CLI::App& app, const Context& ctx) {
  auto* op = app.add_subcommand("op", "ALU operators: residual add, ReLU, requantization, max-pool, average pool");
  op->require_subcommand(1);
  auto* run = op->add_subcommand("run", "Compile an operator on random data, run it on a backend, check it bit-exactly");
  static OpArgs a;
  run->add_option("--op", a.op, "add, relu, requant, maxpool or avgpool")
      ->check(CLI::IsMember({"add", "relu", "requant", "maxpool", "avgpool"}))
      ->capture_default_str();
  run->add_option("--shape", a.shape, "Input N,C,H,W")->capture_default_str();
  run->add_option("--window", a.window, "Pooling window R,stride,pad (square)")->capture_default_str();
  run->add_option("--shift", a.shift, "Requantization shift (add, requant)")->capture_default_str();
  run->add_option("--config", a.config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  run->add_option("--isa", a.isa, "Instruction set: vta++ or vta (only what stock VTA bitstreams execute)")
      ->capture_default_str();
  run->add_option("--backend", a.backend, "A backend of `dcoc backends` (fsim, verilator, ...)")->capture_default_str();
  run->add_option("--seed", a.seed, "Seed of the random operands")->capture_default_str();
  AddDeviceOptions(run, a.device);
  run->add_flag("--json", a.json, "Machine-readable output");
  run->callback([&ctx] { RunOp(a, ctx); });
}

}  // namespace dcoc::cli
