#include "host/model/tasks.h"

#include <fmt/format.h>

#include <map>

namespace dcoc::model {

std::string ShapeKey(const compiler::ConvLayer& l) {
  return fmt::format("{} {},{},{},{},{},{},{} s{}x{} p{}x{}", compiler::Name(l.kind), l.n, l.c, l.h, l.w, l.k, l.r, l.s,
                     l.stride_h, l.stride_w, l.pad_h, l.pad_w);
}

std::vector<Task> ExtractTasks(const QModel& m, const std::string& model_name) {
  std::vector<Task> tasks;
  std::map<std::string, size_t> index;
  for (const QOp& op : m.ops) {
    if (op.kind != QKind::kConv) continue;
    const std::string key = ShapeKey(op.conv);
    auto [it, fresh] = index.try_emplace(key, tasks.size());
    if (fresh) {
      Task t;
      t.name = fmt::format("{}.{}", model_name, op.name);
      t.key = key;
      t.layer = op.conv;
      t.layer.name = t.name;
      tasks.push_back(std::move(t));
    }
    Task& t = tasks[it->second];
    ++t.count;
    t.nodes.push_back(op.name);
  }
  return tasks;
}

nlohmann::ordered_json ToJson(const Task& t) {
  const compiler::ConvLayer& l = t.layer;
  nlohmann::ordered_json j;
  j["name"] = t.name;
  j["key"] = t.key;
  j["task_key"] = compiler::TaskKey(l);
  j["kind"] = compiler::Name(l.kind);
  if (l.stride_h == l.stride_w && l.pad_h == l.pad_w && l.r == l.s)
    j["conv"] = fmt::format("{},{},{},{},{},{},{},{},{}", l.n, l.c, l.h, l.w, l.k, l.r, l.s, l.stride_h, l.pad_h);
  j["layer"] = compiler::ToJson(l);
  j["macs"] = l.Macs();
  j["count"] = t.count;
  j["nodes"] = t.nodes;
  return j;
}

}  // namespace dcoc::model
