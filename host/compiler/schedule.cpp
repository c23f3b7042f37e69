#include "host/compiler/schedule.h"

#include <fmt/format.h>

#include <array>
#include <type_traits>

#include "host/compiler/errors.h"

namespace dcoc::compiler {

namespace {

template <auto Member>
int Get(const Schedule& s) {
  return int(s.*Member);
}
template <auto Member>
void Set(Schedule& s, int v) {
  using T = std::remove_reference_t<decltype(s.*Member)>;
  s.*Member = T(v);
}

constexpr std::array<std::string_view, 2> kGemmLoopNames = {"spatial", "reduction"};
constexpr std::array<std::string_view, 2> kLoopOrderNames = {"oc_outer", "spatial_outer"};
constexpr std::array<std::string_view, 2> kBoolNames = {"false", "true"};

#define DCOC_INT_KNOB(member, domain, doc) \
  KnobDef { #member, KnobType::kInt, KnobDomain::domain, {}, &Get<&Schedule::member>, &Set<&Schedule::member>, doc }

const std::array<KnobDef, 12> kKnobs = {
    DCOC_INT_KNOB(tile_b, kBatchBlocks, "batch blocks per tile"),
    DCOC_INT_KNOB(tile_h, kOutRows, "output rows per tile"),
    DCOC_INT_KNOB(tile_w, kOutCols, "output columns per tile"),
    DCOC_INT_KNOB(tile_ci, kInBlocks, "input-channel blocks per reduction step"),
    DCOC_INT_KNOB(tile_co, kOutBlocks, "output-channel blocks per tile"),
    DCOC_INT_KNOB(tile_kh, kKernelRows,
                  "kernel rows per reduction step (0 in JSON means all R; lets large kernels fit small buffers)"),
    DCOC_INT_KNOB(tile_kw, kKernelCols, "kernel columns per reduction step (0 in JSON means all S)"),
    DCOC_INT_KNOB(h_nthread, kThreads,
                  "virtual threads over row tiles: each has its own accumulator slot and half of the input and "
                  "weight buffers, so one thread's loads and stores overlap the other's GEMM"),
    DCOC_INT_KNOB(oc_nthread, kThreads, "virtual threads over output-channel tiles (as h_nthread)"),
    KnobDef{"gemm_loop", KnobType::kEnum, KnobDomain::kEnum, kGemmLoopNames, &Get<&Schedule::gemm_loop>,
            &Set<&Schedule::gemm_loop>,
            "spatial: hardware loops over output rows x columns, micro-ops over the reduction; reduction: "
            "hardware loops over channel blocks x kernel rows, micro-ops over output pixels"},
    KnobDef{"loop_order", KnobType::kEnum, KnobDomain::kEnum, kLoopOrderNames, &Get<&Schedule::loop_order>,
            &Set<&Schedule::loop_order>,
            "oc_outer reuses weights across spatial tiles (VTA's template), spatial_outer reuses inputs across "
            "channel tiles"},
    KnobDef{"gather", KnobType::kBool, KnobDomain::kGather, kBoolNames, &Get<&Schedule::gather>,
            &Set<&Schedule::gather>,
            "load only the pixels a strided 1x1 kernel reads (one strided load per output row)"},
};

#undef DCOC_INT_KNOB

std::string KnownKeys() {
  std::string s;
  for (const KnobDef& k : kKnobs) s += fmt::format("{}{}", s.empty() ? "" : ", ", k.name);
  return s;
}

std::string Alternatives(const KnobDef& k) {
  std::string s;
  for (size_t i = 0; i < k.enum_names.size(); ++i)
    s += fmt::format("{}\"{}\"", i == 0 ? "" : i + 1 == k.enum_names.size() ? " or " : ", ", k.enum_names[i]);
  return s;
}

}  // namespace

std::string_view Describe(KnobDomain d) {
  switch (d) {
    case KnobDomain::kBatchBlocks:
      return "divisors of N / BATCH";
    case KnobDomain::kOutRows:
      return "divisors of OH";
    case KnobDomain::kOutCols:
      return "divisors of OW";
    case KnobDomain::kInBlocks:
      return "divisors of C / BLOCK_IN (1 for depthwise)";
    case KnobDomain::kOutBlocks:
      return "divisors of K / BLOCK_OUT";
    case KnobDomain::kKernelRows:
      return "divisors of R";
    case KnobDomain::kKernelCols:
      return "divisors of S";
    case KnobDomain::kThreads:
      return "1 or 2";
    case KnobDomain::kEnum:
      return "one of the names";
    case KnobDomain::kGather:
      return "false, or true for a 1x1 kernel with stride > 1 and no padding";
  }
  return "?";
}

std::string KnobDef::ValueName(int value) const {
  if (type == KnobType::kInt) return std::to_string(value);
  if (value < 0 || size_t(value) >= enum_names.size()) return fmt::format("<{} {}>", name, value);
  return std::string(enum_names[size_t(value)]);
}

std::span<const KnobDef> ScheduleKnobs() { return kKnobs; }

const KnobDef* FindKnob(std::string_view name) {
  for (const KnobDef& k : kKnobs)
    if (k.name == name) return &k;
  return nullptr;
}

std::string KnobsMarkdown() {
  std::string s;
  for (const KnobDef& k : kKnobs) {
    std::string values(Describe(k.domain));
    if (k.type == KnobType::kEnum) values = Alternatives(k);
    s += fmt::format("- `{}` — {}: {}\n", k.name, values, k.doc);
  }
  return s;
}

nlohmann::ordered_json ToJson(const Schedule& s) {
  nlohmann::ordered_json j;
  for (const KnobDef& k : kKnobs) {
    const int v = k.get(s);
    switch (k.type) {
      case KnobType::kInt:
        j[std::string(k.name)] = v;
        break;
      case KnobType::kEnum:
        j[std::string(k.name)] = k.ValueName(v);
        break;
      case KnobType::kBool:
        j[std::string(k.name)] = v != 0;
        break;
    }
  }
  return j;
}

std::string ToString(const Schedule& s) { return ToJson(s).dump(); }

Schedule ScheduleFromJson(const nlohmann::json& j) {
  if (!j.is_object()) throw ScheduleError(fmt::format("a schedule must be a JSON object, got {}", j.dump()));
  Schedule s;
  for (const auto& [key, v] : j.items()) {
    const KnobDef* k = FindKnob(key);
    if (!k) throw ScheduleError(fmt::format("unknown schedule key \"{}\" (known: {})", key, KnownKeys()));
    switch (k->type) {
      case KnobType::kInt: {
        if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX)
          throw ScheduleError(fmt::format("schedule key {} must be an integer, got {}", key, v.dump()));
        k->set(s, v.get<int>());
        break;
      }
      case KnobType::kEnum: {
        const std::string name = v.is_string() ? v.get<std::string>() : "";
        size_t i = 0;
        while (i < k->enum_names.size() && k->enum_names[i] != name) ++i;
        if (i == k->enum_names.size())
          throw ScheduleError(fmt::format("schedule key {} must be {}, got {}", key, Alternatives(*k), v.dump()));
        k->set(s, int(i));
        break;
      }
      case KnobType::kBool:
        if (!v.is_boolean())
          throw ScheduleError(fmt::format("schedule key {} must be true or false, got {}", key, v.dump()));
        k->set(s, v.get<bool>() ? 1 : 0);
        break;
    }
  }
  return s;
}

}  // namespace dcoc::compiler
