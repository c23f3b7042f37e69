// dcoc model info|tasks|run: an ONNX model imported, quantized to int8 and run as a whole network on a
// backend, every offloaded layer checked bit-exactly against the CPU int8 reference.
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/compiler/check.h"
#include "host/measure/database.h"
#include "host/measure/measurement.h"
#include "host/model/accuracy.h"
#include "host/model/dataset.h"
#include "host/model/executor.h"
#include "host/model/float_exec.h"
#include "host/model/pipeline.h"
#include "host/model/quantize.h"
#include "host/model/tasks.h"

namespace dcoc::cli {

namespace {

struct ModelArgs {
  std::string model, config = "default", backend = "fsim", input, schedules, db, weights = "tensor", isa = "vta++";
  std::string data = std::string(model::kFashionMnistDir);
  uint64_t seed = 1;
  int64_t batch = 1, limit = 0, device_limit = 0, calibration_images = 512;
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

// The schedules for a run: a schedules file, and/or the best records of a tuning database. A database
// record serves every layer of the same shape (kind, sizes, strides, pads) on this configuration: its
// epilogue may differ from the model's (records of `dcoc layer search --layer resnet18.C2` serve the
// model's C2-shaped layers), which changes a few ALU cycles, not which schedules are valid.
model::ScheduleTable SchedulesFor(const ModelArgs& a, const std::vector<model::Task>& tasks, const spec::Spec& s,
                                  int* from_db) {
  model::ScheduleTable table;
  if (!a.schedules.empty()) {
    table = model::ScheduleTable::Load(a.schedules);
    table.CheckCovers(tasks);
  }
  if (!a.db.empty()) {
    const measure::Database db(a.db, measure::Database::Mode::kReadOnly);
    const std::string hash = measure::ConfigHashHex(s.config);
    std::map<std::string, measure::Measurement> best;  // shape key -> fastest ok record
    for (const measure::TaskSummary& t : db.Summaries()) {
      if (t.config_hash != hash || !t.best || t.best->cycles == 0) continue;
      const std::string key = model::ShapeKey(db.Layer(t.task));
      if (!best.count(key) || t.best->cycles < best[key].cycles) best[key] = *t.best;
    }
    for (const model::Task& t : tasks) {
      compiler::ConvLayer l = t.layer;
      l.isa = spec::IsaFromName(a.isa);
      if (auto it = best.find(t.key); it != best.end() && compiler::Valid(l, it->second.schedule, s)) {
        if (!table.Find(t.layer, tasks)) table.Set(t.key, it->second.schedule);  // a schedules file wins
        ++*from_db;
      }
    }
  }
  return table;
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
  int from_db = 0;
  const model::ScheduleTable table = SchedulesFor(a, l.tasks, s, &from_db);
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
  if (!a.db.empty()) {
    j["db"] = a.db;
    j["tasks_from_db"] = from_db;
  }
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
  j["import_seconds"] = l.import_s;
  j["calibration_seconds"] = l.calib_s;
  j["quantize_seconds"] = l.quant_s;
  j["compile_seconds"] = tot.compile_seconds;
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
    if (!a.db.empty())
      fmt::print(
          "schedules: {} of {} tasks from {}, the others {}\n", from_db, l.tasks.size(), a.db,
          a.schedules.empty() ? std::string("by the default heuristic") : "from " + a.schedules + " or by default");
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
    fmt::print(
        "host time: import {:.2f} s, calibrate {:.2f} s, quantize {:.2f} s, compile {:.2f} s (in the {:.2f} s run)\n",
        l.import_s, l.calib_s, l.quant_s, tot.compile_seconds, run_s);
  }
  if (tot.mismatches)
    throw ExecError(fmt::format("model {}: {} outputs in {} ops differ from the CPU int8 reference on {}", l.prep.name,
                                tot.mismatches, tot.ops_mismatched, a.backend));
}

void Accuracy(const ModelArgs& a, const runtime::Registry& backends) {
  const spec::Spec s = SpecFor(a.config);
  const model::ImageSet test = model::LoadIdx(a.data, "t10k"), train = model::LoadIdx(a.data, "train");
  model::AccuracyOptions o;
  o.batch = a.batch;
  o.limit = a.limit;
  o.device_limit = a.device_limit;
  o.calibration_images = a.calibration_images;
  o.backend = a.backend == "none" ? "" : a.backend;
  o.backends = &backends;
  o.isa = spec::IsaFromName(a.isa);
  o.quant = QuantFor(a);
  model::ScheduleTable table;
  if (!a.schedules.empty()) table = model::ScheduleTable::Load(a.schedules);
  o.schedule = model::MakeScheduleFn(table, {}, s);
  if (!a.quiet)
    o.progress = [&](int64_t done, int64_t total) {
      fmt::print(stderr, "\r{} of {} images", done, total);
      if (done == total) fmt::print(stderr, "\n");
    };
  const model::AccuracyResult r = model::EvaluateClassifier(a.model, test, train, s, o);
  nlohmann::ordered_json j;
  j["model"] = std::filesystem::path(a.model).stem().string();
  j["config"] = s.tag;
  j["weights"] = a.weights;
  j["calibration_images"] = std::min<int64_t>(a.calibration_images, train.count);
  j["images"] = r.images;
  j["float_accuracy"] = r.Pct(r.float_correct, r.images);
  j["int8_cpu_accuracy"] = r.Pct(r.int8_correct, r.images);
  j["float_int8_agreement"] = r.Pct(r.float_int8_agree, r.images);
  if (!o.backend.empty()) {
    j["backend"] = o.backend;
    j["isa"] = a.isa;
    j["device_images"] = r.device_images;
    j["int8_device_accuracy"] = r.Pct(r.device_correct, r.device_images);
    j["device_outputs_differing"] = r.device_differs;
    j["layer_mismatches"] = r.device.mismatches;
    j["cycles"] = r.device.cycles;
    if (r.device.cycles) {
      const double per_image = double(r.device.cycles) / double(r.device_runs * a.batch);
      j["cycles_per_image"] = per_image;
      j["inferences_per_second"] = s.ClockHz() / per_image;
      j["utilization"] = r.device.ideal_cycles / double(r.device.cycles);
    }
  }
  j["seconds"] = r.seconds;
  if (a.json) {
    PrintJson(j);
  } else {
    fmt::print("model {} on Fashion-MNIST test images, {} weights, calibrated on {} training images\n",
               j["model"].get<std::string>(), a.weights, j["calibration_images"].get<int64_t>());
    fmt::print("float     {:6.2f}%  ({} of {})\n", r.Pct(r.float_correct, r.images), r.float_correct, r.images);
    fmt::print("int8 CPU  {:6.2f}%  ({} of {}; same class as float on {:.2f}%)\n", r.Pct(r.int8_correct, r.images),
               r.int8_correct, r.images, r.Pct(r.float_int8_agree, r.images));
    if (!o.backend.empty()) {
      fmt::print("int8 {:<5}{:6.2f}%  ({} of {}); outputs identical to the CPU int8 reference on {} of {} images\n",
                 o.backend, r.Pct(r.device_correct, r.device_images), r.device_correct, r.device_images,
                 r.device_images - r.device_differs, r.device_images);
      if (r.device.cycles)
        fmt::print("{:.0f} cycles per image at batch {} ({:.0f} inferences/s at {} MHz), utilization {:.3f}\n",
                   double(r.device.cycles) / double(r.device_runs * a.batch), a.batch,
                   s.ClockHz() * double(r.device_runs * a.batch) / double(r.device.cycles), s.config.clock_mhz,
                   r.device.ideal_cycles / double(r.device.cycles));
    }
    fmt::print("{:.1f} s\n", r.seconds);
  }
  if (r.device_differs || r.device.mismatches)
    throw ExecError(fmt::format("{} images differ from the CPU int8 reference on {} ({} layer outputs)",
                                r.device_differs, o.backend, r.device.mismatches));
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
  run->add_option("--db", a.db, "Tuning database: each task's best record on this configuration (by layer shape)");
  run->add_option("--top", a.top, "Classes to show for a classifier")->capture_default_str();
  run->add_flag("--quiet", a.quiet, "No progress lines");
  run->callback([&ctx] { Run(a, ctx.backends); });
  auto* acc = model->add_subcommand(
      "accuracy",
      "Test-set accuracy of a Fashion-MNIST classifier: float, int8 on the CPU, int8 on a backend (whose outputs "
      "must equal the CPU int8 reference on every image)");
  AddCommon(acc, a);
  acc->add_option("--data", a.data, "Directory of the IDX files (dataset-fashion-mnist)")->capture_default_str();
  acc->add_option("--backend", a.backend, "fsim, verilator or none")->capture_default_str();
  acc->add_option("--isa", a.isa, "Instruction set on the backend: vta++ or vta (stock VTA's subset)")
      ->capture_default_str();
  acc->add_option("--limit", a.limit, "Test images (0: all 10,000)")->capture_default_str();
  acc->add_option("--device-limit", a.device_limit, "Of those, images also run on the backend (0: all)")
      ->capture_default_str();
  acc->add_option("--calibration-images", a.calibration_images, "First training images used for calibration")
      ->capture_default_str();
  acc->add_option("--schedules", a.schedules, "Schedules file, as for run");
  acc->add_flag("--quiet", a.quiet, "No progress");
  acc->callback([&ctx] {
    if (a.batch == 1) a.batch = 100;  // the accuracy run's default batch
    Accuracy(a, ctx.backends);
  });
}

}  // namespace dcoc::cli
