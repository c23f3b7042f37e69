#include "agents/dcoc/vta_problem.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "host/common/error.h"

namespace dcoc::agents::codesign {

namespace {

int spec::HwConfig::*MemberOf(std::string_view key) {
  for (const spec::KeyRange& r : spec::IntegerKeyRanges())
    if (r.key == key) return r.member;
  throw UsageError(fmt::format("dcoc: unknown hardware key {}", key));
}

const spec::KeyRange& RangeOf(std::string_view key) {
  for (const spec::KeyRange& r : spec::IntegerKeyRanges())
    if (r.key == key) return r;
  throw UsageError(fmt::format("dcoc: unknown hardware key {}", key));
}

float Log2n(double v, double max_log) { return float(std::log2(std::max(v, 1.0)) / max_log); }

}  // namespace

VtaProblem::VtaProblem(std::vector<VtaTask> tasks, spec::HwSpace space, boards::Board board)
    : tasks_(std::move(tasks)), space_(std::move(space)), board_(std::move(board)) {
  if (tasks_.empty()) throw UsageError("dcoc: no tasks to tune");
  model_ = &boards::ResourceModel::ForFamily(board_.family);
  for (const auto& [key, values] : space_.values) {
    KnobDesc d{key, {}};
    for (int v : values) d.values.push_back(std::to_string(v));
    hw_knobs_.push_back(d);
    const int b = space_.base.*MemberOf(key);
    const auto it = std::find(values.begin(), values.end(), b);
    if (it == values.end())
      throw UsageError(fmt::format("dcoc: the base configuration's {} = {} is not among the space's values", key, b));
    base_.push_back(int32_t(it - values.begin()));
  }
  for (const compiler::KnobDef& k : compiler::ScheduleKnobs()) sw_names_.emplace_back(k.name);

  // Action-head widths: the most values each knob takes for any task over the space's batch and block
  // sizes (the knobs' values depend on nothing else of the configuration; the buffers only decide whether
  // a combination is a valid configuration).
  max_values_.assign(sw_names_.size(), 1);
  const auto values_of = [&](std::string_view key) {
    for (const auto& [k, v] : space_.values)
      if (k == key) return v;
    return std::vector<int>{space_.base.*MemberOf(key)};
  };
  spec::HwConfig c = space_.base;
  for (int lb : values_of("LOG_BATCH"))
    for (int bi : values_of("LOG_BLOCK_IN"))
      for (int bo : values_of("LOG_BLOCK_OUT")) {
        c.log_batch = lb;
        c.log_block_in = bi;
        c.log_block_out = bo;
        std::optional<spec::Spec> s;
        for (int buffers : {0, 13}) {  // the base's buffers, else the smallest (encodable where larger are not)
          spec::HwConfig cb = c;
          if (buffers) cb.log_inp_buff_size = cb.log_wgt_buff_size = cb.log_acc_buff_size = buffers;
          try {
            s = spec::Spec::Create(cb);
            break;
          } catch (const ConfigError&) {
          }
        }
        if (!s) continue;
        for (const VtaTask& t : tasks_) {
          const auto& knobs = compiler::ScheduleKnobs();
          for (size_t k = 0; k < knobs.size(); ++k)
            max_values_[k] = std::max(max_values_[k], int(compiler::KnobValues(knobs[k], t.layer, *s).size()));
        }
      }
}

VtaProblem::~VtaProblem() = default;

VtaProblem::HwEntry& VtaProblem::Entry(const Point& hw) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(hw);
  if (it != entries_.end()) return *it->second;
  auto e = std::make_unique<HwEntry>();
  if (hw.size() != space_.values.size())
    throw UsageError(fmt::format("dcoc: hardware point has {} values, the space {} keys", hw.size(),
                                 space_.values.size()));
  spec::HwConfig c = space_.base;
  for (size_t k = 0; k < hw.size(); ++k) {
    const auto& [key, values] = space_.values[k];
    if (hw[k] < 0 || size_t(hw[k]) >= values.size())
      throw UsageError(fmt::format("dcoc: hardware knob {} index {} outside [0, {})", key, hw[k], values.size()));
    c.*MemberOf(key) = values[size_t(hw[k])];
  }
  try {
    (void)spec::Spec::Create(c);
    const boards::GemmChoice choice =
        boards::ChooseGemmMac(c, board_, [&](const spec::Spec& s) { return model_->Predict(s); });
    e->config = choice.config;
    e->spec = spec::Spec::Create(choice.config);
    e->resources = choice.resources;
    e->fit = choice.fit;
    e->spaces.resize(tasks_.size());
    e->adapters.resize(tasks_.size());
  } catch (const ConfigError&) {
    e->config.reset();
  }
  return *entries_.emplace(hw, std::move(e)).first->second;
}

std::optional<spec::HwConfig> VtaProblem::Config(const Point& hw) const { return Entry(hw).config; }

boards::Resources VtaProblem::ResourcesOf(const Point& hw) const { return Entry(hw).resources; }

size_t VtaProblem::HardwareFeatureSize() const { return space_.values.size() + boards::kNumResources; }

void VtaProblem::HardwareFeatures(const Point& hw, std::span<float> out) const {
  const HwEntry& e = Entry(hw);
  for (size_t k = 0; k < hw.size(); ++k) {
    const spec::KeyRange& r = RangeOf(space_.values[k].first);
    const int v = space_.values[k].second[size_t(hw[k])];
    out[k] = r.hi > r.lo ? float(v - r.lo) / float(r.hi - r.lo) : 0.0f;
  }
  for (int r = 0; r < boards::kNumResources; ++r)
    out[hw.size() + size_t(r)] = e.config ? float(std::min(e.fit.resources[size_t(r)].of_cap, 4.0)) : 4.0f;
}

std::vector<Penalty> VtaProblem::HardwarePenalties(const Point& hw) const {
  const HwEntry& e = Entry(hw);
  if (!e.config) return {{"invalid_config", 0}};
  std::vector<Penalty> out;
  for (boards::Resource r : e.fit.exceeded)
    out.push_back({std::string(boards::Name(r)), e.fit.Of(r).of_cap - 1});
  return out;
}

size_t VtaProblem::TaskFeatureSize() const { return 12; }

void VtaProblem::TaskFeatures(size_t task, std::span<float> out) const {
  const compiler::ConvLayer& l = tasks_[task].layer;
  const float f[12] = {Log2n(l.n, 4),
                       Log2n(l.c, 12),
                       Log2n(l.h, 10),
                       Log2n(l.w, 10),
                       Log2n(l.k, 12),
                       Log2n(l.r, 4),
                       Log2n(l.s, 4),
                       float(l.stride_h) / 4,
                       float(l.pad_h) / 4,
                       Log2n(l.OutH() * l.OutW(), 20),
                       Log2n(double(l.Macs()), 34),
                       l.kind == compiler::ConvKind::kConv2d ? 0.0f : 1.0f};
  std::copy(std::begin(f), std::end(f), out.begin());
}

Role VtaProblem::SoftwareKnobRole(size_t knob) const {
  return sw_names_[knob].starts_with("tile_") ? Role::kMapping : Role::kScheduling;
}

const Space& VtaProblem::SoftwareSpace(size_t task, const Point& hw) const {
  HwEntry& e = Entry(hw);
  if (!e.config) throw UsageError("dcoc: the hardware point is not a configuration");
  std::lock_guard lock(mu_);
  if (!e.adapters[task]) {
    e.spaces[task] = std::make_unique<compiler::ScheduleSpace>(tasks_[task].layer, *e.spec);
    e.adapters[task] = std::make_unique<ScheduleSpaceAdapter>(*e.spaces[task]);
    const auto& knobs = e.adapters[task]->Knobs();
    for (size_t k = 0; k < knobs.size(); ++k)
      if (int(knobs[k].values.size()) > max_values_[k])
        throw UsageError(fmt::format("dcoc: knob {} has {} values on {}, more than the {} planned", knobs[k].name,
                                     knobs[k].values.size(), tasks_[task].name, max_values_[k]));
  }
  return *e.adapters[task];
}

compiler::Schedule VtaProblem::ScheduleAt(size_t task, const Point& hw, const Point& sw) const {
  return static_cast<const ScheduleSpaceAdapter&>(SoftwareSpace(task, hw)).At(sw);
}

std::vector<Penalty> VtaProblem::SoftwarePenalties(size_t task, const Point& hw, const Point& sw) const {
  const auto& adapter = static_cast<const ScheduleSpaceAdapter&>(SoftwareSpace(task, hw));
  std::vector<Penalty> out;
  for (const compiler::Violation& v : adapter.schedules().Check(adapter.At(sw))) out.push_back({v.name, 0});
  return out;
}

void VtaProblem::SoftwareFeatures(size_t task, const Point& hw, const Point& sw, std::span<float> out) const {
  const auto& adapter = static_cast<const ScheduleSpaceAdapter&>(SoftwareSpace(task, hw));
  const auto& knobs = adapter.schedules().knobs();
  for (size_t k = 0; k < knobs.size(); ++k) {
    const size_t n = knobs[k].values.size();
    out[2 * k] = n > 1 ? float(sw[k]) / float(n - 1) : 0.0f;
    out[2 * k + 1] = Log2n(double(knobs[k].values[size_t(sw[k])]) + 1, 10);
  }
}

}  // namespace dcoc::agents::codesign
