// The schedule space of a layer on a configuration, as tuners address it: every knob of the knob table
// (schedule.h) with its candidate values for this layer; a point is one value index per knob, and the
// candidates are numbered in mixed radix (the last knob varies fastest). Valid points are found by the
// checker on demand: the space never materializes them (AllValid does, for tests and small spaces).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "host/compiler/check.h"
#include "host/compiler/layer.h"
#include "host/compiler/schedule.h"
#include "host/spec/hw_config.h"

namespace dcoc::compiler {

// One value index per knob, in the knob table's order (the same layout as agents::Point).
using KnobIndices = std::vector<int32_t>;

struct SpaceKnob {
  const KnobDef* def = nullptr;
  std::string name;
  std::vector<int> values;         // Schedule member values
  std::vector<std::string> names;  // printable values ("7", "reduction", "true")
};

// The candidate values of one knob for a layer on a configuration.
std::vector<int> KnobValues(const KnobDef& k, const ConvLayer& layer, const spec::Spec& spec);

class ScheduleSpace {
 public:
  // Throws UsageError for an invalid layer.
  ScheduleSpace(ConvLayer layer, const spec::Spec& spec);

  const ConvLayer& layer() const { return layer_; }
  const spec::Spec& spec() const { return spec_; }
  const std::vector<SpaceKnob>& knobs() const { return knobs_; }
  // Number of candidates (the product of the knobs' value counts): indices are [0, size()).
  uint64_t size() const { return size_; }

  // Index <-> point <-> schedule. Out-of-range indices and values that are not candidates of a knob
  // are UsageErrors naming the knob, the value and the candidates.
  KnobIndices Point(uint64_t index) const;
  uint64_t Index(const KnobIndices& p) const;
  Schedule At(const KnobIndices& p) const;
  Schedule At(uint64_t index) const { return At(Point(index)); }
  KnobIndices PointOf(const Schedule& s) const;  // tile_kh/tile_kw 0 are read as R/S
  uint64_t IndexOf(const Schedule& s) const { return Index(PointOf(s)); }

  // Validity through the checker (no messages built); Check gives every violation.
  bool Valid(const KnobIndices& p) const;
  bool Valid(const Schedule& s) const;
  std::vector<Violation> Check(const Schedule& s) const;

  // Valid points that differ from p in exactly one knob, by knob then value; with adjacent_only, only
  // the next smaller and larger value of each knob.
  std::vector<KnobIndices> Neighbours(const KnobIndices& p, bool adjacent_only = false) const;
  // A valid point drawn uniformly (rejection sampling, falling back to a scan when valid points are
  // rare); nullopt when the space has none.
  std::optional<KnobIndices> Sample(std::mt19937_64& rng) const;

  // Visits the valid points in index order; stops early when fn returns false.
  void ForEachValid(const std::function<bool(uint64_t index, const KnobIndices& p)>& fn) const;
  // Number of valid points (one scan of the candidates, remembered).
  uint64_t CountValid() const;
  // Every valid schedule, in index order. Materializes the valid set: for tests and small spaces.
  std::vector<Schedule> AllValid() const;

  // Cost-model features: normalized knob values, then what the analytic estimate knows about the
  // program (log-scaled cycles, DRAM bytes per buffer, instructions per module, bursts, buffer fills).
  // The layout is the same for every layer, so records of other tasks can train the same model.
  static std::span<const std::string> FeatureNames();
  static size_t FeatureSize() { return FeatureNames().size(); }
  void Features(const KnobIndices& p, std::span<float> out) const;

 private:
  void CheckPoint(const KnobIndices& p) const;

  ConvLayer layer_;
  spec::Spec spec_;
  std::vector<SpaceKnob> knobs_;
  std::vector<uint64_t> stride_;  // index stride of each knob
  uint64_t size_ = 1;
  struct Cache {
    std::mutex mu;
    std::optional<uint64_t> valid_count;
  };
  std::shared_ptr<Cache> cache_ = std::make_shared<Cache>();  // shared by copies (same space)
};

// The valid schedule the analytic estimate ranks best (the first in index order among equals).
// Throws ScheduleError when no schedule is valid.
Schedule DefaultSchedule(const ConvLayer& layer, const spec::Spec& spec);

}  // namespace dcoc::compiler
