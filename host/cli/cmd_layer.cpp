// dcoc layer list|run|space|search: compile a DNN layer for a configuration, run it on a backend, check it
// bit-exactly against the host reference, and report cycles, GOPS and utilization; show the schedule
// space the tuners search.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/compiler/analysis.h"
#include "host/compiler/conv.h"
#include "host/compiler/workloads.h"
#include "host/runtime/device.h"

namespace dcoc::cli {

namespace {

struct LayerArgs {
  std::string layer, conv, kind = "conv2d", config = "default", schedule = "auto", backend = "fsim", save, isa = "vta++";
  std::string board;  // DeviceOptions::board: the memory timing a board-level backend (systemc) models
  uint64_t seed = 1;
  int top = 8, random = 4;
  uint64_t max_insns = 0;
  bool json = false, list = false, relu = false, dump = false;
  int shift = -1;
};

// "--conv N,C,H,W,K,R,S,stride,pad" (S may equal R; the kind decides conv2d/depthwise/dense).
compiler::ConvLayer ParseConv(const std::string& spec_text, const std::string& kind, int out_bits) {
  std::vector<int> v;
  for (size_t start = 0; start <= spec_text.size();) {
    size_t end = spec_text.find(',', start);
    if (end == std::string::npos) end = spec_text.size();
    const std::string item = spec_text.substr(start, end - start);
    start = end + 1;
    try {
      size_t used = 0;
      v.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--conv {}: \"{}\" is not an integer", spec_text, item));
    }
  }
  if (v.size() != 9)
    throw UsageError(
        fmt::format("--conv {}: expected 9 numbers N,C,H,W,K,R,S,stride,pad, got {}", spec_text, v.size()));
  compiler::ConvLayer l;
  l.name = "conv";
  if (kind == "depthwise")
    l.kind = compiler::ConvKind::kDepthwise;
  else if (kind == "dense")
    l.kind = compiler::ConvKind::kDense;
  else if (kind != "conv2d")
    throw UsageError(fmt::format("--kind {} is not conv2d, depthwise or dense", kind));
  l.n = v[0], l.c = v[1], l.h = v[2], l.w = v[3], l.k = v[4], l.r = v[5], l.s = v[6];
  l.stride_h = l.stride_w = v[7];
  l.pad_h = l.pad_w = v[8];
  l.Validate();
  l.epilogue = compiler::DefaultEpilogue(l, out_bits);
  return l;
}

compiler::ConvLayer LayerFor(const LayerArgs& a, const spec::Spec& s) {
  if (a.layer.empty() == a.conv.empty())
    throw UsageError("give exactly one of --layer <model.layer> and --conv N,C,H,W,K,R,S,stride,pad");
  compiler::ConvLayer l = a.layer.empty() ? ParseConv(a.conv, a.kind, s.out_bits) : compiler::FindLayer(a.layer);
  l.epilogue = compiler::DefaultEpilogue(l, s.out_bits);
  if (a.shift >= 0) l.epilogue.shift = a.shift;
  if (a.relu) l.epilogue.clip_lo = 0;
  l.isa = spec::IsaFromName(a.isa);
  return l;
}

compiler::Schedule ScheduleFor(const std::string& text, const compiler::ConvLayer& l, const spec::Spec& s) {
  if (text == "auto") return compiler::DefaultSchedule(l, s);
  std::string body = text;
  if (!text.empty() && text.front() != '{') {
    if (!std::filesystem::is_regular_file(text))
      throw UsageError(fmt::format("--schedule {}: not \"auto\", a JSON object, or a readable file", text));
    const std::vector<uint8_t> bytes = spec::ReadFile(text);
    body.assign(bytes.begin(), bytes.end());
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("--schedule: malformed JSON: {}", e.what()));
  }
  return compiler::ScheduleFromJson(j);
}

void RunLayer(const LayerArgs& a, const Context& ctx) {
  const spec::Spec s = SpecFor(a.config);
  const compiler::ConvLayer l = LayerFor(a, s);
  const compiler::Schedule sched = ScheduleFor(a.schedule, l, s);
  const compiler::ConvOperands ops = compiler::RandomOperands(l, s, a.seed);
  const compiler::CompiledConv c = compiler::CompileConv(l, sched, s, ops);
  if (!a.save.empty()) spec::SaveProgram(c.program, a.save);
  if (a.dump) {
    // Debug dump: every instruction through the disassembler, then the micro-op region word by word.
    for (size_t i = 0; i < c.program.insns.size(); ++i)
      fmt::print("{:6}  {}\n", i, spec::Disassemble(s.isa, c.program.insns[i]));
    if (const spec::Region* r = c.program.FindRegion("uops")) {
      for (uint64_t w = 0; w < r->bytes / uint64_t(s.uop_bytes); ++w) {
        uint64_t word = 0;
        for (int b = 0; b < s.uop_bytes; ++b)
          word |= uint64_t(c.program.dram[size_t(r->offset + w * uint64_t(s.uop_bytes)) + size_t(b)]) << (8 * b);
        const spec::Uop u = spec::DecodeUop(s.isa.uop, word);
        fmt::print("uop {:6}  dst={} src={} wgt={}\n", w, u.dst, u.src, u.wgt);
      }
    }
  }
  const std::unique_ptr<runtime::Device> dev = ctx.backends.Create(a.backend, s, runtime::DeviceOptions{a.board});
  const runtime::ProgramRun run = runtime::RunProgram(*dev, c.program);
  const reference::Tensor got = compiler::ReadOutput(l, c.program, run.dram, s);
  const reference::Tensor want = compiler::ReferenceOutput(l, ops, s);
  size_t mismatches = 0;
  for (size_t i = 0; i < got.data.size(); ++i) mismatches += got.data[i] != want.data[i];

  const compiler::ProgramStats st = compiler::Analyze(c.program, s);
  const compiler::Bounds b = compiler::BoundsFor(l.Macs(), st, s);
  const uint64_t cycles = run.stats.cycles;
  const double seconds = cycles ? double(cycles) / s.ClockHz() : 0.0;
  nlohmann::ordered_json j;
  j["layer"] = l.name;
  j["shape"] = l.Describe();
  j["config"] = s.tag;
  j["isa"] = spec::Name(l.isa);
  j["backend"] = a.backend;
  j["schedule"] = compiler::ToJson(sched);
  j["macs"] = l.Macs();
  j["instructions"] = c.program.insns.size();
  j["uop_kernels"] = c.uop_kernels;
  j["dram_bytes"] = st.DramBytes();
  j["gemm_uops"] = st.gemm_uops;
  j["ideal_cycles"] = b.ideal_cycles;
  j["memory_cycles"] = b.memory_cycles;
  j["roofline_cycles"] = b.roofline_cycles;
  j["memory_bound"] = b.memory_bound;
  j["cycles"] = cycles;
  if (cycles) {
    j["seconds"] = seconds;
    j["gops"] = 2.0 * double(l.Macs()) / seconds / 1e9;
    j["utilization_ideal"] = b.ideal_cycles / double(cycles);
    j["utilization_roofline"] = b.roofline_cycles / double(cycles);
  }
  j["wall_seconds"] = run.stats.wall_seconds;
  j["outputs"] = got.data.size();
  j["mismatches"] = mismatches;
  j["bit_exact"] = mismatches == 0;
  if (a.json) {
    PrintJson(j);
  } else {
    fmt::print("layer {}  ({})\n", l.name, l.Describe());
    fmt::print("configuration {}  {}x{}x{} GEMM, {}-bit bus, {} MHz  backend {}\n", s.tag, s.batch, s.block_in,
               s.block_out, s.bus_bits, s.config.clock_mhz, a.backend);
    fmt::print("schedule {}\n", compiler::ToString(sched));
    fmt::print("program: {} instructions, {} micro-op kernels, {} DRAM bytes moved, {} MACs\n", c.program.insns.size(),
               c.uop_kernels, st.DramBytes(), l.Macs());
    fmt::print("bounds: ideal {:.0f} cycles, memory {:.0f} cycles at {} B/cycle, roofline {:.0f} ({}-bound)\n",
               b.ideal_cycles, b.memory_cycles, s.bus_bytes, b.roofline_cycles, b.memory_bound ? "memory" : "compute");
    if (cycles) {
      fmt::print("cycles {}  time {:.3f} ms at {} MHz  {:.2f} GOPS\n", cycles, seconds * 1e3, s.config.clock_mhz,
                 2.0 * double(l.Macs()) / seconds / 1e9);
      fmt::print("utilization {:.3f} of ideal, {:.3f} of roofline\n", b.ideal_cycles / double(cycles),
                 b.roofline_cycles / double(cycles));
    } else {
      fmt::print("cycles n/a (the {} backend is untimed)\n", a.backend);
    }
    fmt::print("check: {} ({} outputs, {} mismatches) in {:.3f} s host time\n", mismatches ? "FAIL" : "bit-exact",
               got.data.size(), mismatches, run.stats.wall_seconds);
  }
  if (mismatches)
    throw ExecError(fmt::format("layer {}: {} of {} outputs differ from the reference on {}", l.name, mismatches,
                                got.data.size(), a.backend));
}

void ShowSpace(const LayerArgs& a) {
  const spec::Spec s = SpecFor(a.config);
  const compiler::ConvLayer l = LayerFor(a, s);
  const compiler::ScheduleSpace space(l, s);
  const compiler::Schedule def = compiler::DefaultSchedule(l, s);
  if (a.json) {
    nlohmann::ordered_json j;
    j["layer"] = l.name;
    j["config"] = s.tag;
    j["knobs"] = nlohmann::ordered_json::object();
    for (const compiler::SpaceKnob& k : space.knobs()) j["knobs"][k.name] = k.names;
    j["candidates"] = space.size();
    j["valid"] = space.CountValid();
    j["default"] = compiler::ToJson(def);
    if (a.list) {
      j["schedules"] = nlohmann::ordered_json::array();
      space.ForEachValid([&](uint64_t, const compiler::KnobIndices& p) {
        j["schedules"].push_back(compiler::ToJson(space.At(p)));
        return true;
      });
    }
    PrintJson(j);
    return;
  }
  fmt::print("layer {}  ({})  on {}\n", l.name, l.Describe(), s.tag);
  for (const compiler::SpaceKnob& k : space.knobs()) fmt::print("  {:<11} {}\n", k.name, fmt::join(k.names, " "));
  fmt::print("candidates {}  valid {}\n", space.size(), space.CountValid());
  fmt::print("default {}\n", compiler::ToString(def));
  if (a.list)
    space.ForEachValid([&](uint64_t, const compiler::KnobIndices& p) {
      fmt::print("{}\n", compiler::ToString(space.At(p)));
      return true;
    });
}

// Sampled search: the `top` candidates the cost model ranks best plus `random` others (seeded), each
// compiled and measured on the backend; the first run of each is checked bit-exactly.
void Search(const LayerArgs& a, const Context& ctx) {
  const spec::Spec s = SpecFor(a.config);
  const compiler::ConvLayer l = LayerFor(a, s);
  const std::vector<compiler::Schedule> valid = compiler::ScheduleSpace(l, s).AllValid();
  if (valid.empty()) throw UsageError(fmt::format("no valid schedule for {} on {}", l.Describe(), s.tag));
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t i = 0; i < valid.size(); ++i)
    ranked.emplace_back(compiler::EstimateCost(l, valid[i], s).cycles, i);
  std::sort(ranked.begin(), ranked.end());
  std::vector<size_t> picks;
  for (size_t i = 0; i < ranked.size() && int(picks.size()) < a.top; ++i) picks.push_back(ranked[i].second);
  std::mt19937_64 rng(a.seed);
  for (int i = 0; i < a.random && picks.size() < valid.size(); ++i) {
    const size_t k = size_t(rng() % valid.size());
    if (std::find(picks.begin(), picks.end(), k) == picks.end()) picks.push_back(k);
  }
  const compiler::ConvOperands ops = compiler::RandomOperands(l, s, a.seed);
  const reference::Tensor want = compiler::ReferenceOutput(l, ops, s);
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  double best_cycles = 0;
  nlohmann::ordered_json best;
  for (size_t k : picks) {
    const compiler::Schedule& sched = valid[k];
    const compiler::CompiledConv c = compiler::CompileConv(l, sched, s, ops);
    if (a.max_insns && c.program.insns.size() > a.max_insns) {
      if (!a.json)
        fmt::print("{:>10} skipped: {} instructions > --max-insns  {}\n", "-", c.program.insns.size(),
                   compiler::ToString(sched));
      continue;
    }
    const std::unique_ptr<runtime::Device> dev = ctx.backends.Create(a.backend, s, runtime::DeviceOptions{a.board});
    runtime::ProgramRun run;
    try {
      run = runtime::RunProgram(*dev, c.program);
    } catch (const Error& e) {
      throw ExecError(
          fmt::format("layer {} schedule {} on {}: {}", l.name, compiler::ToString(sched), a.backend, e.what()));
    }
    const bool exact = compiler::ReadOutput(l, c.program, run.dram, s) == want;
    if (!exact)
      throw ExecError(fmt::format("layer {} schedule {}: result differs from the reference on {}", l.name,
                                  compiler::ToString(sched), a.backend));
    const compiler::Bounds b = compiler::BoundsFor(l.Macs(), compiler::Analyze(c.program, s), s);
    const double est = compiler::EstimateCost(l, sched, s).cycles;
    const double cycles = run.stats.cycles ? double(run.stats.cycles) : est;  // untimed: the estimate
    nlohmann::ordered_json r;
    r["schedule"] = compiler::ToJson(sched);
    r["estimate"] = est;
    r["cycles"] = run.stats.cycles;
    r["utilization_ideal"] = b.ideal_cycles / cycles;
    r["utilization_roofline"] = b.roofline_cycles / cycles;
    r["memory_bound"] = b.memory_bound;
    if (!a.json)
      fmt::print("{:>10} cycles  util {:.3f} (roofline {:.3f})  est {:>10.0f}  {}\n", run.stats.cycles,
                 b.ideal_cycles / cycles, b.roofline_cycles / cycles, est, compiler::ToString(sched));
    if (best.is_null() || cycles < best_cycles) best_cycles = cycles, best = r;
    results.push_back(std::move(r));
  }
  if (results.empty()) throw UsageError("no candidate was measured (all longer than --max-insns?)");
  if (a.json) {
    nlohmann::ordered_json j;
    j["layer"] = l.name;
    j["config"] = s.tag;
    j["backend"] = a.backend;
    j["valid"] = valid.size();
    j["measured"] = results.size();
    j["best"] = best;
    j["results"] = results;
    PrintJson(j);
  } else {
    fmt::print("best of {} measured ({} valid): {} cycles, utilization {:.3f} of ideal, {:.3f} of roofline\n{}\n",
               results.size(), valid.size(), best["cycles"].get<uint64_t>(),
               best["utilization_ideal"].get<double>(), best["utilization_roofline"].get<double>(),
               best["schedule"].dump());
  }
}

void AddLayerOptions(CLI::App* c, LayerArgs& a) {
  c->add_option("--layer", a.layer, "Built-in layer <model>.<layer>, e.g. resnet18.C5 (see `dcoc layer list`)");
  c->add_option("--conv", a.conv, "Layer shape N,C,H,W,K,R,S,stride,pad");
  c->add_option("--kind", a.kind, "With --conv: conv2d, depthwise or dense")->capture_default_str();
  c->add_option("--config", a.config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  c->add_option("--shift", a.shift, "Requantization shift (default: from the layer's reduction size)");
  c->add_flag("--relu", a.relu, "Clamp the result at 0 (fused ReLU)");
  c->add_option("--isa", a.isa,
                "Instruction set: vta++ (all of VTA++) or vta (only what stock VTA bitstreams execute: no CLIP, MOV, "
                "MUL or min-value padding; the configuration must be one VTA has)")
      ->capture_default_str();
  c->add_flag("--json", a.json, "Machine-readable output");
}

}  // namespace

void RegisterLayerCommands(CLI::App& app, const Context& ctx) {
  static LayerArgs args;
  auto* layer =
      app.add_subcommand("layer", "Compile DNN layers to VTA++ programs, run and check them, show schedule spaces");
  layer->require_subcommand(1);

  auto* list = layer->add_subcommand("list", "The built-in layers (ResNet-18, VGG-16, AlexNet, MobileNetV1)");
  list->callback([] {
    for (const compiler::ConvLayer& l : compiler::BuiltinLayers())
      fmt::print("{:<20} {}\n", l.name, l.Describe().substr(l.name.size() + 2));
  });

  auto* run = layer->add_subcommand(
      "run", "Compile a layer, run it on a backend, check it bit-exactly, report cycles and utilization");
  AddLayerOptions(run, args);
  run->add_option("--schedule", args.schedule, "auto (the default heuristic), a JSON object, or a JSON file")
      ->capture_default_str();
  run->add_option("--backend", args.backend, "A backend of `dcoc backends` (fsim, verilator, ...)")->capture_default_str();
  run->add_option("--board", args.board, "Board whose memory timing the systemc backend models (boards/*.json)");
  run->add_option("--seed", args.seed, "Seed of the random operands")->capture_default_str();
  run->add_option("--save", args.save, "Also write the compiled program container (.prog) here");
  run->add_flag("--dump", args.dump, "Print the instructions (disassembled) and the micro-op region before running");
  run->callback([&ctx] { RunLayer(args, ctx); });

  auto* knobs = layer->add_subcommand(
      "knobs", "The schedule knobs of conv2d / depthwise / dense layers (Markdown, from the knob table)");
  knobs->callback([] { fmt::print("{}", compiler::KnobsMarkdown()); });

  auto* space =
      layer->add_subcommand("space", "The schedule knobs of a layer, their values and the size of the valid space");
  AddLayerOptions(space, args);
  space->add_flag("--list", args.list, "Also print every valid schedule");
  space->callback([] { ShowSpace(args); });

  auto* search = layer->add_subcommand(
      "search", "Sampled schedule search: the cost model's best candidates plus random ones, measured on a backend");
  AddLayerOptions(search, args);
  search->add_option("--backend", args.backend, "fsim (ranks by the cost model) or verilator (measures cycles)")
      ->capture_default_str();
  search->add_option("--board", args.board, "Board whose memory timing the systemc backend models (boards/*.json)");
  search->add_option("--top", args.top, "Candidates the cost model ranks best")->capture_default_str();
  search->add_option("--random", args.random, "Additional random valid candidates")->capture_default_str();
  search->add_option("--seed", args.seed, "Seed of the sampling and the operands")->capture_default_str();
  search->add_option("--max-insns", args.max_insns, "Skip candidates whose program is longer (0: no bound)")
      ->capture_default_str();
  search->callback([&ctx] { Search(args, ctx); });
}

}  // namespace dcoc::cli
