#include "host/compiler/space.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "host/common/error.h"
#include "host/compiler/errors.h"
#include "host/compiler/estimate.h"
#include "host/compiler/plan.h"

namespace dcoc::compiler {

std::vector<int> KnobValues(const KnobDef& k, const ConvLayer& layer, const spec::Spec& sp) {
  const Plan base(layer, Schedule{}, sp);
  switch (k.domain) {
    case KnobDomain::kBatchBlocks:
      return Divisors(base.nb);
    case KnobDomain::kOutRows:
      return Divisors(base.oh);
    case KnobDomain::kOutCols:
      return Divisors(base.ow);
    case KnobDomain::kInBlocks:
      return base.dw ? std::vector<int>{1} : Divisors(base.cb);
    case KnobDomain::kOutBlocks:
      return Divisors(base.kb);
    case KnobDomain::kKernelRows:
      return Divisors(layer.r);
    case KnobDomain::kKernelCols:
      return Divisors(layer.s);
    case KnobDomain::kThreads:
      return {1, 2};
    case KnobDomain::kEnum: {
      std::vector<int> v(k.enum_names.size());
      for (size_t i = 0; i < v.size(); ++i) v[i] = int(i);
      return v;
    }
    case KnobDomain::kGather:
      return GatherApplies(layer) ? std::vector<int>{0, 1} : std::vector<int>{0};
  }
  return {};
}

ScheduleSpace::ScheduleSpace(ConvLayer layer, const spec::Spec& sp) : layer_(std::move(layer)), spec_(sp) {
  layer_.Validate();
  for (const KnobDef& k : ScheduleKnobs()) {
    SpaceKnob sk;
    sk.def = &k;
    sk.name = std::string(k.name);
    sk.values = KnobValues(k, layer_, spec_);
    for (int v : sk.values) sk.names.push_back(k.ValueName(v));
    knobs_.push_back(std::move(sk));
  }
  stride_.assign(knobs_.size(), 1);
  for (size_t i = knobs_.size(); i-- > 0;) {
    stride_[i] = size_;
    size_ *= knobs_[i].values.size();
  }
}

void ScheduleSpace::CheckPoint(const KnobIndices& p) const {
  if (p.size() != knobs_.size())
    throw UsageError(fmt::format("a point of this schedule space has {} knob indices, got {}", knobs_.size(), p.size()));
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] < 0 || size_t(p[i]) >= knobs_[i].values.size())
      throw UsageError(fmt::format("knob {} index {} is out of range [0, {})", knobs_[i].name, p[i],
                                   knobs_[i].values.size()));
}

KnobIndices ScheduleSpace::Point(uint64_t index) const {
  if (index >= size_) throw UsageError(fmt::format("schedule index {} is out of range [0, {})", index, size_));
  KnobIndices p(knobs_.size());
  for (size_t i = 0; i < knobs_.size(); ++i) {
    p[i] = int32_t(index / stride_[i]);
    index %= stride_[i];
  }
  return p;
}

uint64_t ScheduleSpace::Index(const KnobIndices& p) const {
  CheckPoint(p);
  uint64_t index = 0;
  for (size_t i = 0; i < p.size(); ++i) index += uint64_t(p[i]) * stride_[i];
  return index;
}

Schedule ScheduleSpace::At(const KnobIndices& p) const {
  CheckPoint(p);
  Schedule s;
  for (size_t i = 0; i < p.size(); ++i) knobs_[i].def->set(s, knobs_[i].values[size_t(p[i])]);
  return s;
}

KnobIndices ScheduleSpace::PointOf(const Schedule& sched) const {
  const Schedule s = Normalize(layer_, sched);
  KnobIndices p(knobs_.size());
  for (size_t i = 0; i < knobs_.size(); ++i) {
    const int v = knobs_[i].def->get(s);
    const auto it = std::find(knobs_[i].values.begin(), knobs_[i].values.end(), v);
    if (it == knobs_[i].values.end())
      throw UsageError(fmt::format("schedule {}: {} = {} is not a candidate for {} (candidates: {})", ToString(sched),
                                   knobs_[i].name, knobs_[i].def->ValueName(v), layer_.Describe(),
                                   fmt::join(knobs_[i].names, " ")));
    p[i] = int32_t(it - knobs_[i].values.begin());
  }
  return p;
}

bool ScheduleSpace::Valid(const KnobIndices& p) const { return compiler::Valid(layer_, At(p), spec_); }
bool ScheduleSpace::Valid(const Schedule& s) const { return compiler::Valid(layer_, s, spec_); }
std::vector<Violation> ScheduleSpace::Check(const Schedule& s) const { return compiler::Check(layer_, s, spec_); }

std::vector<KnobIndices> ScheduleSpace::Neighbours(const KnobIndices& p, bool adjacent_only) const {
  CheckPoint(p);
  std::vector<KnobIndices> out;
  KnobIndices q = p;
  for (size_t i = 0; i < knobs_.size(); ++i) {
    const int32_t n = int32_t(knobs_[i].values.size());
    for (int32_t v = 0; v < n; ++v) {
      if (v == p[i] || (adjacent_only && std::abs(v - p[i]) != 1)) continue;
      q[i] = v;
      if (Valid(q)) out.push_back(q);
    }
    q[i] = p[i];
  }
  return out;
}

std::optional<KnobIndices> ScheduleSpace::Sample(std::mt19937_64& rng) const {
  // Rejection sampling is uniform and fast while valid points are not rare.
  constexpr int kTries = 4096;
  std::uniform_int_distribution<uint64_t> any(0, size_ - 1);
  for (int t = 0; t < kTries; ++t) {
    KnobIndices p = Point(any(rng));
    if (Valid(p)) return p;
  }
  const uint64_t n = CountValid();
  if (n == 0) return std::nullopt;
  uint64_t k = std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
  std::optional<KnobIndices> out;
  ForEachValid([&](uint64_t, const KnobIndices& p) {
    if (k-- > 0) return true;
    out = p;
    return false;
  });
  return out;
}

void ScheduleSpace::ForEachValid(const std::function<bool(uint64_t, const KnobIndices&)>& fn) const {
  KnobIndices p(knobs_.size(), 0);
  Schedule s = At(p);
  for (uint64_t index = 0; index < size_; ++index) {
    if (compiler::Valid(layer_, s, spec_) && !fn(index, p)) return;
    // Next point in mixed radix (last knob fastest), updating only the knobs that change.
    for (size_t i = knobs_.size(); i-- > 0;) {
      if (size_t(++p[i]) < knobs_[i].values.size()) {
        knobs_[i].def->set(s, knobs_[i].values[size_t(p[i])]);
        break;
      }
      p[i] = 0;
      knobs_[i].def->set(s, knobs_[i].values[0]);
    }
  }
}

uint64_t ScheduleSpace::CountValid() const {
  {
    std::lock_guard<std::mutex> lock(cache_->mu);
    if (cache_->valid_count) return *cache_->valid_count;
  }
  uint64_t n = 0;
  ForEachValid([&](uint64_t, const KnobIndices&) {
    ++n;
    return true;
  });
  std::lock_guard<std::mutex> lock(cache_->mu);
  cache_->valid_count = n;
  return n;
}

std::vector<Schedule> ScheduleSpace::AllValid() const {
  std::vector<Schedule> out;
  ForEachValid([&](uint64_t, const KnobIndices& p) {
    out.push_back(At(p));
    return true;
  });
  return out;
}

namespace {

// Integer knobs get their normalized index and log2 value; enum and bool knobs their normalized index.
std::vector<std::string> MakeFeatureNames() {
  std::vector<std::string> n;
  for (const KnobDef& k : ScheduleKnobs()) {
    n.push_back(fmt::format("{}.index", k.name));
    if (k.type == KnobType::kInt) n.push_back(fmt::format("{}.log2", k.name));
  }
  for (const char* f : {"log2.cycles", "log2.compute_cycles", "log2.memory_cycles", "log2.gemm_cycles",
                        "log2.alu_cycles", "log2.inp_bytes", "log2.wgt_bytes", "log2.acc_bytes", "log2.store_bytes",
                        "log2.load_insns", "log2.compute_insns", "log2.store_insns", "log2.bursts",
                        "log2.gemm_kernel_uops", "log2.tiles", "log2.steps", "memory_over_compute", "threads",
                        "inp_fill", "wgt_fill", "acc_fill", "uop_fill"})
    n.emplace_back(f);
  return n;
}

}  // namespace

std::span<const std::string> ScheduleSpace::FeatureNames() {
  static const std::vector<std::string> kNames = MakeFeatureNames();
  return kNames;
}

void ScheduleSpace::Features(const KnobIndices& p, std::span<float> out) const {
  if (out.size() != FeatureSize())
    throw UsageError(fmt::format("feature buffer holds {} floats, the schedule space has {} features", out.size(),
                                 FeatureSize()));
  const Schedule s = At(p);
  size_t f = 0;
  for (size_t i = 0; i < knobs_.size(); ++i) {
    const size_t n = knobs_[i].values.size();
    out[f++] = n > 1 ? float(p[i]) / float(n - 1) : 0.0f;
    if (knobs_[i].def->type == KnobType::kInt) out[f++] = float(std::log2(std::max(1, knobs_[i].values[size_t(p[i])])));
  }
  const Estimate e = EstimateCost(layer_, s, spec_);
  auto lg = [](double x) { return float(std::log2(1.0 + std::max(0.0, x))); };
  for (double x : {e.cycles, e.compute_cycles, e.memory_cycles, double(e.gemm_cycles), double(e.alu_cycles),
                   double(e.inp_bytes), double(e.wgt_bytes), double(e.acc_bytes), double(e.store_bytes),
                   double(e.load_insns), double(e.compute_insns), double(e.store_insns), double(e.bursts),
                   double(e.gemm_kernel_uops), double(e.tiles), double(e.steps)})
    out[f++] = lg(x);
  out[f++] = float(std::log2((e.memory_cycles + 1.0) / (e.compute_cycles + 1.0)));
  out[f++] = float(s.h_nthread * s.oc_nthread);
  for (double x : {e.inp_fill, e.wgt_fill, e.acc_fill, e.uop_fill}) out[f++] = float(x);
}

Schedule DefaultSchedule(const ConvLayer& layer, const spec::Spec& sp) {
  const ScheduleSpace space(layer, sp);
  std::optional<Schedule> best;
  double best_cost = 0;
  space.ForEachValid([&](uint64_t, const KnobIndices& p) {
    const Schedule s = space.At(p);
    const double c = EstimateCost(layer, s, sp).cycles;
    if (!best || c < best_cost) best = s, best_cost = c;
    return true;
  });
  if (!best) {
    std::string why;
    for (const Violation& v : compiler::Check(layer, Schedule{}, sp)) why += "; " + v.message;
    throw ScheduleError(
        fmt::format("no valid schedule for {} on {} (smallest tiles{})", layer.Describe(), sp.tag, why));
  }
  return *best;
}

}  // namespace dcoc::compiler
