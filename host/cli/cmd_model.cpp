// dcoc model info|tasks|run: an ONNX model imported, quantized to int8 and run as a whole network on a
// backend, every offloaded layer checked bit-exactly against the CPU int8 reference.
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/model/executor.h"
#include "host/model/float_exec.h"
#include "host/model/pipeline.h"
#include "host/model/quantize.h"
#include "host/model/tasks.h"

namespace dcoc::cli {

namespace {

struct ModelArgs {
  std::string model, config = "default", backend = "fsim", input, schedules, weights = "tensor", isa = "vta++";
  uint64_t seed = 1;
  int64_t batch = 1;
  int calibration = 4, top = 5;
  bool json = false, quiet = false;
};

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

model::QuantOptions QuantFor(const ModelArgs& a) {
  model::QuantOptions q;
  if (a.weights == "channel")
    q.weights = model::WeightGranularity::kPerChannel;
  else if (a.weights != "tensor")
    throw UsageError(fmt::format("--weights {} is not \"tensor\" or \"channel\"", a.weights));
  return q;
}

// Import, fold, calibrate on `calib` inputs, quantize. Progress on stderr.
struct Loaded {
  model::PreparedModel prep;
  model::QModel q;
  std::vector<model::Task> tasks;
  double import_s = 0, calib_s = 0, quant_s = 0;
};

Loaded Load(const ModelArgs& a, const spec::Spec& s, const std::vector<std::vector<model::Tensor>>& calib_extra = {},
            std::optional<model::PreparedModel> prepared = std::nullopt) {
  Loaded l;
  double t = Now();
  l.prep = prepared ? std::move(*prepared) : model::PrepareModel(a.model, model::ImportOptions{a.batch});
  l.import_s = Now() - t;
  t = Now();
  std::vector<std::vector<model::Tensor>> calib = calib_extra;
  for (int i = 0; i < a.calibration; ++i)
    calib.push_back(model::RandomInputs(l.prep.graph, a.seed + 1000 + uint64_t(i)));
  const model::Calibration c = model::Calibrate(l.prep.graph, calib);
  l.calib_s = Now() - t;
  t = Now();
  l.q = model::Quantize(l.prep.graph, c, s, QuantFor(a));
  l.tasks = model::ExtractTasks(l.q, l.prep.name);
  l.quant_s = Now() - t;
  return l;
}

void Info(const ModelArgs& a) {
  const spec::Spec s = SpecFor(a.config);
  const Loaded l = Load(a, s);
  const model::Graph& g = l.prep.graph;
  std::map<std::string, int> ops;
  for (const model::QOp& op : l.q.ops) ++ops[std::string(model::Name(op.kind))];
  int64_t macs = 0;
  for (const model::QOp& op : l.q.ops) macs += op.Macs();
  nlohmann::ordered_json j;
  j["model"] = l.prep.name;
  j["opset"] = g.opset;
  j["nodes"] = l.prep.nodes_imported;
  j["parameters"] = g.Parameters();
  j["macs"] = macs;
  j["batchnorms_folded"] = l.prep.passes.folded_batchnorms;
  j["batchnorms_as_depthwise"] = l.prep.passes.batchnorms_as_conv;
  for (int v : g.inputs) j["inputs"][g.values[size_t(v)].name] = g.values[size_t(v)].shape;
  for (int v : g.outputs) j["outputs"][g.values[size_t(v)].name] = g.values[size_t(v)].shape;
  j["tasks"] = l.tasks.size();
  nlohmann::ordered_json plan = nlohmann::ordered_json::array();
  for (const model::QOp& op : l.q.ops) {
    nlohmann::ordered_json o;
    o["name"] = op.name;
    o["kind"] = model::Name(op.kind);
    o["where"] = op.Offloaded() ? "accelerator" : "cpu";
    if (!op.Offloaded()) o["why"] = op.kind == model::QKind::kFloat ? op.cpu_reason : "layout only";
    o["what"] = op.Describe();
    o["output_frac"] = l.q.values[size_t(op.output)].frac;
    plan.push_back(o);
  }
  j["ops"] = plan;
  if (a.json) return PrintJson(j);
  fmt::print("model {}  opset {}  {} nodes imported, {} BatchNorm folded, {} as depthwise\n", l.prep.name, g.opset,
             l.prep.nodes_imported, l.prep.passes.folded_batchnorms, l.prep.passes.batchnorms_as_conv);
  for (int v : g.inputs)
    fmt::print("input  {} {}\n", g.values[size_t(v)].name, model::ToString(g.values[size_t(v)].shape));
  for (int v : g.outputs)
    fmt::print("output {} {}\n", g.values[size_t(v)].name, model::ToString(g.values[size_t(v)].shape));
  fmt::print("{:.3f} M parameters, {:.3f} GMACs, {} ops after fusion, {} tasks\n", double(g.Parameters()) / 1e6,
             double(macs) / 1e9, l.q.ops.size(), l.tasks.size());
  for (const auto& [k, n] : ops) fmt::print("  {:8} {}\n", k, n);
  for (const model::QOp& op : l.q.ops)
    if (!op.Offloaded() && op.kind == model::QKind::kFloat)
      fmt::print("on the CPU: {} ({}): {}\n", op.name, op.node.op_type, op.cpu_reason);
}

void Tasks(const ModelArgs& a) {
  const spec::Spec s = SpecFor(a.config);
  const Loaded l = Load(a, s);
  if (a.json) {
    nlohmann::ordered_json j;
    j["model"] = l.prep.name;
    j["config"] = s.tag;
    j["tasks"] = nlohmann::ordered_json::array();
    for (const model::Task& t : l.tasks) j["tasks"].push_back(model::ToJson(t));
    nlohmann::ordered_json fixed = nlohmann::ordered_json::array();
    for (const model::QOp& op : l.q.ops)
      if (op.Offloaded() && op.kind != model::QKind::kConv) fixed.push_back({{"name", op.name}, {"op", op.Describe()}});
    j["fixed_ops"] = fixed;
    return PrintJson(j);
  }
  fmt::print("{} tasks of {} (unique conv2d / depthwise / dense shapes; tune each, one schedule per task)\n",
             l.tasks.size(), l.prep.name);
  for (const model::Task& t : l.tasks)
    fmt::print("  x{:<3} {:<44} {:>12} MACs  {}\n", t.count, t.key, t.layer.Macs(), t.name);
}

void Run(const ModelArgs& a, const runtime::Registry& backends) {
  const spec::Spec s = SpecFor(a.config);
  const double t0 = Now();
  // The input first (its shape comes from the model): calibrate on it too.
  model::PreparedModel probe = model::PrepareModel(a.model, model::ImportOptions{a.batch});
  const double import_s = Now() - t0;
  std::vector<model::Tensor> input;
  if (!a.input.empty()) {
    if (probe.graph.inputs.size() != 1) throw UsageError("--input takes a model with one input");
    input.push_back(model::LoadInput(a.input, probe.graph.values[size_t(probe.graph.inputs[0])].shape));
  } else {
    input = model::RandomInputs(probe.graph, a.seed);
  }
  Loaded l = Load(a, s, {input}, std::move(probe));
  l.import_s = import_s;
  model::ScheduleTable table;
  if (!a.schedules.empty()) {
    table = model::ScheduleTable::Load(a.schedules);
    table.CheckCovers(l.tasks);
  }
  const double prep_s = Now() - t0;
  if (!a.quiet && !a.json)
    fmt::print(stderr, "model {}: imported in {:.2f} s, calibrated in {:.2f} s, quantized in {:.2f} s\n", l.prep.name,
               l.import_s, l.calib_s, l.quant_s);
  const std::vector<model::Tensor> fout = model::RunFloat(l.prep.graph, input);
  model::ExecOptions o;
  o.isa = spec::IsaFromName(a.isa);
  o.backend = a.backend;
  o.backends = &backends;
  o.schedule = model::MakeScheduleFn(table, l.tasks, s);
  model::Executor dev(l.q, s, o);
  std::vector<model::OpRecord> recs;
  const double t1 = Now();
  const std::vector<model::Tensor> out = dev.Run(input, &recs);
  const double run_s = Now() - t1;
  const model::RunTotals tot = model::Totals(recs);
  const double clock = s.ClockHz();
  const double latency = tot.cycles ? double(tot.cycles) / clock : 0.0;

  nlohmann::ordered_json j;
  j["model"] = l.prep.name;
  j["config"] = s.tag;
  j["isa"] = a.isa;
  j["backend"] = a.backend;
  j["batch"] = a.batch;
  j["schedules"] = a.schedules.empty() ? "default" : a.schedules;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const model::OpRecord& r : recs) {
    nlohmann::ordered_json x;
    x["name"] = r.name;
    x["kind"] = model::Name(r.kind);
    x["where"] = r.on_device ? a.backend : "cpu";
    if (!r.on_device) x["why"] = r.cpu_reason;
    if (!r.task.empty()) x["task"] = r.task;
    x["macs"] = r.macs;
    x["cycles"] = r.cycles;
    if (r.ideal_cycles > 0) x["ideal_cycles"] = r.ideal_cycles;
    if (r.on_device) {
      x["instructions"] = r.instructions;
      x["outputs"] = r.outputs;
      x["mismatches"] = r.mismatches;
      x["bit_exact"] = r.mismatches == 0;
    }
    layers.push_back(x);
  }
  j["layers"] = layers;
  j["cycles"] = tot.cycles;
  j["conv_cycles"] = tot.conv_cycles;
  j["ideal_cycles"] = tot.ideal_cycles;
  j["macs"] = tot.macs;
  j["clock_mhz"] = s.config.clock_mhz;
  if (tot.cycles) {
    j["latency_seconds"] = latency;
    j["inferences_per_second"] = double(a.batch) / latency;
    j["utilization"] = tot.ideal_cycles / double(tot.cycles);
    j["conv_utilization"] = tot.conv_cycles ? tot.ideal_cycles / double(tot.conv_cycles) : 0.0;
  }
  j["ops_on_device"] = tot.on_device;
  j["ops_on_cpu"] = tot.on_cpu;
  j["outputs_checked"] = tot.outputs_checked;
  j["mismatches"] = tot.mismatches;
  j["bit_exact"] = tot.mismatches == 0;
  j["prepare_seconds"] = prep_s;
  j["run_seconds"] = run_s;
  // A classifier: top classes of the float model and of the accelerator's int8 run.
  const bool classifier = out.size() == 1 && out[0].shape.size() == 2 && out[0].shape[1] > 1;
  if (classifier) {
    nlohmann::ordered_json top = nlohmann::ordered_json::array();
    for (int64_t n = 0; n < out[0].shape[0]; ++n) {
      nlohmann::ordered_json row;
      for (const auto& [c, v] : model::TopK(out[0], n, a.top)) row["int8"].push_back({{"class", c}, {"value", v}});
      for (const auto& [c, v] : model::TopK(fout[0], n, a.top)) row["float"].push_back({{"class", c}, {"value", v}});
      top.push_back(row);
    }
    j["top"] = top;
  }
  if (a.json) {
    PrintJson(j);
  } else {
    fmt::print("model {}  configuration {} ({}x{}x{} GEMM, {} MHz)  backend {}  batch {}\n", l.prep.name, s.tag,
               s.batch, s.block_in, s.block_out, s.config.clock_mhz, a.backend, a.batch);
    fmt::print("{:<48} {:<8} {:>10} {:>10} {:>6}  {}\n", "op", "kind", "cycles", "ideal", "util", "check");
    for (const model::OpRecord& r : recs) {
      const std::string name = r.name.size() > 48 ? "..." + r.name.substr(r.name.size() - 45) : r.name;
      if (!r.on_device) {
        fmt::print("{:<48} {:<8} {:>10} {:>10} {:>6}  cpu: {}\n", name, model::Name(r.kind), "-", "-", "-",
                   r.cpu_reason);
        continue;
      }
      const std::string ideal = r.ideal_cycles > 0 ? fmt::format("{:.0f}", r.ideal_cycles) : "-";
      const std::string util =
          r.ideal_cycles > 0 && r.cycles ? fmt::format("{:.3f}", r.ideal_cycles / double(r.cycles)) : "-";
      fmt::print("{:<48} {:<8} {:>10} {:>10} {:>6}  {}\n", name, model::Name(r.kind),
                 r.cycles ? std::to_string(r.cycles) : "n/a", ideal, util,
                 r.mismatches ? fmt::format("MISMATCH ({} of {})", r.mismatches, r.outputs) : "bit-exact");
    }
    if (tot.cycles) {
      fmt::print("total {} cycles ({} in conv/dense, ideal {:.0f}): {:.3f} ms at {} MHz, {:.1f} inferences/s\n",
                 tot.cycles, tot.conv_cycles, tot.ideal_cycles, latency * 1e3, s.config.clock_mhz,
                 double(a.batch) / latency);
      fmt::print("utilization {:.3f} of ideal over the whole network ({:.3f} over conv/dense)\n",
                 tot.ideal_cycles / double(tot.cycles),
                 tot.conv_cycles ? tot.ideal_cycles / double(tot.conv_cycles) : 0.0);
    } else {
      fmt::print("cycles n/a (the {} backend is untimed)\n", a.backend);
    }
    fmt::print("{} ops on {}, {} on the CPU; check: {} ({} outputs compared with the CPU int8 reference)\n",
               tot.on_device, a.backend, tot.on_cpu,
               tot.mismatches ? fmt::format("FAIL, {} mismatches in {} ops", tot.mismatches, tot.ops_mismatched)
                              : std::string("bit-exact"),
               tot.outputs_checked);
    if (classifier)
      for (int64_t n = 0; n < std::min<int64_t>(out[0].shape[0], 4); ++n) {
        std::string q, f;
        for (const auto& [c, v] : model::TopK(out[0], n, a.top)) q += fmt::format(" {}({:.3f})", c, v);
        for (const auto& [c, v] : model::TopK(fout[0], n, a.top)) f += fmt::format(" {}({:.3f})", c, v);
        fmt::print("top-{} [{}] int8:{}   float:{}\n", a.top, n, q, f);
      }
    fmt::print("host time: {:.2f} s to prepare, {:.2f} s to run\n", prep_s, run_s);
  }
  if (tot.mismatches)
    throw ExecError(fmt::format("model {}: {} outputs in {} ops differ from the CPU int8 reference on {}", l.prep.name,
                                tot.mismatches, tot.ops_mismatched, a.backend));
}

void AddCommon(CLI::App* c, ModelArgs& a) {
  c->add_option("model", a.model, "ONNX model file")->required()->check(CLI::ExistingFile);
  c->add_option("--config", a.config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  c->add_option("--batch", a.batch, "Value of a symbolic batch dimension")->capture_default_str();
  c->add_option("--calibration", a.calibration, "Random calibration inputs (besides the run's input)")
      ->capture_default_str();
  c->add_option("--weights", a.weights, "Weight quantization: tensor or channel")->capture_default_str();
  c->add_option("--seed", a.seed, "Seed of random inputs and calibration")->capture_default_str();
  c->add_flag("--json", a.json, "Machine-readable output");
}

}  // namespace

void RegisterModelCommands(CLI::App& app, const Context& ctx) {
  static ModelArgs a;
  auto* model = app.add_subcommand(
      "model", "ONNX models: import, int8 quantization, whole-network runs on a backend, tasks for the tuners");
  model->require_subcommand(1);
  auto* info = model->add_subcommand("info", "Inputs, outputs, parameters, MACs and where each op runs");
  AddCommon(info, a);
  info->callback([] { Info(a); });
  auto* tasks = model->add_subcommand(
      "tasks", "The unique offloadable layers (tuning tasks) with occurrence counts, as the tuners take them");
  AddCommon(tasks, a);
  tasks->callback([] { Tasks(a); });
  auto* run = model->add_subcommand(
      "run",
      "Run the whole network on a backend: per-layer cycles, their sum, latency and inferences/s at the board "
      "clock, utilization, the bit-exact check of every offloaded layer, top classes");
  AddCommon(run, a);
  run->add_option("--backend", a.backend, "fsim or verilator")->capture_default_str();
  run->add_option("--isa", a.isa,
                  "Instruction set: vta++ or vta (only what stock VTA bitstreams execute; ops it cannot express run "
                  "on the CPU, with the reason)")
      ->capture_default_str();
  run->add_option("--input", a.input, "Input tensor: a TensorProto .pb file or raw float32 (default: --random)");
  run->add_option("--random", a.seed, "Seed of a random input (the default input)");
  run->add_option("--schedules", a.schedules,
                  "JSON {\"<task name or key>\": {schedule}, ...} (see `dcoc model tasks`); others use the default");
  run->add_option("--top", a.top, "Classes to show for a classifier")->capture_default_str();
  run->add_flag("--quiet", a.quiet, "No progress lines");
  run->callback([&ctx] { Run(a, ctx.backends); });
}

}  // namespace dcoc::cli
