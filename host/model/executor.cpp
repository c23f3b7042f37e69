#include "host/model/executor.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "host/compiler/eltwise.h"
#include "host/compiler/errors.h"
#include "host/model/errors.h"
#include "host/model/float_exec.h"
#include "host/model/tasks.h"

namespace dcoc::model {

namespace {

QData IntData(Shape shape, reference::Tensor q) {
  QData d;
  d.shape = std::move(shape);
  d.q = std::move(q);
  return d;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Tensor Dequantize(const QData& d, int frac) {
  if (d.is_float) return d.f;
  Tensor t(d.shape);
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = float(std::ldexp(double(d.q.data[i]), -frac));
  return t;
}

QData QuantizeTensor(const Tensor& t, int frac, int bits) {
  const int32_t hi = (1 << (bits - 1)) - 1, lo = -hi - 1;
  QData d = IntData(t.shape, NchwView(t.shape, "tensor"));
  for (size_t i = 0; i < t.data.size(); ++i) d.q.data[i] = QuantizeValue(t.data[i], frac, lo, hi);
  return d;
}

Executor::Executor(const QModel& m, const spec::Spec& s, ExecOptions opts) : m_(m), spec_(s), opts_(std::move(opts)) {
  if (opts_.backend.empty()) return;
  if (!opts_.backends) throw UsageError(fmt::format("backend {} given without a backend registry", opts_.backend));
  if (!opts_.backends->Has(opts_.backend)) (void)opts_.backends->Create(opts_.backend, spec_);  // names the known ones
}

compiler::Schedule Executor::ScheduleFor(const compiler::ConvLayer& l) {
  if (opts_.schedule) return opts_.schedule(l);
  const std::string key = compiler::TaskKey(l);
  auto it = schedules_.find(key);
  if (it == schedules_.end()) {
    std::optional<compiler::Schedule> s;
    try {
      s = compiler::DefaultSchedule(l, spec_);
    } catch (const compiler::ScheduleError& e) {
      no_schedule_[key] = e.what();
    }
    it = schedules_.emplace(key, s).first;
  }
  if (!it->second) throw compiler::ScheduleError(no_schedule_[key]);
  return *it->second;
}

reference::Tensor Executor::Reference(const QOp& op, std::span<const QData* const> in) const {
  const reference::IntFormat f{spec_.acc_bits, spec_.out_bits};
  const reference::Tensor& x = in[0]->q;
  switch (op.kind) {
    case QKind::kConv: {
      const compiler::ConvLayer& l = op.conv;
      const reference::Conv2dAttrs a{l.stride_h, l.stride_w, l.pad_h, l.pad_w};
      if (l.kind == compiler::ConvKind::kDepthwise)
        return reference::DepthwiseConv2d(x, op.weights, op.bias, a, l.epilogue, f);
      if (l.kind == compiler::ConvKind::kDense) return reference::Dense(x, op.weights, op.bias, l.epilogue, f);
      return reference::Conv2d(x, op.weights, op.bias, a, l.epilogue, f);
    }
    case QKind::kAdd:
      return reference::Add(x, in[1]->q, op.epilogue, f);
    case QKind::kClamp:
      return reference::Clip(x, *op.epilogue.clip_lo, *op.epilogue.clip_hi, f);
    case QKind::kMaxPool:
      return reference::MaxPool2d(x, op.pool.r, op.pool.s, op.pool.attrs, f);
    case QKind::kAvgPool:
      return reference::AvgPool2d(x, op.pool.r, op.pool.s, op.pool.attrs, op.pool.mul, op.pool.shift, f);
    default:
      throw ModelError(fmt::format("op {} ({}) has no integer reference", op.name, Name(op.kind)));
  }
}

std::optional<reference::Tensor> Executor::OnDevice(const QOp& op, std::span<const QData* const> in, OpRecord& rec) {
  const auto t0 = std::chrono::steady_clock::now();
  spec::Program p;
  try {
    switch (op.kind) {
      case QKind::kConv: {
        compiler::ConvLayer l = op.conv;
        l.isa = opts_.isa;
        const compiler::Schedule sched = ScheduleFor(l);
        compiler::ConvOperands ops{in[0]->q, op.weights, op.bias};
        p = compiler::CompileConv(l, sched, spec_, ops).program;
        break;
      }
      case QKind::kAdd:
        p = compiler::CompileEltwise(compiler::EltwiseKind::kAdd, in[0]->q, &in[1]->q, op.epilogue, spec_, opts_.isa);
        break;
      case QKind::kClamp:
        p = compiler::CompileEltwise(compiler::EltwiseKind::kUnary, in[0]->q, nullptr, op.epilogue, spec_, opts_.isa);
        break;
      case QKind::kMaxPool:
      case QKind::kAvgPool: {
        compiler::PoolLayer pool = op.pool;
        pool.isa = opts_.isa;
        p = compiler::CompilePool(pool, in[0]->q, spec_);
        break;
      }
      default:
        return std::nullopt;
    }
  } catch (const UsageError& e) {
    // Not expressible on this configuration (no valid schedule, an immediate out of range, ...): the op
    // runs on the CPU and the run reports why.
    rec.cpu_reason = fmt::format("not offloadable on {}: {}", spec_.tag, e.what());
    return std::nullopt;
  }
  rec.compile_seconds = Seconds(t0);
  // A fresh device per program: the image sits at address 0, as `dcoc layer run` places it.
  const std::unique_ptr<runtime::Device> dev = opts_.backends->Create(opts_.backend, spec_);
  runtime::ProgramRun run;
  try {
    run = runtime::RunProgram(*dev, p, opts_.run);
  } catch (const Error& e) {
    throw ExecError(fmt::format("op {} ({}) on {}: {}", op.name, op.Describe(), opts_.backend, e.what()));
  }
  rec.on_device = true;
  rec.cycles = run.stats.cycles;
  rec.instructions = p.insns.size();
  const reference::Tensor& x = in[0]->q;
  if (op.kind == QKind::kConv) return compiler::ReadOutput(op.conv, p, run.dram, spec_);
  if (op.kind == QKind::kMaxPool || op.kind == QKind::kAvgPool)
    return compiler::ReadTensor(p, run.dram, op.pool.n, op.pool.c, op.pool.OutH(), op.pool.OutW(), spec_);
  return compiler::ReadTensor(p, run.dram, x.n, x.c, x.h, x.w, spec_);
}

QData Executor::RunOp(const QOp& op, std::span<const QData* const> in, OpRecord& rec) {
  const QValue& out = m_.values[size_t(op.output)];
  rec.name = op.name;
  rec.kind = op.kind;
  rec.macs = op.Macs();
  if (op.kind == QKind::kConv) {
    rec.task = ShapeKey(op.conv);
    rec.ideal_cycles = double(op.Macs()) / double(int64_t(spec_.batch) * spec_.block_in * spec_.block_out);
  }
  switch (op.kind) {
    case QKind::kReshape: {
      rec.cpu_reason = "layout only";
      QData d = *in[0];
      reference::Tensor v = NchwView(out.shape, out.name);
      v.data = std::move(d.q.data);
      return IntData(out.shape, std::move(v));
    }
    case QKind::kConcat: {
      rec.cpu_reason = "layout only";
      const int axis = op.node.attrs.axis;
      int64_t outer = 1, inner = 1;
      for (int i = 0; i < axis; ++i) outer *= out.shape[size_t(i)];
      for (size_t i = size_t(axis) + 1; i < out.shape.size(); ++i) inner *= out.shape[i];
      reference::Tensor v = NchwView(out.shape, out.name);
      const int64_t total = out.shape[size_t(axis)];
      int64_t offset = 0;
      for (const QData* t : in) {
        const int64_t d = t->shape[size_t(axis)];
        for (int64_t o = 0; o < outer; ++o)
          std::copy_n(t->q.data.begin() + std::ptrdiff_t(o * d * inner), d * inner,
                      v.data.begin() + std::ptrdiff_t((o * total + offset) * inner));
        offset += d;
      }
      return IntData(out.shape, std::move(v));
    }
    case QKind::kFloat: {
      rec.cpu_reason = op.cpu_reason;
      std::vector<Tensor> owned;
      owned.reserve(op.inputs.size());
      std::vector<const Tensor*> args;
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        if (op.constants[i]) {
          args.push_back(&*op.constants[i]);
        } else if (op.inputs[i] < 0) {
          args.push_back(nullptr);
        } else {
          owned.push_back(Dequantize(*in[i], m_.values[size_t(op.inputs[i])].frac));
          args.push_back(&owned.back());
        }
      }
      Tensor y = EvalNode(op.node, args);
      if (out.is_float) {
        QData d;
        d.shape = y.shape;
        d.f = std::move(y);
        d.is_float = true;
        return d;
      }
      return QuantizeTensor(y, out.frac, m_.bits);
    }
    default:
      break;
  }
  // An accelerator op: the CPU int8 reference, and the device when there is one.
  const auto t0 = std::chrono::steady_clock::now();
  reference::Tensor want = Reference(op, in);
  if (opts_.backend.empty()) {
    rec.cpu_reason = "CPU reference run";
    return IntData(out.shape, std::move(want));
  }
  std::optional<reference::Tensor> got = OnDevice(op, in, rec);
  rec.wall_seconds = Seconds(t0);
  rec.outputs = want.Size();
  if (!got) return IntData(out.shape, std::move(want));
  for (size_t i = 0; i < want.data.size(); ++i) rec.mismatches += got->data[i] != want.data[i];
  return IntData(out.shape, std::move(*got));
}

std::vector<Tensor> Executor::Run(std::span<const Tensor> inputs, std::vector<OpRecord>* records) {
  if (inputs.size() != m_.inputs.size())
    throw UsageError(fmt::format("model {} takes {} input(s), given {}", m_.name, m_.inputs.size(), inputs.size()));
  std::vector<std::optional<QData>> live(m_.values.size());
  std::vector<int> uses(m_.values.size(), 0);
  for (const QOp& op : m_.ops)
    for (int v : op.inputs)
      if (v >= 0) ++uses[size_t(v)];
  for (int v : m_.outputs) ++uses[size_t(v)];
  for (size_t i = 0; i < inputs.size(); ++i) {
    const QValue& v = m_.values[size_t(m_.inputs[i])];
    if (inputs[i].shape != v.shape)
      throw UsageError(
          fmt::format("input {} must have shape {}, given {}", v.name, ToString(v.shape), ToString(inputs[i].shape)));
    live[size_t(m_.inputs[i])] = QuantizeTensor(inputs[i], v.frac, m_.bits);
  }
  if (records) records->clear();
  for (const QOp& op : m_.ops) {
    std::vector<const QData*> in;
    for (int v : op.inputs) in.push_back(v >= 0 ? &*live[size_t(v)] : nullptr);
    OpRecord rec;
    QData out = RunOp(op, in, rec);
    for (int v : op.inputs)
      if (v >= 0 && --uses[size_t(v)] == 0) live[size_t(v)].reset();
    live[size_t(op.output)] = std::move(out);
    if (records) records->push_back(std::move(rec));
  }
  outputs_.clear();
  std::vector<Tensor> result;
  for (int v : m_.outputs) {
    outputs_.push_back(*live[size_t(v)]);
    result.push_back(Dequantize(outputs_.back(), m_.values[size_t(v)].frac));
  }
  return result;
}

}  // namespace dcoc::model
