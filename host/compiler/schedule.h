// The schedule of a conv2d / depthwise / dense layer, and the one table that describes its knobs
// (name, Schedule member, how the candidate values follow from the layer, enum names). The table drives
// Schedule JSON in and out, the schedule space (space.h), the knob documentation (`dcoc layer space`,
// the README) and, through the space, what tuners see.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace dcoc::compiler {

enum class GemmLoop : uint8_t {
  kSpatial,    // hardware loops over output rows x columns; micro-ops over (ci, kh, kw, b, co)
  kReduction,  // hardware loops over input-channel blocks x kernel rows; micro-ops over (kw, b, co, h, w)
};
enum class LoopOrder : uint8_t { kOcOuter, kSpatialOuter };

struct Schedule {
  int tile_b = 1;      // batch blocks per tile (divides N/BATCH)
  int tile_h = 1;      // output rows per tile (divides OH)
  int tile_w = 1;      // output columns per tile (divides OW)
  int tile_ci = 1;     // input-channel blocks per reduction step (divides C/BLOCK_IN; 1 for depthwise)
  int tile_co = 1;     // output-channel blocks per tile (divides K/BLOCK_OUT)
  int tile_kh = 0;     // kernel rows per reduction step (divides R); 0 means R
  int tile_kw = 0;     // kernel columns per reduction step (divides S); 0 means S
  int h_nthread = 1;   // virtual threads over the h tiles (1 or 2)
  int oc_nthread = 1;  // virtual threads over the co tiles (1 or 2)
  GemmLoop gemm_loop = GemmLoop::kSpatial;
  LoopOrder loop_order = LoopOrder::kOcOuter;
  // 1x1 kernels with stride > 1 and no padding only: gather just the pixels the kernel reads (one
  // strided load per output row) instead of loading whole input rows. Less traffic, more loads.
  bool gather = false;

  bool operator==(const Schedule&) const = default;
};

// Where a knob's candidate values come from (space.h turns a domain into values for a layer).
enum class KnobDomain : uint8_t {
  kBatchBlocks,  // divisors of the batch blocks N / BATCH
  kOutRows,      // divisors of the output height OH
  kOutCols,      // divisors of the output width OW
  kInBlocks,     // divisors of the input-channel blocks C / BLOCK_IN (1 for depthwise)
  kOutBlocks,    // divisors of the output-channel blocks K / BLOCK_OUT
  kKernelRows,   // divisors of the kernel height R
  kKernelCols,   // divisors of the kernel width S
  kThreads,      // 1 or 2 virtual threads
  kEnum,         // every name of the enum
  kGather,       // false; also true where gather applies (1x1 kernel, stride > 1, no padding)
};
std::string_view Describe(KnobDomain d);

enum class KnobType : uint8_t { kInt, kEnum, kBool };

// One row of the knob table. Values are ints: enums by their underlying value, bools as 0/1.
struct KnobDef {
  std::string_view name;
  KnobType type;
  KnobDomain domain;
  std::span<const std::string_view> enum_names;  // kEnum: name of each value; kBool: "false", "true"
  int (*get)(const Schedule&);
  void (*set)(Schedule&, int);
  std::string_view doc;

  // The printable value ("7", "reduction", "true").
  std::string ValueName(int value) const;
};

// The knob table, in the order of JSON keys, space indices and feature vectors.
std::span<const KnobDef> ScheduleKnobs();
// nullptr when there is no knob of that name.
const KnobDef* FindKnob(std::string_view name);
// The knob list as Markdown ("- `tile_b` — divisors of ...: doc"), for the README and --help.
std::string KnobsMarkdown();

// Every knob by name; enums as names, gather as a bool.
nlohmann::ordered_json ToJson(const Schedule& s);
// Accepts any subset of the knobs (the rest keep their defaults); unknown keys and wrong types are
// ScheduleErrors naming the key and the value.
Schedule ScheduleFromJson(const nlohmann::json& j);
std::string ToString(const Schedule& s);

}  // namespace dcoc::compiler
