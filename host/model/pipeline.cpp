#include "host/model/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "host/compiler/check.h"
#include "host/compiler/errors.h"
#include "host/compiler/space.h"
#include "host/model/errors.h"
#include "host/spec/program.h"

namespace dcoc::model {

PreparedModel PrepareModel(const std::filesystem::path& onnx, const ImportOptions& opts) {
  PreparedModel m;
  m.name = onnx.stem().string();
  m.graph = LoadOnnx(onnx, opts);
  m.nodes_imported = int64_t(m.graph.nodes.size());
  m.passes = PrepareForQuantization(m.graph);
  return m;
}

std::vector<Task> ModelTasks(const std::filesystem::path& onnx, const spec::Spec& s, const ImportOptions& opts,
                             uint64_t seed) {
  const PreparedModel m = PrepareModel(onnx, opts);
  const std::vector<std::vector<Tensor>> calib{RandomInputs(m.graph, seed)};
  return ExtractTasks(Quantize(m.graph, Calibrate(m.graph, calib), s), m.name);
}

std::vector<Tensor> RandomInputs(const Graph& g, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<Tensor> in;
  for (int v : g.inputs) {
    Tensor t(g.values[size_t(v)].shape);
    for (float& x : t.data) x = d(rng);
    in.push_back(std::move(t));
  }
  return in;
}

Tensor LoadInput(const std::filesystem::path& path, const Shape& shape) {
  if (!std::filesystem::is_regular_file(path)) throw UsageError(fmt::format("{}: no such input file", path.string()));
  const std::vector<uint8_t> bytes = spec::ReadFile(path);
  const int64_t n = NumElements(shape, "input");
  if (path.extension() == ".pb") {
    Tensor t = ParseTensorProto(bytes, path.string());
    if (t.Size() != n)
      throw UsageError(fmt::format("{}: tensor {} has {} values, the model's input {} needs {}", path.string(),
                                   ToString(t.shape), t.Size(), ToString(shape), n));
    t.shape = shape;
    return t;
  }
  if (int64_t(bytes.size()) != n * 4)
    throw UsageError(
        fmt::format("{}: {} bytes; raw float32 input of shape {} needs {} bytes (or give a .pb "
                    "TensorProto)",
                    path.string(), bytes.size(), ToString(shape), n * 4));
  Tensor t(shape);
  std::memcpy(t.data.data(), bytes.data(), bytes.size());
  return t;
}

ScheduleTable ScheduleTable::Load(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path))
    throw UsageError(fmt::format("{}: no such schedules file", path.string()));
  const std::vector<uint8_t> bytes = spec::ReadFile(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("{}: malformed JSON: {}", path.string(), e.what()));
  }
  if (!j.is_object())
    throw UsageError(fmt::format("{}: must be an object {{\"<task name or key>\": {{schedule}}, ...}}", path.string()));
  ScheduleTable t;
  t.source_ = path.string();
  for (const auto& [key, v] : j.items()) {
    try {
      t.entries_[key] = compiler::ScheduleFromJson(v);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{}: task {}: {}", path.string(), key, e.what()));
    }
  }
  return t;
}

std::optional<compiler::Schedule> ScheduleTable::Find(const compiler::ConvLayer& l,
                                                      const std::vector<Task>& tasks) const {
  const std::string key = ShapeKey(l);
  if (auto it = entries_.find(key); it != entries_.end()) return it->second;
  for (const Task& t : tasks)
    if (t.key == key)
      if (auto it = entries_.find(t.name); it != entries_.end()) return it->second;
  return std::nullopt;
}

void ScheduleTable::CheckCovers(const std::vector<Task>& tasks) const {
  for (const auto& [key, s] : entries_) {
    const bool known =
        std::any_of(tasks.begin(), tasks.end(), [&](const Task& t) { return t.key == key || t.name == key; });
    if (!known) {
      std::string names;
      for (const Task& t : tasks) names += fmt::format("\n  {}  ({})", t.name, t.key);
      throw UsageError(fmt::format("{}: \"{}\" is not a task of this model; its tasks are:{}", source_, key, names));
    }
  }
}

ScheduleFn MakeScheduleFn(const ScheduleTable& table, const std::vector<Task>& tasks, const spec::Spec& s) {
  auto cache = std::make_shared<std::map<std::string, compiler::Schedule>>();
  return [table, tasks, &s, cache](const compiler::ConvLayer& l) {
    const std::string key = compiler::TaskKey(l);
    if (auto it = cache->find(key); it != cache->end()) return it->second;
    compiler::Schedule sched;
    if (const std::optional<compiler::Schedule> given = table.Find(l, tasks)) {
      const std::vector<compiler::Violation> bad = compiler::Check(l, *given, s);
      // A ModelError, not a ScheduleError: the executor falls back to the CPU only when no schedule
      // exists, never for a schedule the user gave.
      if (!bad.empty())
        throw ModelError(fmt::format("the schedule given for task {} is not valid on {}: {}: {}", ShapeKey(l), s.tag,
                                     bad[0].name, bad[0].message));
      sched = *given;
    } else {
      sched = compiler::DefaultSchedule(l, s);
    }
    cache->emplace(key, sched);
    return sched;
  };
}

RunTotals Totals(std::span<const OpRecord> records) {
  RunTotals t;
  for (const OpRecord& r : records) {
    t.cycles += r.cycles;
    t.macs += r.macs;
    if (r.kind == QKind::kConv && r.on_device) {
      t.conv_cycles += r.cycles;
      t.ideal_cycles += r.ideal_cycles;
    }
    (r.on_device ? t.on_device : t.on_cpu) += 1;
    if (r.on_device) t.outputs_checked += r.outputs;
    t.mismatches += r.mismatches;
    t.ops_mismatched += r.mismatches > 0;
    t.compile_seconds += r.compile_seconds;
  }
  return t;
}

std::vector<std::pair<int, float>> TopK(const Tensor& t, int64_t row, int k) {
  if (t.shape.size() < 2 || row >= t.shape[0]) return {};
  const int64_t classes = t.Size() / t.shape[0];
  std::vector<std::pair<int, float>> v;
  for (int64_t c = 0; c < classes; ++c) v.emplace_back(int(c), t.data[size_t(row * classes + c)]);
  const size_t n = std::min<size_t>(size_t(k), v.size());
  std::partial_sort(v.begin(), v.begin() + std::ptrdiff_t(n), v.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  v.resize(n);
  return v;
}

}  // namespace dcoc::model
