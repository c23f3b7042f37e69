#include "host/measure/session.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "host/common/error.h"
#include "host/runtime/backends.h"

namespace dcoc::measure {

namespace {

std::string BestKey(const Request& r) {
  return fmt::format("{}|{}|{}", compiler::TaskKey(r.layer), ConfigHashHex(r.config), r.backend);
}

}  // namespace

Session::Session(SessionOptions opts, Database* db) : opts_(std::move(opts)), db_(db) {
  if (opts_.cycle_bound_factor < 0 || (opts_.cycle_bound_factor > 0 && opts_.cycle_bound_factor < 1))
    throw UsageError(fmt::format("cycle bound factor {} must be 0 (no bound) or at least 1", opts_.cycle_bound_factor));
  if (opts_.executor) {
    executor_ = opts_.executor;
  } else if (opts_.jobs > 0) {
    WorkerPoolOptions po = opts_.pool;
    po.jobs = opts_.jobs;
    executor_ = std::make_shared<WorkerPool>(po);
  } else {
    local_ = std::make_unique<Measurer>(runtime::BuiltinBackends());
  }
}

Session::~Session() = default;

uint64_t Session::BestCycles(const Request& r) const {
  uint64_t best = 0;
  if (auto it = best_.find(BestKey(r)); it != best_.end()) best = it->second;
  if (db_)
    if (std::optional<Measurement> m = db_->Best(compiler::TaskKey(r.layer), ConfigHashHex(r.config), r.backend))
      best = best ? std::min(best, m->cycles) : m->cycles;
  return best;
}

std::vector<Measurement> Session::Measure(std::vector<Request> batch, const std::function<void(const Progress&)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  // The bound is fixed for the whole batch from what was known when it began.
  if (opts_.cycle_bound_factor > 0) {
    std::map<std::string, uint64_t> bound;
    for (Request& r : batch) {
      const std::string k = BestKey(r);
      auto it = bound.find(k);
      if (it == bound.end()) {
        const uint64_t best = BestCycles(r);
        it = bound.emplace(k, best ? uint64_t(std::ceil(opts_.cycle_bound_factor * double(best))) : 0).first;
      }
      r.max_cycles = it->second;
    }
  }
  std::vector<std::optional<Measurement>> out(batch.size());
  size_t done = 0;
  auto report = [&](size_t i) {
    ++done;
    if (progress) progress(Progress{i, &*out[i], done, batch.size()});
  };
  auto record = [&](size_t i, Measurement m) {
    if (m.ok() && m.cycles > 0) {
      uint64_t& b = best_[BestKey(batch[i])];
      b = b ? std::min(b, m.cycles) : m.cycles;
    }
    if (m.memoized) {
      ++counts_.memoized;
    } else {
      ++counts_.measured;
      counts_.simulate_seconds += m.wall.simulate;
      if (db_) db_->Add(m, batch[i].layer, batch[i].config);
    }
    if (!m.ok()) ++counts_.failed;
    out[i] = std::move(m);
    report(i);
  };

  // Memoized answers first; the rest (deduplicated within the batch) goes to the workers.
  std::vector<Request> todo;
  std::vector<std::vector<size_t>> todo_for;  // requests answered by each measured one
  std::map<std::string, size_t> first;        // memo key -> index in todo
  for (size_t i = 0; i < batch.size(); ++i) {
    const MemoKey k = KeyOf(batch[i]);
    if (db_)
      if (std::optional<Measurement> m = db_->Lookup(k, batch[i].max_cycles)) {
        record(i, std::move(*m));
        continue;
      }
    const std::string flat = fmt::format("{}|{}|{}|{}|{}|{}", k.task, k.config_hash, k.rtl_hash, k.backend, k.schedule,
                                         batch[i].max_cycles);
    if (auto it = first.find(flat); it != first.end()) {
      todo_for[it->second].push_back(i);
      continue;
    }
    first.emplace(flat, todo.size());
    todo.push_back(batch[i]);
    todo_for.push_back({i});
  }
  auto arrived = [&](size_t t, const Measurement& m) {
    const std::vector<size_t>& idx = todo_for[t];
    record(idx[0], m);
    for (size_t j = 1; j < idx.size(); ++j) {
      Measurement again = m;
      again.memoized = true;  // the same point twice in one batch is measured once
      record(idx[j], std::move(again));
    }
  };
  if (!todo.empty()) {
    if (executor_) {
      executor_->Run(todo, arrived);
    } else {
      for (size_t t = 0; t < todo.size(); ++t) arrived(t, local_->Measure(todo[t]));
    }
  }
  counts_.wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<Measurement> result;
  result.reserve(out.size());
  for (auto& m : out) result.push_back(std::move(*m));
  return result;
}

}  // namespace dcoc::measure
