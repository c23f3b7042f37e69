// dcoc layer list|run|knobs|space|search: compile a DNN layer for a configuration, run it on a backend, check it
// bit-exactly against the host reference, and report cycles, GOPS and utilization; show the schedule
// space the tuners search.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "host/cli/cli_util.h"
#include "host/cli/farm_options.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/compiler/analysis.h"
#include "host/compiler/conv.h"
#include "host/compiler/workloads.h"
#include "host/measure/database.h"
#include "host/measure/measurer.h"
#include "host/measure/session.h"
#include "host/runtime/device.h"

namespace dcoc::cli {

namespace {

struct LayerArgs {
  std::string layer, conv, kind = "conv2d", config = "default", schedule = "auto", backend = "fsim", save, db;
  std::string isa = "vta++";
  std::string board;  // DeviceOptions::board: the memory timing a board-level backend (systemc) models
  uint64_t seed = 1;
  int top = 8, random = 4, jobs = -1;
  double cycle_bound = 0, timeout = 600;
  uint64_t max_insns = 0;
  bool json = false, list = false, relu = false, dump = false;
  int shift = -1;
  FarmOptions farm;
};

compiler::ConvLayer LayerFor(const LayerArgs& a, const spec::Spec& s) {
  if (a.layer.empty() == a.conv.empty())
    throw UsageError("give exactly one of --layer <model.layer> and --conv N,C,H,W,K,R,S,stride,pad");
  compiler::ConvLayer l = a.layer.empty() ? ParseConvOption(a.conv, a.kind) : compiler::FindLayer(a.layer);
  l.epilogue = compiler::DefaultEpilogue(l, s.out_bits);
  if (a.shift >= 0) l.epilogue.shift = a.shift;
  if (a.relu) l.epilogue.clip_lo = 0;
  l.isa = spec::IsaFromName(a.isa);
  return l;
}

compiler::Schedule ScheduleFor(const std::string& text, const std::string& db_path, const compiler::ConvLayer& l,
                               const spec::Spec& s) {
  if (text == "auto") return compiler::DefaultSchedule(l, s);
  if (text == "best") {
    if (db_path.empty()) throw UsageError("--schedule best needs --db <tuning database>");
    const measure::Database db(db_path, measure::Database::Mode::kReadOnly);
    const std::optional<measure::Measurement> best =
        db.Best(compiler::TaskKey(l), measure::ConfigHashHex(s.config));
    if (!best)
      throw UsageError(fmt::format("{} has no bit-exact timed record of {} on {} (task {})", db_path, l.Describe(),
                                   s.tag, compiler::TaskKey(l)));
    return best->schedule;
  }
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
  const compiler::Schedule sched = ScheduleFor(a.schedule, a.db, l, s);
  measure::Request req;
  req.layer = l;
  req.config = s.config;
  req.backend = a.backend;
  req.schedule = sched;
  req.timeout_seconds = a.timeout;
  req.seed = a.seed;
  measure::Artifacts art;
  req.board = a.board;
  const measure::Measurement m = measure::Measurer(ctx.backends).Measure(req, &art);
  if (m.status == measure::Status::kInvalidSchedule) {
    std::string why;
    for (size_t at = 0, next; at < m.error.size(); at = next + 1) {
      next = m.error.find('\n', at);
      if (next == std::string::npos) next = m.error.size();
      why += "\n  " + m.error.substr(at, next - at);
    }
    throw compiler::ScheduleError(
        fmt::format("invalid schedule {} for {} on {}:{}", compiler::ToString(sched), l.Describe(), s.tag, why));
  }
  if (m.status == measure::Status::kCompileError) throw Error(m.error);
  const compiler::CompiledConv& c = art.compiled;
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
  if (m.status == measure::Status::kRuntimeError || m.status == measure::Status::kTimeout)
    throw ExecError(fmt::format("layer {} on {}: {}", l.name, a.backend, m.error));
  const uint64_t mismatches = art.mismatches;

  const compiler::ProgramStats st = compiler::Analyze(c.program, s);
  const compiler::Bounds b = compiler::BoundsFor(l.Macs(), st, s);
  const uint64_t cycles = m.cycles;
  const double seconds = m.seconds;
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
  j["wall_seconds"] = m.wall.simulate;
  j["wall"] = {{"compile", m.wall.compile}, {"simulate", m.wall.simulate}, {"check", m.wall.check}};
  j["outputs"] = art.outputs;
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
    fmt::print("check: {} ({} outputs, {} mismatches) in {:.3f} s host time (compile {:.3f} s, check {:.3f} s)\n",
               mismatches ? "FAIL" : "bit-exact", art.outputs, mismatches, m.wall.simulate, m.wall.compile,
               m.wall.check);
  }
  if (mismatches)
    throw ExecError(fmt::format("layer {}: {} of {} outputs differ from the reference on {}", l.name, mismatches,
                                art.outputs, a.backend));
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

// Sampled search: the `top` candidates the cost model ranks best plus `random` others (seeded), measured
// through a session (worker processes, the tuning database's memoized records), each checked bit-exactly.
// Deterministic for a seed: re-running it with the same --db answers what was measured from the database
// and measures only the rest.
void Search(const LayerArgs& a, const Context& ctx) {
  const spec::Spec s = SpecFor(a.config);
  const compiler::ConvLayer l = LayerFor(a, s);
  if (!ctx.backends.Has(a.backend))
    throw UsageError(fmt::format("unknown backend \"{}\" (this build has: {})", a.backend,
                                 fmt::join(ctx.backends.Names(), ", ")));
  const compiler::ScheduleSpace space(l, s);
  std::vector<std::pair<double, uint64_t>> ranked;
  space.ForEachValid([&](uint64_t index, const compiler::KnobIndices& p) {
    const compiler::Estimate e = compiler::EstimateCost(l, space.At(p), s);
    if (a.max_insns == 0 || e.insns <= a.max_insns) ranked.emplace_back(e.cycles, index);
    return true;
  });
  if (ranked.empty())
    throw UsageError(fmt::format("no valid schedule for {} on {}{}", l.Describe(), s.tag,
                                 a.max_insns ? " within --max-insns" : ""));
  const size_t top = std::min(ranked.size(), size_t(std::max(0, a.top)));
  std::partial_sort(ranked.begin(), ranked.begin() + std::ptrdiff_t(top), ranked.end());
  std::vector<uint64_t> picks;
  for (size_t i = 0; i < top; ++i) picks.push_back(ranked[i].second);
  std::mt19937_64 rng(a.seed);
  for (int i = 0; i < a.random && picks.size() < ranked.size(); ++i) {
    const uint64_t k = ranked[size_t(rng() % ranked.size())].second;
    if (std::find(picks.begin(), picks.end(), k) == picks.end()) picks.push_back(k);
  }
  std::vector<measure::Request> reqs;
  for (uint64_t k : picks) {
    measure::Request r;
    r.layer = l;
    r.config = s.config;
    r.backend = a.backend;
    r.board = a.board;
    r.schedule = space.At(k);
    r.timeout_seconds = a.timeout;
    r.seed = a.seed;
    reqs.push_back(std::move(r));
  }

  std::unique_ptr<measure::Database> db;
  if (!a.db.empty()) db = std::make_unique<measure::Database>(a.db);
  measure::SessionOptions so;
  so.jobs = a.jobs < 0 ? std::max(1, int(std::thread::hardware_concurrency())) : a.jobs;
  so.cycle_bound_factor = a.cycle_bound;
  so.executor = FarmExecutor(a.farm);
  measure::Session session(so, db.get());
  const double ideal = double(l.Macs()) / double(s.MacsPerCycle());
  auto line = [&](const measure::Measurement& m) {
    if (m.ok())
      return fmt::format("{}  est {:>10.0f}{}  {}",
                         m.cycles ? fmt::format("{:>10} cycles  util {:.3f}", m.cycles, ideal / double(m.cycles))
                                  : fmt::format("{:>10}", "untimed"),
                         m.estimate_cycles, m.memoized ? "  (memoized)" : "", compiler::ToString(m.schedule));
    if (m.status == measure::Status::kCycleBound)
      return fmt::format("{:>10} cycles  (stopped at the cycle bound){}  {}", fmt::format(">{}", m.cycles),
                         m.memoized ? "  (memoized)" : "", compiler::ToString(m.schedule));
    return fmt::format("{:>10} {}{}  {}", "-", measure::Name(m.status), m.memoized ? " (memoized)" : "",
                       compiler::ToString(m.schedule));
  };
  const std::vector<measure::Measurement> results = session.Measure(reqs, [&](const measure::Progress& p) {
    if (!a.json) fmt::print("[{}/{}] {}\n", p.done, p.total, line(*p.measurement));
  });

  const measure::Measurement* best = nullptr;
  size_t failed = 0;
  for (const measure::Measurement& m : results) {
    if (m.status == measure::Status::kWrongAnswer || m.status == measure::Status::kRuntimeError) ++failed;
    if (m.ok() && (!best || m.Cost() < best->Cost())) best = &m;
  }
  if (a.json) {
    nlohmann::ordered_json j;
    j["layer"] = l.name;
    j["config"] = s.tag;
    j["backend"] = a.backend;
    j["valid"] = space.CountValid();
    j["measured"] = session.counts().measured;
    j["memoized"] = session.counts().memoized;
    if (best) j["best"] = measure::ToJson(*best);
    j["results"] = nlohmann::ordered_json::array();
    for (const measure::Measurement& m : results) {
      nlohmann::ordered_json r = measure::ToJson(m);
      r["memoized"] = m.memoized;
      if (m.ok() && m.cycles) r["utilization_ideal"] = ideal / double(m.cycles);
      j["results"].push_back(std::move(r));
    }
    PrintJson(j);
  } else if (best) {
    fmt::print("best of {} ({} measured, {} from the database; {} valid): {}\n", results.size(),
               session.counts().measured, session.counts().memoized, space.CountValid(), line(*best));
  }
  if (failed)
    throw ExecError(fmt::format("{} of {} candidates of {} failed on {} (wrong answer or runtime error; see above)",
                                failed, results.size(), l.name, a.backend));
  if (!best) throw UsageError(fmt::format("no candidate of {} ran to completion", l.name));
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
  run->add_option("--schedule", args.schedule,
                  "auto (the default heuristic), best (the best record in --db), a JSON object, or a JSON file")
      ->capture_default_str();
  run->add_option("--backend", args.backend, "A backend of `dcoc backends` (fsim, verilator, ...)")->capture_default_str();
  run->add_option("--board", args.board, "Board whose memory timing the systemc backend models (boards/*.json)");
  run->add_option("--seed", args.seed, "Seed of the random operands")->capture_default_str();
  run->add_option("--db", args.db, "Tuning database for --schedule best");
  run->add_option("--timeout", args.timeout, "Wall-clock limit of the run in seconds")->capture_default_str();
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
  search->add_option("--max-insns", args.max_insns,
                     "Skip candidates the estimate gives more instructions (0: no bound)")
      ->capture_default_str();
  search->add_option("--jobs", args.jobs, "Worker processes (default: the number of cores; 0: in this process)");
  search->add_option("--db", args.db, "Tuning database: memoized records answer, new ones are committed");
  search->add_option("--cycle-bound", args.cycle_bound,
                     "Stop runs at this factor times the best cycles known and record a lower bound (0: off)")
      ->capture_default_str();
  search->add_option("--timeout", args.timeout, "Wall-clock limit of each run in seconds")->capture_default_str();
  AddFarmOptions(search, args.farm);
  search->callback([&ctx] { Search(args, ctx); });
}

}  // namespace dcoc::cli
