// Runs a quantized model: the CPU int8 reference (host/reference's integer operators, sharing no code
// with the lowering) for every op, and — when a backend is given — every accelerator op compiled,
// run on the device (fsim, verilator, ...) and compared bit-exactly with the reference. The device's
// result feeds the next op, so a whole network runs on the accelerator with the host doing only what
// the accelerator cannot (layout changes, Softmax, fallbacks), and every op says where it ran and why.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/compiler/conv.h"
#include "host/model/quantize.h"
#include "host/reference/reference.h"
#include "host/runtime/device.h"
#include "host/runtime/registry.h"

namespace dcoc::model {

// A quantized tensor: int values (NCHW view, see QValue) or a float tensor.
struct QData {
  Shape shape;
  reference::Tensor q;
  Tensor f;
  bool is_float = false;
};

// What one op did in one run.
struct OpRecord {
  std::string name;
  QKind kind = QKind::kFloat;
  bool on_device = false;  // ran on the backend (otherwise: on the CPU)
  std::string cpu_reason;  // why it ran on the CPU
  std::string task;        // conv ops: the task key (tasks.h)
  int64_t macs = 0;
  uint64_t cycles = 0;      // device cycles (0 on untimed backends)
  double ideal_cycles = 0;  // MACs / (BATCH x BLOCK_IN x BLOCK_OUT)
  uint64_t instructions = 0;
  int64_t outputs = 0;
  int64_t mismatches = 0;      // device result against the CPU int8 reference
  double compile_seconds = 0;  // host time to compile the op's program (schedule choice included)
  double wall_seconds = 0;     // host time of reference + compile + run
};

// Picks the schedule of a conv layer (default: the compiler's DefaultSchedule, computed once per task).
using ScheduleFn = std::function<compiler::Schedule(const compiler::ConvLayer&)>;

struct ExecOptions {
  std::string backend;                          // "" runs everything on the CPU reference
  const runtime::Registry* backends = nullptr;  // where `backend` comes from (needed when it is set)
  ScheduleFn schedule;
  runtime::RunOptions run;
  spec::Isa isa = spec::Isa::kVtaPlus;  // compile for VTA++ or for stock VTA's subset
};

class Executor {
 public:
  Executor(const QModel& m, const spec::Spec& s, ExecOptions opts = {});
  // Quantizes the float inputs (one per model input), runs every op and returns the model outputs
  // (int8 outputs dequantized). `records` receives one record per op when given.
  std::vector<Tensor> Run(std::span<const Tensor> inputs, std::vector<OpRecord>* records = nullptr);
  // The raw quantized outputs of the last Run.
  const std::vector<QData>& Outputs() const { return outputs_; }

 private:
  QData RunOp(const QOp& op, std::span<const QData* const> in, OpRecord& rec);
  reference::Tensor Reference(const QOp& op, std::span<const QData* const> in) const;
  std::optional<reference::Tensor> OnDevice(const QOp& op, std::span<const QData* const> in, OpRecord& rec);
  compiler::Schedule ScheduleFor(const compiler::ConvLayer& l);

  const QModel& m_;
  const spec::Spec& spec_;
  ExecOptions opts_;
  std::map<std::string, std::optional<compiler::Schedule>> schedules_;  // by task key; nullopt: none valid
  std::map<std::string, std::string> no_schedule_;                      // task key -> why
  std::vector<QData> outputs_;
};

// Dequantized float view of a quantized tensor.
Tensor Dequantize(const QData& d, int frac);
// A float tensor as int values of exponent `frac` (clamped to `bits`).
QData QuantizeTensor(const Tensor& t, int frac, int bits);

}  // namespace dcoc::model
